"""Meetings (会务): a room from facilities and cars from vehicles, booked as a saga."""
from __future__ import annotations

import uuid
from functools import partial

from nameko.timer import timer
from sqlalchemy import select

from services.kit.db import utcnow
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict
from services.kit.schemas import load
from services.reception import contract, domain, repository
from services.reception.base import ReceptionBase
from services.reception.models import Meeting, MeetingAttendee
from services.kit.context import SYSTEM_ADMIN
from services.reception.contract import OFFICERS, READERS, SUBMITTERS
from services.reception.settings import SETTINGS

meeting_in = contract.MeetingCreate()
meeting_out = contract.Meeting()
attendance_out = contract.MeetingAttendance()

RETRY_BATCH = 50


class MeetingRpc(ReceptionBase):
    """Mixed into ``ReceptionService``; needs ``db``, ``call``, ``facilities`` and ``vehicles``."""

    # the saga's steps and their compensations ------------------------------------------
    def _book_room(self, meeting: Meeting, stored: dict) -> int:
        return self.facilities.book_meeting_room({
            "meeting_room_id": meeting.meeting_room_id, "title": meeting.title, "unit_code": meeting.unit_code,
            "start_at": stored["start_at"], "end_at": stored["end_at"], "attendees": meeting.attendees,
            "reference": meeting.reference,
        })["id"]

    def _ask_car(self, meeting: Meeting, stored: dict, car: dict) -> int:
        return self.vehicles.create_dispatch({
            "unit_code": meeting.unit_code, "purpose": car["purpose"] or meeting.title,
            "passengers": car["passengers"], "origin": car["origin"], "destination": car["destination"],
            "start_at": car["start_at"] or stored["start_at"], "end_at": car["end_at"] or stored["end_at"],
            "reference": meeting.reference,
        })["id"]

    def _release(self, reservation: domain.Reservation, reason: str) -> None:
        if reservation.kind == "room_booking":
            self.facilities.cancel_booking(reservation.id)
        else:
            self.vehicles.cancel_dispatch(reservation.id, {"reason": reason})

    # entrypoints ----------------------------------------------------------------------------
    @rpc
    def request_meeting(self, payload):
        """Books the room, then each car, under a reference made first. When a step fails, what
        was booked is released, ``meeting_abandoned`` tells facilities and vehicles to release
        whatever they hold under the reference (one answered too late included), and the caller gets
        the step's reason; no scheduled meeting remains. Nothing is written before the steps
        answered: no transaction is held open across them."""
        caller = self.call.caller
        caller.require(*SUBMITTERS)
        data = load(meeting_in, payload)
        unit_code = caller.unit_for_write(data.pop("unit_code"), required=True)
        domain.check_meeting_times(data["start_at"], data["end_at"], data["cars"])
        stored = meeting_in.dump(data)
        meeting = Meeting(
            reference=f"{contract.MEETING_REFERENCE_PREFIX}{uuid.uuid4()}",
            title=data["title"], unit_code=unit_code, meeting_room_id=data["meeting_room_id"],
            attendees=data["attendees"], start_at=data["start_at"], end_at=data["end_at"], services=stored["services"],
            cars=stored["cars"], status="scheduled", dispatch_ids=[], compensation_pending=[], compensation_due=False,
            checked_in=0,
        )
        steps = [("room_booking", partial(self._book_room, meeting, stored))]
        steps += [("dispatch", partial(self._ask_car, meeting, stored, car)) for car in stored["cars"]]
        outcome = domain.reserve_all(steps, partial(self._release, reason="meeting request failed"))
        if outcome.failed:
            error = domain.caller_error(outcome.error, outcome.failed_step)
            self._abandon(meeting, error, outcome.compensation_pending)
            raise error
        meeting.room_booking_id = outcome.reserved[0].id
        meeting.dispatch_ids = [step.id for step in outcome.reserved[1:]]
        session = self.db.session
        session.add(meeting)
        session.flush()
        self.db.emit(contract.MEETING_SCHEDULED, contract.MeetingScheduled().dump({
            "meeting_id": meeting.id, "reference": meeting.reference, "title": meeting.title,
            "unit_code": meeting.unit_code, "meeting_room_id": meeting.meeting_room_id,
            "room_booking_id": meeting.room_booking_id, "dispatch_ids": meeting.dispatch_ids,
            "attendees": meeting.attendees, "start_at": meeting.start_at, "end_at": meeting.end_at,
        }))
        return meeting_out.dump(meeting)

    def _abandon(self, meeting: Meeting, error: BaseException, pending: list[domain.Reservation]) -> None:
        """The failed request's compensation, never forgotten: ``meeting_abandoned`` goes through
        the outbox (retried until the broker has it; facilities and vehicles release what they
        hold under the reference), and a release by id that failed is kept on
        a failed meeting for the retry timer; both in a transaction of their own, since the
        worker's is rolled back (the caller hears the error)."""
        reason = f"{type(error).__name__}: {getattr(error, 'detail', '')}"[:500]
        failed = []
        if pending:
            meeting.status, meeting.compensation_due, meeting.failure_reason = "failed", True, reason
            meeting.compensation_pending = [item.as_dict() for item in pending]
            failed.append(meeting)
        self.db.emit_apart(contract.MEETING_ABANDONED, contract.MeetingAbandoned().dump({
            "reference": meeting.reference, "unit_code": meeting.unit_code, "meeting_room_id": meeting.meeting_room_id,
            "reason": reason,
        }), *failed)

    @rpc
    def cancel_meeting(self, meeting_id, payload=None):
        self.call.caller.require(*SUBMITTERS)
        data = load(contract.MeetingCancel(), payload or {})
        meeting = self._meeting(meeting_id, lock=True)
        domain.check_meeting_open(meeting.status, "be cancelled")
        held = [domain.Reservation("room_booking", meeting.room_booking_id)] if meeting.room_booking_id else []
        held += [domain.Reservation("dispatch", dispatch_id) for dispatch_id in meeting.dispatch_ids]
        pending = domain.release_all(held, partial(self._release, reason=data["reason"] or "meeting cancelled"))
        meeting.status = "cancelled"
        meeting.compensation_pending = [item.as_dict() for item in pending]
        meeting.compensation_due = bool(pending)
        repository.release_reservations(self.db.session, meeting_id=meeting.id)
        self.db.session.flush()
        return meeting_out.dump(meeting)

    @rpc
    def retry_compensations(self):
        """Releases that failed earlier, once more (the timer calls this too)."""
        self.call.caller.require(SYSTEM_ADMIN, *OFFICERS)
        return self._retry_compensations()

    @timer(interval=SETTINGS.compensation_retry_seconds)
    def retry_compensations_timer(self):
        self._retry_compensations()

    def _retry_compensations(self) -> dict:
        meetings = self.db.session.scalars(
            select(Meeting).where(Meeting.compensation_due.is_(True)).order_by(Meeting.id).limit(RETRY_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        left = 0
        for meeting in meetings:
            pending = [domain.Reservation(item["kind"], item["id"]) for item in meeting.compensation_pending]
            still = domain.release_all(pending, partial(self._release, reason="meeting released"))
            meeting.compensation_pending = [item.as_dict() for item in still]
            meeting.compensation_due = bool(still)
            left += len(still)
        self.db.session.flush()
        return {"meetings": len(meetings), "pending": left}

    @rpc(reads_only=True)
    def meeting_statuses(self, references):
        """``{reference: {status, room_booking_id}}`` of the meetings of ``references`` that
        exist: facilities' reconciler releases a booking made for a meeting that never came to be."""
        self.call.caller.require(SYSTEM_ADMIN, *OFFICERS)
        wanted = load(contract.MeetingReferences(), {"references": references})["references"]
        rows = self.db.session.execute(select(Meeting.reference, Meeting.status, Meeting.room_booking_id)
                                       .where(Meeting.reference.in_(wanted))) if wanted else []
        return {reference: {"status": status, "room_booking_id": room_booking_id}
                for reference, status, room_booking_id in rows}

    def _meeting(self, meeting_id, lock: bool = False) -> Meeting:
        return repository.visible(self.db.session, self.call.caller, Meeting, meeting_id, "meeting", lock=lock)

    @rpc(reads_only=True)
    def list_meetings(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.MeetingQuery(), query or {})
        q["unit_code"] = caller.unit_filter(q.get("unit_code"))
        statement = select(Meeting).order_by(Meeting.start_at.desc(), Meeting.id.desc()).where(
            *repository.between_days(Meeting.start_at, q.get("from_on"), q.get("to_on")))
        return self._page(statement, q, meeting_out.dump, unit_code=Meeting.unit_code,
                          status=Meeting.status)

    @rpc(reads_only=True)
    def get_meeting(self, meeting_id):
        self.call.caller.require(*READERS)
        return meeting_out.dump(self._meeting(meeting_id))

    @rpc
    def check_in_meeting(self, meeting_id, payload):
        """An attendee arrives; each name checks in once."""
        self.call.caller.require(*OFFICERS)
        data = load(contract.MeetingCheckIn(), payload)
        meeting = self._meeting(meeting_id, lock=True)
        domain.check_meeting_open(meeting.status, "take check-ins")
        session = self.db.session
        if session.scalar(select(MeetingAttendee.id).where(MeetingAttendee.meeting_id == meeting.id,
                                                          MeetingAttendee.name == data["name"])):
            raise Conflict(f"{data['name']} has already checked in", {"name": ["already checked in"]})
        attendee = MeetingAttendee(meeting_id=meeting.id, checked_in_at=utcnow(), **data)
        meeting.checked_in += 1
        session.add(attendee)
        session.flush()
        return attendance_out.dump({**{key: getattr(attendee, key) for key in (
            "id", "meeting_id", "name", "unit_code", "checked_in_at")}, "checked_in": meeting.checked_in})
