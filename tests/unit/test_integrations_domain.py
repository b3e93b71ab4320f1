"""Webhook rules without a broker: URL checks, signatures, backoff, parking, filtering."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from services.integrations import domain
from services.integrations.settings import Settings
from services.kit.errors import RuleViolation

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def no_dns(host):
    raise AssertionError("a literal address needs no lookup")


@pytest.mark.parametrize("url", [
    "ftp://example.org/x", "file:///etc/passwd", "gopher://a/", "http:///nohost", "http://user:pw@example.org/"])
def test_only_plain_http_urls_with_a_host(url):
    with pytest.raises(domain.UrlRefused):
        domain.check_url(url, (), resolver=lambda host: ["93.184.216.34"])


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.0.0.8", "172.16.4.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "::1", "fd00::1",
    "::ffff:10.0.0.1", "0.0.0.0", "224.0.0.1"])
def test_loopback_private_and_reserved_addresses_are_refused(address):
    with pytest.raises(domain.UrlRefused):
        domain.check_url("https://receiver.example/hook", (), resolver=lambda host: [address])


@pytest.mark.parametrize("address", [
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    "::a00:1",  # IPv4-compatible 10.0.0.1
    "::ffff:0:a00:1",  # IPv4-translated 10.0.0.1
    "::ffff:0:a9fe:a9fe",  # IPv4-translated 169.254.169.254
    "::ffff:10.0.0.1",  # IPv4-mapped
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
])
def test_ipv6_forms_carrying_a_private_ipv4_are_refused(address):
    with pytest.raises(domain.UrlRefused):
        domain.check_url("https://receiver.example/hook", (), resolver=lambda host: [address])


@pytest.mark.parametrize("address", ["2001:4860:4860::8888", "2606:4700:4700::1111"])
def test_public_ipv6_addresses_pass(address):
    assert domain.check_url("https://receiver.example/hook", (), resolver=lambda host: [address])


def test_a_send_connects_to_an_address_it_checked_on_its_one_lookup():
    answers = iter([["93.184.216.34"], ["10.0.0.1"]])
    assert domain.address_to_send("https://x.example/h", (), resolver=lambda host: next(answers)) == (
        "x.example", "93.184.216.34")
    with pytest.raises(domain.UrlRefused):
        domain.address_to_send("https://x.example/h", (), resolver=lambda host: next(answers))
    # an allowed host is looked up (something must be connected to) but not judged
    assert domain.address_to_send("http://hooks.internal/h", ("hooks.internal",),
                                  resolver=lambda host: ["10.0.0.7"]) == ("hooks.internal", "10.0.0.7")


def test_a_name_is_refused_when_any_of_its_addresses_is_private():
    with pytest.raises(domain.UrlRefused):
        domain.check_url("https://x.example/", (), resolver=lambda host: ["93.184.216.34", "10.0.0.1"])


def test_a_public_address_passes_and_an_allowed_host_is_not_even_looked_up():
    assert domain.check_url("https://x.example/", (), resolver=lambda host: ["93.184.216.34"]) == "x.example"
    assert domain.check_url("http://127.0.0.1:8080/h", ("127.0.0.1",), resolver=no_dns) == "127.0.0.1"


def test_a_refused_url_is_a_422_with_a_rule_code():
    with pytest.raises(RuleViolation) as refused:
        domain.refuse_url("http://10.0.0.1/", (), resolver=lambda host: ["10.0.0.1"])
    assert refused.value.rule == "integrations.url_not_allowed"


def test_the_signature_covers_the_timestamp_and_the_body():
    body = domain.envelope("e-1", "visitor_checked_in", NOW, {"name": "张三"})
    header = domain.signature("whsec_k", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=")
    assert domain.verify("whsec_k", header, body, now=1_700_000_010)
    assert not domain.verify("whsec_k", header, body + b" ", now=1_700_000_010)
    assert not domain.verify("whsec_other", header, body, now=1_700_000_010)
    assert not domain.verify("whsec_k", header, body, now=1_700_001_000)  # too old: a replay
    assert not domain.verify("whsec_k", "garbage", body, now=1_700_000_010)


def test_the_body_has_the_events_id_type_time_and_payload():
    import json

    body = json.loads(domain.envelope("e-1", "trip_flagged", NOW, {"unit_code": "u"}))
    assert body == {"id": "e-1", "type": "trip_flagged", "time": NOW.isoformat(), "payload": {"unit_code": "u"}}


def test_backoff_doubles_up_to_its_maximum():
    assert [domain.backoff(n, 5, 60).total_seconds() for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


def test_a_failed_delivery_is_retried_within_the_window_then_parked():
    config = replace(Settings(), backoff_base_seconds=60, retry_window_seconds=3600)
    retry = domain.after_attempt(False, NOW, NOW, 1, config)
    assert retry.status == "pending" and retry.next_attempt_at == NOW + timedelta(seconds=60)
    assert not retry.pause_subscription
    late = NOW + timedelta(minutes=59)
    parked = domain.after_attempt(False, NOW, late, 6, config)
    assert parked.status == "parked" and parked.pause_subscription
    assert domain.after_attempt(True, NOW, late, 0, config).status == "delivered"


def test_the_backoff_is_the_subscriptions_and_a_new_delivery_does_not_reset_it():
    config = replace(Settings(), backoff_base_seconds=5, backoff_max_seconds=3600)
    # the receiver failed four times already (on an older delivery); a newer one failing now waits 80 s, not 5
    newer = domain.after_attempt(False, NOW, NOW, 5, config)
    assert newer.next_attempt_at == NOW + timedelta(seconds=80)


def test_many_failures_in_a_row_pause_the_subscription():
    config = replace(Settings(), pause_after_failures=3)
    assert not domain.after_attempt(False, NOW, NOW, 2, config).pause_subscription
    assert domain.after_attempt(False, NOW, NOW, 3, config).pause_subscription


def test_a_subscription_wants_its_types_and_optionally_its_units():
    assert domain.wanted(["trip_flagged"], None, "trip_flagged", "u-1")
    assert not domain.wanted(["trip_flagged"], None, "visitor_checked_in", "u-1")
    assert domain.wanted(["trip_flagged"], ["u-1"], "trip_flagged", "u-1")
    assert not domain.wanted(["trip_flagged"], ["u-1"], "trip_flagged", "u-2")


def test_an_event_concerns_its_unit_and_a_visit_its_hosts_unit():
    assert domain.unit_of({"unit_code": "u-1", "vehicle_id": 3}) == "u-1"
    assert domain.unit_of({"host_unit_code": "u-2", "name": "张三"}) == "u-2"
    assert domain.unit_of({"subscription_id": 1}) is None


def test_every_published_event_has_its_handler_written_out():
    """A handler per event type of every source, named ``on_<source>_<event>`` and listening to
    that event: a new event in a contract fails here until its handler is written in events.py."""
    from nameko.events import EventHandler
    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    from services.integrations import contract
    from services.integrations.service import IntegrationsService

    for source, source_contract in contract.SOURCES.items():
        for event_type in source_contract.EVENTS:
            handler = getattr(IntegrationsService, f"on_{source}_{event_type}", None)
            assert handler is not None, f"no handler for {source}.{event_type}"
            entrypoints = [e for e in getattr(handler, ENTRYPOINT_EXTENSIONS_ATTR) if isinstance(e, EventHandler)]
            assert [(e.source_service, e.event_type) for e in entrypoints] == [(source, event_type)]
def test_a_host_whose_name_server_is_slow_is_refused_before_the_rpc_times_out(monkeypatch):
    """A name server that takes longer than RESOLVE_SECONDS (the fuzzer's https://0.com took past
    the 3 s RPC timeout: 504) is refused like a host that does not resolve: 422, in time."""
    import socket
    import time

    import eventlet

    from services.integrations import domain

    def slow(*args, **kwargs):
        eventlet.sleep(5)  # a green lookup waiting on its answer
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))]

    monkeypatch.setattr(domain.socket, "getaddrinfo", slow)
    monkeypatch.setattr(domain, "RESOLVE_SECONDS", 0.2)
    started = time.monotonic()
    with pytest.raises(domain.UrlRefused, match="did not resolve within"):
        domain.resolve("slow.example.cn")
    assert time.monotonic() - started < 2
