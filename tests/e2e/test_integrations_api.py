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


def test_a_clients_key_is_scoped_to_named_operations_and_the_admin_sees_its_calls(stack, admin):
    client = admin.post(stack.url(f"{BASE}/clients"), json={
        "name": f"beidou-{uuid.uuid4().hex[:6]}", "department": "公安局", "contact_name": "赵"}, timeout=10).json()
    # an unknown scope is bad input (400); a client the request names that does not exist is not found (404)
    for body, field, status in (({"scopes": ["no_such_operation"]}, "scopes.0", 400),
                                ({"client_id": 2_000_000_000}, "client_id", 404)):
        refused = admin.post(stack.url("/api/v1/api-keys"), json={"name": "x", "roles": ["dispatcher"], **body},
                             timeout=10)
        assert refused.status_code == status and field in (refused.json().get("errors") or {field: 1}), refused.text
    created = admin.post(stack.url("/api/v1/api-keys"), json={
        "name": "beidou", "roles": ["dispatcher"], "client_id": client["id"], "scopes": ["list_vehicles"]}, timeout=10)
    assert created.status_code == 201 and created.json()["scopes"] == ["list_vehicles"]
    key = {"X-API-Key": created.json()["key"]}
    assert requests.get(stack.url("/api/v1/vehicles"), headers=key, timeout=10).status_code == 200
    assert requests.get(stack.url("/api/v1/drivers"), headers=key, timeout=10).status_code == 403

    def logged_calls():  # the log is written just after each answer
        page = admin.get(stack.url(f"{BASE}/clients/{client['id']}/calls"), timeout=10).json()
        return page if page["total"] == 2 else None

    calls = eventually(logged_calls)
    assert [(c["operation"], c["status"]) for c in calls["items"]] == [("list_drivers", 403), ("list_vehicles", 200)]
    assert created.json()["key"] not in str(calls)
    assert admin.get(stack.url(f"{BASE}/clients/2000000000/calls"), timeout=10).status_code == 404


def test_collections_are_read_incrementally_from_a_cursor(stack, admin):
    before = admin.get(stack.url("/api/v1/visitors"), params={"limit": 500}, timeout=10).json()
    cursor = max((v["updated_at"] for v in before["items"]), default="2000-01-01T00:00:00+00:00")
    visitor = admin.post(stack.url("/api/v1/visitors"), json={
        "name": "周九", "id_number": "11010519491231002X", "host_name": "x", "host_unit_code": "U1",
        "purpose": "visit"}, timeout=10)
    assert visitor.status_code == 201, visitor.text
    since = admin.get(stack.url("/api/v1/visitors"), params={"updated_since": cursor}, timeout=10).json()
    assert visitor.json()["id"] in [v["id"] for v in since["items"]]
    assert since["total"] <= 2  # the new one and, inclusive, the cursor's own
    bad = admin.get(stack.url("/api/v1/visitors"), params={"updated_since": "yesterday"}, timeout=10)
    assert bad.status_code == 400 and "updated_since" in bad.json()["errors"]
