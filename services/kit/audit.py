"""The audit trail: who approved, rejected, assigned, allocated or corrected what, and when.

A service names the record it is about to act on (``self.db.audit("approve", dispatch)``,
before changing it, or right after adding a new one). Every flush of the transaction
adds the record's changed columns to the entry, and the entry is written in the same
transaction as the change, so a change is never without its entry and an entry never
without its change. The audit administrator reads each service's trail through ``list_audit_entries``.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from marshmallow import Schema, fields, validate
from sqlalchemy import JSON, Index, Integer, String, inspect, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from services.kit.context import AUDIT_READERS
from services.kit.db import UtcDateTime, paginate, utcnow
from services.kit.entrypoints import rpc
from services.kit.schemas import Instant, PageQuery, load, page_of

IGNORED = {"created_at", "updated_at"}
HIDDEN = "***"
ACTIONS = ("approve", "reject", "assign", "allocate", "correct", "cancel", "resolve", "verify", "dispose", "reopen")


def is_secret(column: str) -> bool:
    """ID numbers and secrets are never copied into the trail."""
    return "id_number" in column or "password" in column or "secret" in column


class AuditEntryMixin:
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    changes: Mapped[dict] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(80))

    @declared_attr.directive
    def __table_args__(cls):
        return (Index("ix_audit_entry_entity", "entity", "entity_id"), Index("ix_audit_entry_action", "action"))


def create_audit_table() -> None:
    """The table of ``AuditEntryMixin``: each service's migration 0003 runs this."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=60), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_entry_entity", "audit_entry", ["entity", "entity_id"])
    op.create_index("ix_audit_entry_action", "audit_entry", ["action"])


def drop_audit_table() -> None:
    from alembic import op

    op.drop_index("ix_audit_entry_action", table_name="audit_entry")
    op.drop_index("ix_audit_entry_entity", table_name="audit_entry")
    op.drop_table("audit_entry")


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


class Watch:
    """One audited action on one record, gathering the record's changes flush by flush."""

    def __init__(self, action: str, record, entity: str | None):
        self.action, self.record = action, record
        self.entity = entity or record.__tablename__
        self.changes: dict[str, list] = {}

    def capture(self) -> None:
        state = inspect(self.record)
        for column in state.mapper.column_attrs:
            if column.key in IGNORED:
                continue
            history = state.attrs[column.key].history
            if not (history.added or history.deleted):
                continue
            before = _plain(history.deleted[0]) if history.deleted else None
            after = _plain(history.added[0]) if history.added else None
            if is_secret(column.key):
                before, after = before and HIDDEN, after and HIDDEN
            change = self.changes.setdefault(column.key, [before, after])
            change[1] = after
            if change[0] == change[1]:
                del self.changes[column.key]

    def entry(self, model, actor: str, request_id: str | None):
        identity = inspect(self.record).identity
        return model(actor=actor, action=self.action, entity=self.entity, request_id=request_id,
                     entity_id=None if identity is None else ",".join(str(part) for part in identity),
                     changes=self.changes)


# reading the trail -----------------------------------------------------------------------
class AuditQuery(PageQuery):
    action = fields.String(validate=validate.Length(min=1, max=40))
    entity = fields.String(validate=validate.Length(min=1, max=60))
    entity_id = fields.String(validate=validate.Length(min=1, max=60))
    actor = fields.String(validate=validate.Length(min=1, max=120))
    since = Instant()
    until = Instant()


class AuditEntry(Schema):
    id = fields.Integer()
    at = Instant()
    actor = fields.String()
    action = fields.String()
    entity = fields.String()
    entity_id = fields.String(allow_none=True)
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)),
                          metadata={"description": "column: [before, after]; before is null for a new record"})
    request_id = fields.String(allow_none=True)


class AuditTrail:
    """Mix into a service whose ``db = Database(..., audit_model=AuditEntry)``."""

    @rpc(reads_only=True)
    def list_audit_entries(self, query=None):
        self.call.caller.require(*AUDIT_READERS)
        q = load(AuditQuery(), query or {})
        items, total = paginate(self.db.session, trail_query(self.db.audit_model, q), q["limit"], q["offset"])
        return page_of(AuditEntry(many=True).dump(items), total)


def trail_query(model, q: dict):
    """The entries of an audit model that an ``AuditQuery`` asks for, newest first."""
    statement = select(model).order_by(model.id.desc())
    for key in ("action", "entity", "entity_id", "actor"):
        if q.get(key) is not None:
            statement = statement.where(getattr(model, key) == q[key])
    if q.get("since") is not None:
        statement = statement.where(model.at >= q["since"])
    if q.get("until") is not None:
        statement = statement.where(model.at < q["until"])
    return statement
