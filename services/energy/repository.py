"""Queries and the one place readings are written (by the API and by imports alike)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from services.energy import domain
from services.energy.models import FleetFuel, Institution, Reading, ReadingRevision, UnitFloorArea
from services.kit.db import utcnow
from services.kit.errors import NotFound


def insert_unit_area(session: Session, unit_code: str, area: Decimal, as_of) -> bool:
    """Energy's first copy of a unit's area, unless another worker wrote it first (then
    False): ``INSERT ... ON CONFLICT DO NOTHING`` waits for that worker's commit instead of
    failing on the unit's key (PostgreSQL and SQLite say it alike)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (insert(UnitFloorArea).values(unit_code=unit_code, usable_area_m2=area, as_of=as_of)
                 .on_conflict_do_nothing(index_elements=["unit_code"]).returning(UnitFloorArea.unit_code))
    return session.execute(statement).first() is not None


def institution_by_unit(session: Session, unit_code: str) -> Institution:
    institution = session.scalar(select(Institution).where(Institution.unit_code == unit_code))
    if institution is None:
        raise NotFound(f"no institution is registered for unit {unit_code}", {"unit_code": ["no such institution"]})
    return institution


def institutions_by_unit(session: Session, unit_codes) -> dict[str, Institution]:
    rows = session.scalars(select(Institution).where(Institution.unit_code.in_(set(unit_codes)))).all()
    return {row.unit_code: row for row in rows}


def institutions_in_scope(session: Session, unit_code: str | None, group: str | None) -> list[Institution]:
    statement = select(Institution).order_by(Institution.unit_code)
    if unit_code:
        statement = statement.where(Institution.unit_code == unit_code)
    if group:
        statement = statement.where(Institution.group == group)
    return list(session.scalars(statement))


def reading_values(session: Session, institution_ids, periods):
    """The readings of these institutions in these periods: only the columns a figure needs."""
    ids, periods = list(institution_ids), list(periods)
    if not ids or not periods:
        return []
    return session.execute(select(Reading.institution_id, Reading.period, Reading.energy_type, Reading.quantity,
                                  Reading.unit).where(Reading.institution_id.in_(ids), Reading.period.in_(periods))).all()


def consumption_of(session: Session, institution_ids, periods) -> dict[int, domain.Consumption]:
    """What each institution used over ``periods`` (None: all): the database sums the readings of
    each type and unit (the scope's readings are never loaded); an institution without a reading
    in ``periods`` is absent."""
    ids = list(institution_ids)
    if not ids:
        return {}
    scope = [Reading.institution_id.in_(ids)]
    if periods is not None:
        scope.append(Reading.period.in_(list(periods)))
    result: dict[int, domain.Consumption] = {}
    for row in session.execute(
            select(Reading.institution_id, Reading.energy_type, Reading.unit, func.sum(Reading.quantity).label("quantity"))
            .where(*scope).group_by(Reading.institution_id, Reading.energy_type, Reading.unit)):
        result.setdefault(row.institution_id, domain.Consumption()).add(row.energy_type, row.quantity, row.unit)
    return result


def fleet_rows(session: Session, periods, unit_codes=None) -> list[FleetFuel]:
    statement = select(FleetFuel).where(FleetFuel.period.in_(list(periods)))
    if unit_codes is not None:
        statement = statement.where(FleetFuel.unit_code.in_(list(unit_codes)))
    return list(session.scalars(statement))


@dataclass(frozen=True)
class ReadingInput:
    institution: Institution
    period: str
    energy_type: str
    quantity: Decimal
    unit: str


@dataclass
class Written:
    readings: list = field(default_factory=list)
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    touched: set = field(default_factory=set)  # (institution, year) whose figures changed

    def add(self, other: "Written") -> None:
        self.readings += other.readings
        self.created, self.corrected = self.created + other.created, self.corrected + other.corrected
        self.unchanged += other.unchanged
        self.touched |= other.touched


def write_readings(session: Session, inputs: list[ReadingInput], source: str, recorded_by: str, audit,
                   import_id: int | None = None) -> Written:
    """Stores each reading once per (institution, period, type): the same value again changes
    nothing; another value is a correction that keeps the old one as a revision (and goes
    into the audit trail through ``audit``)."""
    keys = {(item.institution.id, item.period, item.energy_type) for item in inputs}
    existing = {}
    if keys:
        pairs = {(institution_id, period) for institution_id, period, _ in keys}
        rows = session.scalars(select(Reading).where(tuple_(Reading.institution_id, Reading.period).in_(list(pairs))))
        existing = {(row.institution_id, row.period, row.energy_type): row for row in rows}
    written = Written()
    now = utcnow()
    for item in inputs:
        key = (item.institution.id, item.period, item.energy_type)
        reading = existing.get(key)
        if reading is not None and domain.same_value(reading.quantity, reading.unit, item.quantity, item.unit):
            written.unchanged += 1
        elif reading is not None:
            audit("correct", reading)
            session.add(ReadingRevision(
                reading_id=reading.id, quantity=reading.quantity, unit=reading.unit, source=reading.source,
                import_id=reading.import_id, recorded_by=reading.recorded_by, recorded_at=reading.updated_at,
                replaced_at=now, replaced_by=recorded_by))
            reading.quantity, reading.unit, reading.source = item.quantity, item.unit, source
            reading.import_id, reading.recorded_by = import_id, recorded_by
            written.corrected += 1
            written.touched.add((item.institution, domain.split_period(item.period)[0]))
        else:
            reading = Reading(
                institution_id=item.institution.id, unit_code=item.institution.unit_code, period=item.period,
                energy_type=item.energy_type, quantity=item.quantity, unit=item.unit, source=source,
                import_id=import_id, recorded_by=recorded_by)
            session.add(reading)
            existing[key] = reading
            written.created += 1
            written.touched.add((item.institution, domain.split_period(item.period)[0]))
        written.readings.append(reading)
    session.flush()
    return written


def revisions_of(session: Session, reading_id: int) -> list[ReadingRevision]:
    return list(session.scalars(
        select(ReadingRevision).where(ReadingRevision.reading_id == reading_id).order_by(ReadingRevision.id)))
