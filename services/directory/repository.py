"""The register's queries."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from services.directory.models import Unit, UnitMerge


def search(q: dict):
    """The units a ``UnitQuery`` asks for, by code."""
    statement = select(Unit).order_by(Unit.code)
    for key in ("kind", "parent_code", "status"):
        if q.get(key) is not None:
            statement = statement.where(getattr(Unit, key) == q[key])
    if q.get("q"):
        text = q["q"].strip()
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(
            Unit.code.ilike(like, escape="\\"), Unit.name.like(like, escape="\\"),
            Unit.short_name.like(like, escape="\\"), Unit.initials.like(like.lower(), escape="\\")))
    return statement


def parents(session) -> dict:
    """Every unit's parent, by code: the graph the cycle rule walks."""
    return dict(session.execute(select(Unit.code, Unit.parent_code)).all())


def status_of(session, code: str | None) -> str | None:
    return None if code is None else session.scalar(select(Unit.status).where(Unit.code == code))


def name_taken(session, name: str, other_than: str | None = None) -> bool:
    statement = select(Unit.code).where(Unit.name == name)
    if other_than is not None:
        statement = statement.where(Unit.code != other_than)
    return session.scalar(statement.limit(1)) is not None


def active_children(session, code: str) -> int:
    return session.scalar(select(func.count()).select_from(Unit).where(
        Unit.parent_code == code, Unit.status == "active"))


def children(session, code: str) -> list[Unit]:
    return session.scalars(select(Unit).where(Unit.parent_code == code).order_by(Unit.code).with_for_update()).all()


def merges(session) -> list[tuple[str, str]]:
    return [tuple(row) for row in session.execute(select(UnitMerge.predecessor_code, UnitMerge.successor_code)).all()]


def locked(session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code).with_for_update())
