"""The engine of a service, and the session of a worker: ``UnitOfWork`` and the ``Database`` dependency."""
from __future__ import annotations

import logging
import sqlite3
import sys
import uuid
from pathlib import Path
from weakref import WeakKeyDictionary

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from services.kit.config import env_int
from services.kit.audit_chain import seal
from services.kit.context import Caller
from services.kit.db.columns import utcnow
from services.kit.db.duplicates import answer_duplicates, conflict_of
from services.kit.db.events import SAME_UPSERT, record_deliveries, record_delivery
from services.kit.errors import Conflict, Invalid, ServiceError, ServiceUnavailable

log = logging.getLogger("services.kit.db")


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

    def audit(self, action: str, record, entity: str | None = None, changes: dict | None = None) -> None:
        """Write who did ``action`` to ``record`` and what it changed, with this transaction
        (``audit.py``). Call it before changing the record, or right after adding a new one;
        before deleting one, name what went in ``changes`` (``{column: [before, None]}``)."""
        from services.kit.audit import Watch

        self._writing("write an audit entry")
        if self._database.audit_model is None:
            raise RuntimeError("this service declared no audit table")
        if not self._watches:
            event.listen(self.session, "before_flush", self._capture_audited)
        watch = Watch(action, record, entity)
        watch.changes.update(changes or {})
        self._watches.append(watch)

    def _capture_audited(self, _session, _context, _instances) -> None:
        for watch in self._watches:
            watch.capture()

    def _write_audit_entries(self) -> None:
        self._session.flush()  # the last changes, captured before they are written
        entries = [self.entry_of(watch) for watch in self._watches if watch.changes]
        seal(self._session, self._database.audit_model, entries)
        self._watches = []

    def entry_of(self, watch):
        """The audit entry of ``watch`` with who, from where and in which request."""
        data = self._worker_ctx.data
        caller = Caller.from_wire(data.get("caller")) or Caller.system()
        return watch.entry(self._database.audit_model, caller.name, data.get("request_id"), caller.kind,
                           data.get("address"))

    def record(self, action: str, entity: str, entity_id=None, details: dict | None = None,
               outcome: str = "success") -> None:
        """An audit entry for what changed no record of this service (a read of personal data, an
        export, a refusal), sealed and committed in a transaction of its own, so that a worker that
        only reads leaves it too."""
        from services.kit.audit import Watch

        model = self._database.audit_model
        watch = Watch(action, None, entity)
        watch.changes = details or {}
        entry = self.entry_of(watch)
        entry.entity_id, entry.outcome = None if entity_id is None else str(entity_id), outcome
        with self._database.sessionmaker.begin() as session:
            seal(session, model, [entry])

    def _outbox_row(self, event_type: str, payload: dict):
        self._writing("emit an event")
        outbox = self._database.outbox_model
        if outbox is None:
            raise RuntimeError("this service declared no outbox table")
        body = {"event_id": str(uuid.uuid4()), "occurred_at": utcnow().isoformat(), **payload}
        headers = {
            f"nameko.{key}": value
            for key, value in self._worker_ctx.data.items()
            if key in ("request_id", "caller", "traceparent") and value is not None
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
