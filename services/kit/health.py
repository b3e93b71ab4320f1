"""Liveness, readiness and metrics on the service's own port, and an ``health`` RPC.

``GET /health`` answers while the process runs; ``GET /ready`` checks the database
and the broker and answers 503 naming the one that failed.
"""
from __future__ import annotations

import json

from kombu import Connection
from nameko.dependency_providers import Config
from nameko.web.handlers import http

from services.kit.entrypoints import rpc
from services.kit.metrics import READY, Metrics, exposition


def _json(status: int, body: dict):
    return status, {"Content-Type": "application/json"}, json.dumps(body)


def broker_reachable(amqp_uri: str, timeout: float = 2.0) -> bool:
    with Connection(amqp_uri, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
        return conn.connected


class HealthMixin:
    """Needs ``name`` and ``db`` on the service class."""

    config = Config()
    metrics = Metrics()

    @http("GET", "/health")
    def http_health(self, request):
        return _json(200, {"status": "ok", "service": self.name})

    @http("GET", "/ready")
    def http_ready(self, request):
        checks = self._readiness()
        ok = all(value == "ok" for value in checks.values())
        READY.labels(self.name).set(1 if ok else 0)
        return _json(200 if ok else 503, {"status": "ok" if ok else "unavailable", "service": self.name, "checks": checks})

    @http("GET", "/metrics")
    def http_metrics(self, request):
        body, content_type = exposition()
        return 200, {"Content-Type": content_type}, body.decode()

    @rpc
    def health(self):
        return {"status": "ok", "service": self.name, "checks": self._readiness(broker=False)}

    def _readiness(self, broker: bool = True) -> dict:
        checks = {}
        try:
            self.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
        if broker:
            try:
                broker_reachable(self.config["AMQP_URI"])
                checks["broker"] = "ok"
            except Exception as exc:
                checks["broker"] = f"unavailable: {type(exc).__name__}"
        return checks
