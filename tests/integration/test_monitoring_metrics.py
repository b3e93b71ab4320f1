"""Every metric an alert rule or a dashboard panel queries is served by some /metrics: a
running service's, the gateway's ops port, or RabbitMQ's (the rabbitmq_prometheus plugin)."""
import os
from urllib.parse import urlsplit

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from werkzeug.test import Client

from services.integrations.service import IntegrationsService
from tests.deploy.test_monitoring import PENDING, SYNTHETIC, metric_names

pytestmark = pytest.mark.integration

SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}
BROKER_METRICS = "/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count"


def names_in(text: str) -> set[str]:
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ())}
        names |= {sample.name for sample in family.samples}
    return names


def broker_metrics(amqp_uri: str) -> str:
    url = f"http://{urlsplit(amqp_uri).hostname or '127.0.0.1'}:15692{BROKER_METRICS}"
    try:
        return requests.get(url, timeout=5).text
    except requests.RequestException:
        if os.environ.get("CI") == "true":
            pytest.fail("RabbitMQ's Prometheus plugin is needed (.ci/run enables rabbitmq_prometheus)")
        pytest.skip("RabbitMQ's Prometheus plugin does not answer on 15692 (rabbitmq-plugins enable rabbitmq_prometheus)")


def test_every_metric_a_rule_or_panel_names_is_served(start_service, test_backends):
    if not test_backends.real_broker:
        pytest.skip("needs RabbitMQ")
    from gateway.app import ops_app

    container = start_service(IntegrationsService)
    base = f"http://{container.config['WEB_SERVER_ADDRESS']}"
    assert requests.get(f"{base}/ready", timeout=10).status_code == 200  # sets suite_ready
    served = names_in(requests.get(f"{base}/metrics", timeout=10).text)
    served |= names_in(Client(ops_app).get("/metrics").get_data(as_text=True))
    served |= names_in(broker_metrics(test_backends.amqp_uri))
    wanted = metric_names() - SYNTHETIC
    assert wanted - PENDING - served == set()
    assert PENDING & served == set(), "now served: take them off PENDING in tests/deploy/test_monitoring.py"
