from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from services.facilities import domain
from services.facilities.models import (
    Allocation, Booking, Building, Inspection, MeetingRoom, Rectification, Repair, Room,
)


def buildings_query(unit_code: str | None = None):
    statement = select(Building).order_by(Building.id)
    if unit_code:
        statement = statement.where(Building.unit_code == unit_code)
    return statement


def rooms_query(building_id=None, unit_code=None, type=None, vacant=None):
    statement = select(Room).options(selectinload(Room.occupants)).order_by(Room.id)
    if building_id is not None:
        statement = statement.where(Room.building_id == building_id)
    if unit_code:
        statement = statement.where(Room.unit_code == unit_code)
    if type:
        statement = statement.where(Room.type == type)
    if vacant is True:
        statement = statement.where(Room.unit_code.is_(None))
    elif vacant is False:
        statement = statement.where(Room.unit_code.is_not(None))
    return statement


def judged_rooms(session: Session, building_id=None, unit_code=None) -> list[Room]:
    """Office rooms a unit holds: the ones the office-area standard judges."""
    statement = rooms_query(building_id, unit_code, "office", vacant=False)
    return list(session.scalars(statement))


def vacancies_query(building_id=None, floor=None, max_area: Decimal | None = None):
    """Free rooms that can serve as offices, the largest that fits first."""
    statement = (select(Room).options(selectinload(Room.occupants))
                 .where(Room.unit_code.is_(None), Room.type.in_(("office", "vacant")))
                 .order_by(Room.usable_area_m2.desc(), Room.id))
    if building_id is not None:
        statement = statement.where(Room.building_id == building_id)
    if floor is not None:
        statement = statement.where(Room.floor == floor)
    if max_area is not None:
        statement = statement.where(Room.usable_area_m2 <= max_area)
    return statement


def unit_area(session: Session, unit_code: str, building_id: int | None = None) -> Decimal:
    statement = select(func.coalesce(func.sum(Room.usable_area_m2), 0)).where(Room.unit_code == unit_code)
    if building_id is not None:
        statement = statement.where(Room.building_id == building_id)
    return Decimal(session.scalar(statement))


def allocations_query(room_id=None, unit_code=None, kind=None):
    statement = select(Allocation).order_by(Allocation.id)
    if room_id is not None:
        statement = statement.where(Allocation.room_id == room_id)
    if unit_code:
        statement = statement.where(or_(Allocation.from_unit_code == unit_code, Allocation.to_unit_code == unit_code))
    if kind:
        statement = statement.where(Allocation.kind == kind)
    return statement


def inspections_query(room_id=None, unit_code=None):
    statement = select(Inspection).options(selectinload(Inspection.rectifications)).order_by(Inspection.id)
    if room_id is not None:
        statement = statement.where(Inspection.room_id == room_id)
    if unit_code:
        statement = statement.where(Inspection.unit_code == unit_code)
    return statement


def later_inspection(session, room_id: int, inspected_on):
    """The id of a measurement of the room taken after ``inspected_on``, if any."""
    return session.scalar(select(Inspection.id).where(
        Inspection.room_id == room_id, Inspection.inspected_on > inspected_on,
        Inspection.measured_area_m2.is_not(None)).limit(1))


def overdue_rectifications(today):
    """Mirrors ``domain.rectification_overdue`` in SQL."""
    return (Rectification.status.in_(domain.RECTIFICATION_OVERDUE_STATUSES)) & (Rectification.deadline_on < today)


def rectifications_query(status=None, unit_code=None, room_id=None, overdue_on=None):
    statement = select(Rectification).order_by(Rectification.deadline_on, Rectification.id)
    if status:
        statement = statement.where(Rectification.status == status)
    if unit_code:
        statement = statement.where(Rectification.unit_code == unit_code)
    if room_id is not None:
        statement = statement.where(Rectification.room_id == room_id)
    if overdue_on is not None:
        statement = statement.where(overdue_rectifications(overdue_on))
    return statement


def overdue_repairs(now: datetime):
    """Mirrors ``domain.repair_overdue`` in SQL."""
    return Repair.status.not_in(domain.FINISHED) & (Repair.due_at < now)


def repairs_query(filters: dict, overdue_at: datetime | None = None, technician: str | None = None):
    statement = select(Repair).order_by(Repair.id)
    for name in ("status", "unit_code", "category", "severity", "building_id", "technician"):
        if filters.get(name) is not None:
            statement = statement.where(getattr(Repair, name) == filters[name])
    if technician is not None:
        statement = statement.where(Repair.technician == technician)
    if overdue_at is not None:
        statement = statement.where(overdue_repairs(overdue_at))
    return statement


def repair_facts_between(session: Session, start: datetime, end: datetime) -> list[domain.RepairFacts]:
    """What the figures need of each repair reported in [start, end): those columns only (a
    year of a county is thousands of work orders; whole ORM objects cost most of the answer)."""
    facts = [getattr(Repair, f.name) for f in dataclasses.fields(domain.RepairFacts)]
    rows = session.execute(select(*facts).where(Repair.reported_at >= start, Repair.reported_at < end).order_by(Repair.id))
    return [domain.RepairFacts(*row) for row in rows]


def meeting_rooms_query(building_id=None, min_capacity=None):
    statement = select(MeetingRoom).order_by(MeetingRoom.id)
    if building_id is not None:
        statement = statement.where(MeetingRoom.building_id == building_id)
    if min_capacity is not None:
        statement = statement.where(MeetingRoom.capacity >= min_capacity)
    return statement


def lock_meeting_room(session: Session, meeting_room_id: int) -> MeetingRoom | None:
    """Serialises bookings of one room: the second of two concurrent requests waits here
    until the first committed, then sees its booking. PostgreSQL locks the row
    (SELECT ... FOR UPDATE); SQLite ignores FOR UPDATE, so there a no-op UPDATE takes
    the database's write lock first."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(MeetingRoom).where(MeetingRoom.id == meeting_room_id).values(id=MeetingRoom.id))
    return session.scalar(select(MeetingRoom).where(MeetingRoom.id == meeting_room_id).with_for_update())


def booked_between(session: Session, meeting_room_id: int, start: datetime, end: datetime) -> list[Booking]:
    """Live bookings of the room that touch [start, end); callers test each occurrence."""
    return list(session.scalars(
        select(Booking).where(
            Booking.meeting_room_id == meeting_room_id, Booking.status == "booked",
            Booking.start_at < end, Booking.end_at > start,
        ).order_by(Booking.start_at)))


def booking_by_reference(session: Session, reference: str) -> Booking | None:
    """The single booking (no series) made with ``reference``: there is at most one."""
    return session.scalar(select(Booking).where(Booking.reference == reference, Booking.series_id.is_(None)))


def unchecked_meeting_bookings(session: Session, prefix: str, made_before: datetime, limit: int) -> list[Booking]:
    """Live bookings made for reception's meetings before ``made_before`` whose meeting was not
    yet found; skipped when another replica checks them."""
    return list(session.scalars(
        select(Booking).where(
            Booking.status == "booked", Booking.series_id.is_(None), Booking.meeting_checked_at.is_(None),
            Booking.reference.startswith(prefix, autoescape=True), Booking.created_at <= made_before,
        ).order_by(Booking.id).limit(limit).with_for_update(skip_locked=True)))


def bookings_query(filters: dict):
    statement = select(Booking).order_by(Booking.start_at, Booking.id)
    for name in ("meeting_room_id", "unit_code", "status", "series_id", "reference"):
        if filters.get(name) is not None:
            statement = statement.where(getattr(Booking, name) == filters[name])
    if filters.get("from_at") is not None:
        statement = statement.where(Booking.end_at > filters["from_at"])
    if filters.get("to_at") is not None:
        statement = statement.where(Booking.start_at < filters["to_at"])
    return statement
