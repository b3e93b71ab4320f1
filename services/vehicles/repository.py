"""Queries of the vehicles service (select() only; the rules are in domain.py)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.vehicles import domain
from services.vehicles.models import (
    Dispatch, Driver, FuelTransaction, MeetingAttendance, Quota, SafetyMeeting, ServiceRecord, StatusChange, Vehicle,
)


def where_equal(statement, model, **values):
    """Adds ``model.<field> == value`` for every filter that was given."""
    for field, value in values.items():
        if value is not None and value != "":
            statement = statement.where(getattr(model, field) == value)
    return statement


def of_unit_vehicles(statement, model, unit_code: str | None):
    """Rows of ``model`` (keyed by ``vehicle_id``) whose vehicle is the unit's (under its quota);
    every row when ``unit_code`` is None."""
    if unit_code is None:
        return statement
    return statement.where(model.vehicle_id.in_(select(Vehicle.id).where(Vehicle.unit_code == unit_code)))


def occupied_slots(session: Session, unit_code: str) -> int:
    """Vehicles holding a quota slot: all of the unit's but the disposed ones."""
    return session.scalar(select(func.count()).select_from(Vehicle).where(
        Vehicle.unit_code == unit_code, Vehicle.status != "disposed"))


def quota_locked(session: Session, unit_code: str) -> Quota | None:
    """The unit's quota row, locked so that two registrations cannot take the last slot together."""
    return session.scalar(select(Quota).where(Quota.unit_code == unit_code).with_for_update())


def locked(session: Session, model, ident: int):
    """A row locked until commit (PostgreSQL); SQLite's single writer serialises anyway."""
    return session.scalar(select(model).where(model.id == ident).with_for_update())


def holding_dispatches(session: Session, start_at: datetime, end_at: datetime, *, vehicle_id=None, driver_id=None,
                       exclude_id=None):
    """Dispatches holding the vehicle or the driver over an overlapping interval."""
    statement = select(Dispatch).where(
        Dispatch.status.in_(domain.HOLDING), Dispatch.start_at < end_at, Dispatch.end_at > start_at)
    if vehicle_id is not None:
        statement = statement.where(Dispatch.vehicle_id == vehicle_id)
    if driver_id is not None:
        statement = statement.where(Dispatch.driver_id == driver_id)
    if exclude_id is not None:
        statement = statement.where(Dispatch.id != exclude_id)
    return session.scalars(statement.order_by(Dispatch.id)).all()


def busy_vehicle_ids(session: Session, start_at: datetime, end_at: datetime) -> set[int]:
    return set(session.scalars(select(Dispatch.vehicle_id).where(
        Dispatch.status.in_(domain.HOLDING), Dispatch.start_at < end_at, Dispatch.end_at > start_at)))


def last_meeting(session: Session, driver: Driver, on_day: date) -> domain.LastMeeting | None:
    """The last safety meeting held by ``on_day`` that binds the driver (held after they joined,
    ``domain.first_binding_meeting_day``), and whether they attended."""
    joined = domain.local_day(driver.created_at) if driver.created_at else None
    statement = select(SafetyMeeting).where(SafetyMeeting.held_on <= on_day)
    if joined is not None:
        statement = statement.where(SafetyMeeting.held_on >= domain.first_binding_meeting_day(joined))
    meeting = session.scalar(statement.order_by(SafetyMeeting.held_on.desc(), SafetyMeeting.id.desc()).limit(1))
    if meeting is None:
        return None
    attended = session.scalar(select(MeetingAttendance.id).where(
        MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.driver_id == driver.id)) is not None
    return domain.LastMeeting(meeting.held_on, attended)


def driver_problems(session: Session, driver: Driver, on_day: date) -> dict[str, str]:
    return domain.assignability_problems(driver.licence_expires_on, driver.status, on_day,
                                         last_meeting(session, driver, on_day))


def status_at(session: Session, vehicle: Vehicle, instant: datetime) -> str:
    """The vehicle's status at ``instant``, read back from its status history."""
    change = session.scalar(select(StatusChange).where(
        StatusChange.vehicle_id == vehicle.id, StatusChange.changed_at <= instant,
    ).order_by(StatusChange.changed_at.desc(), StatusChange.id.desc()).limit(1))
    return change.to_status if change else vehicle.status


def covering_windows(session: Session, vehicle_id: int, start_at: datetime, end_at: datetime) -> list[domain.Window]:
    margin = timedelta(days=2)  # windows are widened by the tolerance and the actual times
    rows = session.scalars(select(Dispatch).where(
        Dispatch.vehicle_id == vehicle_id, Dispatch.status.in_(domain.COVERING),
        Dispatch.start_at < end_at + margin, Dispatch.end_at > start_at - margin))
    return [domain.dispatch_window(d.id, d.start_at, d.end_at, d.departed_at, d.returned_at) for d in rows]


def previous_fuel(session: Session, vehicle_id: int, before: datetime) -> FuelTransaction | None:
    return session.scalar(select(FuelTransaction).where(
        FuelTransaction.vehicle_id == vehicle_id, FuelTransaction.filled_at < before,
    ).order_by(FuelTransaction.filled_at.desc(), FuelTransaction.id.desc()).limit(1))


def consumption_history(session: Session, vehicle_id: int, before: datetime, limit: int = 20):
    return list(session.scalars(select(FuelTransaction.l_per_100km).where(
        FuelTransaction.vehicle_id == vehicle_id, FuelTransaction.filled_at < before,
        FuelTransaction.l_per_100km.is_not(None),
    ).order_by(FuelTransaction.filled_at.desc()).limit(limit)))


def _total(column):
    return func.coalesce(func.sum(column), 0)


def dispatch_totals(session: Session, statuses, start: datetime, end: datetime):
    """Per vehicle, of the dispatches in ``statuses`` that departed in [start, end): how many,
    their distance, their cost and tolls (summed by the database, not row by row here)."""
    return session.execute(select(
        Dispatch.vehicle_id, func.count().label("dispatches"), _total(Dispatch.distance_km).label("distance_km"),
        (_total(Dispatch.cost_yuan) + _total(Dispatch.tolls_yuan)).label("cost_yuan"),
    ).where(Dispatch.status.in_(statuses), Dispatch.departed_at >= start, Dispatch.departed_at < end)
        .group_by(Dispatch.vehicle_id)).all()


def fuel_totals(session: Session, start: datetime, end: datetime):
    """Per vehicle, the fuel and charging transactions filled in [start, end), summed."""
    return session.execute(select(
        FuelTransaction.vehicle_id, _total(FuelTransaction.liters).label("liters"),
        _total(FuelTransaction.kwh).label("kwh"), _total(FuelTransaction.amount_yuan).label("amount_yuan"),
    ).where(FuelTransaction.filled_at >= start, FuelTransaction.filled_at < end)
        .group_by(FuelTransaction.vehicle_id)).all()


def service_totals(session: Session, first: date, last: date):
    """Per vehicle, the cost of the service records of the days ``first`` to ``last``."""
    return session.execute(select(ServiceRecord.vehicle_id, _total(ServiceRecord.cost_yuan).label("cost_yuan"))
                           .where(ServiceRecord.serviced_on >= first, ServiceRecord.serviced_on <= last)
                           .group_by(ServiceRecord.vehicle_id)).all()


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of ``first``, start of the day after ``last``) in Asia/Shanghai."""
    start = datetime.combine(first, time.min, domain.SHANGHAI)
    end = datetime.combine(last + timedelta(days=1), time.min, domain.SHANGHAI)
    return start, end
