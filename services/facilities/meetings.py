"""Meeting rooms and their bookings; ``book_meeting_room`` and ``cancel_booking`` are
the RPC that reception calls for meetings. A mixin of ``FacilitiesService``."""
from __future__ import annotations

import uuid

from services.facilities import contract, domain, repository
from services.facilities.models import Booking, Building, MeetingRoom
from services.facilities.settings import SETTINGS
from services.facilities.space import MANAGERS, READERS
from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict, NotFound
from services.kit.schemas import load, page_of

BOOKERS = ("facility_manager", "reception_officer", "unit_user")
BOOKING_READERS = READERS + ("reception_officer",)

meeting_room_out = contract.MeetingRoom()
booking_out = contract.Booking()


class MeetingRpc:
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
        """One booking; 409 naming the clash when the room is taken, 422 over capacity."""
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
        series_id = str(uuid.uuid4())
        bookings = self._book(data, wanted, series_id)
        return {"series_id": series_id, "items": booking_out.dump(bookings, many=True), "total": len(bookings)}

    @rpc
    def cancel_booking(self, booking_id):
        """Releases the room; cancelling a cancelled booking answers it again, so a
        compensating call may be retried."""
        self.call.caller.require(*BOOKERS)
        booking = self._booking(booking_id)
        if booking.status != "cancelled":
            booking.status = "cancelled"
            booking.cancelled_at = self._now()
            self.db.session.flush()
        return booking_out.dump(booking)

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
        unit_code = caller.unit_for_write(data["unit_code"], required=True)
        session = self.db.session
        room = repository.lock_meeting_room(session, data["meeting_room_id"])  # held until commit
        if room is None:
            raise NotFound(f"meeting room {data['meeting_room_id']} not found")
        domain.check_capacity(data["attendees"], room.capacity)
        booked = repository.booked_between(session, room.id, min(s for s, _ in wanted), max(e for _, e in wanted))
        clashes = domain.find_clashes(wanted, [(b.start_at, b.end_at, b.title) for b in booked])
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
