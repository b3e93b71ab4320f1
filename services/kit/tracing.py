"""Traces (OpenTelemetry): one trace from the HTTP request through every RPC, the outbox row,
the event, its handler and the webhook send (docs/operations.md, "Traces").

The W3C ``traceparent`` rides where the request id rides: in the nameko context data of each
RPC and event (header ``nameko.traceparent``), copied by the outbox onto its events, kept by
integrations with each event it relays and sent on the webhook request. Each process exports
its spans over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``) is
set and ``OTEL_SDK_DISABLED`` is not true; otherwise it records nothing and still hands on the
``traceparent`` it was given, so a trace begun by a caller outside continues through the suite.
The OTLP exporter reads the standard ``OTEL_*`` settings (headers, timeout, batch delay).
"""
from __future__ import annotations

import atexit
import logging
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from services.kit.config import env

log = logging.getLogger(__name__)

HEADER = "traceparent"  # W3C Trace Context; nameko carries it as nameko.traceparent
PROPAGATOR = TraceContextTextMapPropagator()
tracer = trace.get_tracer("county-logistics")


def setup_tracing(service: str):
    """Export this process's spans over OTLP/HTTP when an endpoint is configured; returns the
    provider (to flush at exit) or None when tracing records nothing."""
    endpoint = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "") or env("OTEL_EXPORTER_OTLP_ENDPOINT", "")
    if not endpoint or env("OTEL_SDK_DISABLED", "false").lower() == "true":
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": env("OTEL_SERVICE_NAME", "") or service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    atexit.register(provider.shutdown)  # the spans still in the batch leave before the process ends
    log.info("traces go to %s", endpoint.split("@")[-1])
    return provider


def current_traceparent() -> str | None:
    """The ``traceparent`` of the span now current (None outside any trace)."""
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return carrier.get(HEADER)


def trace_id() -> str:
    """The current trace's id in hex, for log lines ("-" outside a trace)."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else "-"


def start(name: str, traceparent: str | None, kind: SpanKind = SpanKind.SERVER, **attributes):
    """Begins a span under ``traceparent`` (a new trace without one) and makes it current;
    returns what ``finish`` needs. For work whose start and end are two hooks (a worker's)."""
    parent = PROPAGATOR.extract({HEADER: traceparent}) if traceparent else otel_context.Context()
    span = tracer.start_span(name, context=parent, kind=kind, attributes=attributes)
    token = otel_context.attach(trace.set_span_in_context(span, parent))
    return span, token


def finish(begun, error: BaseException | None = None) -> None:
    span, token = begun
    if error is not None:
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    span.end()
    try:
        otel_context.detach(token)
    except ValueError:  # ended in another context than it began (a killed worker): nothing to restore
        pass


@contextmanager
def span(name: str, traceparent: str | None = None, kind: SpanKind = SpanKind.INTERNAL, **attributes):
    """A span around a block: under ``traceparent`` when given, else under the current span."""
    if traceparent is None:
        with tracer.start_as_current_span(name, kind=kind, attributes=attributes) as current:
            yield current
        return
    begun = start(name, traceparent, kind, **attributes)
    try:
        yield begun[0]
    except BaseException as error:
        finish(begun, error)
        raise
    finish(begun)
