"""Queries of equipment upkeep and patrols."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.facilities.models import (Certificate, Equipment, EquipmentPurchase, MaintenancePlan, MeterReading,
                                        Patrol, PatrolFinding, Repair, Training, WorkOrder)


def insert_once(session: Session, model, values: dict, keys: tuple[str, ...]) -> int | None:
    """Insert a row unless one with the same ``keys`` exists, in one statement: the new row's id,
    or None when another worker (another generator, a restarted timer) already made it. The unique
    key decides, so no check-then-insert race can make two."""
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    statement = (insert(model).values(**values).on_conflict_do_nothing(index_elements=list(keys))
                 .returning(model.id))
    return session.execute(statement).scalar()


def readings_since(session: Session, equipment_id: int, since: date | None) -> list[tuple[date, object]]:
    """The meter readings since the plan was last done (the last two tell the rate of use)."""
    statement = select(MeterReading.read_on, MeterReading.run_hours).where(MeterReading.equipment_id == equipment_id)
    if since is not None:
        statement = statement.where(MeterReading.read_on >= since)
    return [tuple(row) for row in session.execute(statement.order_by(MeterReading.read_at))]


def last_reading(session: Session, equipment_id: int) -> MeterReading | None:
    return session.scalars(select(MeterReading).where(MeterReading.equipment_id == equipment_id)
                           .order_by(MeterReading.read_at.desc(), MeterReading.id.desc()).limit(1)).first()


def open_order(session: Session, plan_id: int) -> WorkOrder | None:
    return session.scalars(select(WorkOrder).where(WorkOrder.plan_id == plan_id,
                                                   WorkOrder.status.not_in(("done", "cancelled"))).limit(1)).first()


def active_plans(session: Session):
    return session.scalars(select(MaintenancePlan).join(Equipment, Equipment.id == MaintenancePlan.equipment_id)
                           .where(MaintenancePlan.active.is_(True), Equipment.status == "in_service")
                           .order_by(MaintenancePlan.id)).all()


def latest_certificates(session: Session, equipment_ids=None) -> list[Certificate]:
    """The newest certificate of each equipment and certificate name (a renewed one replaces the old)."""
    newest = (select(func.max(Certificate.id)).group_by(Certificate.equipment_id, Certificate.name)
              .scalar_subquery())
    statement = select(Certificate).where(Certificate.id.in_(newest))
    if equipment_ids is not None:
        statement = statement.where(Certificate.equipment_id.in_(equipment_ids))
    return list(session.scalars(statement))


def orders_due_between(session: Session, start: date, end: date):
    return session.execute(select(Equipment.kind, WorkOrder.status, WorkOrder.due_on, WorkOrder.completed_on)
                           .join(Equipment, Equipment.id == WorkOrder.equipment_id)
                           .where(WorkOrder.due_on >= start, WorkOrder.due_on <= end)).all()


def equipment_in_service_on(session: Session, day: date):
    return session.execute(select(Equipment.kind, func.count()).where(
        (Equipment.installed_on.is_(None)) | (Equipment.installed_on <= day),
        (Equipment.retired_on.is_(None)) | (Equipment.retired_on > day)).group_by(Equipment.kind)).all()


def purchases_between(session: Session, start: date, end: date):
    return session.execute(select(func.count(), func.coalesce(func.sum(EquipmentPurchase.cost_yuan), 0))
                           .where(EquipmentPurchase.purchased_on >= start, EquipmentPurchase.purchased_on <= end)).one()


def patrols_between(session: Session, start: datetime, end: datetime):
    return session.execute(select(Patrol.kind, Patrol.status, Patrol.missed)
                           .where(Patrol.slot_at >= start, Patrol.slot_at < end)).all()


def findings_between(session: Session, start: datetime, end: datetime):
    return session.execute(select(PatrolFinding.kind, PatrolFinding.opens, PatrolFinding.status, Repair.status)
                           .outerjoin(Repair, Repair.id == PatrolFinding.repair_id)
                           .where(PatrolFinding.seen_at >= start, PatrolFinding.seen_at < end)).all()


def trainings_between(session: Session, start: date, end: date):
    return session.execute(select(Training.category, Training.hours, Training.attendee_count)
                           .where(Training.held_on >= start, Training.held_on <= end)).all()
