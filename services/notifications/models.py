from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kit.db import OutboxMixin, ProcessedEventMixin, UtcDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Notification(Base):
    """One notice to one audience (domain.py). ``source_key`` is the event's id, or the due
    item's key for a reminder: with the audience and kind it is unique, so nothing is said twice."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("source_key", "kind", "audience"),
                      Index("ix_notification_audience_id", "audience", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    audience: Mapped[str] = mapped_column(String(160))
    unit_code: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class NotificationRead(Base):
    """A user has read a notification (an audience's notice is read by each of its members)."""

    __tablename__ = "notification_read"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Recipient(Base):
    """A user's preferences: an e-mail address and the kinds they muted, with the roles and
    unit the gateway last vouched for (refreshed at each call of theirs), by which the mail
    channel finds the members of an audience."""

    __tablename__ = "recipient"

    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    roles: Mapped[list] = mapped_column(JSON)
    unit_code: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    muted_kinds: Mapped[list] = mapped_column(JSON)
    # False once the gateway says the account was disabled or deleted: its mail stops
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Delivery(Base):
    """One notification to one user by a channel other than the inbox (e-mail): written with
    the notification, sent by a timer, retried until sent or given up (``failed``)."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("notification_id", "username", "channel"),
                      Index("ix_delivery_due", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"))
    username: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent | failed | withdrawn
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutboxEvent(OutboxMixin, Base):
    __tablename__ = "outbox_event"


class ProcessedEvent(ProcessedEventMixin, Base):
    __tablename__ = "processed_event"
