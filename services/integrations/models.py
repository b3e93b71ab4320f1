from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kit.audit import AuditEntryMixin
from services.kit.crypto import EncryptedString
from services.kit.db import OutboxMixin, ProcessedEventMixin, TimestampMixin, UtcDateTime, changes_touch, utcnow


class Base(DeclarativeBase):
    pass


class Client(TimestampMixin, Base):
    """Another department's system that uses the suite (GPS platform, petition bureau...)."""

    __tablename__ = "client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    department: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(EncryptedString(40, "client.contact_phone"))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(120))


class Subscription(TimestampMixin, Base):
    """A receiver's URL and the event types it gets."""

    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list] = mapped_column(JSON)
    unit_codes: Mapped[list | None] = mapped_column(JSON)  # only events of these units, when set
    # the HMAC key must be read back to sign, so it is kept, and shown only once
    secret: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | paused | disabled
    paused_reason: Mapped[str | None] = mapped_column(String(200))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the receiver failed: wait until then
    created_by: Mapped[str] = mapped_column(String(120))


class AllowedHost(Base):
    """A host an admin allows although it resolves to a loopback or private address."""

    __tablename__ = "allowed_host"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255), unique=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Event(Base):
    """Every event of the suite the integrations service received, kept for replay."""

    __tablename__ = "event"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(40))
    unit_code: Mapped[str | None] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # the request and the trace it came from, carried on to each webhook send (tracing.py)
    request_id: Mapped[str | None] = mapped_column(String(120))
    traceparent: Mapped[str | None] = mapped_column(String(55))


class Delivery(TimestampMixin, Base):
    """One event for one subscription, tried until the receiver answers 2xx or it is parked."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("event.event_id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | delivered | parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    replay_of: Mapped[int | None] = mapped_column(Integer)


class DeliveryAttempt(Base):
    """The delivery log: each request sent and what came back."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))
    duration_ms: Mapped[int] = mapped_column(Integer)


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class AuditEntry(AuditEntryMixin, Base):
    """Who paused (the dispatcher) or resumed (an admin) a subscription, and when."""


# a subscription answers its pending deliveries
changes_touch(Delivery, "subscription_id", Subscription, columns=("status",))
