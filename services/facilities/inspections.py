"""Inspections (实地测量) and rectifications (整改). A mixin of ``FacilitiesService``."""
from __future__ import annotations

from sqlalchemy import select

from services.facilities import contract, domain, repository
from services.facilities.settings import SETTINGS
from services.facilities.models import Allocation, Inspection, Rectification
from services.facilities.space import FIGURE_READERS, MANAGERS, READERS, assess, columns
from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.schemas import check_not_future, load, page_of

inspection_out = contract.Inspection()
rectification_out = contract.Rectification()
stats_out = contract.InspectionStats()


def rectification_view(rectification: Rectification, today) -> dict:
    overdue = domain.rectification_overdue(rectification.status, rectification.deadline_on, today)
    return rectification_out.dump({**columns(rectification), "overdue": overdue})


def inspection_view(inspection: Inspection, today) -> dict:
    return {
        **inspection_out.dump(columns(inspection)),
        "rectifications": [rectification_view(r, today) for r in inspection.rectifications],
    }


class InspectionRpc:
    @rpc
    def create_inspection(self, payload):
        caller = self.call.caller
        caller.require(*MANAGERS)
        data = load(contract.InspectionCreate(), payload)
        room = self._room(data["room_id"])
        inspected_on = data["inspected_on"] or self._today()
        check_not_future(self._now(), SETTINGS.timezone, inspected_on=inspected_on)
        for finding in data["findings"]:
            domain.check_deadline(finding["deadline_on"], inspected_on)
        occupancy, assessment = self._occupancy(room), assess(room)
        inspection = Inspection(
            room_id=room.id, unit_code=room.unit_code, inspected_on=inspected_on, inspector=caller.name,
            recorded_area_m2=room.usable_area_m2, measured_area_m2=data["measured_area_m2"], notes=data["notes"],
        )
        inspection.rectifications = [
            Rectification(room_id=room.id, unit_code=room.unit_code, status="open", **finding)
            for finding in data["findings"]
        ]
        # the measured area replaces the recorded one, unless a later measurement already did
        later = repository.later_inspection(self.db.session, room.id, inspected_on)
        self.db.session.add(inspection)
        if data["measured_area_m2"] is not None and later is None:
            room.usable_area_m2 = data["measured_area_m2"]
        self.db.session.flush()
        self._room_changed(room, occupancy, assessment)
        return inspection_view(inspection, self._today())

    @rpc(reads_only=True)
    def list_inspections(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.InspectionQuery(), query or {})
        statement = repository.inspections_query(q.get("room_id"), caller.unit_filter(q.get("unit_code")))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        today = self._today()
        return page_of([inspection_view(item, today) for item in items], total)

    @rpc(reads_only=True)
    def get_inspection(self, inspection_id):
        self.call.caller.require(*READERS)
        inspection = get_or_404(self.db.session, Inspection, int(inspection_id), "inspection")
        self.call.caller.check_visible(inspection.unit_code, "inspection")
        return inspection_view(inspection, self._today())

    @rpc(reads_only=True)
    def inspection_stats(self, query):
        self.call.caller.require(*FIGURE_READERS)
        q = load(contract.PeriodQuery(), query or {})
        inspections = self.db.session.scalars(repository.inspections_query().where(
            Inspection.inspected_on.between(q["from_on"], q["to_on"]))).all()
        raised = [(r.status, r.deadline_on) for inspection in inspections for r in inspection.rectifications]
        kinds = self.db.session.scalars(select(Allocation.kind).where(
            Allocation.allocated_on.between(q["from_on"], q["to_on"]))).all()
        return stats_out.dump({"period_from": q["from_on"], "period_to": q["to_on"], **domain.inspection_figures(
            len(inspections), raised, self._today(), [i.unit_code for i in inspections], kinds)})

    @rpc(reads_only=True)
    def list_rectifications(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.RectificationQuery(), query or {})
        today = self._today()
        statement = repository.rectifications_query(
            q.get("status"), caller.unit_filter(q.get("unit_code")), q.get("room_id"),
            today if q.get("overdue") else None,
        )
        if q.get("overdue") is False:
            statement = statement.where(~repository.overdue_rectifications(today))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of([rectification_view(item, today) for item in items], total)

    @rpc(reads_only=True)
    def get_rectification(self, rectification_id):
        self.call.caller.require(*READERS)
        return rectification_view(self._rectification(rectification_id), self._today())

    @rpc
    def complete_rectification(self, rectification_id, payload=None):
        """The unit (or the manager for it) reports the finding put right."""
        caller = self.call.caller
        caller.require("facility_manager", "unit_user")
        data = load(contract.RectificationDone(), payload or {})
        rectification = self._rectification(rectification_id)
        domain.check_transition("rectification", rectification.status, "complete", domain.RECTIFICATION_ACTIONS)
        rectification.status = "done"
        rectification.done_at = self._now()
        rectification.done_note = data["note"]
        self.db.session.flush()
        return rectification_view(rectification, self._today())

    @rpc
    def verify_rectification(self, rectification_id, payload=None):
        """Closed only when verified; a rejected one is open again (and may be overdue)."""
        caller = self.call.caller
        caller.require(*MANAGERS)
        data = load(contract.RectificationVerify(), payload or {})
        rectification = self._rectification(rectification_id)
        domain.check_transition("rectification", rectification.status, "verify", domain.RECTIFICATION_ACTIONS)
        self.db.audit("verify" if data["accepted"] else "reject", rectification)
        if data["accepted"]:
            rectification.status = "verified"
            rectification.verified_at = self._now()
            rectification.verified_by = caller.name
        else:
            rectification.status = "open"
            rectification.done_note = data["note"] or rectification.done_note
        self.db.session.flush()
        return rectification_view(rectification, self._today())

    @rpc
    def flag_overdue_rectifications(self):
        """Emits ``rectification_overdue`` once for each newly overdue rectification."""
        self.call.caller.require(*MANAGERS)
        return self._flag_overdue_rectifications()

    def _flag_overdue_rectifications(self) -> int:
        today = self._today()
        overdue = self.db.session.scalars(
            select(Rectification)
            .where(repository.overdue_rectifications(today), Rectification.overdue_notified_at.is_(None))
            .order_by(Rectification.id).with_for_update(skip_locked=True)
        ).all()
        for rectification in overdue:
            rectification.overdue_notified_at = self._now()
            self.db.emit(contract.RECTIFICATION_OVERDUE, contract.RectificationOverdue().dump({
                "rectification_id": rectification.id, "room_id": rectification.room_id,
                "unit_code": rectification.unit_code, "finding": rectification.finding,
                "deadline_on": rectification.deadline_on,
            }))
        return len(overdue)

    def _rectification(self, rectification_id) -> Rectification:
        rectification = get_or_404(self.db.session, Rectification, int(rectification_id), "rectification")
        self.call.caller.check_visible(rectification.unit_code, "rectification")
        return rectification
