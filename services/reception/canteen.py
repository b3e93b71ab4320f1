"""The canteen (机关食堂): meal slots and the reservations of receptions and meetings."""
from __future__ import annotations

from sqlalchemy import select

from services.kit.db import get_or_404, paginate, utcnow
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict
from services.kit.schemas import load, page_of
from services.reception import contract, repository
from services.reception.base import ReceptionBase
from services.reception.models import CanteenReservation, CanteenSlot, Meeting, Reception
from services.reception.contract import OFFICERS, READERS

slot_out = contract.CanteenSlot()
reservation_out = contract.CanteenReservation()

# Owners that may still take seats.
OPEN_RECEPTION = ("submitted", "approved")
OPEN_MEETING = ("scheduled",)


class CanteenRpc(ReceptionBase):
    """Mixed into ``ReceptionService``; needs ``db`` and ``call``."""

    @rpc
    def create_canteen_slot(self, payload):
        self.call.caller.require(*OFFICERS)
        data = load(contract.CanteenSlotCreate(), payload)
        session = self.db.session
        if session.scalar(select(CanteenSlot.id).where(CanteenSlot.served_on == data["served_on"],
                                                       CanteenSlot.meal == data["meal"])):
            raise Conflict("the canteen already has this slot", {"meal": [f"{data['meal']} on {data['served_on']} exists"]})
        slot = CanteenSlot(**data)
        session.add(slot)
        session.flush()
        return slot_out.dump(repository.slot_view(slot, 0))

    @rpc(reads_only=True)
    def list_canteen_slots(self, query=None):
        self.call.caller.require(*READERS)
        q = load(contract.CanteenSlotQuery(), query or {})
        statement = select(CanteenSlot).order_by(CanteenSlot.served_on, CanteenSlot.id).where(
            *repository.between_dates(CanteenSlot.served_on, q.get("from_on"), q.get("to_on")))
        if q.get("meal"):
            statement = statement.where(CanteenSlot.meal == q["meal"])
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        reserved = repository.reserved_seats(self.db.session, [slot.id for slot in items])
        return page_of(slot_out.dump([repository.slot_view(slot, reserved.get(slot.id, 0)) for slot in items],
                                     many=True), total)

    @rpc(reads_only=True)
    def get_canteen_slot(self, slot_id):
        self.call.caller.require(*READERS)
        slot = get_or_404(self.db.session, CanteenSlot, int(slot_id), "canteen slot")
        return slot_out.dump(repository.slot_view(slot, repository.reserved_seats(self.db.session, [slot.id]).get(slot.id, 0)))

    @rpc
    def create_canteen_reservation(self, payload):
        self.call.caller.require(*OFFICERS)
        data = load(contract.CanteenReservationCreate(), payload)
        session = self.db.session
        if data["reception_id"] is not None:
            owner = get_or_404(session, Reception, data["reception_id"], "reception")
            kind, statuses = "reception", OPEN_RECEPTION
        else:
            owner = get_or_404(session, Meeting, data["meeting_id"], "meeting")
            kind, statuses = "meeting", OPEN_MEETING
        if owner.status not in statuses:
            raise Conflict(f"a {owner.status} {kind} takes no canteen seats")
        reservation = repository.reserve_seats(
            session, data["slot_id"], data["head_count"], batch=data["batch"] or f"{kind} {owner.id}: {owner.title}"[:200],
            unit_code=owner.unit_code, reception_id=data["reception_id"], meeting_id=data["meeting_id"],
        )
        return reservation_out.dump(reservation)

    @rpc(reads_only=True)
    def list_canteen_reservations(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.CanteenReservationQuery(), query or {})
        q["unit_code"] = caller.unit_filter(q.get("unit_code"))
        return self._page(select(CanteenReservation).order_by(CanteenReservation.id.desc()), q,
                          reservation_out.dump, **{key: getattr(CanteenReservation, key) for key in (
                              "unit_code", "slot_id", "reception_id", "meeting_id", "status")})

    @rpc(reads_only=True)
    def get_canteen_reservation(self, reservation_id):
        self.call.caller.require(*READERS)
        return reservation_out.dump(repository.visible(self.db.session, self.call.caller, CanteenReservation,
                                                       reservation_id, "canteen reservation"))

    @rpc
    def cancel_canteen_reservation(self, reservation_id):
        self.call.caller.require(*OFFICERS)
        reservation = repository.locked(self.db.session, CanteenReservation, reservation_id, "canteen reservation")
        if reservation.status != "active":
            raise Conflict("the reservation is already released")
        reservation.status, reservation.released_at = "released", utcnow()
        self.db.session.flush()
        return reservation_out.dump(reservation)

