"""The county's units (单位名录) as every service keeps them: a local copy of the register.

The directory service owns the register and publishes ``unit_registered``, ``unit_changed`` and
``unit_merged`` through its outbox. A service that refers to units mixes in
``known_units_consumer(KnownUnit, "<service>")`` (its model on ``KnownUnitMixin``, its table
made by ``create_known_unit_table`` in a migration) and checks each record's unit with
``require_unit``: an unknown unit is refused (``units.unknown``), an abolished one too
(``units.abolished``), a merged one for anything dated on or after the merge (``units.merged``).

The event names and payloads live here, beside their one consumer, so that the kit depends on
no service; ``services/directory/contract.py`` publishes them as its own.
"""
from __future__ import annotations

from datetime import date, datetime

from marshmallow import fields
from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.kit.context import SYSTEM_ADMIN
from services.kit.db import UtcDateTime
from services.kit.errors import RuleViolation
from services.kit.schemas import EventSchema

SERVICE = "directory"
UNIT_REGISTERED = "unit_registered"
UNIT_CHANGED = "unit_changed"
UNIT_MERGED = "unit_merged"
STATUSES = ("active", "merged", "abolished")


class UnitRegistered(EventSchema):
    """A unit entered the register (单位名录)."""

    unit_code = fields.String(required=True)
    name = fields.String(required=True)
    short_name = fields.String(allow_none=True)
    kind = fields.String(required=True)
    parent_code = fields.String(allow_none=True)
    status = fields.String(required=True)
    staffing = fields.Integer(allow_none=True, metadata={"description": "编制数"})
    headcount_on_staff = fields.Integer(allow_none=True, metadata={"description": "实有在编"})
    headcount_off_staff = fields.Integer(allow_none=True, metadata={"description": "编外"})


class UnitChanged(UnitRegistered):
    """A unit's names, kind, parent, staffing or status changed; the whole unit as it now is."""


class UnitMerged(EventSchema):
    """A unit was merged into its successor (机构改革) from ``effective_date``; its records keep
    its code, and reports roll its history up into the successor when asked."""

    unit_code = fields.String(required=True)
    successor_code = fields.String(required=True)
    effective_date = fields.Date(required=True)


EVENTS = {UNIT_REGISTERED: UnitRegistered, UNIT_CHANGED: UnitChanged, UNIT_MERGED: UnitMerged}


class KnownUnitMixin:
    """A service's copy of one unit of the register, as of the last event applied."""

    __tablename__ = "known_unit"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))
    successor_code: Mapped[str | None] = mapped_column(String(40))
    merged_on: Mapped[date | None] = mapped_column(Date)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)


def create_known_unit_table() -> None:
    """The table of ``KnownUnitMixin``, for the migration that brings a service the register."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "known_unit",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("successor_code", sa.String(length=40), nullable=True),
        sa.Column("merged_on", sa.Date(), nullable=True),
        sa.Column("as_of", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )


def drop_known_unit_table() -> None:
    from alembic import op

    op.drop_table("known_unit")


def apply_unit_event(session: Session, model, event_type: str, event: dict) -> bool:
    """Apply one loaded event to the copy; an event older than what the copy holds changes
    nothing (events of one unit may arrive out of order). True when the copy changed."""
    code = event["unit_code"]
    known = session.get(model, code, with_for_update=True)
    if known is not None and event["occurred_at"] <= known.as_of:
        return False
    if event_type == UNIT_MERGED:
        if known is None:  # a merge of a unit this copy never saw: keep it, named by its code
            known = model(code=code, name=code, status="merged")
            session.add(known)
        known.status, known.successor_code, known.merged_on = "merged", event["successor_code"], event["effective_date"]
    else:
        if known is None:
            known = model(code=code)
            session.add(known)
        known.name, known.short_name, known.status = event["name"], event.get("short_name"), event["status"]
    known.as_of = event["occurred_at"]
    return True


def require_unit(session: Session, model, code: str | None, field: str = "unit_code", on: date | None = None):
    """The known unit of ``code`` (None passes: whether a unit is required is the caller's rule),
    or a ``RuleViolation`` naming ``field``. A merged unit still takes records dated before its
    merge (``on``), so late figures of its last months land under the code they belong to."""
    if code is None:
        return None
    known = session.get(model, code)
    if known is None:
        raise RuleViolation(f"unit {code} is not in the register", "units.unknown",
                            {field: ["not in the register of units"]})
    if known.status == "abolished":
        raise RuleViolation(f"unit {code} is abolished", "units.abolished", {field: ["the unit is abolished"]})
    if known.status == "merged" and (on is None or known.merged_on is None or on >= known.merged_on):
        raise RuleViolation(f"unit {code} was merged into {known.successor_code}", "units.merged",
                            {field: [f"the unit was merged into {known.successor_code}"]})
    return known


def known_units_consumer(model, consumer: str):
    """A mixin whose event handlers keep ``model`` (on ``KnownUnitMixin``) in step with the
    register, each event applied once (``consumer`` names the service in processed_event)."""
    from services.kit.entrypoints import event_handler

    def handler(event_type):
        schema = EVENTS[event_type]()

        def handle(self, payload):
            event = schema.load(payload)
            if not self.db.first_delivery(event["event_id"], f"{consumer}.on_{event_type}"):
                return
            apply_unit_event(self.db.session, model, event_type, event)

        handle.__name__ = f"on_{event_type}"
        return event_handler(SERVICE, event_type)(handle)

    return type("KnownUnitsConsumer", (), {f"on_{name}": handler(name) for name in EVENTS})


# what a service's records carry today (the adoption of free-text codes, docs/units.md) ----------
def unit_code_columns(metadata) -> list:
    """Every column of a service's tables that holds a unit's code (``unit_code``,
    ``host_unit_code``, ``from_unit_code``, …), but not the copy of the register itself."""
    return [column for table in metadata.sorted_tables if table.name != KnownUnitMixin.__tablename__
            for column in table.columns if column.name.endswith("unit_code")]


def unit_codes_in_use(session: Session, metadata) -> list[dict]:
    """Each unit code the service's records carry, with how many records carry it, by code."""
    from sqlalchemy import func, select

    counts: dict[str, int] = {}
    for column in unit_code_columns(metadata):
        for code, records in session.execute(
                select(column, func.count()).where(column.is_not(None)).group_by(column)).all():
            counts[code] = counts.get(code, 0) + records
    return [{"unit_code": code, "records": records} for code, records in sorted(counts.items())]


def unit_codes_rpc(metadata):
    """A mixin answering ``unit_codes_in_use`` (admin only) over ``metadata``'s tables."""
    from services.kit.entrypoints import rpc

    def unit_codes_in_use_rpc(self):
        self.call.caller.require(SYSTEM_ADMIN)
        return {"service": self.name, "codes": unit_codes_in_use(self.db.session, metadata)}

    unit_codes_in_use_rpc.__name__ = "unit_codes_in_use"
    return type("UnitCodesRpc", (), {"unit_codes_in_use": rpc(reads_only=True)(unit_codes_in_use_rpc)})
