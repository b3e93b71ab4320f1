"""Meeting rooms and their bookings; ``book_meeting_room`` and ``cancel_booking`` are
the RPC that reception calls for meetings. A mixin of ``FacilitiesService``."""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from nameko.timer import timer

from services.facilities import contract, domain, repository
from services.facilities.contract import BOOKERS, BOOKING_READERS, MANAGERS
from services.facilities.base import FacilitiesBase
from services.facilities.models import Booking, Building, MeetingRoom, ReleasedReference
from services.facilities.settings import SETTINGS
from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import event_handler, rpc
from services.kit.errors import Conflict, NotFound
from services.kit.schemas import load, page_of
from services.reception import contract as reception

log = logging.getLogger(__name__)


meeting_room_out = contract.MeetingRoom()
booking_out = contract.Booking()

ORPHAN_CHECK_BATCH = 200


class MeetingRpc(FacilitiesBase):
    """Mixed into ``FacilitiesService``; needs ``db``, ``call`` and ``reception``."""

    @rpc
    def create_meeting_room(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.MeetingRoomCreate(), payload)
        if data["building_id"] is not None:
            get_or_404(self.db.session, Building, data["building_id"], "building")
        room = MeetingRoom(**data)
        self.db.session.add(room)
        self.db.session.flush()
        return meeting_room_out.dump(room)

    @rpc(reads_only=True)
    def list_meeting_rooms(self, query=None):
        self.call.caller.require(*BOOKING_READERS)
        q = load(contract.MeetingRoomQuery(), query or {})
        statement = repository.meeting_rooms_query(q.get("building_id"), q.get("min_capacity"))
        rooms = self.db.session.scalars(statement).all()
        if q.get("equipment"):  # a JSON list: filtered here, the same way on every engine
            rooms = [room for room in rooms if q["equipment"] in (room.equipment or [])]
        page = rooms[q["offset"]:q["offset"] + q["limit"]]
        return page_of(meeting_room_out.dump(page, many=True), len(rooms))

    @rpc(reads_only=True)
    def get_meeting_room(self, meeting_room_id):
        self.call.caller.require(*BOOKING_READERS)
        return meeting_room_out.dump(get_or_404(self.db.session, MeetingRoom, int(meeting_room_id), "meeting room"))

    @rpc
    def book_meeting_room(self, payload):
        """One booking; 409 naming the clash when the room is taken, 422 over capacity. Asked
        again with its ``reference``, it answers the booking made (a retry after a lost answer)."""
        self.call.caller.require(*BOOKERS)
        data = load(contract.BookingCreate(), payload)
        return booking_out.dump(self._book(data, [(data["start_at"], data["end_at"])], None)[0])

    @rpc
    def book_meeting_room_series(self, payload):
        """A recurring booking: every occurrence is checked; all are booked or none,
        and a refusal names each clashing date."""
        self.call.caller.require(*BOOKERS)
        data = load(contract.BookingSeriesCreate(), payload)
        recurrence = data.pop("recurrence")
        wanted = domain.occurrences(data["start_at"], data["end_at"], recurrence["frequency"], SETTINGS,
                                    recurrence.get("count"), recurrence.get("until"))
        domain.check_occurrences_apart(wanted, SETTINGS)
        series_id = str(uuid.uuid4())
        bookings = self._book(data, wanted, series_id)
        return {"series_id": series_id, "items": booking_out.dump(bookings, many=True), "total": len(bookings)}

    @rpc
    def cancel_booking(self, booking_id):
        """Releases the room; cancelling a cancelled booking answers it again, so a
        compensating call may be retried."""
        self.call.caller.require(*BOOKERS)
        booking = self._booking(booking_id)
        self._release(booking)
        self.db.session.flush()
        return booking_out.dump(booking)

    # the meeting saga's compensation (reception.md) --------------------------------------
    @event_handler(reception.SERVICE, reception.MEETING_ABANDONED)
    def on_meeting_abandoned(self, payload):
        """Releases the booking of an abandoned meeting, and refuses it when its request is
        still on its way (it is taken only after this, under the same room lock)."""
        event = reception.MeetingAbandoned().load(payload)
        if not self.db.first_delivery(event["event_id"], "facilities.on_meeting_abandoned"):
            return
        session = self.db.session
        repository.lock_meeting_room(session, event["meeting_room_id"])  # the booking's own lock
        if session.get(ReleasedReference, event["reference"]) is None:
            session.add(ReleasedReference(reference=event["reference"], released_at=self._now()))
        booking = repository.booking_by_reference(session, event["reference"])
        if booking is not None:
            self._release(booking)
            log.info("booking %s of abandoned meeting %s released", booking.id, event["reference"])

    @timer(interval=SETTINGS.meeting_booking_check_interval)
    def release_orphaned_meeting_bookings(self):
        """Bookings made for reception's meetings that reception does not hold after the grace
        period are released. Reception is asked (RPC): an unanswered question leaves them as
        they are, where a copy kept from events would release a live meeting's room whenever
        its event came late."""
        made_before = self._now() - timedelta(seconds=SETTINGS.meeting_booking_grace)
        bookings = repository.unchecked_meeting_bookings(self.db.session, reception.MEETING_REFERENCE_PREFIX,
                                                         made_before, ORPHAN_CHECK_BATCH)
        if not bookings:
            return
        try:
            meetings = self.reception.meeting_statuses([booking.reference for booking in bookings])
        except Exception as exc:  # not running, not answering, or older than this question
            log.warning("could not ask reception about %d meeting booking(s) (%s); next round", len(bookings),
                        type(exc).__name__)
            return
        for booking in bookings:
            if domain.meeting_still_holds(booking.id, meetings.get(booking.reference)):
                booking.meeting_checked_at = self._now()
            else:
                self._release(booking)
                log.warning("booking %s released: reception holds no meeting %s", booking.id, booking.reference)

    def _release(self, booking: Booking) -> None:
        if booking.status != "cancelled":
            booking.status = "cancelled"
            booking.cancelled_at = self._now()

    @rpc(reads_only=True)
    def list_bookings(self, query=None):
        caller = self.call.caller
        caller.require(*BOOKING_READERS)
        q = load(contract.BookingQuery(), query or {})
        filters = {**q, "unit_code": caller.unit_filter(q.get("unit_code"))}
        items, total = paginate(self.db.session, repository.bookings_query(filters), q["limit"], q["offset"])
        return page_of(booking_out.dump(items, many=True), total)

    @rpc(reads_only=True)
    def get_booking(self, booking_id):
        self.call.caller.require(*BOOKING_READERS)
        return booking_out.dump(self._booking(booking_id))

    # helpers ------------------------------------------------------------------------
    def _booking(self, booking_id) -> Booking:
        booking = get_or_404(self.db.session, Booking, int(booking_id), "booking")
        self.call.caller.check_visible(booking.unit_code, "booking")
        return booking

    def _book(self, data: dict, wanted: list, series_id: str | None) -> list[Booking]:
        caller = self.call.caller
        wanted = [(domain.utc(start), domain.utc(end)) for start, end in wanted]
        now = self._now()
        for start, end in wanted:
            domain.check_booking_window(start, end, now, SETTINGS)
        unit_code = caller.unit_for_write(data["unit_code"], required=True)
        session = self.db.session
        room = repository.lock_meeting_room(session, data["meeting_room_id"])  # held until commit
        if room is None:
            raise NotFound(f"meeting room {data['meeting_room_id']} not found")
        reference = data["reference"]
        if reference is not None and series_id is None:
            domain.check_reference_not_released(reference, session.get(ReleasedReference, reference) is not None)
            made = repository.booking_by_reference(session, reference)
            if made is not None:
                domain.check_same_booking(made.id, (made.meeting_room_id, made.unit_code, made.start_at, made.end_at),
                                          (room.id, unit_code, *wanted[0]), reference)
                return [made]
        domain.check_capacity(data["attendees"], room.capacity)
        booked = repository.booked_between(session, room.id, min(s for s, _ in wanted), max(e for _, e in wanted))
        viewer = unit_code if caller.unit_scoped else None  # another unit's title stays hidden in the 409
        clashes = domain.find_clashes(wanted, [
            (b.start_at, b.end_at, b.title if domain.booking_shown(b.unit_code, viewer) else "booked") for b in booked])
        if clashes:
            detail, errors = domain.clash_detail(clashes, SETTINGS)
            raise Conflict(detail, errors)
        bookings = [
            Booking(meeting_room_id=room.id, title=data["title"], unit_code=unit_code, start_at=start, end_at=end,
                    attendees=data["attendees"], reference=data["reference"], series_id=series_id,
                    status="booked", booked_by=caller.name)
            for start, end in wanted
        ]
        session.add_all(bookings)
        session.flush()
        for booking in bookings:
            self.db.emit(contract.MEETING_ROOM_BOOKED, contract.MeetingRoomBooked().dump({
                "booking_id": booking.id, "meeting_room_id": room.id, "unit_code": unit_code,
                "title": booking.title, "start_at": booking.start_at, "end_at": booking.end_at,
                "reference": booking.reference, "series_id": series_id,
            }))
        return bookings
