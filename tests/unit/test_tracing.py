"""services/kit/tracing.py: without an exporter nothing is recorded, yet a traceparent given is
handed on unchanged in trace; with a provider, spans nest under the traceparent given."""
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.kit import tracing

TRACE = "0af7651916cd43dd8448eb211c80319c"
PARENT = f"00-{TRACE}-b7ad6b7169203331-01"


def test_without_an_exporter_the_given_trace_is_handed_on_and_nothing_begins_one(monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert tracing.setup_tracing("vehicles") is None
    assert tracing.current_traceparent() is None and tracing.trace_id() == "-"
    with tracing.span("vehicles.create_vehicle", PARENT):
        assert tracing.current_traceparent().split("-")[1] == TRACE and tracing.trace_id() == TRACE
    assert tracing.current_traceparent() is None


def test_spans_nest_under_the_traceparent_given_and_an_error_marks_its_span(monkeypatch):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "tracer", provider.get_tracer("test"))
    begun = tracing.start("POST /api/v1/dispatches", PARENT)
    with tracing.span("vehicles.create_dispatch"):
        handed_on = tracing.current_traceparent()
    try:
        with tracing.span("webhook dispatch_created", handed_on):
            raise ValueError("refused")
    except ValueError:
        pass
    tracing.finish(begun)
    inner, webhook, outer = exporter.get_finished_spans()
    assert {format(s.context.trace_id, "032x") for s in (inner, webhook, outer)} == {TRACE}
    assert format(outer.parent.span_id, "016x") == "b7ad6b7169203331"
    assert inner.parent.span_id == outer.context.span_id and webhook.parent.span_id == inner.context.span_id
    assert webhook.status.status_code.name == "ERROR" and outer.status.status_code.name == "UNSET"
