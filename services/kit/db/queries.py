"""Reads every service makes alike: one row or 404, a page of rows, what changed since."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session


def get_or_404(session: Session, model, ident, what: str):
    record = session.get(model, ident)
    if record is None:
        from services.kit.errors import NotFound

        raise NotFound(f"{what} {ident} not found")
    return record


def changed_at(model):
    """The column telling when a record last changed (records never changed: their creation)."""
    for name in ("updated_at", "created_at", "received_at"):
        if hasattr(model, name):
            return getattr(model, name)
    raise TypeError(f"{model.__name__} has no time of change")


def paginate(session: Session, statement, limit: int, offset: int, updated_since=None):
    """One page of ``statement`` and the total it would return unpaged.

    With ``updated_since`` (a sync's cursor, API.md) only records changed at or after it,
    in the order they changed (then by primary key): a client reads on from the last record's
    ``updated_at`` and drops the ids it already has, so nothing changed meanwhile is missed.
    """
    from sqlalchemy import func

    if updated_since is not None:
        model = statement.column_descriptions[0]["entity"]
        changed = changed_at(model)
        statement = statement.where(changed >= updated_since).order_by(None).order_by(
            changed, *model.__mapper__.primary_key)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = session.scalars(statement.limit(limit).offset(offset)).all()
    return items, total


def page(session: Session, statement, q: dict, dump, **equal_columns) -> dict:
    """The answer of a listing: one page of ``statement`` (``q``'s ``limit``, ``offset`` and
    ``updated_since``), each row through ``dump``, with the unpaged total. Each
    ``key=column`` whose key ``q`` carries (not None) narrows the rows to ``column == q[key]``.
    Every service's ``_page`` (its ``base.py``) is this."""
    for key, column in equal_columns.items():
        if q.get(key) is not None:
            statement = statement.where(column == q[key])
    items, total = paginate(session, statement, q["limit"], q["offset"], q.get("updated_since"))
    return {"items": [dump(item) for item in items], "total": total}
