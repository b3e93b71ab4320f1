"""Webhooks against a real local HTTP receiver: signed deliveries, retries until 200,
a receiver down for a while gets everything, a slow receiver delays no other, replay,
and URLs pointing inside are refused."""
import dataclasses
from datetime import datetime, timezone
import json
import os
import socket
import time
import uuid

import eventlet
import pytest
from eventlet import wsgi
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange

from sqlalchemy import select

from services.integrations import domain, settings
from services.integrations.models import OutboxEvent
from services.integrations.service import IntegrationsService
from services.kit.errors import RuleViolation
from services.reception import contract as reception
from services.vehicles import contract as vehicles
from tests.integration.test_metrics import scrape, value
from tests.support import admin_caller, call_as, database_of, eventually

pytestmark = pytest.mark.integration
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Receiver:
    """A real HTTP server on 127.0.0.1; ``answers`` is a list of status codes to give
    first (then 200), ``delay`` seconds before answering, ``down`` answers nothing."""

    def __init__(self):
        self.received = []
        self.answers = []
        self.delay = 0.0
        self.sock = eventlet.listen(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = eventlet.spawn(wsgi.server, self.sock, self.app, log_output=False)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def app(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if self.delay:
            eventlet.sleep(self.delay)
        status = self.answers.pop(0) if self.answers else 200
        self.received.append({"status": status, "body": body, "signature": environ.get("HTTP_X_SIGNATURE"),
                              "event_id": environ.get("HTTP_X_EVENT_ID"), "host": environ.get("HTTP_HOST"),
                              "traceparent": environ.get("HTTP_TRACEPARENT"),
                              "request_id": environ.get("HTTP_X_REQUEST_ID")})
        start_response(f"{status} X", [("Content-Type", "text/plain")])
        return [b"ok"]

    def delivered_ids(self):
        return [json.loads(r["body"])["id"] for r in self.received if r["status"] == 200]

    def stop(self):
        self.thread.kill()
        self.sock.close()


@pytest.fixture
def receivers():
    made = []

    def make():
        made.append(Receiver())
        return made[-1]

    yield make
    for receiver in made:
        receiver.stop()


@pytest.fixture
def quick(monkeypatch):
    """Short backoff and polling; the tests' receivers (loopback) allowed by the admin setting."""
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(
        settings.SETTINGS, backoff_base_seconds=0.05, backoff_max_seconds=0.3, poll_interval_seconds=0.05,
        read_timeout_seconds=5.0, total_timeout_seconds=6.0, allowed_hosts=("127.0.0.1",)))


@pytest.fixture
def suite(start_service, rpc, test_backends, quick):
    container = start_service(IntegrationsService)
    exchange = get_event_exchange(reception.SERVICE, {})
    publisher = Publisher(test_backends.amqp_uri, declare=[exchange])

    class Suite:
        admin = admin_caller()
        database = database_of(container)
        service = container

        def call(self, method, *args):
            return call_as(rpc, self.admin, "integrations", method, *args)

        def subscribe(self, url, event_types=("visitor_checked_in",), **extra):
            client = self.call("create_client", {"name": f"bureau-{uuid.uuid4().hex[:8]}", "department": "信访局",
                                                 "contact_name": "王"})
            return self.call("create_subscription", {"client_id": client["id"], "url": url,
                                                     "event_types": list(event_types), **extra})

        def visitor_checked_in(self, name="张三"):
            event = {"event_id": str(uuid.uuid4()), "occurred_at": "2026-03-02T01:00:00+00:00", "visitor_id": 1,
                     "name": name, "host_name": "李四", "host_unit_code": "u-1", "purpose": "petition",
                     "checked_in_at": "2026-03-02T01:00:00+00:00"}
            publisher.publish(event, exchange=exchange, routing_key=reception.VISITOR_CHECKED_IN)
            return event

        def deliveries(self, subscription):
            return self.call("list_deliveries", {"subscription_id": subscription["id"]})["items"]

    return Suite()


def test_a_receiver_gets_signed_deliveries_it_can_verify(suite, receivers):
    receiver = receivers()
    subscription = suite.subscribe(receiver.url)
    assert subscription["secret"].startswith("whsec_")
    assert "secret" not in suite.call("get_subscription", subscription["id"])  # shown once
    event = suite.visitor_checked_in()
    eventually(lambda: receiver.received)
    got = receiver.received[0]
    assert domain.verify(subscription["secret"], got["signature"], got["body"], int(time.time()))
    assert not domain.verify("whsec_other", got["signature"], got["body"], int(time.time()))
    assert not domain.verify(subscription["secret"], got["signature"], got["body"], int(time.time()) + 3600)
    body = json.loads(got["body"])
    assert body["id"] == event["event_id"] == got["event_id"]
    assert body["type"] == "visitor_checked_in"
    assert body["time"].startswith("2026-03-02T01:00:00")
    assert body["payload"]["name"] == "张三"
    delivery = eventually(lambda: [d for d in suite.deliveries(subscription) if d["status"] == "delivered"])[0]
    assert delivery["log"][0]["status_code"] == 200


def test_a_500_is_retried_until_the_receiver_answers_200(suite, receivers):
    receiver = receivers()
    receiver.answers = [500, 500, 503]
    subscription = suite.subscribe(receiver.url)
    event = suite.visitor_checked_in()
    eventually(lambda: receiver.delivered_ids() == [event["event_id"]])
    [delivery] = eventually(lambda: [d for d in suite.deliveries(subscription) if d["status"] == "delivered"])
    assert [entry["status_code"] for entry in delivery["log"]] == [500, 500, 503, 200]
    assert delivery["attempts"] == 4


def test_a_receiver_down_for_a_while_gets_everything_afterwards(suite, receivers):
    receiver = receivers()
    port = receiver.port
    receiver.stop()  # down: connections are refused
    subscription = suite.subscribe(f"http://127.0.0.1:{port}/hook")
    events = [suite.visitor_checked_in(name=f"visitor {n}") for n in range(5)]
    eventually(lambda: any(d["attempts"] >= 2 for d in suite.deliveries(subscription)))
    assert all(d["status"] == "pending" for d in suite.deliveries(subscription))
    back = Receiver.__new__(Receiver)  # up again on the same port
    back.received, back.answers, back.delay = [], [], 0.0
    back.sock = eventlet.listen(("127.0.0.1", port))
    back.port = port
    back.thread = eventlet.spawn(wsgi.server, back.sock, back.app, log_output=False)
    try:
        eventually(lambda: set(back.delivered_ids()) == {e["event_id"] for e in events})
        eventually(lambda: all(d["status"] == "delivered" for d in suite.deliveries(subscription)))
    finally:
        back.stop()


def test_a_slow_receiver_does_not_delay_another(suite, receivers):
    slow, quick = receivers(), receivers()
    slow.delay = 3.0
    suite.subscribe(slow.url)
    suite.subscribe(quick.url)
    events = [suite.visitor_checked_in(name=f"v{n}") for n in range(3)]
    # all three reach the quick receiver while the slow one is still on its first
    eventually(lambda: len(quick.delivered_ids()) == 3)
    assert len(slow.received) == 0
    assert set(quick.delivered_ids()) == {e["event_id"] for e in events}


def test_a_replay_sends_again_one_delivery_or_a_time_range(suite, receivers):
    receiver = receivers()
    subscription = suite.subscribe(receiver.url)
    event = suite.visitor_checked_in()
    [delivery] = eventually(lambda: [d for d in suite.deliveries(subscription) if d["status"] == "delivered"])
    replay = suite.call("replay_delivery", delivery["id"])
    assert replay["replay_of"] == delivery["id"] and replay["status"] == "pending"
    eventually(lambda: receiver.delivered_ids() == [event["event_id"]] * 2)
    replayed = suite.call("replay_deliveries", subscription["id"],
                          {"since": "2026-03-02T00:00:00+00:00", "until": "2026-03-03T00:00:00+00:00"})
    assert replayed == {"deliveries": 1}
    eventually(lambda: receiver.delivered_ids() == [event["event_id"]] * 3)
    assert suite.call("replay_deliveries", subscription["id"], {
        "since": "2026-03-03T00:00:00+00:00", "until": "2026-03-04T00:00:00+00:00"}) == {"deliveries": 0}


def test_only_wanted_event_types_and_units_are_delivered(suite, receivers, test_backends):
    receiver = receivers()
    subscription = suite.subscribe(receiver.url, event_types=("trip_flagged",), unit_codes=["u-2"])
    exchange = get_event_exchange(vehicles.SERVICE, {})
    publisher = Publisher(test_backends.amqp_uri, declare=[exchange])
    flags = [{"event_id": str(uuid.uuid4()), "occurred_at": "2026-03-02T01:00:00+00:00", "flag_id": n,
              "vehicle_id": 1, "unit_code": unit, "kind": "no_dispatch", "trip_id": None}
             for n, unit in enumerate(("u-1", "u-2"))]
    for flag in flags:
        publisher.publish(flag, exchange=exchange, routing_key=vehicles.TRIP_FLAGGED)
    suite.visitor_checked_in()
    eventually(lambda: receiver.delivered_ids() == [flags[1]["event_id"]])
    eventlet.sleep(0.3)
    assert receiver.delivered_ids() == [flags[1]["event_id"]]
    assert len(suite.deliveries(subscription)) == 1


def test_a_delivery_failing_for_the_whole_window_is_parked_and_the_subscription_paused(
        suite, receivers, monkeypatch):
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS, retry_window_seconds=0.3))
    receiver = receivers()
    receiver.answers = [500] * 100
    subscription = suite.subscribe(receiver.url)
    suite.visitor_checked_in()
    [parked] = eventually(lambda: [d for d in suite.deliveries(subscription) if d["status"] == "parked"])
    assert parked["log"] and all(entry["status_code"] == 500 for entry in parked["log"])
    paused = suite.call("get_subscription", subscription["id"])
    assert paused["status"] == "paused" and paused["paused_reason"]

    def told():  # the admin is told: subscription_paused is published through the outbox
        with suite.database.sessionmaker() as session:
            return session.scalars(select(OutboxEvent).where(
                OutboxEvent.event_type == "subscription_paused", OutboxEvent.published_at.is_not(None))).all()

    assert [row.payload["subscription_id"] for row in eventually(told)] == [subscription["id"]]
    # a paused subscription keeps its new deliveries until the admin resumes it
    receiver.answers = []
    event = suite.visitor_checked_in(name="later")
    eventually(lambda: len(suite.deliveries(subscription)) == 2)
    eventlet.sleep(0.3)
    assert event["event_id"] not in receiver.delivered_ids()
    suite.call("update_subscription", subscription["id"], {"status": "active"})
    eventually(lambda: event["event_id"] in receiver.delivered_ids())


def test_a_url_pointing_inside_is_refused_unless_an_admin_allows_the_host(suite, monkeypatch):
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS, allowed_hosts=()))
    for url in ("http://10.1.2.3/hook", "http://192.168.0.5/hook", "http://127.0.0.1:9/hook",
                "http://localhost:9/hook", "http://[::1]:9/hook", "http://169.254.169.254/latest"):
        with pytest.raises(RuleViolation) as refused:  # refused without connecting
            suite.subscribe(url)
        assert refused.value.rule == "integrations.url_not_allowed"
    host = suite.call("allow_host", {"host": "127.0.0.1"})
    assert suite.subscribe("http://127.0.0.1:9/hook")["status"] == "active"
    suite.call("remove_allowed_host", host["id"])
    with pytest.raises(RuleViolation):
        suite.subscribe("http://127.0.0.1:9/hook")


@pytest.fixture
def dns(monkeypatch):
    """The system's resolver stubbed for names ending in ``.test``: ``dns.answers[name]`` is the
    list of addresses its successive lookups answer (the last one repeats); other names resolve."""
    real = socket.getaddrinfo

    class Dns:
        answers: dict = {}
        asked: list = []

        @staticmethod
        def getaddrinfo(host, port, *args, **kwargs):
            if not (isinstance(host, str) and host.endswith(".test")):
                return real(host, port, *args, **kwargs)
            Dns.asked.append(host)
            queue = Dns.answers[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", Dns.getaddrinfo)
    return Dns


def test_a_name_answering_a_private_address_after_its_check_is_not_followed_inside(suite, receivers, dns,
                                                                                    monkeypatch):
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(
        settings.SETTINGS, allowed_hosts=(), connect_timeout_seconds=0.3, total_timeout_seconds=1.0))
    receiver = receivers()
    # public when the subscription is checked and when the send is, the receiver's loopback afterwards
    dns.answers["rebind.test"] = ["93.184.216.34", "93.184.216.34", "127.0.0.1"]
    subscription = suite.subscribe(f"http://rebind.test:{receiver.port}/hook")
    suite.visitor_checked_in()
    [delivery] = eventually(lambda: [d for d in suite.deliveries(subscription) if d["attempts"] >= 2])
    assert receiver.received == []
    first, second = delivery["log"][:2]
    assert first["status_code"] is None and not first["error"].startswith("refused")  # sent to the checked address
    assert second["error"].startswith("refused")  # the next send's check sees the private answer


def test_a_send_connects_to_the_address_it_checked_with_the_names_host_header(suite, receivers, dns, monkeypatch):
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS, allowed_hosts=("pinned.test",)))
    receiver, proxy = receivers(), receivers()
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")  # not taken from the environment
    dns.answers["pinned.test"] = ["127.0.0.1", "10.255.255.1"]
    subscription = suite.subscribe(f"http://pinned.test:{receiver.port}/hook")
    event = suite.visitor_checked_in()
    eventually(lambda: receiver.delivered_ids() == [event["event_id"]])
    assert receiver.received[0]["host"] == f"pinned.test:{receiver.port}"
    assert dns.asked == ["pinned.test"]  # one lookup per send
    assert proxy.received == []
    assert domain.verify(subscription["secret"], receiver.received[0]["signature"], receiver.received[0]["body"],
                         int(time.time()))


def test_a_newer_delivery_waits_behind_an_older_one_that_is_retrying(suite, receivers, monkeypatch):
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(
        settings.SETTINGS, backoff_base_seconds=1.0, backoff_max_seconds=1.0))
    receiver = receivers()
    receiver.answers = [500, 500]
    subscription = suite.subscribe(receiver.url)
    first = suite.visitor_checked_in(name="first")
    eventually(lambda: receiver.received)  # the first failed once and waits for its backoff
    later = [suite.visitor_checked_in(name=f"later {n}") for n in range(3)]
    eventually(lambda: len(receiver.delivered_ids()) == 4)
    sent = [json.loads(r["body"])["id"] for r in receiver.received]
    deliveries = suite.deliveries(subscription)  # oldest first
    assert all(d["status"] == "delivered" for d in deliveries)
    assert sent == [first["event_id"]] * 3 + [d["event_id"] for d in deliveries[1:]]
    assert set(sent[3:]) == {event["event_id"] for event in later}


def test_a_paused_subscription_tells_the_admins_and_resuming_sends_at_once(suite, receivers, monkeypatch, caplog):
    # a long backoff and a slow poll: only the resume itself can send the waiting delivery soon
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(
        settings.SETTINGS, pause_after_failures=1, backoff_base_seconds=60, backoff_max_seconds=60,
        poll_interval_seconds=60))
    caplog.set_level("INFO")
    before = scrape(suite.service)
    receiver = receivers()
    receiver.answers = [500]
    subscription = suite.subscribe(receiver.url)
    event = suite.visitor_checked_in(name="王五")
    eventually(lambda: suite.call("get_subscription", subscription["id"])["status"] == "paused")
    # counted and gauged on /metrics, without the subscription in the labels
    after = scrape(suite.service)
    assert value(after, "integrations_subscriptions_paused") == 1
    assert value(after, "integrations_webhook_sends_total", outcome="failed", failure="http_5xx") == value(
        before, "integrations_webhook_sends_total", outcome="failed", failure="http_5xx") + 1
    # logged as a warning, without the body or the URL
    failed = [r for r in caplog.records if r.levelname == "WARNING" and "webhook delivery" in r.getMessage()]
    assert failed and "answered 500" in failed[0].getMessage()
    assert not [r for r in caplog.records if "王五" in r.getMessage() or receiver.url in r.getMessage()]
    # in the audit trail, and published for whoever binds to it
    [paused] = suite.call("list_audit_entries", {"action": "pause"})["items"]
    assert (paused["entity"], paused["entity_id"], paused["actor"]) == ("subscription", str(subscription["id"]),
                                                                       "system")
    assert paused["changes"]["status"] == ["active", "paused"]
    with suite.database.sessionmaker() as session:
        assert session.scalar(select(OutboxEvent.payload).where(OutboxEvent.event_type == "subscription_paused"))[
            "subscription_id"] == subscription["id"]

    suite.call("update_subscription", subscription["id"], {"status": "active"})
    eventually(lambda: receiver.delivered_ids() == [event["event_id"]], timeout=10)
    [resumed] = suite.call("list_audit_entries", {"action": "resume"})["items"]
    assert resumed["actor"] == suite.admin.name and resumed["changes"]["status"] == ["paused", "active"]
    assert value(scrape(suite.service), "integrations_subscriptions_paused") == 0


def test_a_subscription_whose_pending_deliveries_change_is_returned_by_an_incremental_read(suite, receivers):
    receiver = receivers()
    subscription = suite.subscribe(receiver.url)
    suite.call("update_subscription", subscription["id"], {"status": "paused"})  # its deliveries stay pending
    eventlet.sleep(0.01)
    since = datetime.now(timezone.utc).isoformat()
    eventlet.sleep(0.01)
    assert suite.call("list_subscriptions", {"updated_since": since})["items"] == []
    suite.visitor_checked_in()
    eventually(lambda: suite.deliveries(subscription))
    [changed] = suite.call("list_subscriptions", {"updated_since": since})["items"]
    assert changed["id"] == subscription["id"] and changed["pending_deliveries"] == 1


TLS_SEND = """
from services.kit import green  # noqa: F401  (first, as in the service's process)
import json, ssl, sys
import eventlet, requests.adapters
from eventlet import wsgi
from services.integrations import delivery, settings

cert, key, name = sys.argv[1:4]
requests.adapters.DEFAULT_CA_BUNDLE_PATH = cert  # the sender trusts the test's certificate
seen, hosts = [], []
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
context.sni_callback = lambda _socket, server_name, _context: seen.append(server_name)
sock = eventlet.listen(("127.0.0.1", 0))
port = sock.getsockname()[1]

def app(environ, start_response):
    hosts.append(environ.get("HTTP_HOST"))
    start_response("200 OK", [])
    return [b"ok"]

eventlet.spawn(wsgi.server, context.wrap_socket(sock, server_side=True), app, log_output=False)
sent = delivery.post(f"https://{name}:{port}/hook", name, "127.0.0.1", b"{}", {}, settings.SETTINGS)
print(json.dumps({"sent": sent, "sni": seen, "hosts": hosts, "port": port}))
"""


def test_over_tls_a_send_to_the_checked_address_keeps_the_names_server_name_and_certificate(tmp_path):
    """In a process of its own, importing as the service does (eventlet patches ssl first)."""
    import shutil
    import subprocess
    import sys

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=pinned.test", "-addext", "subjectAltName=DNS:pinned.test"],
                   check=True, capture_output=True)

    def send(name):
        done = subprocess.run([sys.executable, "-c", TLS_SEND, str(cert), str(key), name], capture_output=True,
                              text=True, timeout=60, cwd=str(tmp_path), env={**os.environ, "PYTHONPATH": ROOT})
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    pinned = send("pinned.test")  # connected to 127.0.0.1, never looking the name up
    assert pinned["sent"] == [200, None]
    assert pinned["sni"] == ["pinned.test"] and pinned["hosts"] == [f"pinned.test:{pinned['port']}"]
    other = send("other.test")  # the certificate is checked against the name, not the address
    assert other["sent"][0] is None and other["sent"][1].startswith("connection failed") and other["hosts"] == []
