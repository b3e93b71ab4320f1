"""Free/busy of the meeting rooms over a span: a clerk picks a free slot before asking, and
learns that a room is taken without learning by whom. A mixin of ``FacilitiesService``."""
from __future__ import annotations

from sqlalchemy import select

from services.facilities import contract, domain, repository
from services.facilities.base import FacilitiesBase
from services.facilities.meetings import BOOKING_READERS
from services.facilities.models import Booking
from services.facilities.settings import SETTINGS
from services.kit.entrypoints import rpc
from services.kit.schemas import load

availability_out = contract.Availability()


class AvailabilityRpc(FacilitiesBase):
    @rpc(reads_only=True)
    def meeting_room_availability(self, query):
        caller = self.call.caller
        caller.require(*BOOKING_READERS)
        q = load(contract.AvailabilityQuery(), query or {})
        start, end = domain.utc(q["from_at"]), domain.utc(q["to_at"])
        domain.check_availability_span(start, end, SETTINGS)
        session = self.db.session
        rooms = session.scalars(repository.meeting_rooms_query(q.get("building_id"), q.get("min_capacity"))).all()
        busy: dict[int, list] = {room.id: [] for room in rooms}
        viewer = caller.unit_code if caller.unit_scoped else None
        for booking in session.scalars(select(Booking).where(
                Booking.meeting_room_id.in_(list(busy)), Booking.status == "booked",
                Booking.start_at < end, Booking.end_at > start).order_by(Booking.start_at, Booking.id)):
            busy[booking.meeting_room_id].append(domain.busy_interval(
                booking.start_at, booking.end_at, booking.unit_code, booking.title, booking.id, viewer))
        items = [{**contract.MeetingRoom().dump(room), "busy": busy[room.id]} for room in rooms]
        return availability_out.dump({"from_at": start, "to_at": end, "items": items, "total": len(items)})
