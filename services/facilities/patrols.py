"""Patrols (安全巡查, 控烟巡查): routes of checkpoints with QR labels, schedules, patrols planned
from them, a guard's scans, missed checkpoints and patrols flagged when their window ends, and
findings that open a repair or a rectification. A mixin of ``FacilitiesService``."""
from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from nameko.timer import timer
from sqlalchemy import func, select

from services.facilities import contract, domain
from services.facilities import upkeep_repository as repository
from services.facilities import upkeep_rules as rules
from services.facilities.models import Building, Checkpoint, Patrol, PatrolFinding, PatrolRoute, PatrolScan, PatrolSchedule, Repair
from services.facilities.settings import SETTINGS, UPKEEP
from services.facilities.base import FacilitiesBase, columns
from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict, Forbidden, NotFound
from services.kit.schemas import PageQuery, check_not_future, load, page_of

READERS, MANAGERS, GUARDS = contract.PATROL_READERS, contract.PATROL_MANAGERS, contract.GUARDS
FINDING_READERS = contract.FINDING_READERS

route_out = contract.PatrolRoute()
checkpoint_out = contract.Checkpoint()
schedule_out = contract.PatrolSchedule()
patrol_out = contract.Patrol()
finding_out = contract.PatrolFinding()


def route_view(route: PatrolRoute) -> dict:
    return route_out.dump({**columns(route), "checkpoints": [columns(c) for c in route.checkpoints]})


def patrol_view(patrol: Patrol, route: PatrolRoute) -> dict:
    names = {checkpoint.id: checkpoint.name for checkpoint in route.checkpoints}
    return patrol_out.dump({
        **columns(patrol), "route": route.name, "checkpoints": len(names),
        "scans": [{"checkpoint_id": s.checkpoint_id, "checkpoint": names.get(s.checkpoint_id, "?"),
                   "scanned_at": s.scanned_at, "guard": s.guard} for s in patrol.scans],
        "missed_names": [names.get(checkpoint_id, "?") for checkpoint_id in patrol.missed or []],
        "flagged": patrol.status in ("missed", "incomplete")})


def finding_view(finding: PatrolFinding, repair_status: str | None, today) -> dict:
    closed = rules.finding_closed(finding.opens, finding.status, repair_status)
    overdue = (finding.opens == "rectification" and not closed and finding.status == "open"
               and finding.deadline_on is not None and finding.deadline_on < today)
    return finding_out.dump({**columns(finding), "closed": closed, "overdue": overdue})


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class PatrolRpc(FacilitiesBase):
    @timer(interval=UPKEEP.upkeep_check_interval)
    def keep_up_patrols(self):
        """The schedules' patrols planned; a patrol whose window ended flagged the same day."""
        self._plan_patrols()
        self._close_patrols()

    # routes and checkpoints --------------------------------------------------------
    @rpc
    def create_patrol_route(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.PatrolRouteCreate(), payload)
        if data["building_id"] is not None:
            get_or_404(self.db.session, Building, data["building_id"], "building")
        route = PatrolRoute(**data, active=True)
        self.db.session.add(route)
        self.db.audit("create", route)
        self.db.session.flush()
        return route_view(route)

    @rpc(reads_only=True)
    def list_patrol_routes(self, query=None):
        self.call.caller.require(*READERS)
        q = load(contract.PatrolRouteQuery(), query or {})
        statement = select(PatrolRoute).order_by(PatrolRoute.site, PatrolRoute.id)
        for key in ("kind", "site"):
            if q.get(key):
                statement = statement.where(getattr(PatrolRoute, key) == q[key])
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([route_view(item) for item in items], total)

    @rpc(reads_only=True)
    def get_patrol_route(self, route_id):
        self.call.caller.require(*READERS)
        return route_view(self._patrol_route(route_id))

    @rpc
    def add_checkpoint(self, route_id, payload):
        """A checkpoint, last on the route, with the token its QR label carries."""
        self.call.caller.require(*MANAGERS)
        data = load(contract.CheckpointCreate(), payload)
        route = self._patrol_route(route_id)
        position = (self.db.session.scalar(select(func.max(Checkpoint.position))
                                           .where(Checkpoint.route_id == route.id)) or 0) + 1
        checkpoint = Checkpoint(route_id=route.id, position=position, token=secrets.token_urlsafe(12), **data)
        self.db.session.add(checkpoint)
        self.db.audit("create", checkpoint)
        self.db.session.flush()
        return checkpoint_out.dump(columns(checkpoint))

    @rpc(reads_only=True)
    def get_checkpoint(self, token):
        """What a QR label names: the checkpoint and its route (the scan page shows them)."""
        self.call.caller.require(*GUARDS)
        checkpoint = self._checkpoint_by_token(token)
        return {"checkpoint": checkpoint_out.dump(columns(checkpoint)),
                "route": route_view(self.db.session.get(PatrolRoute, checkpoint.route_id))}

    # schedules and the patrols planned from them -------------------------------------
    @rpc
    def create_patrol_schedule(self, route_id, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.PatrolScheduleCreate(), payload)
        route = self._patrol_route(route_id)
        schedule = PatrolSchedule(
            route_id=route.id, active=True,
            starts=data["starts"] or UPKEEP.patrol_from.strftime("%H:%M"),
            ends=data["ends"] or UPKEEP.patrol_to.strftime("%H:%M"),
            every_minutes=data["every_minutes"] or UPKEEP.patrol_every_minutes)
        self.db.session.add(schedule)
        self.db.audit("create", schedule)
        self.db.session.flush()
        return schedule_out.dump(columns(schedule))

    @rpc(reads_only=True)
    def list_patrol_schedules(self, route_id, query=None):
        self.call.caller.require(*READERS)
        q = load(PageQuery(), query or {})
        route = self._patrol_route(route_id)
        schedules, total = paginate(self.db.session, select(PatrolSchedule).where(PatrolSchedule.route_id == route.id)
                                    .order_by(PatrolSchedule.id), q["limit"], q["offset"])
        return page_of([schedule_out.dump(columns(s)) for s in schedules], total)

    @rpc
    def plan_patrols(self, payload=None):
        """Plan the patrols of every schedule and flag those whose window ended (the timer does
        both; staff may run it at once). Safe to run twice or in two processes at once."""
        self.call.caller.require(*MANAGERS)
        planned = self._plan_patrols()
        flagged = self._close_patrols()
        return contract.PlanningReport().dump({"planned": planned, "flagged": flagged})

    @rpc(reads_only=True)
    def list_patrols(self, query=None):
        self.call.caller.require(*READERS)
        q = load(contract.PatrolQuery(), query or {})
        statement = select(Patrol).order_by(Patrol.slot_at.desc(), Patrol.id.desc())
        for key in ("route_id", "kind", "status", "guard"):
            if q.get(key):
                statement = statement.where(getattr(Patrol, key) == q[key])
        if q.get("flagged") is not None:
            flagged = Patrol.status.in_(("missed", "incomplete"))
            statement = statement.where(flagged if q["flagged"] else ~flagged)
        if q.get("from_on"):
            statement = statement.where(Patrol.slot_at >= self._patrol_day_start(q["from_on"]))
        if q.get("to_on"):
            statement = statement.where(Patrol.slot_at < self._patrol_day_start(q["to_on"] + timedelta(days=1)))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of([self._patrol_view(item) for item in items], total)

    @rpc(reads_only=True)
    def get_patrol(self, patrol_id):
        self.call.caller.require(*READERS)
        return self._patrol_view(get_or_404(self.db.session, Patrol, int(patrol_id), "patrol"))

    # the walk ---------------------------------------------------------------------------
    @rpc
    def record_scan(self, token):
        """A guard scanned a checkpoint's label: the scan is recorded with the time on the guard's
        patrol of that route under way, else the patrol due now, else a patrol begun now."""
        caller = self.call.caller
        caller.require(*GUARDS)
        session, now = self.db.session, self._now()
        checkpoint = self._checkpoint_by_token(token)
        route = session.get(PatrolRoute, checkpoint.route_id)
        patrol = self._patrol_for_scan(route, caller.name, now)
        if patrol.status == "scheduled":
            self.db.audit("start", patrol)
            patrol.status, patrol.guard, patrol.started_at = "in_progress", caller.name, now
        scan_id = repository.insert_once(session, PatrolScan, {
            "patrol_id": patrol.id, "checkpoint_id": checkpoint.id, "scanned_at": now, "guard": caller.name},
            ("patrol_id", "checkpoint_id"))
        session.flush()
        session.refresh(patrol)
        scanned = {scan.checkpoint_id for scan in patrol.scans}
        if scanned >= {c.id for c in route.checkpoints}:
            self._close_patrol(patrol, route, now)
        session.flush()
        return contract.ScanResult().dump({"patrol": patrol_view(patrol, route),
                                           "checkpoint": columns(checkpoint), "repeated": scan_id is None})

    @rpc
    def finish_patrol(self, patrol_id, payload=None):
        """The guard ends the walk: the checkpoints not scanned are flagged at once."""
        caller = self.call.caller
        caller.require(*GUARDS)
        patrol = get_or_404(self.db.session, Patrol, int(patrol_id), "patrol")
        domain.check_transition("patrol", patrol.status, "finish", {"finish": ("in_progress",)})
        if patrol.guard != caller.name and not caller.has_any(MANAGERS):
            raise Forbidden("only the guard walking a patrol finishes it")
        route = self.db.session.get(PatrolRoute, patrol.route_id)
        self._close_patrol(patrol, route, self._now())
        self.db.session.flush()
        return patrol_view(patrol, route)

    # findings ------------------------------------------------------------------------------
    @rpc
    def report_patrol_finding(self, payload):
        """A finding (fire door blocked, smoking seen, a leak) opens a repair or a rectification."""
        caller = self.call.caller
        caller.require(*GUARDS)
        data = load(contract.PatrolFindingCreate(), payload)
        session, now, today = self.db.session, self._now(), self._today()
        severity, repair_category = data.pop("severity"), data.pop("repair_category")
        kind = data["kind"] or "security"
        if data["patrol_id"] is not None:
            kind = data["kind"] or get_or_404(session, Patrol, data["patrol_id"], "patrol").kind
        if data["checkpoint_id"] is not None:
            checkpoint = get_or_404(session, Checkpoint, data["checkpoint_id"], "checkpoint")
            data["unit_code"] = data["unit_code"] or checkpoint.unit_code
        seen_at = now
        if data["seen_at"] is not None:
            check_not_future(now, UPKEEP.timezone, seen_at=data["seen_at"])
            seen_at = domain.utc(data["seen_at"])
        rules.check_finding_opens(data["opens"], data["deadline_on"], today)
        finding = PatrolFinding(**{**data, "kind": kind, "seen_at": seen_at}, reporter=caller.name, status="open")
        if data["opens"] == "repair":
            repair = Repair(unit_code=data["unit_code"], reporter=caller.name, location=data["location"],
                            category=repair_category, severity=severity, description=data["description"],
                            status="reported", reported_at=now, complaints=0,
                            due_at=domain.utc(domain.repair_due_at(now, severity, SETTINGS)))
            session.add(repair)
            self.db.audit("create", repair)
            session.flush()
            finding.repair_id, finding.deadline_on = repair.id, None
        session.add(finding)
        self.db.audit("create", finding)
        session.flush()
        self.db.emit(contract.PATROL_FINDING_REPORTED, contract.PatrolFindingReported().dump({
            "finding_id": finding.id, "kind": kind, "category": finding.category, "unit_code": finding.unit_code,
            "location": finding.location, "opens": finding.opens, "repair_id": finding.repair_id,
            "deadline_on": finding.deadline_on}))
        return self._finding_view(finding)

    @rpc(reads_only=True)
    def list_patrol_findings(self, query=None):
        caller = self.call.caller
        caller.require(*FINDING_READERS)
        q = load(contract.PatrolFindingQuery(), query or {})
        statement = select(PatrolFinding).order_by(PatrolFinding.seen_at.desc(), PatrolFinding.id.desc())
        unit_code = caller.unit_filter(q.get("unit_code"))
        if unit_code:
            statement = statement.where(PatrolFinding.unit_code == unit_code)
        for key in ("kind", "category", "patrol_id", "status"):
            if q.get(key):
                statement = statement.where(getattr(PatrolFinding, key) == q[key])
        if q.get("from_on"):
            statement = statement.where(PatrolFinding.seen_at >= self._patrol_day_start(q["from_on"]))
        if q.get("to_on"):
            statement = statement.where(PatrolFinding.seen_at < self._patrol_day_start(q["to_on"] + timedelta(days=1)))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of([self._finding_view(item) for item in items], total)

    @rpc(reads_only=True)
    def get_patrol_finding(self, finding_id):
        self.call.caller.require(*FINDING_READERS)
        return self._finding_view(self._patrol_finding(finding_id))

    @rpc
    def complete_patrol_finding(self, finding_id, payload=None):
        """The rectification a finding opened is done (by the unit or the center); it waits for verification."""
        caller = self.call.caller
        caller.require("facility_manager", "unit_user")
        data = load(contract.PatrolFindingDone(), payload or {})
        finding = self._finding_to_rectify(finding_id, "complete")
        self.db.audit("complete", finding)
        finding.status, finding.done_at, finding.done_note = "done", self._now(), data["note"]
        self.db.session.flush()
        return self._finding_view(finding)

    @rpc
    def verify_patrol_finding(self, finding_id, payload=None):
        self.call.caller.require(*MANAGERS)
        data = load(contract.PatrolFindingVerify(), payload or {})
        finding = self._finding_to_rectify(finding_id, "verify")
        self.db.audit("verify", finding)
        if data["accepted"]:
            finding.status, finding.verified_at = "verified", self._now()
        else:
            finding.status, finding.done_at = "open", None
        self.db.session.flush()
        return self._finding_view(finding)

    # the timer's work ------------------------------------------------------------------
    def _plan_patrols(self) -> int:
        """The patrols of last night, tonight and the nights ahead, once per schedule and start (a
        restart or a second process plans none twice); none before the schedule existed."""
        session, now, today = self.db.session, self._now(), self._today()
        planned = 0
        schedules = session.scalars(select(PatrolSchedule).join(PatrolRoute, PatrolRoute.id == PatrolSchedule.route_id)
                                    .where(PatrolSchedule.active.is_(True), PatrolRoute.active.is_(True))).all()
        for schedule in schedules:
            route = session.get(PatrolRoute, schedule.route_id)
            # the slots planned before are read once: only the missing ones are written (the timer's
            # every round would otherwise try each slot of every schedule again)
            known = set(session.scalars(select(Patrol.slot_at).where(
                Patrol.schedule_id == schedule.id, Patrol.slot_at >= domain.utc(now - timedelta(days=2)))))
            for offset in range(-1, UPKEEP.patrol_plan_days + 1):
                slots = rules.patrol_slots(today + timedelta(days=offset), _clock(schedule.starts), _clock(schedule.ends),
                                           schedule.every_minutes, UPKEEP.timezone)
                for slot in slots:
                    if slot < schedule.created_at or domain.utc(slot) in known:
                        continue
                    made = repository.insert_once(session, Patrol, {
                        "route_id": route.id, "schedule_id": schedule.id, "kind": route.kind,
                        "slot_at": domain.utc(slot),
                        "window_end_at": domain.utc(slot + timedelta(minutes=schedule.every_minutes)),
                        "status": "scheduled", "missed": [], "created_at": now, "updated_at": now},
                        ("schedule_id", "slot_at"))
                    planned += made is not None
        return planned

    def _close_patrols(self) -> int:
        """Patrols whose window ended are closed: walked in full, checkpoints skipped, or not walked."""
        session, now = self.db.session, self._now()
        ended = session.scalars(select(Patrol).where(Patrol.status.in_(("scheduled", "in_progress")),
                                                     Patrol.window_end_at <= now)
                                .order_by(Patrol.id).with_for_update(skip_locked=True)).all()
        flagged = 0
        for patrol in ended:
            flagged += self._close_patrol(patrol, session.get(PatrolRoute, patrol.route_id), now)
        return flagged

    # helpers --------------------------------------------------------------------------
    def _close_patrol(self, patrol: Patrol, route: PatrolRoute, now: datetime) -> bool:
        """Judge the walk; a missed or incomplete patrol is flagged (an event, once)."""
        outcome = rules.patrol_outcome([c.id for c in route.checkpoints], [s.checkpoint_id for s in patrol.scans])
        self.db.audit("close", patrol)
        patrol.status, patrol.missed = outcome.status, outcome.missed
        patrol.finished_at = patrol.finished_at or (now if patrol.scans else None)
        if outcome.status == "done" or patrol.flagged_at is not None:
            return False
        patrol.flagged_at = now
        names = {c.id: c.name for c in route.checkpoints}
        self.db.emit(contract.PATROL_MISSED, contract.PatrolMissed().dump({
            "patrol_id": patrol.id, "route_id": route.id, "route": route.name, "kind": patrol.kind,
            "status": outcome.status, "slot_at": patrol.slot_at, "guard": patrol.guard,
            "missed_checkpoints": [names[c] for c in outcome.missed]}))
        return True

    def _patrol_for_scan(self, route: PatrolRoute, guard: str, now: datetime) -> Patrol:
        session = self.db.session
        walking = session.scalars(select(Patrol).where(
            Patrol.route_id == route.id, Patrol.guard == guard, Patrol.status == "in_progress",
            Patrol.window_end_at > now).order_by(Patrol.slot_at)).first()
        due = walking or session.scalars(select(Patrol).where(
            Patrol.route_id == route.id, Patrol.status == "scheduled", Patrol.slot_at <= now,
            Patrol.window_end_at > now).order_by(Patrol.slot_at).with_for_update()).first()
        if due is not None:
            return due
        patrol = Patrol(route_id=route.id, schedule_id=None, kind=route.kind, slot_at=now, status="scheduled",
                        window_end_at=now + timedelta(minutes=UPKEEP.patrol_every_minutes), missed=[])
        session.add(patrol)
        session.flush()
        return patrol

    def _patrol_view(self, patrol: Patrol) -> dict:
        return patrol_view(patrol, self.db.session.get(PatrolRoute, patrol.route_id))

    def _finding_view(self, finding: PatrolFinding) -> dict:
        repair = self.db.session.get(Repair, finding.repair_id) if finding.repair_id else None
        return finding_view(finding, repair.status if repair else None, self._today())

    def _patrol_finding(self, finding_id) -> PatrolFinding:
        finding = get_or_404(self.db.session, PatrolFinding, int(finding_id), "patrol finding")
        self.call.caller.check_visible(finding.unit_code, "patrol finding")
        return finding

    def _finding_to_rectify(self, finding_id, action: str) -> PatrolFinding:
        finding = self._patrol_finding(finding_id)
        if finding.opens != "rectification":
            raise Conflict("this finding opened a repair: it is worked as a repair", {"opens": ["repair"]})
        domain.check_transition("finding", finding.status, action, rules.FINDING_ACTIONS)
        return finding

    def _patrol_route(self, route_id) -> PatrolRoute:
        return get_or_404(self.db.session, PatrolRoute, int(route_id), "patrol route")

    def _checkpoint_by_token(self, token) -> Checkpoint:
        checkpoint = self.db.session.scalars(select(Checkpoint).where(Checkpoint.token == str(token))).first()
        if checkpoint is None:
            raise NotFound("checkpoint not found")
        return checkpoint

    def _patrol_day_start(self, day):
        return domain.utc(datetime.combine(day, time(0), UPKEEP.timezone))
