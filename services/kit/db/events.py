"""The outbox and processed-event tables each service keeps (``outbox.py`` publishes from the first; the
second makes a delivery count once)."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import JSON, Integer, String, bindparam, text
from sqlalchemy.orm import Mapped, mapped_column

from services.kit.db.columns import UtcDateTime, utcnow


# PostgreSQL and SQLite spell "insert unless present" alike.
SAME_UPSERT = ("postgresql", "sqlite")


@lru_cache(maxsize=None)
def record_delivery(table_name: str):
    """``INSERT … ON CONFLICT DO NOTHING RETURNING`` as text: SQLAlchemy caches the compiled
    form of text, not of the dialects' own insert construct (compiled again on every event)."""
    return text(
        f"INSERT INTO {table_name} (event_id, consumer, processed_at) VALUES (:event_id, :consumer, :processed_at) "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    ).bindparams(bindparam("processed_at", type_=UtcDateTime))


@lru_cache(maxsize=None)
def record_deliveries(table_name: str):
    """The first-delivery insert of a whole batch in one statement (PostgreSQL): one array
    parameter, so that every batch size shares one compiled and prepared statement."""
    return text(
        f"INSERT INTO {table_name} (event_id, consumer, processed_at) "
        "SELECT unnest(CAST(:event_ids AS VARCHAR[])), :consumer, :processed_at "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    ).bindparams(bindparam("processed_at", type_=UtcDateTime))


class OutboxMixin:
    """Events waiting to be published; a row is written with the state change."""

    __tablename__ = "outbox_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    headers: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ProcessedEventMixin:
    """Event ids a consumer has applied, written in the same transaction as the effect."""

    __tablename__ = "processed_event"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    consumer: Mapped[str] = mapped_column(String(120), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


def create_event_tables() -> None:
    """The tables of ``OutboxMixin`` and ``ProcessedEventMixin``: each service's migration
    0001 runs this (the same tables in every service)."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_outbox_event_published_at", "outbox_event", ["published_at"])
    op.create_table(
        "processed_event",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("processed_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "consumer"),
    )


def drop_event_tables() -> None:
    from alembic import op

    op.drop_table("processed_event")
    op.drop_index("ix_outbox_event_published_at", table_name="outbox_event")
    op.drop_table("outbox_event")
