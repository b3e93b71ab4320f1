"""One trace across the suite's processes (docs/operations.md, "Traces"): a request sent with a
W3C traceparent to the gateway is continued by vehicles (the RPC), by energy and integrations
(the event, through the outbox), and by integrations' webhook send, which carries the
traceparent and the request id on to the receiver. Each process exports over OTLP/HTTP to a
collector of the test's (``tests/otlp_sink.py``)."""
import json
import secrets
import subprocess
import sys
import uuid
from datetime import datetime, timezone

import pytest
import requests

from tests.e2e.test_vehicles_day import vin_for
from tests.integration.test_integrations_webhooks import Receiver
from tests.stack import ADMIN_PASSWORD, running_stack, token_for
from tests.support import eventually, free_port, port_open



@pytest.fixture(scope="module")
def traced(test_backends, tmp_path_factory):
    if not test_backends.real_broker:
        pytest.skip("one trace across processes needs the processes (a real broker)")
    folder = tmp_path_factory.mktemp("traces")
    spans, port = folder / "spans.jsonl", free_port()
    sink = subprocess.Popen([sys.executable, "-m", "tests.otlp_sink", str(port), str(spans)])
    eventually(lambda: port_open("127.0.0.1", port))
    try:
        with running_stack(test_backends, folder, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{port}",
                           OTEL_BSP_SCHEDULE_DELAY="100", INTEGRATIONS_ALLOWED_HOSTS="127.0.0.1") as stack:
            yield stack, spans
    finally:
        sink.terminate()
        sink.wait(10)


def read_spans(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_request_is_one_trace_through_rpc_outbox_events_and_the_webhook(traced):
    stack, spans = traced
    admin = requests.Session()
    admin.headers["Authorization"] = f"Bearer {token_for(stack, 'admin', ADMIN_PASSWORD)}"
    receiver = Receiver()
    try:
        client = admin.post(stack.url("/api/v1/integrations/clients"), json={
            "name": f"finance-{uuid.uuid4().hex[:6]}", "department": "财政局", "contact_name": "李"}, timeout=10)
        assert admin.post(stack.url("/api/v1/integrations/subscriptions"), json={
            "client_id": client.json()["id"], "url": receiver.url, "event_types": ["fuel_recorded"]},
            timeout=10).status_code == 201
        n = int(uuid.uuid4().int % 80000) + 10000
        unit = f"T{n}"
        assert admin.post(stack.url("/api/v1/units"), json={"code": unit, "name": f"县测试局{n}", "kind": "party_government"},
                          timeout=10).status_code == 201
        car = admin.post(stack.url("/api/v1/vehicles"), json={
            "plate": f"浙C{n:05d}", "vin": vin_for(n), "make": "红旗", "model": "H5", "category": "sedan",
            "seats": 5, "fuel_type": "gasoline", "unit_code": unit, "odometer_km": "1000", "purchased_on": "2020-06-01"}, timeout=10)
        assert car.status_code == 201, car.text
        vendor = admin.post(stack.url("/api/v1/vendors"), json={"name": f"加油站-{n}", "kind": "fuel", "designated": True},
                            timeout=10)
        assert vendor.status_code == 201, vendor.text
        trace_id, request_id = secrets.token_hex(16), uuid.uuid4().hex
        fuel = admin.post(stack.url("/api/v1/fuel-transactions"), headers={
            "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01", "X-Request-ID": request_id}, json={
            "vehicle_id": car.json()["id"], "vendor_id": vendor.json()["id"], "card_number": "8800123", "liters": "35.2", "amount_yuan": "280.50",
            "odometer_km": "1090", "filled_at": datetime.now(timezone.utc).isoformat()}, timeout=10)
        assert fuel.status_code == 201, fuel.text

        [sent] = eventually(lambda: receiver.received, timeout=30)
        assert sent["traceparent"].split("-")[1] == trace_id and sent["request_id"] == request_id

        def traced_by():
            found = [span for span in read_spans(spans) if span["trace_id"] == trace_id]
            services = {span["service"] for span in found}
            sent = any(span["name"] == "webhook fuel_recorded" for span in found)
            return found if sent and {"gateway", "vehicles", "energy", "integrations"} <= services else None

        found = eventually(traced_by, timeout=30)
        by_id = {span["span_id"]: span for span in found}
        # every span but the gateway's hangs from another span of the same trace
        roots = [span for span in found if span["parent_span_id"] not in by_id]
        assert [(root["service"], root["name"]) for root in roots] == [("gateway", "POST /api/v1/fuel-transactions")]

        def path_to_root(span):
            chain = [span["service"]]
            while span["parent_span_id"] in by_id:
                span = by_id[span["parent_span_id"]]
                chain.append(span["service"])
            return chain

        [webhook] = [span for span in found if span["name"] == "webhook fuel_recorded"]
        assert path_to_root(webhook)[-1] == "gateway" and "vehicles" in path_to_root(webhook)
        [ledger] = [span for span in found if span["service"] == "energy"]
        assert path_to_root(ledger) == ["energy", "vehicles", "gateway"]
    finally:
        receiver.stop()
