"""Integrations over HTTP: the events catalogue beside the API document, an admin's
client and subscription, a real receiver getting a signed delivery of a real check-in,
and an internal URL refused."""
import time
import uuid

import requests

from services.integrations import domain
from tests.integration.test_integrations_webhooks import Receiver
from tests.support import eventually

BASE = "/api/v1/integrations"


def test_the_events_catalogue_is_served_beside_the_api_document(stack):
    document = requests.get(stack.url("/api/v1/asyncapi.json"), timeout=10)
    assert document.status_code == 200
    assert document.json()["asyncapi"] == "2.6.0"
    assert "reception.events/visitor_checked_in" in document.json()["channels"]


def test_a_receiver_gets_a_signed_delivery_of_a_check_in_and_internal_urls_are_refused(stack, admin):
    client = admin.post(stack.url(f"{BASE}/clients"), json={
        "name": f"petition-bureau-{uuid.uuid4().hex[:6]}", "department": "信访局", "contact_name": "王"}, timeout=10)
    assert client.status_code == 201
    refused = admin.post(stack.url(f"{BASE}/subscriptions"), json={
        "client_id": client.json()["id"], "url": "http://192.168.1.20/hook", "event_types": ["visitor_checked_in"]},
        timeout=10)
    assert refused.status_code == 422 and refused.json()["rule"] == "integrations.url_not_allowed"
    receiver = Receiver()
    try:
        refused = admin.post(stack.url(f"{BASE}/subscriptions"), json={
            "client_id": client.json()["id"], "url": receiver.url, "event_types": ["visitor_checked_in"]}, timeout=10)
        assert refused.status_code == 422  # loopback, until an admin allows it
        host = admin.post(stack.url(f"{BASE}/allowed-hosts"), json={"host": "127.0.0.1"}, timeout=10)
        assert host.status_code == 201
        created = admin.post(stack.url(f"{BASE}/subscriptions"), json={
            "client_id": client.json()["id"], "url": receiver.url, "event_types": ["visitor_checked_in"]}, timeout=10)
        assert created.status_code == 201
        secret = created.json()["secret"]
        admin.post(stack.url("/api/v1/visitors"), json={
            "name": "孙八", "id_number": "11010519491231002X", "host_name": "x", "host_unit_code": "U1",
            "purpose": "petition"}, timeout=10)
        eventually(lambda: receiver.received, timeout=30)
        got = receiver.received[0]
        assert domain.verify(secret, got["signature"], got["body"], int(time.time()))
        assert b"11010519491231002X" not in got["body"]
        log = eventually(lambda: [d for d in admin.get(stack.url(
            f"{BASE}/deliveries"), params={"subscription_id": created.json()["id"]}, timeout=10).json()["items"]
            if d["status"] == "delivered"])
        assert log[0]["log"][0]["status_code"] == 200
        replay = admin.post(stack.url(f"{BASE}/deliveries/{log[0]['id']}/replay"), timeout=10)
        assert replay.status_code == 202
        eventually(lambda: len(receiver.received) == 2, timeout=30)
    finally:
        receiver.stop()
        admin.delete(stack.url(f"{BASE}/allowed-hosts/{host.json()['id']}"), timeout=10)
