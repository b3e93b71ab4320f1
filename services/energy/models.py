from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kit.db import OutboxMixin, ProcessedEventMixin, TimestampMixin, UtcDateTime


class Base(DeclarativeBase):
    pass


class Institution(TimestampMixin, Base):
    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    headcount: Mapped[int] = mapped_column(Integer)
    floor_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    area_source: Mapped[str | None] = mapped_column(String(20))  # facilities | manual


class UnitFloorArea(Base):
    """Energy's own copy of each unit's usable area, kept from facilities' events."""

    __tablename__ = "unit_floor_area"

    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    usable_area_m2: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)  # occurred_at of the event applied


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
