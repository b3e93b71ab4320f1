"""Publishing with confirms, many messages per broker round trip.

nameko's ``Publisher(use_confirms=True)`` waits for the broker's confirm after every
message: one round trip per event, serial per worker, and the largest cost of the
outbox (docs/performance.md, change 4). Here a process keeps one connection and one
channel in confirm mode; callers write their messages (several greenthreads may have
messages in flight at once) and each waits for the confirms of its own, which the
broker sends for many messages at a time (``basic.ack`` with ``multiple``). A reader
greenthread takes the confirms off the connection.

A message counts as published only when the broker acked it. A ``basic.nack``, a
connection lost or a channel closed before the ack, or no answer within the timeout
leave it unconfirmed: the caller keeps the outbox row unsent and the relay sends it
again (the consumer drops a duplicate by ``event_id``).
"""
from __future__ import annotations

import logging

import eventlet
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from kombu import Connection, Producer

from services.kit.config import env_float

log = logging.getLogger(__name__)

PERSISTENT = 2
CONFIRM_TIMEOUT_SECONDS = env_float("OUTBOX_CONFIRM_TIMEOUT", 10.0)


class _Batch:
    """The messages of one ``publish_many`` call: which of them the broker confirmed."""

    def __init__(self, size: int):
        self.confirmed = [False] * size
        self.unanswered = size
        self.done = Event()

    def answer(self, index: int, ok: bool) -> None:
        self.confirmed[index] = ok
        self.unanswered -= 1
        if self.unanswered == 0 and not self.done.ready():
            self.done.send()

    def abandon(self) -> None:
        if not self.done.ready():
            self.done.send()


class ConfirmingPublisher:
    """``publish_many(messages)`` → one bool per message: True when the broker confirmed it."""

    def __init__(self, amqp_uri: str, exchange, serializer: str = "json",
                 confirm_timeout: float = CONFIRM_TIMEOUT_SECONDS):
        self.amqp_uri = amqp_uri
        self.exchange = exchange
        self.serializer = serializer
        self.confirm_timeout = confirm_timeout
        self._write_lock = Semaphore()  # the frames of two messages must not interleave
        self._conn: Connection | None = None
        self._producer: Producer | None = None
        self._reader = None
        self._next_tag = 1
        self._in_flight: dict[int, tuple[_Batch, int]] = {}  # delivery tag -> (batch, index), in tag order

    # the connection ------------------------------------------------------------------
    def _connect_locked(self) -> Producer:
        if self._producer is not None:
            return self._producer
        conn = Connection(self.amqp_uri, heartbeat=0, connect_timeout=2)
        channel = conn.channel()
        if self.exchange is not None:
            self.exchange(channel).declare()
        if conn.transport.driver_type == "amqp":
            # py-amqp reads the socket inside every publish when the broker may block the
            # connection; the reader greenthread reads everything already, and two readers
            # of one socket is an error under eventlet.
            conn.connection.client_properties.get("capabilities", {})["connection.blocked"] = False
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            self._reader = eventlet.spawn(self._read_confirms, conn)
        self._conn, self._producer, self._next_tag = conn, Producer(channel, serializer=self.serializer), 1
        return self._producer

    def _read_confirms(self, conn: Connection) -> None:
        try:
            while True:
                conn.drain_events()
        except Exception as exc:  # connection lost or channel closed: nothing in flight is confirmed
            if self._conn is conn:
                log.warning("event publisher: connection lost (%s); unconfirmed events stay in the outbox",
                            type(exc).__name__)
                self._drop(conn)

    def _drop(self, conn: Connection | None) -> None:
        """Forget ``conn`` (when it is still the current one) and fail what waits on it."""
        if conn is None or self._conn is not conn:
            return
        reader = self._reader
        self._conn = self._producer = self._reader = None
        in_flight, self._in_flight = self._in_flight, {}
        for batch, _index in in_flight.values():
            batch.abandon()
        if reader is not None and reader is not eventlet.getcurrent():
            reader.kill()
        try:
            conn.release()
        except Exception:
            pass

    # confirms ---------------------------------------------------------------------------
    def _answer(self, delivery_tag: int, multiple: bool, ok: bool) -> None:
        if not multiple:
            entry = self._in_flight.pop(delivery_tag, None)
            if entry:
                entry[0].answer(entry[1], ok)
            return
        for tag in [tag for tag in self._in_flight if tag <= delivery_tag]:
            batch, index = self._in_flight.pop(tag)
            batch.answer(index, ok)

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._answer(delivery_tag, multiple, True)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        log.warning("event publisher: the broker refused event(s) up to delivery tag %d", delivery_tag)
        self._answer(delivery_tag, multiple, False)

    # publishing -------------------------------------------------------------------------
    def publish_many(self, messages) -> list[bool]:
        """``messages``: (body, routing_key, headers) triples, published persistent. Waits for
        the broker's answer to all of them (at most ``confirm_timeout``)."""
        messages = list(messages)
        batch = _Batch(len(messages))
        if not messages:
            return []
        conn = None
        # bounded: while the broker is unreachable each holder may spend the connect timeout,
        # and workers must not pile up behind it (their rows wait for the relay instead)
        if not self._write_lock.acquire(timeout=self.confirm_timeout):
            log.warning("event publisher: busy for %.0f s; %d event(s) left to the relay",
                        self.confirm_timeout, len(messages))
            return batch.confirmed
        try:
            for attempt in (1, 2):  # a stale connection is found out on the first write
                try:
                    producer = self._connect_locked()
                    conn = self._conn
                    confirming = self._reader is not None
                    for index, (body, routing_key, headers) in enumerate(messages):
                        if confirming:
                            self._in_flight[self._next_tag] = (batch, index)
                            self._next_tag += 1
                        producer.publish(body, exchange=self.exchange, routing_key=routing_key, headers=headers,
                                         delivery_mode=PERSISTENT, retry=False)
                        if not confirming:  # in-memory transport (tests): nothing to confirm
                            batch.answer(index, True)
                    break
                except Exception as exc:
                    self._drop(self._conn)
                    batch = _Batch(len(messages))
                    if attempt == 2 or conn is None:
                        log.warning("event publisher: broker not reachable (%s)", type(exc).__name__)
                        return batch.confirmed
                    conn = None
        finally:
            self._write_lock.release()
        batch.done.wait(self.confirm_timeout)
        if batch.unanswered:
            log.warning("event publisher: %d of %d event(s) not confirmed", batch.unanswered, len(messages))
            self._drop(conn)  # a late answer is not trusted; the relay sends them again
        return batch.confirmed

    def close(self) -> None:
        with self._write_lock:
            self._drop(self._conn)
