from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.kit.audit import AuditEntryMixin
from services.kit.db import OutboxMixin, ProcessedEventMixin, TimestampMixin, UtcDateTime, changes_touch


class Base(DeclarativeBase):
    pass


class Visitor(TimestampMixin, Base):
    """A visit at the gate. The ID number itself is never stored: only its masked
    form for display and a keyed hash to recognise a returning visitor, with the algorithm
    that made it (``hmac-sha256`` or ``hmac-sm3``). After the retention period the personal
    data is erased (``erased_at``); the visit stays, for the figures."""

    __tablename__ = "visitor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    id_number_masked: Mapped[str] = mapped_column(String(18))
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_number_hash_algorithm: Mapped[str] = mapped_column(String(16), default="hmac-sha256",
                                                          server_default="hmac-sha256")
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    company: Mapped[str | None] = mapped_column(String(200))
    host_name: Mapped[str] = mapped_column(String(100))
    host_unit_code: Mapped[str] = mapped_column(String(40), index=True)
    purpose: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20), default="visitor", server_default="visitor")
    party_size: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    checked_in_at: Mapped[datetime] = mapped_column(UtcDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class Reception(TimestampMixin, Base):
    """An official reception (公务接待) as requested; lists are kept as submitted (JSON)."""

    __tablename__ = "reception"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    official_letter: Mapped[dict | None] = mapped_column(JSON)
    guest_origin: Mapped[str] = mapped_column(String(20))
    guests: Mapped[list] = mapped_column(JSON)
    accompanying: Mapped[list] = mapped_column(JSON)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    activities: Mapped[list] = mapped_column(JSON)
    meals: Mapped[list] = mapped_column(JSON)
    lodging: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    reason: Mapped[str | None] = mapped_column(String(1000))
    submitted_by: Mapped[str] = mapped_column(String(120))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ReceptionListRecord(TimestampMixin, Base):
    """The reception list (接待清单): what happened, compared and locked for audit."""

    __tablename__ = "reception_list"

    reception_id: Mapped[int] = mapped_column(ForeignKey("reception.id"), primary_key=True)
    guests: Mapped[list] = mapped_column(JSON)
    accompanying: Mapped[list] = mapped_column(JSON)
    support_staff: Mapped[list] = mapped_column(JSON)
    activities: Mapped[list] = mapped_column(JSON)
    meals: Mapped[list] = mapped_column(JSON)
    costs: Mapped[list] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(2000))
    total_cost_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    differences: Mapped[list] = mapped_column(JSON)
    locked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(120))


class CanteenSlot(TimestampMixin, Base):
    __tablename__ = "canteen_slot"
    __table_args__ = (UniqueConstraint("served_on", "meal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    served_on: Mapped[date] = mapped_column(Date, index=True)
    meal: Mapped[str] = mapped_column(String(10))
    capacity: Mapped[int] = mapped_column(Integer)


class CanteenReservation(TimestampMixin, Base):
    __tablename__ = "canteen_reservation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("canteen_slot.id"), index=True)
    batch: Mapped[str] = mapped_column(String(200))
    head_count: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    reception_id: Mapped[int | None] = mapped_column(ForeignKey("reception.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    slot: Mapped[CanteenSlot] = relationship(lazy="joined")


class Meeting(TimestampMixin, Base):
    """A meeting (会务) holding a room booking (facilities) and car dispatches (vehicles)."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    # what its bookings elsewhere carry (contract.MEETING_REFERENCE_PREFIX and a UUID)
    reference: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    meeting_room_id: Mapped[int] = mapped_column(Integer)
    attendees: Mapped[int] = mapped_column(Integer)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    services: Mapped[list] = mapped_column(JSON)
    cars: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    room_booking_id: Mapped[int | None] = mapped_column(Integer)
    dispatch_ids: Mapped[list] = mapped_column(JSON)
    # Releases that failed (room bookings, dispatches) and are retried by a timer.
    compensation_pending: Mapped[list] = mapped_column(JSON)
    compensation_due: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    checked_in: Mapped[int] = mapped_column(Integer, default=0)


class MeetingAttendee(Base):
    __tablename__ = "meeting_attendee"
    __table_args__ = (UniqueConstraint("meeting_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_code: Mapped[str | None] = mapped_column(String(40))
    checked_in_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class AuditEntry(AuditEntryMixin, Base):
    pass


# a slot answers its reserved and available seats
changes_touch(CanteenReservation, "slot_id", CanteenSlot, columns=("status", "head_count"))
