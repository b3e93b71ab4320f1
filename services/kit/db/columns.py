"""Columns every service's models share: instants kept in UTC, and the touch of a parent's updated_at."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every engine (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


def touch(connection, parent, keys, parent_key: str = "id") -> None:
    """A new ``updated_at`` for the ``parent`` rows whose ``parent_key`` is one of ``keys``."""
    from sqlalchemy import update

    keys = {key for key in keys if key is not None}
    if keys:
        table = parent.__table__
        connection.execute(update(table).where(table.c[parent_key].in_(sorted(keys))).values(updated_at=utcnow()))


def changes_touch(child, child_key: str, parent, parent_key: str = "id", columns=()) -> None:
    """Rows of ``child`` added, changed or deleted change what the answer of ``parent`` derives
    from them (a room's occupant count, a slot's free seats): the parents whose ``parent_key``
    is the child's ``child_key`` (before and after a change) get a new ``updated_at``, so that an
    incremental read (``updated_since``) returns them. A change of a child touches them only
    when the key or one of ``columns`` (what the parent derives) changed: other writes take no
    lock on the parent. Bulk statements bypass this: they call ``touch`` themselves."""
    from sqlalchemy import inspect

    def _added_or_deleted(_mapper, connection, target):
        touch(connection, parent, [getattr(target, child_key)], parent_key)

    def _changed(_mapper, connection, target):
        attrs = inspect(target).attrs
        if any(attrs[name].history.has_changes() for name in (child_key, *columns)):
            touch(connection, parent, [getattr(target, child_key), *attrs[child_key].history.deleted], parent_key)

    event.listen(child, "after_insert", _added_or_deleted)
    event.listen(child, "after_delete", _added_or_deleted)
    event.listen(child, "after_update", _changed)
