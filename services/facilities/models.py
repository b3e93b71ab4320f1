from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kit.db import OutboxMixin, ProcessedEventMixin, TimestampMixin


class Base(DeclarativeBase):
    pass


class Building(TimestampMixin, Base):
    __tablename__ = "building"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str | None] = mapped_column(String(300))
    floors: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str | None] = mapped_column(String(40), index=True)  # managing unit


class Room(TimestampMixin, Base):
    __tablename__ = "room"
    __table_args__ = (
        UniqueConstraint("building_id", "number", name="uq_room_building_number"),
        Index("ix_room_unit_code", "unit_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    floor: Mapped[int] = mapped_column(Integer)
    usable_area_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    type: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str | None] = mapped_column(String(40))  # occupying unit


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
