"""Metrics are scraped from a service's own port and move with the traffic."""
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from services.facilities.service import FacilitiesService
from services.kit.errors import Invalid
from tests.support import admin_caller, call_as

pytestmark = pytest.mark.integration


def scrape(container) -> dict:
    text = requests.get(f"http://{container.config['WEB_SERVER_ADDRESS']}/metrics", timeout=10).text
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_calls_outcomes_and_the_outbox_are_counted(start_service, rpc, test_backends):
    container = start_service(FacilitiesService)
    before = scrape(container)
    building = call_as(rpc, admin_caller(), "facilities", "create_building", {"name": "metrics-A", "floors": 2})
    call_as(rpc, admin_caller(), "facilities", "create_room", {
        "building_id": building["id"], "number": "1", "floor": 1, "usable_area_m2": 10, "type": "office",
        "unit_code": "U-metrics"})
    with pytest.raises(Invalid):
        call_as(rpc, admin_caller(), "facilities", "create_building", {"floors": "x"})
    after = scrape(container)
    labels = {"service": "facilities", "entrypoint": "create_building", "kind": "rpc"}
    assert value(after, "suite_worker_calls_total", outcome="ok", **labels) - \
        value(before, "suite_worker_calls_total", outcome="ok", **labels) == 1
    assert value(after, "suite_worker_calls_total", outcome="Invalid", **labels) - \
        value(before, "suite_worker_calls_total", outcome="Invalid", **labels) == 1
    assert value(after, "suite_worker_duration_seconds_count", **labels) - \
        value(before, "suite_worker_duration_seconds_count", **labels) == 2
    assert value(after, "suite_workers_max", service="facilities") == container.config["max_workers"]
    assert ("suite_outbox_unsent", (("service", "facilities"),)) in after
    if test_backends.real_broker:
        assert value(after, "suite_queue_consumers", service="facilities", queue="rpc-facilities") >= 1
        assert ("suite_queue_messages_ready", (("queue", "deadletter.facilities"), ("service", "facilities"))) in after


def test_odd_methods_and_paths_on_a_health_port_add_no_series(start_service):
    container = start_service(FacilitiesService)
    scrape(container)
    before = set(scrape(container))
    base = f"http://{container.config['WEB_SERVER_ADDRESS']}"
    for n in range(30):
        requests.request(f"M{n}", f"{base}/x{n}", timeout=10)
        requests.request(f"M{n}", f"{base}/health", timeout=10)
        requests.get(f"{base}/x{n}", timeout=10)
    added = set(scrape(container)) - before
    # the service's own timer may have run meanwhile; no request may have added a series
    assert not {key for key in added if ("kind", "timer") not in key[1]}, added
    assert not any(value.startswith(("M", "/x")) for _, labels in added for _, value in labels)
