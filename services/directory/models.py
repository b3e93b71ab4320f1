from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kit.audit import AuditEntryMixin
from services.kit.db import OutboxMixin, ProcessedEventMixin, TimestampMixin, UtcDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Unit(TimestampMixin, Base):
    """One unit of the register (单位名录)."""

    __tablename__ = "unit"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("unit.code"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    staffing: Mapped[int | None] = mapped_column(Integer)
    headcount_on_staff: Mapped[int | None] = mapped_column(Integer)
    headcount_off_staff: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(300))
    initials: Mapped[str] = mapped_column(String(300))  # pinyin initials of name and short name
    successor_code: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))
    merged_on: Mapped[date | None] = mapped_column(Date)


class UnitMerge(Base):
    """A 机构改革: ``predecessor_code`` became part of ``successor_code`` from ``effective_date``."""

    __tablename__ = "unit_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), unique=True)
    successor_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), index=True)
    effective_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class AuditEntry(AuditEntryMixin, Base):
    pass
