"""Health, the API document and its docs page: no credentials needed. The gateway's metrics are
served on its ops port (gateway/app.py), never here."""
from __future__ import annotations

from gateway.openapi import docs_asset, docs_page
from gateway.routes import routes


@routes.get("/health", None, summary="The gateway process is alive", tag="health")
def health(call):
    return {"status": "ok", "service": "gateway"}


@routes.get("/ready", None, summary="The gateway can serve: its database and the broker answer", tag="health")
def ready(call):
    checks = call.app.readiness()
    ok = all(value == "ok" for value in checks.values())
    return (200 if ok else 503), {"status": "ok" if ok else "unavailable", "service": "gateway", "checks": checks}


@routes.get("/health/services", None, summary="Each service, checked over RPC with a short timeout", tag="health")
def health_services(call):
    report = call.app.check_services()
    down = any(entry["status"] != "ok" for entry in report.values())
    return (503 if down else 200), {"status": "degraded" if down else "ok", "services": report}


@routes.get("/api/v1/openapi.json", None, summary="This document", tag="docs")
def openapi_document(call):
    return call.app.openapi()


@routes.get("/docs", None, summary="The API reference page", tag="docs")
def docs(call):
    return docs_page()


@routes.get("/docs/static/<path:filename>", None, summary="Assets of the docs page", tag="docs")
def docs_static(call):
    return docs_asset(call.args["filename"])

