"""SQLAlchemy 2 for nameko: one engine per service, one session per worker.

The session of a worker is committed *before* the worker's reply or acknowledgement
leaves (see ``entrypoints.py``): a caller that was told "done" finds the row. Events
written with ``UnitOfWork.emit`` go into the outbox table in that same transaction
and are published after the commit (``outbox.py``).
"""
from __future__ import annotations

import logging
import re
import sqlite3
import sys
import uuid
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from sqlalchemy import JSON, DateTime, Integer, String, bindparam, create_engine, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, StatementError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from services.kit.config import env_int
from services.kit.context import Caller
from services.kit.errors import Conflict, Invalid, ServiceError, ServiceUnavailable

log = logging.getLogger(__name__)

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


# -- a unique key taken: an answer (409 naming the field), not a fault ---------------------------
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


def make_engine(url: str, pool_size: int = 10, metadata=None) -> Engine:
    """``metadata``: the models', for the field a taken unique key is reported on."""
    engine = _engine(url, pool_size)
    answer_duplicates(engine, metadata)
    return engine


SQLITE_BUSY_SECONDS = 10
# One write transaction at a time per SQLite file of this process (see ``_one_writer_at_a_time``).
_SQLITE_WRITERS: dict[str, Semaphore] = {}
_HOLDS_WRITE_TURN = "kit.sqlite_write_turn"


def _one_writer_at_a_time(engine: Engine) -> None:
    """Writers of one SQLite file in this process wait for each other's commit greenly.

    SQLite lets one write transaction in at a time and makes the others wait in its busy
    handler, a sleep in C: under eventlet that sleep stops every green thread of the process,
    the lock's holder with them (a saga awaiting an RPC reply, say), so the waiter gives up
    after the whole busy timeout with "database is locked" and every caller meanwhile hears
    504. Here a connection takes the file's turn before its first write (reads need none
    under WAL) and hands it on at commit or rollback (the turn goes to the next waiter only
    once this green thread yields, after the commit itself); SQLite's busy handler is left
    to the writers of other processes."""
    database = engine.url.database
    if not database or database == ":memory:":
        return
    turn = _SQLITE_WRITERS.setdefault(str(Path(database).resolve()), Semaphore())

    @event.listens_for(engine, "before_cursor_execute")
    def _take_turn(conn, _cursor, statement, parameters, _context, _executemany):
        if conn.info.get(_HOLDS_WRITE_TURN) or statement.lstrip()[:6].upper() in ("SELECT", "PRAGMA"):
            return
        if not turn.acquire(timeout=SQLITE_BUSY_SECONDS):
            raise OperationalError(statement, parameters, sqlite3.OperationalError("database is locked"))
        conn.info[_HOLDS_WRITE_TURN] = True

    def _hand_on(info) -> None:
        if info is not None and info.pop(_HOLDS_WRITE_TURN, False):
            turn.release()

    event.listen(engine, "commit", lambda conn: _hand_on(conn.info))
    event.listen(engine, "rollback", lambda conn: _hand_on(conn.info))
    event.listen(engine.pool, "checkin", lambda _dbapi_conn, record: _hand_on(record.info if record else None))


def _engine(url: str, pool_size: int) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        _one_writer_at_a_time(engine)
        return engine
    # No ping on every checkout (a round trip per unit of work, a quarter of a read's):
    # after a database restart the statements in flight fail once as ServiceUnavailable
    # and SQLAlchemy drops the whole pool. DB_POOL_PRE_PING=1 brings the ping back.
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=env_int("DB_POOL_PRE_PING", 0) == 1,
        pool_recycle=1800, pool_timeout=10, connect_args={"connect_timeout": 5},
    )


def as_service_error(exc: BaseException) -> BaseException:
    """Database failures become errors the gateway can answer precisely."""
    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, IntegrityError):
        return conflict_of(exc) or Conflict("the record conflicts with an existing one")
    if isinstance(exc, DataError) or (isinstance(exc, StatementError) and not isinstance(exc, DBAPIError)):
        # a value the schema let through but the column (or its conversion) cannot hold
        return Invalid("a value is out of range or not storable", {"_schema": ["value out of range"]})
    if isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return ServiceUnavailable("the service's database is unavailable")
    return exc


class ReadOnly(RuntimeError):
    """A method declared ``reads_only`` tried to write: a fault of the code, not of the caller."""


def _refuse_writes(session, _context, _instances):
    if session.new or session.dirty or session.deleted:
        raise ReadOnly("a method declared reads_only tried to write")


class UnitOfWork:
    """What a worker sees as ``self.db``: a session, and ``emit`` for events.

    For a worker that only reads (``@rpc(reads_only=True)``) the session's statements each
    run on their own (autocommit): no BEGIN, no COMMIT. Under PostgreSQL's READ COMMITTED
    every statement takes its own snapshot inside a transaction too, so a reader sees
    nothing it would not have seen in one; a write through the session is refused."""

    def __init__(self, database: "Database", worker_ctx, reads_only: bool = False):
        self._database = database
        self._worker_ctx = worker_ctx
        self.reads_only = reads_only
        self._session: Session | None = None
        self._emitted: list[int] = []
        self._watches: list = []
        self.finished = False
        self.committed = False

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = (self._database.reader if self.reads_only else self._database.sessionmaker)()
        return self._session

    def _writing(self, what: str) -> None:
        if self.reads_only:
            raise ReadOnly(f"a method declared reads_only tried to {what}")

    @property
    def outbox(self):
        return self._database.outbox

    @property
    def audit_model(self):
        return self._database.audit_model

    def ping(self) -> None:
        self._database.ping()

    def lock(self, *keys: str) -> None:
        """Hold a lock on each key until this transaction ends (taken in sorted order, so
        two workers never deadlock). Serialises work that reads a total and publishes it;
        SQLite already lets one writer at a time."""
        self._writing("take a lock")
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for key in sorted(set(keys)):
            self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

    def audit(self, action: str, record, entity: str | None = None) -> None:
        """Write who did ``action`` to ``record`` and what it changed, with this transaction
        (``audit.py``). Call it before changing the record, or right after adding a new one."""
        from services.kit.audit import Watch

        self._writing("write an audit entry")
        if self._database.audit_model is None:
            raise RuntimeError("this service declared no audit table")
        if not self._watches:
            event.listen(self.session, "before_flush", self._capture_audited)
        self._watches.append(Watch(action, record, entity))

    def _capture_audited(self, _session, _context, _instances) -> None:
        for watch in self._watches:
            watch.capture()

    def _write_audit_entries(self) -> None:
        self._session.flush()  # the last changes, captured before they are written
        data = self._worker_ctx.data
        actor = (Caller.from_wire(data.get("caller")) or Caller.system()).name
        for watch in self._watches:
            if watch.changes:
                self._session.add(watch.entry(self._database.audit_model, actor, data.get("request_id")))
        self._watches = []

    def _outbox_row(self, event_type: str, payload: dict):
        self._writing("emit an event")
        outbox = self._database.outbox_model
        if outbox is None:
            raise RuntimeError("this service declared no outbox table")
        body = {"event_id": str(uuid.uuid4()), "occurred_at": utcnow().isoformat(), **payload}
        headers = {
            f"nameko.{key}": value
            for key, value in self._worker_ctx.data.items()
            if key in ("request_id", "caller") and value is not None
        }
        return outbox(event_id=body["event_id"], event_type=event_type, payload=body, headers=headers)

    def emit(self, event_type: str, payload: dict) -> dict:
        """Write an event to the outbox in this transaction; it is published after commit."""
        row = self._outbox_row(event_type, payload)
        self.session.add(row)
        self._emitted.append(row)
        return row.payload

    def emit_apart(self, event_type: str, payload: dict, *records) -> dict:
        """Write an event (and ``records``) in a transaction of its own, committed now whatever
        becomes of this worker's, and publish it: what a failing worker decided must outlive
        its rollback. Call it before this worker's session writes (SQLite has one writer)."""
        row = self._outbox_row(event_type, payload)
        with self._database.sessionmaker.begin() as session:
            session.add_all([*records, row])
        try:
            self._database.outbox.publish_rows([row])
        except Exception:  # the relay will publish it
            log.warning("publishing %s failed; the outbox relay will retry", event_type, exc_info=True)
        return row.payload

    def first_delivery(self, event_id: str, consumer: str) -> bool:
        """Record ``event_id`` as applied by ``consumer``; False when it already was."""
        self._writing("record an event")
        model = self._database.processed_model
        session = self.session
        if session.get_bind().dialect.name in SAME_UPSERT:  # one round trip; a concurrent duplicate waits
            row = session.execute(record_delivery(model.__tablename__),
                                  {"event_id": event_id, "consumer": consumer, "processed_at": utcnow()}).first()
            return row is not None
        if session.get(model, (event_id, consumer)) is not None:
            return False
        session.add(model(event_id=event_id, consumer=consumer))
        session.flush()
        return True

    def first_deliveries(self, event_ids, consumer: str) -> set[str]:
        """Record a batch's ``event_ids`` as applied by ``consumer``; returns those that were
        not yet (a concurrent batch holding one of them makes this wait, then yields it)."""
        model = self._database.processed_model
        session = self.session
        ids = sorted(set(event_ids))  # one lock order for every batch
        if not ids:
            return set()
        if session.get_bind().dialect.name == "postgresql":
            rows = session.execute(record_deliveries(model.__tablename__),
                                   {"event_ids": ids, "consumer": consumer, "processed_at": utcnow()})
            return {event_id for (event_id,) in rows}
        return {event_id for event_id in ids if self.first_delivery(event_id, consumer)}

    def finish(self, exc_info):
        """Commit, or roll back when the worker failed. Returns the worker's exc_info,
        replaced by the commit's own failure if the commit failed."""
        if self.finished:
            return exc_info
        self.finished = True
        if self._session is None:
            return exc_info
        if exc_info is not None:
            self._session.rollback()
            return exc_info
        if self.reads_only:  # nothing to commit: each statement ended on its own
            return None
        try:
            if self._watches:
                self._write_audit_entries()
            self._session.commit()
            self.committed = True
        except Exception as exc:  # the caller must hear of a failed commit
            self._session.rollback()
            log.warning("commit failed: %s", type(exc).__name__)
            error = as_service_error(exc)
            return (type(error), error, sys.exc_info()[2])
        return None

    def publish_emitted(self):
        if self.committed and self._emitted:
            self._database.outbox.publish_rows(self._emitted)
        self._emitted = []

    def close(self):
        if self._session is not None:
            self._session.close()


class Database(DependencyProvider):
    """``db = Database(OutboxEvent, ProcessedEvent, AuditEntry)`` in a service class."""

    def __init__(self, outbox_model=None, processed_model=None, audit_model=None, **kwargs):
        super().__init__(**kwargs)
        self.outbox_model = outbox_model
        self.processed_model = processed_model
        self.audit_model = audit_model
        self.units: WeakKeyDictionary = WeakKeyDictionary()

    def setup(self):
        from services.kit.outbox import Outbox

        config = self.container.config
        pool = int(config.get("max_workers", 10)) + 2
        metadata = self.outbox_model.metadata if self.outbox_model is not None else None
        self.engine = make_engine(config["DATABASE_URL"], pool_size=pool, metadata=metadata)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # the same pool, each statement its own transaction (UnitOfWork.reads_only)
        self.reader = sessionmaker(self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
        event.listen(self.reader, "before_flush", _refuse_writes)  # once, for every session it makes
        self.outbox = Outbox(self, self.container.service_name, config)

    def stop(self):
        self.outbox.close()
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        unit = UnitOfWork(self, worker_ctx, reads_only=getattr(worker_ctx.entrypoint, "reads_only", False))
        self.units[worker_ctx] = unit
        return unit

    def finish_before_reply(self, worker_ctx, exc_info):
        unit = self.units.get(worker_ctx)
        return unit.finish(exc_info) if unit else exc_info

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        unit = self.units.get(worker_ctx)
        if unit is None:
            return
        unit.finish(exc_info)  # timers and other entrypoints without a reply
        try:
            unit.publish_emitted()
        except Exception:  # the relay will publish what is left
            log.warning("publishing after commit failed; the outbox relay will retry", exc_info=True)

    def worker_teardown(self, worker_ctx):
        unit = self.units.pop(worker_ctx, None)
        if unit:
            unit.close()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(select(1))


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
