"""Queries of the reception service, and the canteen's seat ledger."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.kit.db import get_or_404, touch, utcnow
from services.kit.errors import NotFound
from services.reception import domain
from services.reception.models import CanteenReservation, CanteenSlot


def locked(session: Session, model, ident: int, what: str):
    """The row, locked for this transaction (``SELECT ... FOR UPDATE`` on PostgreSQL)."""
    # OF the row itself: eager-loaded outer joins (a reservation's slot) cannot be locked
    record = session.get(model, int(ident), with_for_update={"of": model})
    if record is None:
        raise NotFound(f"{what} {ident} not found")
    return record


def visible(session: Session, caller, model, ident, what: str, unit_of: str = "unit_code", lock: bool = False):
    """One record the caller may see (another unit's answers 404), locked when asked."""
    record = locked(session, model, ident, what) if lock else get_or_404(session, model, int(ident), what)
    caller.check_visible(getattr(record, unit_of), what)
    return record


def reserved_seats(session: Session, slot_ids) -> dict[int, int]:
    """Seats held by active reservations, per slot."""
    rows = session.execute(
        select(CanteenReservation.slot_id, func.coalesce(func.sum(CanteenReservation.head_count), 0))
        .where(CanteenReservation.slot_id.in_(list(slot_ids)), CanteenReservation.status == "active")
        .group_by(CanteenReservation.slot_id)
    ).all()
    return {slot_id: int(seats) for slot_id, seats in rows}


def reserve_seats(session: Session, slot_id: int, head_count: int, *, batch: str, unit_code: str,
                  reception_id: int | None = None, meeting_id: int | None = None) -> CanteenReservation:
    """Seats in a slot, never beyond its capacity: the slot row is locked before the
    reservations are summed, so concurrent requests for one slot queue up here."""
    slot = locked(session, CanteenSlot, slot_id, "canteen slot")
    domain.check_canteen_capacity(slot.capacity, reserved_seats(session, [slot.id]).get(slot.id, 0), head_count)
    reservation = CanteenReservation(slot_id=slot.id, slot=slot, batch=batch, head_count=head_count,
                                     unit_code=unit_code, reception_id=reception_id, meeting_id=meeting_id,
                                     status="active")
    session.add(reservation)
    session.flush()
    return reservation


def release_reservations(session: Session, *, reception_id: int | None = None, meeting_id: int | None = None) -> None:
    owner = (CanteenReservation.reception_id == reception_id) if reception_id is not None \
        else (CanteenReservation.meeting_id == meeting_id)
    released = session.execute(
        update(CanteenReservation).where(owner, CanteenReservation.status == "active")
        .values(status="released", released_at=utcnow(), updated_at=utcnow()).returning(CanteenReservation.slot_id)
    ).scalars().all()
    touch(session, CanteenSlot, released)  # their seats are free again


def slot_view(slot: CanteenSlot, reserved: int) -> dict:
    return {**{key: getattr(slot, key) for key in ("id", "served_on", "meal", "capacity", "created_at", "updated_at")},
            "reserved": reserved, "available": max(slot.capacity - reserved, 0)}


def between_days(column, from_on: date | None, to_on: date | None):
    """Conditions on a UTC instant column for local days ``from_on``..``to_on`` (inclusive)."""
    conditions = []
    if from_on:
        conditions.append(column >= domain.local_midnight(from_on))
    if to_on:
        conditions.append(column < domain.local_midnight(to_on + timedelta(days=1)))
    return conditions


def between_dates(column, from_on: date | None, to_on: date | None):
    conditions = []
    if from_on:
        conditions.append(column >= from_on)
    if to_on:
        conditions.append(column <= to_on)
    return conditions
