"""The gateway's own data: people who log in, the keys of other systems, and the annual
summary's narrative (the report is the gateway's composition, so its words are kept beside it)."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kit.audit import AuditEntryMixin
from services.kit.db import TimestampMixin, UtcDateTime, utcnow


class Base(DeclarativeBase):
    pass


class User(TimestampMixin, Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list] = mapped_column(JSON)
    unit_code: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # raised when the user's tokens end (disabled, password changed, logged out): a token carries
    # the version it was issued at and is refused once that is not the user's. It starts at random:
    # SQLite gives a deleted user's id to the next user, whose tokens must not match the old ones.
    token_version: Mapped[int] = mapped_column(Integer, default=lambda: secrets.randbelow(1 << 30))
    # the second factor (gateway/auth.py, docs/security.md): the TOTP secret once the user confirmed
    # a code of it, the one offered at enrolment until then, the last time step a code was accepted
    # at (a code is good once), and the SHA-256 of each unused recovery code
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    recovery_codes: Mapped[list | None] = mapped_column(JSON)
    # the password rules (expiry, no reuse): when it was set, and the hashes of the ones before it
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=utcnow)
    password_history: Mapped[list | None] = mapped_column(JSON)


class SessionActivity(Base):
    """When a token (an API client's or a console session's) was last used, for the idle timeout:
    written at most every few seconds per token, shared by every replica of the gateway."""

    __tablename__ = "session_activity"

    token_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ApiKey(TimestampMixin, Base):
    """A system's key: only a SHA-256 of the secret is kept; the key is shown once."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(24), unique=True)  # public part, to find the row
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    roles: Mapped[list] = mapped_column(JSON)
    unit_code: Mapped[str | None] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(80))
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # the integration client (integrations service) whose system holds the key
    client_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # the operations (route names) the key may call, within its roles; empty: all its roles allow
    scopes: Mapped[list | None] = mapped_column(JSON)


class ApiKeyCall(Base):
    """A call made with an API key, for the admin to see what a client's system does."""

    __tablename__ = "api_key_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"), index=True)
    called_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    method: Mapped[str] = mapped_column(String(10))
    operation: Mapped[str] = mapped_column(String(80))
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(String(100))


class AuditEntry(AuditEntryMixin, Base):
    """The gateway's audit trail: users created, disabled, enabled, deleted, their roles and
    passwords changed, and the security events (logins and failed logins with their address,
    logouts, idle sessions ended, second factors enrolled, recovery codes used): who, when, which
    user; never a password, a TOTP secret or a recovery code (gateway/auth.py ``security_entry``)."""


class ReportNarrative(TimestampMixin, Base):
    """What staff write into the annual summary: a section's 工作总结 text, 困难与问题 or the
    next year's plan (``part``), per year."""

    __tablename__ = "report_narrative"
    __table_args__ = (UniqueConstraint("year", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    part: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(120))
