"""Sending webhooks: a dispatcher that looks for due deliveries and gives each
subscription its own green thread, so one slow or dead receiver holds up only itself.

A delivery is claimed with a lease (``locked_until``) before it is sent, so replicas
can dispatch side by side; a process killed mid-send leaves a lease that runs out and
the delivery is sent again (at-least-once: receivers drop duplicates by event id).
"""
from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit
from weakref import WeakKeyDictionary

import eventlet
import requests
from requests.adapters import HTTPAdapter
from nameko.extensions import DependencyProvider
from prometheus_client import REGISTRY, Counter
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, or_, select, update

from services.integrations import domain, settings
from services.integrations.contract import SUBSCRIPTION_PAUSED
from services.integrations.models import (
    AllowedHost, AuditEntry, Delivery, DeliveryAttempt, Event, OutboxEvent, Subscription,
)
from services.kit.audit import Watch
from services.kit import tracing
from services.kit.context import Caller, current_request_id
from services.kit.db import Database, utcnow

log = logging.getLogger(__name__)

# bounded labels only (no subscription or URL): outcome delivered | failed, and what failed
WEBHOOK_SENDS = Counter(
    "integrations_webhook_sends", "Webhook requests sent, by outcome (delivered, failed) and failure "
    "(none, http_4xx, http_5xx, http_other, timeout, connection, refused)", ["outcome", "failure"],
)


def failure_kind(status: int | None, error: str | None) -> str:
    if status is not None:
        return "none" if 200 <= status < 300 else {4: "http_4xx", 5: "http_5xx"}.get(status // 100, "http_other")
    if error and error.startswith("refused"):
        return "refused"
    return "timeout" if error == "timed out" else "connection"


class PausedSubscriptions:
    """``integrations_subscriptions_paused``, read from the database when Prometheus scrapes
    (a replica's own count would miss the pauses and resumes of the others)."""

    def __init__(self):
        self.dispatchers: dict[int, "Dispatcher"] = {}

    def collect(self):
        gauge = GaugeMetricFamily("integrations_subscriptions_paused",
                                  "Webhook subscriptions paused after failing, waiting for an admin to resume them")
        for dispatcher in list(self.dispatchers.values())[-1:]:  # one database per process
            try:
                with dispatcher.database.sessionmaker() as session:
                    gauge.add_metric([], session.scalar(
                        select(func.count(Subscription.id)).where(Subscription.status == "paused")))
            except Exception as exc:
                log.warning("paused subscriptions not readable: %s", type(exc).__name__)
        yield gauge


_PAUSED = PausedSubscriptions()
REGISTRY.register(_PAUSED)


def allowed_hosts(session) -> set[str]:
    return set(settings.current().allowed_hosts) | set(session.scalars(select(AllowedHost.host)))


class _PinnedAdapter(HTTPAdapter):
    """TLS to an address while the server name (SNI) and the certificate's check stay the host's."""

    def __init__(self, host: str):
        self.host = host
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs.update(server_hostname=self.host, assert_hostname=self.host)  # dropped for plain http
        super().init_poolmanager(*args, **kwargs)


def pinned(url: str, host: str, address: str) -> tuple[str, str]:
    """The URL with its host replaced by ``address``, and the Host header the name's URL had."""
    parts = urlsplit(url)
    literal, name = (f"[{each}]" if ":" in each else each for each in (address, host))
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=literal + port)), name + port


def post(url: str, host: str, address: str, body: bytes, headers: dict, config) -> tuple[int | None, str | None]:
    """POST once to ``address`` (the one checked, not looked up again): (status code, None)
    or (None, why it failed). Redirects are not followed (they could lead inside), no proxy
    is taken from the environment, time and response size are bounded."""
    target, host_header = pinned(url, host, address)
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", _PinnedAdapter(host))
    session.mount("https://", _PinnedAdapter(host))
    try:
        with eventlet.Timeout(config.total_timeout_seconds):
            with session.post(target, data=body, headers={**headers, "Host": host_header}, stream=True,
                              allow_redirects=False,
                              timeout=(config.connect_timeout_seconds, config.read_timeout_seconds)) as response:
                read = 0
                for chunk in response.iter_content(8192):
                    read += len(chunk)
                    if read >= config.max_response_bytes:
                        break  # the status is all we need; the rest is not read
                return response.status_code, None
    except eventlet.Timeout:
        return None, "timed out"
    except requests.Timeout:
        return None, "timed out"
    except requests.RequestException as exc:
        return None, f"connection failed: {type(exc).__name__}"
    finally:
        session.close()


class _Waker:
    """What a worker sees as ``self.dispatcher``: ``wake()`` asks for the loop once the
    worker's work is committed."""

    def __init__(self, dispatcher: "Dispatcher", worker_ctx):
        self._dispatcher, self._worker_ctx = dispatcher, worker_ctx

    def wake(self) -> None:
        self._dispatcher.to_wake[self._worker_ctx] = True


class Dispatcher(DependencyProvider):
    """Runs beside the service's workers; ``self.dispatcher.wake()`` after new deliveries."""

    def setup(self):
        self.database = next(d for d in self.container.dependencies if isinstance(d, Database))
        self.workers: dict[int, eventlet.greenthread.GreenThread] = {}
        self.loop = None
        self.running = False
        self.woken = eventlet.event.Event()
        self.to_wake: WeakKeyDictionary = WeakKeyDictionary()  # workers that addressed deliveries

    def start(self):
        self.running = True
        self.loop = eventlet.spawn(self._run)
        _PAUSED.dispatchers[id(self)] = self

    def stop(self):
        _PAUSED.dispatchers.pop(id(self), None)
        self.running = False
        for thread in [self.loop, *self.workers.values()]:
            if thread is not None:
                thread.kill()
        self.workers.clear()

    kill = stop

    def get_dependency(self, worker_ctx):
        return _Waker(self, worker_ctx)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        """A worker that addressed deliveries wakes the loop once its work is committed (the
        entrypoints commit before this): woken sooner, the loop would not find them yet."""
        if self.to_wake.pop(worker_ctx, False) and exc_info is None:
            self.wake()

    def wake(self):
        if not self.woken.ready():
            self.woken.send()

    # -- the loop --------------------------------------------------------------------------
    def _run(self):
        while self.running:
            try:
                self.dispatch_due()
            except Exception:  # the database may be down for a while: keep looking
                log.exception("dispatching webhooks failed")
            with eventlet.Timeout(settings.current().poll_interval_seconds, False):
                self.woken.wait()
            self.woken = eventlet.event.Event()

    def dispatch_due(self) -> None:
        now = utcnow()
        with self.database.sessionmaker() as session:
            due = session.scalars(
                select(Delivery.subscription_id).distinct()
                .join(Subscription, Subscription.id == Delivery.subscription_id)
                .where(Delivery.status == "pending", Subscription.status == "active",
                       or_(Subscription.retry_at.is_(None), Subscription.retry_at <= now))
            ).all()
        for subscription_id in due:
            worker = self.workers.get(subscription_id)
            if worker is None or worker.dead:
                self.workers[subscription_id] = eventlet.spawn(self._drain, subscription_id)

    def _drain(self, subscription_id: int) -> None:
        """Send this subscription's pending deliveries, oldest first, until none is left
        or the receiver fails (then it waits for its backoff)."""
        try:
            while self.running:
                claimed = self._claim_next(subscription_id)
                if claimed is None or not self._send(claimed):
                    return
        except Exception:
            log.exception("delivering to subscription %s failed", subscription_id)

    def _claim_next(self, subscription_id: int):
        config = settings.current()
        now = utcnow()
        lease = now + timedelta(seconds=config.total_timeout_seconds + 30)
        with self.database.sessionmaker.begin() as session:
            subscription = session.get(Subscription, subscription_id)
            if subscription is None or subscription.status != "active" or (
                    subscription.retry_at is not None and subscription.retry_at > now):
                return None
            # the oldest pending delivery is the head: the later ones wait until it is delivered
            # or parked, also while it is being sent (leased, by this replica or another)
            head = session.execute(
                select(Delivery.id, Delivery.locked_until)
                .where(Delivery.subscription_id == subscription_id, Delivery.status == "pending")
                .order_by(Delivery.id).limit(1)).first()
            if head is None or (head.locked_until is not None and head.locked_until >= now):
                return None
            candidate = head.id
            taken = session.execute(
                update(Delivery)
                .where(Delivery.id == candidate, Delivery.status == "pending",
                       or_(Delivery.locked_until.is_(None), Delivery.locked_until < now))
                .values(locked_until=lease)).rowcount
            if not taken:  # another replica took it
                return None
            event = session.get(Event, session.get(Delivery, candidate).event_id)
            hosts = allowed_hosts(session)
            return {"delivery_id": candidate, "subscription_id": subscription_id, "url": subscription.url, "secret": subscription.secret,
                    "event": event, "hosts": hosts}

    def _send(self, claimed: dict) -> bool:
        config = settings.current()
        event = claimed["event"]
        body = domain.envelope(event.event_id, event.event_type, event.occurred_at, event.payload)
        started = time.monotonic()
        # the send belongs to the request and the trace the event came from (tracing.py)
        request_token = current_request_id.set(event.request_id or "-")
        with tracing.span(f"webhook {event.event_type}", event.traceparent, tracing.SpanKind.CLIENT,
                          **{"messaging.message.id": event.event_id, "suite.delivery_id": claimed["delivery_id"]}):
            try:
                # checked again at each send: the name may resolve elsewhere now
                host, address = domain.address_to_send(claimed["url"], claimed["hosts"])
            except domain.UrlRefused as exc:
                status, error = None, f"refused: {exc}"
            else:
                headers = {
                    "Content-Type": "application/json",
                    "User-Agent": "county-logistics-webhooks/1",
                    domain.SIGNATURE_HEADER: domain.signature(claimed["secret"], int(time.time()), body),
                    "X-Event-Id": event.event_id,
                    "X-Event-Type": event.event_type,
                    "X-Delivery-Id": str(claimed["delivery_id"]),
                    **({"X-Request-ID": event.request_id} if event.request_id else {}),
                    **({tracing.HEADER: tracing.current_traceparent()} if tracing.current_traceparent() else {}),
                }
                status, error = post(claimed["url"], host, address, body, headers, config)
        current_request_id.reset(request_token)
        duration_ms = int((time.monotonic() - started) * 1000)
        ok = status is not None and 200 <= status < 300
        if not ok and error is None:
            error = f"answered {status}"
        WEBHOOK_SENDS.labels("delivered" if ok else "failed", failure_kind(status, error)).inc()
        if not ok:  # what failed, never the URL (it may carry a token) nor the body
            log.warning("webhook delivery %s of subscription %s failed: %s", claimed["delivery_id"],
                        claimed["subscription_id"], error)
        self._record(claimed["delivery_id"], ok, status, error, duration_ms)
        return ok

    def _record(self, delivery_id: int, ok: bool, status, error, duration_ms: int) -> None:
        config = settings.current()
        now = utcnow()
        with self.database.sessionmaker.begin() as session:
            delivery = session.get(Delivery, delivery_id)
            subscription = session.get(Subscription, delivery.subscription_id)
            session.add(DeliveryAttempt(delivery_id=delivery_id, attempted_at=now, status_code=status,
                                        error=error, duration_ms=duration_ms))
            delivery.attempts += 1
            delivery.last_status_code, delivery.last_error, delivery.locked_until = status, error, None
            failures = 0 if ok else subscription.consecutive_failures + 1
            outcome = domain.after_attempt(ok, delivery.created_at, now, failures, config)
            delivery.status = outcome.status
            subscription.consecutive_failures = failures
            if ok:
                delivery.delivered_at, subscription.retry_at = now, None
            elif outcome.status == "pending":
                delivery.next_attempt_at = subscription.retry_at = outcome.next_attempt_at
            if outcome.pause_subscription and subscription.status == "active":
                reason = ("a delivery was parked after retrying for the whole retry window"
                          if outcome.status == "parked" else f"{failures} deliveries failed in a row")
                self._pause(session, subscription, reason)

    @staticmethod
    def _pause(session, subscription: Subscription, reason: str) -> None:
        watch = Watch("pause", subscription, None)
        subscription.status, subscription.paused_reason = "paused", reason
        watch.capture()
        session.add(watch.entry(AuditEntry, Caller.system().name, None))
        payload = {"event_id": str(uuid.uuid4()), "occurred_at": utcnow().isoformat(),
                   "subscription_id": subscription.id, "client_id": subscription.client_id, "reason": reason}
        # the outbox relay publishes it: the admin's console and alerting listen
        session.add(OutboxEvent(event_id=payload["event_id"], event_type=SUBSCRIPTION_PAUSED, payload=payload,
                                headers={}))
        log.warning("webhook subscription %s paused: %s", subscription.id, reason)
