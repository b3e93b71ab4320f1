"""The audit trail: who approved, rejected, assigned, allocated or corrected what, and when.

Every entry names its time, actor (a user, an API key ``key:<name>`` or ``system``), the
client's address, the action, the target (``entity`` and ``entity_id``), the outcome and the
request id; entries are sealed into a hash chain (``services/kit/audit_chain.py``) so that an
altered or removed entry is found by ``python -m services.kit.audit_chain verify``.

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

from services.kit.crypto import mask_phone
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
    actor_kind: Mapped[str] = mapped_column(String(16), default="user")  # user | api_key | system
    address: Mapped[str | None] = mapped_column(String(64))  # the client's, as the gateway saw it
    outcome: Mapped[str] = mapped_column(String(20), default="success")  # success | failure | refused
    prev_hash: Mapped[str | None] = mapped_column(String(100))
    hash: Mapped[str | None] = mapped_column(String(100))

    @declared_attr.directive
    def __table_args__(cls):
        return (Index("ix_audit_entry_entity", "entity", "entity_id"), Index("ix_audit_entry_action", "action"),
                Index("ix_audit_entry_at", "at"))


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


def add_trail_columns() -> None:
    """The columns of a whole trail (actor kind, address, outcome, the hash chain) and an index on
    the time, added to an existing ``audit_entry``; the entries already there are sealed."""
    import sqlalchemy as sa
    from alembic import op

    from services.kit.audit_chain import seal_existing

    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("actor_kind", sa.String(length=16), nullable=False, server_default="user"))
        batch.add_column(sa.Column("address", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(length=20), nullable=False, server_default="success"))
        batch.add_column(sa.Column("prev_hash", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=100), nullable=True))
        batch.create_index("ix_audit_entry_at", ["at"])
    seal_existing(op.get_bind())


def drop_trail_columns() -> None:
    from alembic import op

    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_index("ix_audit_entry_at")
        for column in ("hash", "prev_hash", "outcome", "address", "actor_kind"):
            batch.drop_column(column)


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
        self.entity = entity or record.__tablename__  # a record, or None for an entry about no record
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
            elif "phone" in column.key:  # personal: the trail keeps it masked (services/kit/crypto.py)
                before, after = mask_phone(before), mask_phone(after)
            change = self.changes.setdefault(column.key, [before, after])
            change[1] = after
            if change[0] == change[1]:
                del self.changes[column.key]

    def entry(self, model, actor: str, request_id: str | None, actor_kind: str = "user", address: str | None = None):
        identity = None if self.record is None else inspect(self.record).identity
        return model(actor=actor, action=self.action, entity=self.entity, request_id=request_id,
                     entity_id=None if identity is None else ",".join(str(part) for part in identity),
                     changes=self.changes, actor_kind=actor_kind, address=address, outcome="success")


# reading the trail -----------------------------------------------------------------------
# who reads the trail: the audit administrator (三员分立), and ``admin`` until the roles are split
OUTCOMES = ("success", "failure", "refused")


class AuditQuery(PageQuery):
    action = fields.String(validate=validate.Length(min=1, max=40))
    entity = fields.String(validate=validate.Length(min=1, max=60))
    entity_id = fields.String(validate=validate.Length(min=1, max=60))
    target = fields.String(validate=validate.Length(min=1, max=122), metadata={
        "description": "entity, or entity:entity_id (driver:7)"})
    actor = fields.String(validate=validate.Length(min=1, max=120))
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    since = Instant()
    until = Instant()


# how deep the gateway's merged trail pages (offset + limit): each service answers that many
MERGE_DEPTH = 10_000


class TrailSlice(AuditQuery):
    """What a service is asked for its part of the merged trail: deeper than a page."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MERGE_DEPTH))


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
    actor_kind = fields.String(metadata={"description": "user, api_key or system"})
    address = fields.String(allow_none=True, metadata={"description": "the client's address as the gateway saw it"})
    outcome = fields.String(metadata={"description": "success, failure or refused"})
    target = fields.Function(lambda entry: target_of(entry), metadata={"description": "entity:entity_id"})
    hash = fields.String(allow_none=True, metadata={"description": "the entry's link in its service's hash chain"})


def target_of(entry) -> str:
    entity, entity_id = (entry.get("entity"), entry.get("entity_id")) if isinstance(entry, dict) \
        else (entry.entity, entry.entity_id)
    return entity if entity_id is None else f"{entity}:{entity_id}"


class AuditTrail:
    """Mix into a service whose ``db = Database(..., audit_model=AuditEntry)``."""

    @rpc(reads_only=True)
    def list_audit_entries(self, query=None):
        self.call.caller.require(*AUDIT_READERS)
        q = load(TrailSlice(), query or {})
        items, total = paginate(self.db.session, trail_query(self.db.audit_model, q), q["limit"], q["offset"])
        return page_of(AuditEntry(many=True).dump(items), total)


def trail_query(model, q: dict):
    """The entries of an audit model that an ``AuditQuery`` asks for, newest first."""
    statement = select(model).order_by(model.id.desc())
    for key in ("action", "entity", "entity_id", "actor", "outcome"):
        if q.get(key) is not None:
            statement = statement.where(getattr(model, key) == q[key])
    if q.get("target") is not None:
        entity, _, entity_id = q["target"].partition(":")
        statement = statement.where(model.entity == entity)
        if entity_id:
            statement = statement.where(model.entity_id == entity_id)
    if q.get("since") is not None:
        statement = statement.where(model.at >= q["since"])
    if q.get("until") is not None:
        statement = statement.where(model.at < q["until"])
    return statement
