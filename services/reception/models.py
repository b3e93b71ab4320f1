from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kit.db import OutboxMixin, ProcessedEventMixin, TimestampMixin, UtcDateTime


class Base(DeclarativeBase):
    pass


class Visitor(TimestampMixin, Base):
    """A visit at the gate. The ID number itself is never stored: only its masked
    form for display and a keyed hash to recognise a returning visitor."""

    __tablename__ = "visitor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    id_number_masked: Mapped[str] = mapped_column(String(18))
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    company: Mapped[str | None] = mapped_column(String(200))
    host_name: Mapped[str] = mapped_column(String(100))
    host_unit_code: Mapped[str] = mapped_column(String(40), index=True)
    purpose: Mapped[str] = mapped_column(String(500))
    checked_in_at: Mapped[datetime] = mapped_column(UtcDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
