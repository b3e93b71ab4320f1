from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Integer, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kit.db import OutboxMixin, ProcessedEventMixin, TimestampMixin


class Base(DeclarativeBase):
    pass


class Vehicle(TimestampMixin, Base):
    __tablename__ = "vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    vin: Mapped[str] = mapped_column(String(17), unique=True)
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(24))
    seats: Mapped[int] = mapped_column(Integer)
    fuel_type: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    purchased_on: Mapped[date | None] = mapped_column(Date)
    purchase_price_yuan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    odometer_km: Mapped[Decimal] = mapped_column(Numeric(10, 1), default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(16), default="available", index=True)


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
