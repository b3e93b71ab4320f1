"""RPC that never hangs.

``RpcClient`` is the long-lived client of processes that are not nameko services
(the gateway, tests, benchmarks): one reply queue, one consuming greenthread, and a
publisher shared under a lock. ``ServiceRpc`` is the dependency services use to call
each other. Both bound every call by a timeout and give the request an expiry equal
to it, so an abandoned call is dropped by the broker instead of run late.

RPC requests and replies go unconfirmed and transient: the caller times out on loss,
and confirms were the largest single cost of a call (ARCHITECTURE.md). Events keep
confirms and persistence (outbox.py).
"""
from __future__ import annotations

import itertools
import logging
import socket
import time
import uuid

import eventlet
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from kombu import Connection, Producer, Queue
from nameko.exceptions import deserialize
from nameko.rpc import RpcProxy, get_rpc_exchange

from services.kit.errors import ServiceTimeout, ServiceUnavailable

log = logging.getLogger(__name__)

TRANSIENT = 1
LIVENESS_CACHE_SECONDS = 1.0


class SharedPublisher:
    """One connection and channel for a whole process, publishing unconfirmed under a
    lock (frames of two messages must not interleave on the channel). A failed publish
    reconnects and tries once more; a connection per message was half of a reply's cost."""

    def __init__(self, amqp_uri: str, exchange, serializer: str = "json"):
        self.amqp_uri = amqp_uri
        self.exchange = exchange
        self.serializer = serializer
        self._lock = Semaphore()
        self._conn: Connection | None = None
        self._producer: Producer | None = None

    def _producer_locked(self) -> Producer:
        if self._producer is None:
            self._conn = Connection(self.amqp_uri, heartbeat=0, connect_timeout=2)
            self._producer = Producer(self._conn.channel(), exchange=self.exchange, serializer=self.serializer)
        return self._producer

    def _reset_locked(self) -> None:
        try:
            if self._conn is not None:
                self._conn.release()
        except Exception:
            pass
        self._conn = self._producer = None

    def _acquire(self, wait: float | None) -> None:
        """A caller queues for the channel at most ``wait`` s: while the broker is away
        each holder may spend the connect timeout, and callers must not pile up behind."""
        if not self._lock.acquire(timeout=wait):
            raise ServiceUnavailable("the message broker is not reachable")

    def publish(self, body, wait: float | None = None, **properties) -> None:
        self._acquire(wait)
        try:
            for attempt in (1, 2):
                try:
                    self._producer_locked().publish(body, **properties)
                    return
                except Exception as exc:
                    self._reset_locked()
                    if attempt == 2:
                        raise ServiceUnavailable("the message broker is not reachable") from exc
        finally:
            self._lock.release()

    def on_channel(self, action, wait: float | None = None):
        """``action(channel)`` on the shared channel, under the lock."""
        self._acquire(wait)
        try:
            return action(self._producer_locked().channel)
        except Exception:
            self._reset_locked()
            raise
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            self._reset_locked()


class RpcClient:
    def __init__(self, amqp_uri: str, timeout: float = 5.0, name: str = "gateway", heartbeat: int = 30):
        self.amqp_uri = amqp_uri
        self.heartbeat = heartbeat
        self.reconnects = 0
        self.timeout = timeout
        self.name = name
        self.exchange = get_rpc_exchange({})
        self.routing_key = f"{name}-{uuid.uuid4().hex}"
        self.reply_queue = Queue(
            f"rpc.reply-{self.routing_key}", exchange=self.exchange, routing_key=self.routing_key,
            exclusive=True, auto_delete=True, durable=False,
        )
        self._pending: dict[str, Event] = {}
        self._publisher = SharedPublisher(amqp_uri, self.exchange)
        self._ready = Event()
        self._connected = False
        self._stopped = False
        self._consumer = None
        self._liveness: dict[str, tuple[float, bool]] = {}
        self._ids = itertools.count()
        self.in_memory = amqp_uri.startswith("memory")

    # lifecycle -------------------------------------------------------------
    def start(self, wait: float = 10.0) -> "RpcClient":
        self._consumer = eventlet.spawn(self._consume_forever)
        with eventlet.Timeout(wait, ServiceUnavailable("the message broker is not reachable")):
            self._ready.wait()
        return self

    def stop(self) -> None:
        self._stopped = True
        if self._consumer is not None:
            self._consumer.kill()
        self._publisher.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def connected(self) -> bool:
        """Whether the reply consumer holds a live connection to the broker."""
        return self._connected

    def _consume_forever(self) -> None:
        while not self._stopped:
            try:
                with Connection(self.amqp_uri, heartbeat=self.heartbeat) as conn:
                    with conn.Consumer(queues=[self.reply_queue], callbacks=[self._on_reply], no_ack=True, accept=["json"]):
                        self._connected = True
                        if not self._ready.ready():
                            self._ready.send(True)
                        while not self._stopped:
                            try:
                                conn.drain_events(timeout=1)
                            except socket.timeout:
                                pass
                            # also under steady traffic: a client that never beats is cut off by
                            # the broker after two heartbeat intervals, and replies in flight are lost
                            conn.heartbeat_check()
            except Exception as exc:  # broker gone: reconnect, pending calls time out
                self._connected = False
                if self._stopped:
                    return
                self.reconnects += 1
                log.warning("rpc reply consumer lost the broker (%s); reconnecting", type(exc).__name__)
                eventlet.sleep(1)

    def _on_reply(self, body, message) -> None:
        waiter = self._pending.pop(message.properties.get("correlation_id"), None)
        if waiter is not None and not waiter.ready():
            waiter.send(body)

    def is_listening(self, service: str) -> bool:
        """Whether any instance of ``service`` consumes its RPC queue (cached briefly)."""
        if self.in_memory:
            return True
        now = time.monotonic()
        cached = self._liveness.get(service)
        if cached and now - cached[0] < LIVENESS_CACHE_SECONDS:
            return cached[1]
        try:
            _, _, consumers = self._publisher.on_channel(
                lambda channel: channel.queue_declare(f"rpc-{service}", passive=True), wait=self.timeout)
            alive = consumers > 0
        except Exception:
            alive = False
        self._liveness[service] = (now, alive)
        return alive

    # calling ---------------------------------------------------------------
    def call(self, service: str, method: str, *args, context: dict | None = None,
             timeout: float | None = None, **kwargs):
        if not (self._ready.ready() and self._connected):  # no replies could reach us: fail fast
            raise ServiceUnavailable("the message broker is not reachable")
        if not self.is_listening(service):
            raise ServiceUnavailable(f"the {service} service is not running")
        timeout = self.timeout if timeout is None else timeout
        correlation_id = uuid.uuid4().hex
        waiter = Event()
        self._pending[correlation_id] = waiter
        headers = {f"nameko.{key}": value for key, value in (context or {}).items() if value is not None}
        headers["nameko.call_id_stack"] = [f"{self.name}.{method}.{next(self._ids)}"]
        try:
            self._publisher.publish(
                {"args": list(args), "kwargs": kwargs}, wait=timeout,
                routing_key=f"{service}.{method}", reply_to=self.routing_key,
                correlation_id=correlation_id, headers=headers, delivery_mode=TRANSIENT,
                expiration=timeout,
            )
            timer = eventlet.Timeout(timeout)
            try:
                body = waiter.wait()
            except eventlet.Timeout as expired:
                if expired is not timer:
                    raise
                raise ServiceTimeout(f"the {service} service did not answer within {timeout:g} s") from None
            finally:
                timer.cancel()
        finally:
            self._pending.pop(correlation_id, None)
        if body.get("error"):
            raise deserialize(body["error"])
        return body.get("result")


class _BoundedServiceProxy:
    def __init__(self, proxy, service_name: str, timeout: float):
        self._proxy = proxy
        self._service_name = service_name
        self._timeout = timeout

    def __getattr__(self, method):
        method_proxy = getattr(self._proxy, method)

        def call(*args, **kwargs):
            reply = method_proxy.call_async(*args, **kwargs)
            timer = eventlet.Timeout(self._timeout)
            try:
                return reply.result()
            except eventlet.Timeout as expired:
                if expired is not timer:
                    raise
                raise ServiceTimeout(
                    f"the {self._service_name} service did not answer within {self._timeout:g} s"
                ) from None
            finally:
                timer.cancel()

        return call


class ServiceRpc(RpcProxy):
    """``facilities = ServiceRpc("facilities")``: nameko's RpcProxy with a deadline."""

    def __init__(self, target_service: str, timeout: float | None = None, **options):
        from services.kit.config import rpc_timeout

        self.call_timeout = timeout if timeout is not None else rpc_timeout()
        options.setdefault("expiration", self.call_timeout)
        super().__init__(target_service, **options)

    def get_dependency(self, worker_ctx):
        return _BoundedServiceProxy(super().get_dependency(worker_ctx), self.target_service, self.call_timeout)
