"""nameko's ``rpc`` and ``event_handler``, committing before the reply or the ack.

nameko sends an RPC reply (and acks an event) before ``worker_result`` runs, so a
dependency that commits there would let a caller hear "done" for a write that
might still fail. These entrypoints first let each dependency with a
``finish_before_reply`` hook (``Database``) commit, and answer with the commit's
failure if it failed. Errors that are not the service's own are turned into the
typed errors of ``errors.py`` where they mean something to a caller.
"""
from __future__ import annotations

import logging
import sys
from functools import partial

import eventlet
from eventlet.semaphore import Semaphore
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import KombuError
import kombu.serialization
from nameko.constants import AMQP_URI_CONFIG_KEY, DEFAULT_SERIALIZER, SERIALIZER_CONFIG_KEY
from nameko.events import EventHandler as _EventHandler
from nameko.exceptions import ContainerBeingKilled, UnserializableValueError, serialize
from nameko.extensions import SharedExtension
from nameko.messaging import QueueConsumer as _QueueConsumer
from nameko.rpc import Rpc as _Rpc
from nameko.rpc import RpcConsumer as _RpcConsumer
from nameko.rpc import get_rpc_exchange

from services.kit.config import env_float, env_int
from services.kit.db import as_service_error
from services.kit.errors import ServiceError, ServiceUnavailable
from services.kit.metrics import EVENT_RETRIES, EVENTS_DEAD_LETTERED
from services.kit.rpc_client import TRANSIENT, SharedPublisher

log = logging.getLogger(__name__)

# what publishing a reply raises when the broker is away (SharedPublisher says ServiceUnavailable)
BROKER_GONE = (KombuError, AmqpConnectionError, OSError, ServiceUnavailable)

RETRY_HEADER = "x-retry-count"
MAX_EVENT_RETRIES = env_int("EVENT_MAX_RETRIES", 5)
RETRY_BACKOFF_SECONDS = env_float("EVENT_RETRY_BACKOFF", 0.2)
# A batch handler applies at most this many events in one transaction, with at most
# BATCH_WORKERS batches at once; the next batch fills while those are applied.
BATCH_MAX = env_int("EVENT_BATCH_MAX", 200)
BATCH_WORKERS = env_int("EVENT_BATCH_WORKERS", 2)


def finish_before_reply(worker_ctx, result, exc_info):
    for dependency in worker_ctx.container.dependencies:
        hook = getattr(dependency, "finish_before_reply", None)
        if hook is not None:
            exc_info = hook(worker_ctx, exc_info)
    if exc_info is not None:
        error = as_service_error(exc_info[1])
        if error is not exc_info[1]:
            exc_info = (type(error), error, exc_info[2])
        result = None
    return result, exc_info


class Replies(SharedExtension):
    """The service's RPC replies, on one cached channel, unconfirmed and transient like the
    requests (rpc_client.py): nameko's own reply takes a pooled connection and waits for a
    publisher confirm on every call, and serialises the result twice."""

    def setup(self):
        config = self.container.config
        self.serializer = config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER)
        self.publisher = SharedPublisher(config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config), self.serializer)

    def stop(self):
        self.publisher.close()

    def send(self, message, result, exc_info):
        # answer in the request's encoding (the in-memory transport keeps it off the properties)
        content_type = message.properties.get("content_type") or message.content_type
        serializer = kombu.serialization.registry.type_to_name[content_type]
        error = serialize(exc_info[1]) if exc_info is not None else None
        try:
            content_type, encoding, body = kombu.serialization.dumps({"result": result, "error": error}, serializer)
        except Exception:  # an unserialisable result is the caller's error, not the container's death
            exc_info = sys.exc_info()
            content_type, encoding, body = kombu.serialization.dumps(
                {"result": None, "error": serialize(UnserializableValueError(result))}, serializer)
            result = None
        self.publisher.publish(
            body, content_type=content_type, content_encoding=encoding, routing_key=message.properties["reply_to"],
            correlation_id=message.properties.get("correlation_id"), delivery_mode=TRANSIENT,
        )
        return result, exc_info


class QueueConsumer(_QueueConsumer):
    """nameko's, except that an ack or a requeue the broker can no longer take (its
    connection went down while the worker ran) is logged instead of raised: raised, it
    ended the worker's managed thread and with it the whole container. The broker
    delivers an unacknowledged message again, and every consumer is idempotent."""

    def ack_message(self, message):
        self._settle(super().ack_message, message, "acknowledged")

    def requeue_message(self, message):
        self._settle(super().requeue_message, message, "requeued")

    @staticmethod
    def _settle(settle, message, done):
        try:
            settle(message)
        except BROKER_GONE as error:
            log.warning("a message could not be %s (%s): the broker delivers it again",
                        done, type(error).__name__, extra={"outcome": "unsettled"})


class RpcConsumer(_RpcConsumer):
    queue_consumer = QueueConsumer()
    replies = Replies()

    def handle_result(self, message, result, exc_info):
        result, exc_info = self.replies.send(message, result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class Rpc(_Rpc):
    """``@rpc`` for work that writes; ``@rpc(reads_only=True)`` for a method that only reads:
    its statements run without a transaction around them (``db.py``), which spares two of
    a primary-key read's three database round trips."""

    rpc_consumer = RpcConsumer()

    def __init__(self, expected_exceptions=(ServiceError,), reads_only: bool = False, **kwargs):
        # the service's own errors are answers, not faults: nameko logs them without alarm
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)
        self.reads_only = reads_only

    def handle_message(self, body, message):
        """A request the broker delivers again was handed to a worker that died, perhaps
        after its commit: it is answered "unavailable", never run twice (the caller, who
        has most likely timed out already, checks and retries)."""
        if message.delivery_info.get("redelivered"):
            log.warning("rpc %s: a redelivered request is refused (its first delivery may have been applied)",
                        self.method_name, extra={"outcome": "redelivered", "rpc": self.method_name})
            error = ServiceUnavailable("the request was interrupted and may have been applied; check, then retry")
            try:
                self.rpc_consumer.handle_result(message, None, (type(error), error, None))
            except BROKER_GONE as gone:  # not acked: the broker delivers it again later
                log.warning("rpc %s: the refusal could not be sent (%s)", self.method_name, type(gone).__name__)
            return
        super().handle_message(body, message)

    def handle_result(self, message, worker_ctx, result, exc_info):
        result, exc_info = finish_before_reply(worker_ctx, result, exc_info)
        outcome = "ok" if exc_info is None else type(exc_info[1]).__name__
        log.info("rpc %s %s", self.method_name, "ok" if exc_info is None else f"failed: {outcome}",
                 extra={"outcome": outcome, "rpc": self.method_name})
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except BROKER_GONE as error:
            # The broker went away between the work and the reply. nameko would let this
            # kill the container; the work is committed, the caller times out (503/504)
            # and the request is not acked, so the broker drops or requeues it.
            log.warning("rpc %s: the reply could not be sent (%s); the caller times out",
                        self.method_name, type(error).__name__)
            return result, exc_info


class EventHandler(_EventHandler):
    """nameko acks a failed event and it is gone. Here a failed event is published
    again to the handler's own queue with a retry count, after a growing pause, and
    after ``MAX_EVENT_RETRIES`` it is parked in the service's dead-letter queue
    (``deadletter.py``), from where ops can list and replay it."""

    queue_consumer = QueueConsumer()

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        result, exc_info = finish_before_reply(worker_ctx, result, exc_info)
        if exc_info is not None:
            from services.kit.deadletter import park, republish

            retries = int((message.headers or {}).get(RETRY_HEADER, 0))
            error = exc_info[1]
            try:
                if retries < MAX_EVENT_RETRIES:
                    eventlet.sleep(RETRY_BACKOFF_SECONDS * 2 ** retries)
                    republish(self.container.config, self.queue.name, message, retries + 1)
                    EVENT_RETRIES.labels(self.container.service_name, self.event_type).inc()
                    log.warning("event %s failed (%s); retry %d of %d", self.event_type,
                                type(error).__name__, retries + 1, MAX_EVENT_RETRIES)
                else:
                    park(self.container.config, self.container.service_name, self.queue.name, message, error)
                    EVENTS_DEAD_LETTERED.labels(self.container.service_name, self.event_type).inc()
                    log.error("event %s failed %d times (%s); parked in the dead-letter queue",
                              self.event_type, retries + 1, type(error).__name__)
            except Exception:  # could not hand it on: leave it to the broker to deliver again
                log.exception("could not retry or park a failed event; requeueing it")
                self.queue_consumer.requeue_message(message)
                return result, exc_info
            exc_info = None  # handed on: acknowledge the original
        return super().handle_result(message, worker_ctx, result, exc_info)


class BatchQueueConsumer(QueueConsumer):
    """The queue consumer of batch handlers, on a connection of its own: its prefetch lets
    the next batch arrive while the broker's unacknowledged ones are being applied."""

    @property
    def prefetch_count(self):
        return BATCH_MAX * (BATCH_WORKERS + 1)

    def handle_message(self, provider, body, message):
        # a batch handler only queues the message: no greenthread per message (nameko spawns one)
        provider.handle_message(body, message)


class BatchEventHandler(EventHandler):
    """``@batch_event_handler``: the method takes a list of payloads, the events that
    arrived together (at most ``BATCH_MAX``), and applies them in one worker and one
    transaction; they are acknowledged together after its commit. A worker per event
    spent four database round trips and nameko's worker overhead on each (BEGIN, first
    delivery, effect, COMMIT); a batch spends them once.

    When a batch fails (one bad event, a failed commit), nothing of it was applied:
    each of its events is applied again alone, in a worker of its own, with
    ``EventHandler``'s retries and dead-letter queue for the one that fails again."""

    queue_consumer = BatchQueueConsumer()

    def setup(self):
        super().setup()
        self._arrived: list = []  # (body, message) not yet handed to a worker
        self._dispatching = False
        self._slots = Semaphore(BATCH_WORKERS)

    def handle_message(self, body, message):
        self._arrived.append((body, message))
        if not self._dispatching:
            self._dispatching = True
            self.container.spawn_managed_thread(self._dispatch, identifier=f"{self.method_name}.batches")

    def _dispatch(self):
        try:
            while self._arrived:
                self._slots.acquire()  # meanwhile the batch grows
                batch, self._arrived = self._arrived[:BATCH_MAX], self._arrived[BATCH_MAX:]
                try:
                    # the batch's span continues the trace of its first event (tracing.py)
                    first = self.unpack_message_headers(batch[0][1])
                    context = {key: first[key] for key in ("traceparent",) if first.get(key)}
                    self.container.spawn_worker(self, ([body for body, _ in batch],), {}, context_data=context,
                                                handle_result=partial(self.handle_batch_result, batch))
                except ContainerBeingKilled:
                    self._slots.release()
                    for _, message in batch:
                        self.queue_consumer.requeue_message(message)
        finally:
            self._dispatching = False

    def handle_batch_result(self, batch, worker_ctx, result=None, exc_info=None):
        result, exc_info = finish_before_reply(worker_ctx, result, exc_info)
        self._slots.release()
        if exc_info is None:
            for _, message in batch:
                self.queue_consumer.ack_message(message)
            return result, exc_info
        if len(batch) == 1:
            return self.handle_result(batch[0][1], worker_ctx, result, exc_info)
        log.warning("a batch of %d %s event(s) failed (%s); applying each alone", len(batch), self.event_type,
                    type(exc_info[1]).__name__)
        for body, message in batch:
            self.container.spawn_managed_thread(partial(self._apply_alone, body, message),
                                                identifier=f"{self.method_name}.alone")
        return result, None  # handed on: each event is acknowledged, retried or parked on its own

    def _apply_alone(self, body, message):
        try:
            self.container.spawn_worker(self, ([body],), {}, context_data=self.unpack_message_headers(message),
                                        handle_result=partial(self.handle_result, message))
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)


rpc = Rpc.decorator
event_handler = EventHandler.decorator
batch_event_handler = BatchEventHandler.decorator
