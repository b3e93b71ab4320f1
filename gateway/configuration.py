"""Configuration changes in the audit trail.

The suite's configuration is its environment, read at start. Each gateway start compares the
security-relevant settings in force with those the trail last recorded and, when any differs,
writes a ``configure`` entry (entity ``configuration``) naming each change: [before, after].
Secrets are never written, only whether one is set.
"""
from __future__ import annotations

import os

from sqlalchemy import select

from gateway.models import AuditEntry
from services.kit.context import Caller

# settings whose change an assessor asks about; the values are written as they are
SETTINGS = (
    "SECURITY_PROFILE", "JWT_TTL_SECONDS", "SESSION_RECHECK_SECONDS", "IDLE_TIMEOUT_SECONDS", "PASSWORD_MIN_LENGTH",
    "LOGIN_FREE_FAILURES", "LOGIN_FREE_FAILURES_PER_ADDRESS", "LOGIN_MAX_DELAY_SECONDS", "PII_CIPHER", "PII_KEY_ID",
    "KEYED_HASH_ALGORITHM", "AUDIT_HASH_ALGORITHM", "RETENTION_AUDIT_ENTRY_DAYS",
    "RETENTION_VISITOR_PERSONAL_DATA_DAYS", "MAX_BODY_BYTES",
)
# secrets: only whether each is set
SECRETS = ("JWT_SECRET", "JWT_PREVIOUS_SECRET", "AUDIT_CHAIN_KEY", "PII_KEYS", "ID_NUMBER_HASH_KEY")


def current(environ=os.environ) -> dict:
    values = {name: environ.get(name) or None for name in SETTINGS}
    values.update({f"{name}_set": bool(environ.get(name)) for name in SECRETS})
    return values


def recorded(accounts) -> dict:
    """The settings as the trail's configure entries left them."""
    with accounts.sessionmaker() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "configuration")
                                  .order_by(AuditEntry.id)).all()
    values: dict = {}
    for entry in entries:
        values.update({name: change[1] for name, change in entry.changes.items()})
    return values


def record_changes(accounts, environ=os.environ) -> dict:
    """Writes a ``configure`` entry for what changed since the last one; returns the changes."""
    before, now = recorded(accounts), current(environ)
    changes = {name: [before.get(name), value] for name, value in now.items()
               if name not in before or before[name] != value}
    if changes:
        accounts.record(Caller("system", kind="system"), "configure", "configuration", None, changes)
    return changes
