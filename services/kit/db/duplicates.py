"""A unique key taken is an answer (409 naming the field), not a fault."""
from __future__ import annotations

import logging
import re

from sqlalchemy import event
from sqlalchemy.engine import Engine

from services.kit.errors import Conflict


log = logging.getLogger("services.kit.db")


UNIQUE_VIOLATION = "23505"  # SQLSTATE
_PG_KEY = re.compile(r"Key \((.+?)\)=")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")


def duplicate_key(exc: BaseException) -> tuple[str, list[str]] | None:
    """The table and the columns of the unique key an insert or update ran into, or None when
    ``exc`` is another failure. Never the value: it may be an ID number."""
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg
        if getattr(orig, "sqlstate", None) != UNIQUE_VIOLATION:
            return None
        key = _PG_KEY.search(diag.message_detail or "")
        return diag.table_name or "", [c.strip() for c in key.group(1).split(",")] if key else []
    key = _SQLITE_UNIQUE.search(str(orig))
    if key is None:
        return None
    names = [name.strip() for name in key.group(1).split(",")]
    return names[0].partition(".")[0], [name.partition(".")[2] for name in names]


def unique_field(metadata, table: str, columns: list[str]) -> str:
    """The field a taken key is reported on: the one its constraint (or, for ``unique=True``, its
    column) names in ``info={"field": ...}``, else its last column (``room (building_id, number)``
    → ``number``)."""
    found = metadata.tables.get(table) if metadata is not None else None
    for constraint in (*found.constraints, *found.indexes) if found is not None else ():
        if [column.name for column in constraint.columns] == columns:
            named = constraint.info.get("field") or (len(columns) == 1 and found.c[columns[0]].info.get("field"))
            if named:
                return named
    return columns[-1] if columns else "_schema"


def conflict_of(exc: BaseException, metadata=None) -> Conflict | None:
    taken = duplicate_key(exc)
    if taken is None:
        return None
    table, columns = taken
    field = unique_field(metadata, table, columns)
    log.info("duplicate %s refused: %s (%s) is taken", table, field, ", ".join(columns),
             extra={"outcome": "duplicate"})
    return Conflict(f"a {table.replace('_', ' ')} with this {field} already exists", {field: ["already exists"]})


def answer_duplicates(engine: Engine, metadata=None) -> None:
    """A unique key taken (the race a service's own check cannot close, or a key no check
    covers) raises ``Conflict`` naming the field where the statement runs: the caller gets
    409 with ``errors``, and the log an INFO line instead of an SQL traceback at ERROR."""

    @event.listens_for(engine, "handle_error")
    def _duplicate_is_a_conflict(context):
        conflict = conflict_of(context.original_exception, metadata)
        if conflict is not None:
            raise conflict
