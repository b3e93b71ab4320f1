"""SQLAlchemy 2 for nameko: one engine per service, one session per worker.

The session of a worker is committed *before* the worker's reply or acknowledgement
leaves (see ``entrypoints.py``): a caller that was told "done" finds the row. Events
written with ``UnitOfWork.emit`` go into the outbox table in that same transaction
and are published after the commit (``outbox.py``).

The package: ``engine`` (the engine, ``UnitOfWork``, ``Database``), ``columns`` (UTC instants,
timestamps, touching a parent), ``events`` (the outbox and processed-event tables), ``queries``
(one row or 404, a page, what changed since), ``duplicates`` (a unique key taken answered 409).
Every name is re-exported here: import from ``services.kit.db``.
"""
from __future__ import annotations

from services.kit.db.columns import (  # noqa: F401
    utcnow, UtcDateTime, TimestampMixin, touch, changes_touch
)
from services.kit.db.duplicates import (  # noqa: F401
    UNIQUE_VIOLATION, _PG_KEY, _SQLITE_UNIQUE, duplicate_key, unique_field, conflict_of, answer_duplicates
)
from services.kit.db.engine import (  # noqa: F401
    make_engine, SQLITE_BUSY_SECONDS, _HOLDS_WRITE_TURN, _one_writer_at_a_time, _engine, as_service_error,
    ReadOnly, _refuse_writes, UnitOfWork, Database
)
from services.kit.db.events import (  # noqa: F401
    SAME_UPSERT, record_delivery, record_deliveries, OutboxMixin, ProcessedEventMixin, create_event_tables,
    drop_event_tables
)
from services.kit.db.queries import (  # noqa: F401
    get_or_404, changed_at, paginate, page
)
