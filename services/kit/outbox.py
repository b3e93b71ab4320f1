"""Publishing the outbox: right after commit, and again by a timer for what is left.

Events leave with publisher confirms and persistent delivery on the service's nameko
event exchange (``<service>.events``, routing key = event type), so consumers use
the plain ``event_handler``. The rows of a worker (or of a relay round) are written
to the broker together and their confirms awaited together (``confirms.py``). A row
is marked published only after the broker confirmed it; a crash between the two
publishes it again, and consumers drop the duplicate by ``event_id``.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import eventlet
from nameko.standalone.events import get_event_exchange
from nameko.timer import timer
from sqlalchemy import func, select, update

from services.kit.config import env_float, env_int
from services.kit.confirms import ConfirmingPublisher
from services.kit.db import utcnow

log = logging.getLogger(__name__)

RELAY_INTERVAL = env_float("OUTBOX_RELAY_INTERVAL", 2.0)
# Rows younger than this are left to the worker that wrote them.
RELAY_GRACE_SECONDS = env_float("OUTBOX_RELAY_GRACE", 2.0)
RELAY_BATCH = env_int("OUTBOX_RELAY_BATCH", 200)
# Seconds published rows wait to be marked together (well below the relay's grace).
MARK_INTERVAL = env_float("OUTBOX_MARK_INTERVAL", 0.1)


class EventsNotConfirmed(Exception):
    """Some events of a batch were not confirmed; their rows stay unsent for the relay."""


class Outbox:
    def __init__(self, database, service_name: str, config: dict):
        self.database = database
        self._to_mark: list[int] = []
        self._marker = None
        self.exchange = get_event_exchange(service_name, config)
        self.publisher = ConfirmingPublisher(config["AMQP_URI"], self.exchange)

    def publish(self, rows) -> list[bool]:
        """Each row's event to the broker; True for those the broker confirmed."""
        return self.publisher.publish_many(
            (row.payload, row.event_type, dict(row.headers or {})) for row in rows)

    def publish_rows(self, rows) -> None:
        """Publish rows this worker committed; the confirmed ones are marked within
        ``MARK_INTERVAL``, the others are left to the relay (``EventsNotConfirmed``)."""
        rows = list(rows)
        confirmed = self.publish(rows)
        self._to_mark.extend(row.id for row, ok in zip(rows, confirmed) if ok)
        if self._to_mark and (self._marker is None or self._marker.dead):
            self._marker = eventlet.spawn_after(MARK_INTERVAL, self.mark_published)
        unconfirmed = confirmed.count(False)
        if unconfirmed:
            raise EventsNotConfirmed(f"{unconfirmed} of {len(rows)} event(s) not confirmed by the broker")

    def mark_published(self) -> None:
        """Mark what was published since the last time, in one statement. A transaction per
        event cost as much as the event's own; a row published but not yet marked when the
        process dies is published again by the relay, and consumers drop it by ``event_id``."""
        ids, self._to_mark = self._to_mark, []
        if not ids:
            return
        try:
            with self.database.sessionmaker.begin() as session:
                session.execute(
                    update(self.database.outbox_model)
                    .where(self.database.outbox_model.id.in_(ids))
                    .values(published_at=utcnow())
                )
        except Exception:  # try again with the next ones; the relay covers a crash meanwhile
            log.warning("marking %d published outbox row(s) failed; will retry", len(ids), exc_info=True)
            self._to_mark[:0] = ids

    def relay(self, grace_seconds: float = RELAY_GRACE_SECONDS, batch: int = RELAY_BATCH) -> int:
        """Publish unsent rows older than the grace period; returns how many went out.

        ``SKIP LOCKED`` lets replicas relay side by side without sending a row twice.
        """
        model = self.database.outbox_model
        cutoff = utcnow() - timedelta(seconds=grace_seconds)
        sent = 0
        with self.database.sessionmaker.begin() as session:
            rows = session.scalars(
                select(model)
                .where(model.published_at.is_(None), model.created_at <= cutoff)
                .order_by(model.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            ).all()
            confirmed = self.publish(rows) if rows else []
            now = utcnow()
            for row, ok in zip(rows, confirmed):
                if ok:
                    row.published_at = now
                    sent += 1
                else:
                    row.attempts += 1
            if sent < len(rows):
                log.warning("outbox relay: %d of %d event(s) not confirmed; next round", len(rows) - sent, len(rows))
        if sent:
            log.info("outbox relay published %d event(s)", sent)
        return sent

    def close(self) -> None:
        """Mark what was published and let the publisher's connection go (the service stops)."""
        self.mark_published()
        self.publisher.close()

    def backlog(self) -> dict:
        model = self.database.outbox_model
        with self.database.sessionmaker() as session:
            oldest = session.scalar(
                select(model.created_at).where(model.published_at.is_(None)).order_by(model.id).limit(1)
            )
            count = session.scalar(select(func.count()).select_from(model).where(model.published_at.is_(None)))
        age = (utcnow() - oldest).total_seconds() if oldest else 0.0
        return {"unsent": count, "oldest_unsent_age_seconds": round(age, 3)}


class OutboxRelayMixin:
    """Mix into a service that has ``db = Database(OutboxModel, ...)``."""

    @timer(interval=RELAY_INTERVAL)
    def relay_outbox(self):
        self.db.outbox.relay()
