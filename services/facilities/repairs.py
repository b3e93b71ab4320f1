"""Repairs (维修工单): report, assign, start, complete, confirm or reopen (the figures are in
``reports.py``)."""
from __future__ import annotations

from datetime import datetime

from services.facilities import contract, domain, repository
from services.facilities.contract import MANAGERS, READERS, REPORTERS, WORKERS
from services.facilities.models import Building, Repair, Room
from services.facilities.settings import SETTINGS
from services.facilities.base import FacilitiesBase, columns
from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.errors import Forbidden, NotFound, RuleViolation
from services.kit.schemas import check_not_future, load, page_of


repair_out = contract.Repair()


def repair_view(repair: Repair, now: datetime) -> dict:
    return repair_out.dump({
        **columns(repair),
        "overdue": domain.repair_overdue(repair.status, repair.due_at, now),
        "on_time": domain.finished_on_time(repair.due_at, repair.completed_at),
    })


def technician_only(caller) -> bool:
    """A technician (and nothing more) sees and works only the orders assigned to them."""
    return "technician" in caller.roles and not caller.has_any(("facility_manager", "leader"))


class RepairRpc(FacilitiesBase):
    @rpc
    def report_repair(self, payload):
        caller = self.call.caller
        caller.require(*REPORTERS)
        data = load(contract.RepairCreate(), payload)
        now = self._now()
        data["unit_code"] = caller.unit_for_write(data["unit_code"])
        data["reported_at"] = self._worked_at("reported_at", data)
        self._check_place(data)
        repair = Repair(
            **data, reporter=caller.name, status="reported", complaints=0,
            due_at=domain.utc(domain.repair_due_at(data["reported_at"], data["severity"], SETTINGS)),
        )
        self.db.session.add(repair)
        self.db.session.flush()
        return repair_view(repair, now)

    @rpc(reads_only=True)
    def list_repairs(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.RepairQuery(), query or {})
        now = self._now()
        filters = {**q, "unit_code": caller.unit_filter(q.get("unit_code"))}
        statement = repository.repairs_query(
            filters, now if q.get("overdue") else None, caller.name if technician_only(caller) else None)
        if q.get("overdue") is False:
            statement = statement.where(~repository.overdue_repairs(now))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([repair_view(item, now) for item in items], total)

    @rpc(reads_only=True)
    def get_repair(self, repair_id):
        self.call.caller.require(*READERS)
        return repair_view(self._repair(repair_id), self._now())

    @rpc
    def assign_repair(self, repair_id, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.RepairAssign(), payload)
        repair = self._repair(repair_id, "assign")
        self.db.audit("assign", repair)
        self.db.emit(contract.REPAIR_ASSIGNED, contract.RepairAssigned().dump({
            "repair_id": repair.id, "unit_code": repair.unit_code, "technician": data["technician"],
            "location": repair.location, "category": repair.category, "severity": repair.severity,
            "due_at": repair.due_at,
        }))
        return self._moved(repair, "assigned", technician=data["technician"], assigned_at=self._now())

    @rpc
    def start_repair(self, repair_id, payload=None):
        self.call.caller.require(*WORKERS)
        started_at = self._worked_at("started_at", load(contract.RepairStart(), payload or {}))
        repair = self._repair(repair_id, "start")
        domain.check_started_after(repair.reported_at, started_at)
        return self._moved(repair, "in_progress", started_at=started_at)

    @rpc
    def complete_repair(self, repair_id, payload=None):
        self.call.caller.require(*WORKERS)
        data = load(contract.RepairComplete(), payload or {})
        completed_at = self._worked_at("completed_at", data)
        repair = self._repair(repair_id, "complete")
        domain.check_completed_after(repair.reported_at, repair.started_at, completed_at)
        self.db.emit(contract.REPAIR_COMPLETED, contract.RepairCompleted().dump({
            "repair_id": repair.id, "unit_code": repair.unit_code, "building_id": repair.building_id,
            "category": repair.category, "severity": repair.severity, "reported_at": repair.reported_at,
            "due_at": repair.due_at, "completed_at": completed_at,
            "on_time": domain.finished_on_time(repair.due_at, completed_at),
        }))
        return self._moved(repair, "done", completed_at=completed_at, work_note=data["note"])

    @rpc
    def confirm_repair(self, repair_id, payload):
        data = load(contract.RepairConfirm(), payload)
        repair = self._reporters_repair(repair_id, "confirm")
        return self._moved(repair, "confirmed", rating=data["rating"], confirmed_at=self._now())

    @rpc
    def reopen_repair(self, repair_id, payload):
        """The reporter is not satisfied: a complaint, and the work is to be done again
        (still against the original due time)."""
        data = load(contract.RepairReopen(), payload)
        repair = self._reporters_repair(repair_id, "reopen")
        self.db.audit("reopen", repair)
        return self._moved(repair, "reopened", complaints=repair.complaints + 1, last_complaint=data["complaint"],
                           completed_at=None, started_at=None)

    # helpers ------------------------------------------------------------------------
    def _repair(self, repair_id, action: str | None = None) -> Repair:
        caller = self.call.caller
        repair = get_or_404(self.db.session, Repair, int(repair_id), "repair")
        caller.check_visible(repair.unit_code, "repair")
        if technician_only(caller) and repair.technician != caller.name:
            raise NotFound("repair not found")
        if action:
            domain.check_transition("repair", repair.status, action, domain.REPAIR_ACTIONS)
        return repair

    def _reporters_repair(self, repair_id, action: str) -> Repair:
        """Confirmed or reopened by the reporter: the user who reported it, a user of the
        reporting unit, or the manager taking the reporter's word on the phone."""
        caller = self.call.caller
        caller.require(*REPORTERS)
        repair = self._repair(repair_id)
        if not (caller.has_any(MANAGERS) or caller.name == repair.reporter or caller.unit_scoped):
            raise Forbidden("only the reporter confirms or reopens a repair")
        domain.check_transition("repair", repair.status, action, domain.REPAIR_ACTIONS)
        return repair

    def _worked_at(self, field: str, data: dict) -> datetime:
        """Now, or the time a paper record gives: staff only, and never in the future."""
        now = self._now()
        if data[field] is None:
            return now
        self._staff_only(self.call.caller, field)
        check_not_future(now, SETTINGS.timezone, **{field: data[field]})
        return domain.utc(data[field])

    @staticmethod
    def _staff_only(caller, field: str) -> None:
        if not caller.has_any(MANAGERS):
            raise Forbidden(f"only center staff may give {field} (entering a paper record)")

    def _check_place(self, data: dict) -> None:
        session = self.db.session
        if data["room_id"] is not None:
            room = get_or_404(session, Room, data["room_id"], "room")
            if data["building_id"] not in (None, room.building_id):
                raise RuleViolation("the room is in another building", "facilities.room_not_in_building",
                                    {"room_id": ["not in building_id"]})
            data["building_id"] = room.building_id
        elif data["building_id"] is not None:
            get_or_404(session, Building, data["building_id"], "building")

    def _moved(self, repair: Repair, status: str, **changes) -> dict:
        """One step of the workflow (already checked): the new status and what it records."""
        for key, value in {**changes, "status": status}.items():
            setattr(repair, key, value)
        self.db.session.flush()
        return repair_view(repair, self._now())
