from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.facilities.models import Building, Room


def buildings_query(unit_code: str | None = None):
    statement = select(Building).order_by(Building.id)
    if unit_code:
        statement = statement.where(Building.unit_code == unit_code)
    return statement


def rooms_query(building_id=None, unit_code=None, type=None, vacant=None):
    statement = select(Room).order_by(Room.id)
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


def unit_area(session: Session, unit_code: str, building_id: int | None = None) -> Decimal:
    statement = select(func.coalesce(func.sum(Room.usable_area_m2), 0)).where(Room.unit_code == unit_code)
    if building_id is not None:
        statement = statement.where(Room.building_id == building_id)
    return Decimal(session.scalar(statement))
