"""Prometheus metrics of a service process, served at ``/metrics`` on its health port.

Counted as work happens: every worker by entrypoint, kind and outcome, its duration,
and how many workers are busy. Read at scrape time: the outbox backlog and the age of
its oldest unsent event, messages waiting in the service's own queues (consumer lag)
and in its dead-letter queue.
"""
from __future__ import annotations

import logging
import time
from weakref import WeakKeyDictionary

from nameko.extensions import DependencyProvider
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

WORKER_CALLS = Counter(
    "suite_worker_calls", "Calls a service handled, by entrypoint, kind (rpc, event, timer, http) and outcome",
    ["service", "entrypoint", "kind", "outcome"],
)
WORKER_SECONDS = Histogram(
    "suite_worker_duration_seconds", "Time a service spent on one call", ["service", "entrypoint", "kind"],
    buckets=LATENCY_BUCKETS,
)
READY = Gauge("suite_ready", "1 when the service's last readiness check (GET /ready) passed, else 0", ["service"])
WORKERS_BUSY = Gauge("suite_workers_busy", "Workers running now", ["service"])
WORKERS_MAX = Gauge("suite_workers_max", "Size of the worker pool", ["service"])
EVENT_RETRIES = Counter("suite_event_retries", "Failed events sent back for another try", ["service", "event_type"])
EVENTS_DEAD_LETTERED = Counter(
    "suite_events_dead_lettered", "Events parked in the dead-letter queue after their last retry",
    ["service", "event_type"],
)
HTTP_REQUESTS = Counter("gateway_http_requests", "HTTP requests answered by the gateway", ["method", "route", "status"])
HTTP_SECONDS = Histogram("gateway_http_request_duration_seconds", "Time to answer one HTTP request, by status class",
                         ["method", "route", "status"], buckets=LATENCY_BUCKETS)
GATEWAY_RPC_CALLS = Counter("gateway_rpc_calls", "RPC calls made by the gateway", ["service", "method", "outcome"])


def status_class(code: int) -> str:
    """``2xx`` … ``5xx``: a latency label with five values, not one per status code."""
    return f"{code // 100}xx"


def kind_of(entrypoint) -> str:
    name = type(entrypoint).__name__.lower()
    for kind in ("rpc", "event", "timer", "http"):
        if kind in name:
            return kind
    return name


class QueueAndOutboxCollector:
    """Figures read when Prometheus scrapes: they cost a query, not a write per call.
    One per process, over every container the process runs (``make run`` without a
    broker runs all four in one)."""

    def __init__(self):
        self.containers: dict[int, object] = {}  # key: the Metrics extension's id

    @staticmethod
    def _database(container):
        from services.kit.db import Database

        return next((dep for dep in container.dependencies if isinstance(dep, Database)), None)

    @staticmethod
    def _queues(container) -> list[str]:
        names = [f"rpc-{container.service_name}"]
        for entrypoint in container.entrypoints:
            queue = getattr(entrypoint, "queue", None)
            if queue is not None and getattr(queue, "name", None):
                names.append(queue.name)
        return names

    def collect(self):
        unsent = GaugeMetricFamily("suite_outbox_unsent", "Events committed but not yet published", labels=["service"])
        age = GaugeMetricFamily("suite_outbox_oldest_unsent_age_seconds", "Age of the oldest unpublished event",
                                labels=["service"])
        ready = GaugeMetricFamily("suite_queue_messages_ready", "Messages waiting in a queue of the service "
                                  "(consumer lag; the dead-letter queue's parked events)", labels=["service", "queue"])
        consumers = GaugeMetricFamily("suite_queue_consumers", "Consumers of a queue of the service",
                                      labels=["service", "queue"])
        for container in list(self.containers.values()):
            self._outbox(container, unsent, age)
            self._queue_depths(container, ready, consumers)
        yield from (unsent, age, ready, consumers)

    def _outbox(self, container, unsent, age):
        database = self._database(container)
        if database is None or database.outbox_model is None:
            return
        try:
            backlog = database.outbox.backlog()
        except Exception as exc:
            log.warning("outbox backlog not readable: %s", type(exc).__name__)
            return
        unsent.add_metric([container.service_name], backlog["unsent"])
        age.add_metric([container.service_name], backlog["oldest_unsent_age_seconds"])

    def _queue_depths(self, container, ready, consumers):
        if container.config["AMQP_URI"].startswith("memory"):
            return
        from kombu import Connection

        from services.kit.deadletter import deadletter_queue

        service = container.service_name
        parked = deadletter_queue(service)
        try:
            with Connection(container.config["AMQP_URI"], connect_timeout=2) as conn:
                # declared here so that the dead-letter queue reads 0 before its first event
                parked(conn.default_channel).declare()
                for name in [parked.name, *self._queues(container)]:
                    channel = conn.channel()
                    try:
                        _, messages, count = channel.queue_declare(name, passive=True)
                    except Exception:  # not declared yet
                        continue
                    finally:
                        try:
                            channel.close()
                        except Exception:
                            pass
                    ready.add_metric([service, name], messages)
                    consumers.add_metric([service, name], count)
        except Exception as exc:
            log.warning("queue depths not readable: %s", type(exc).__name__)


_COLLECTOR = QueueAndOutboxCollector()
REGISTRY.register(_COLLECTOR)


class Metrics(DependencyProvider):
    """Counts every worker of the container it is declared in."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.started: WeakKeyDictionary = WeakKeyDictionary()

    def setup(self):
        WORKERS_MAX.labels(self.container.service_name).set(self.container.config.get("max_workers", 10))
        _COLLECTOR.containers[id(self)] = self.container

    def stop(self):
        _COLLECTOR.containers.pop(id(self), None)

    kill = stop

    def worker_setup(self, worker_ctx):
        self.started[worker_ctx] = time.perf_counter()
        WORKERS_BUSY.labels(self.container.service_name).inc()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        kind = kind_of(entrypoint)
        name = entrypoint.method_name
        outcome = "ok" if exc_info is None else type(exc_info[1]).__name__
        WORKER_CALLS.labels(self.container.service_name, name, kind, outcome).inc()
        if started is not None:
            WORKER_SECONDS.labels(self.container.service_name, name, kind).observe(time.perf_counter() - started)

    def worker_teardown(self, worker_ctx):
        WORKERS_BUSY.labels(self.container.service_name).dec()


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
