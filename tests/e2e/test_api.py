"""HTTP through the gateway, with real tokens, against the running services."""
import json
import re
import time
import uuid

import pytest
import requests

from gateway.service import routes
from tests.e2e.conftest import ADMIN_PASSWORD, token_for
from tests.support import eventually

pytestmark = pytest.mark.e2e

PROTECTED = [route for route in routes.routes if route.roles is not None]
WRITES = [route for route in PROTECTED if route.method in ("POST", "PATCH") and route.body is not None]
LISTS = [route for route in PROTECTED if route.many]


def concrete(path: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "1", path)


def unique(prefix="U"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def vin_with_check_digit(body: str) -> str:
    from services.vehicles.domain import vin_check_digit

    return body[:8] + vin_check_digit(body[:8] + "0" + body[9:]) + body[9:]


def vehicle(unit, n):
    return {"plate": f"浙A{n:05d}", "vin": vin_with_check_digit(f"LSVAU2180N{n:07d}"), "make": "红旗", "model": "H5",
            "category": "sedan", "seats": 5, "fuel_type": "gasoline", "unit_code": unit}


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: r.endpoint)
def test_every_protected_route_needs_credentials(stack, route):
    response = requests.request(route.method, stack.url(concrete(route.path)), json={}, timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    bad = requests.request(route.method, stack.url(concrete(route.path)), json={}, timeout=10,
                           headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


def test_a_wrong_password_gets_no_token(stack):
    response = requests.post(stack.url("/api/v1/auth/token"), json={"username": "admin", "password": "guess"}, timeout=10)
    assert response.status_code == 401 and "access_token" not in response.text


def test_each_slice_creates_and_lists(stack, admin):
    unit = unique()
    created = admin.post(stack.url("/api/v1/vehicles"), json=vehicle(unit, 11111), timeout=10)
    assert created.status_code == 201, created.text
    assert admin.get(stack.url(f"/api/v1/vehicles/{created.json()['id']}"), timeout=10).json()["unit_code"] == unit
    listed = admin.get(stack.url("/api/v1/vehicles"), params={"unit_code": unit}, timeout=10).json()
    assert listed["total"] == 1 and listed["items"][0]["plate"] == "浙A11111"

    building = admin.post(stack.url("/api/v1/buildings"), json={"name": f"楼-{unit}", "floors": 4}, timeout=10)
    assert building.status_code == 201
    room = admin.post(stack.url("/api/v1/rooms"), json={
        "building_id": building.json()["id"], "number": "301", "floor": 3, "usable_area_m2": 24,
        "type": "office", "unit_code": unit}, timeout=10)
    assert room.status_code == 201
    rooms = admin.get(stack.url("/api/v1/rooms"), params={"building_id": building.json()["id"]}, timeout=10).json()
    assert [r["number"] for r in rooms["items"]] == ["301"]

    visitor = admin.post(stack.url("/api/v1/visitors"), json={
        "name": "王五", "id_number": "11010519491231002X", "host_name": "赵六", "host_unit_code": unit,
        "purpose": "递交材料"}, timeout=10)
    assert visitor.status_code == 201 and visitor.json()["id_number"] == "1101**********002X"
    assert "11010519491231002X" not in visitor.text
    out = admin.post(stack.url(f"/api/v1/visitors/{visitor.json()['id']}/check-out"), timeout=10)
    assert out.status_code == 200 and out.json()["checked_out_at"]
    assert admin.post(stack.url(f"/api/v1/visitors/{visitor.json()['id']}/check-out"), timeout=10).status_code == 409
    visitors = admin.get(stack.url("/api/v1/visitors"), params={"host_unit_code": unit}, timeout=10)
    assert "11010519491231002X" not in visitors.text and visitors.json()["total"] == 1

    institution = admin.post(stack.url("/api/v1/institutions"), json={
        "unit_code": unit, "name": "县档案馆", "headcount": 12}, timeout=10)
    assert institution.status_code == 201
    # facilities told energy the unit's usable area through an event
    assert eventually(lambda: admin.get(stack.url(f"/api/v1/institutions/{institution.json()['id']}"), timeout=10)
                      .json()["floor_area_m2"] == 24.0)


@pytest.mark.parametrize("route", WRITES, ids=lambda r: r.endpoint)
def test_bad_input_on_every_write_route_is_400_with_field_errors(stack, admin, route):
    url = stack.url(concrete(route.path))
    malformed = admin.request(route.method, url, data=b"{not json", headers={"Content-Type": "application/json"}, timeout=10)
    assert malformed.status_code == 400 and malformed.json()["errors"]
    wrong = admin.request(route.method, url, json={"unexpected_field": "x", "unit_code": 5}, timeout=10)
    assert wrong.status_code in (400, 404), wrong.text  # 404 only when the path's record does not exist
    if wrong.status_code == 400:
        assert "unexpected_field" in wrong.json()["errors"]
    not_an_object = admin.request(route.method, url, json=[1, 2], timeout=10)
    assert not_an_object.status_code in (400, 404)


@pytest.mark.parametrize("route", LISTS, ids=lambda r: r.endpoint)
def test_bad_paging_on_every_list_is_400(stack, admin, route):
    for params in ({"limit": "lots"}, {"limit": 501}, {"offset": -1}):
        response = admin.get(stack.url(concrete(route.path)), params=params, timeout=10)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["errors"]


def test_a_unit_user_sees_and_does_only_what_its_unit_may(stack, admin):
    unit, other = unique(), unique()
    username = unique("clerk")
    assert admin.post(stack.url("/api/v1/users"), json={
        "username": username, "password": "clerk-password-1", "roles": ["unit_user"], "unit_code": unit},
        timeout=10).status_code == 201
    mine = admin.post(stack.url("/api/v1/vehicles"), json=vehicle(unit, 22222), timeout=10).json()
    theirs = admin.post(stack.url("/api/v1/vehicles"), json=vehicle(other, 33333), timeout=10).json()
    clerk = requests.Session()
    clerk.headers["Authorization"] = f"Bearer {token_for(stack, username, 'clerk-password-1')}"
    listed = clerk.get(stack.url("/api/v1/vehicles"), timeout=10).json()
    assert [item["id"] for item in listed["items"]] == [mine["id"]]
    # another unit's list is not found, never the clerk's own list in its place
    assert clerk.get(stack.url("/api/v1/vehicles"), params={"unit_code": other}, timeout=10).status_code == 404
    assert clerk.get(stack.url(f"/api/v1/vehicles/{theirs['id']}"), timeout=10).status_code == 404
    assert clerk.post(stack.url("/api/v1/vehicles"), json=vehicle(unit, 44444), timeout=10).status_code == 403
    assert clerk.get(stack.url("/api/v1/users"), timeout=10).status_code == 403


def test_a_leader_reads_but_changes_nothing(stack, admin):
    username = unique("leader")
    admin.post(stack.url("/api/v1/users"), json={"username": username, "password": "leader-password-1",
                                                "roles": ["leader"]}, timeout=10)
    leader = {"Authorization": f"Bearer {token_for(stack, username, 'leader-password-1')}"}
    for route in LISTS:
        if "admin" not in route.tag and "<" not in route.path:  # a record's own lists: test_role_matrix.py
            assert requests.get(stack.url(route.path), headers=leader, timeout=10).status_code == 200, route.path
    for route in WRITES:
        if route.tag in ("auth", "notifications"):  # their own password, session and inbox are theirs to change
            continue
        response = requests.request(route.method, stack.url(concrete(route.path)), json={}, headers=leader, timeout=10)
        assert response.status_code == 403, route.endpoint


def test_a_system_uses_an_api_key_until_it_is_revoked(stack, admin):
    created = admin.post(stack.url("/api/v1/api-keys"), json={"name": "gps-platform", "roles": ["dispatcher"]}, timeout=10)
    assert created.status_code == 201
    key = created.json()["key"]
    listing = admin.get(stack.url("/api/v1/api-keys"), timeout=10)
    assert key not in listing.text and key.split("_", 2)[2] not in listing.text
    me = requests.get(stack.url("/api/v1/auth/me"), headers={"X-API-Key": key}, timeout=10)
    assert me.status_code == 200 and me.json()["kind"] == "api_key"
    assert admin.delete(stack.url(f"/api/v1/api-keys/{created.json()['id']}"), timeout=10).json()["revoked_at"]
    assert requests.get(stack.url("/api/v1/auth/me"), headers={"X-API-Key": key}, timeout=10).status_code == 401


def test_the_request_id_is_echoed_and_reaches_the_services_logs(stack, admin):
    response = admin.get(stack.url("/api/v1/vehicles"), headers={"X-Request-ID": "e2e-trace-4711"}, timeout=10)
    assert response.headers["X-Request-ID"] == "e2e-trace-4711"
    assert eventually(lambda: sum(
        "e2e-trace-4711" in line and ("vehicles" in line or "suite" in line) and "rpc list_vehicles ok" in line
        for line in stack.logs().splitlines()))


def test_secrets_and_id_numbers_never_reach_the_logs(stack, admin):
    admin.post(stack.url("/api/v1/visitors"), json={
        "name": "钱七", "id_number": "11010519491231002X", "host_name": "x", "host_unit_code": "U1", "purpose": "p"},
        timeout=10)
    logs = stack.logs()
    assert "11010519491231002X" not in logs
    assert ADMIN_PASSWORD not in logs
    assert admin.headers["Authorization"].split()[1] not in logs


def test_the_api_document_and_its_docs_page_are_served(stack):
    spec = requests.get(stack.url("/api/v1/openapi.json"), timeout=10)
    assert spec.status_code == 200 and "/api/v1/vehicles" in spec.json()["paths"]
    page = requests.get(stack.url("/docs"), timeout=10)
    assert page.status_code == 200 and "/docs/static/swagger-ui-bundle.js" in page.text
    asset = requests.get(stack.url("/docs/static/swagger-ui-bundle.js"), timeout=10)
    assert asset.status_code == 200 and len(asset.content) > 100_000
    assert requests.get(stack.url("/docs/static/../../../etc/passwd"), timeout=10).status_code == 404


def test_the_gateway_counts_requests_by_route_and_status(stack, admin):
    def count(text, route, status):
        from prometheus_client.parser import text_string_to_metric_families

        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if (sample.name == "gateway_http_requests_total" and sample.labels["route"] == route
                        and sample.labels["status"] == str(status)):
                    return sample.value
        return 0.0

    route = "/api/v1/vehicles/<int:item_id>"
    before = requests.get(stack.ops_url("/metrics"), timeout=10).text
    admin.get(stack.url("/api/v1/vehicles/987654"), timeout=10)
    after = requests.get(stack.ops_url("/metrics"), timeout=10).text
    assert count(after, route, 404) == count(before, route, 404) + 1
    assert "gateway_rpc_calls_total" in after and "gateway_http_request_duration_seconds_bucket" in after


def test_the_gateway_is_ready_when_its_database_and_the_broker_answer(stack):
    ready = requests.get(stack.url("/ready"), timeout=10)
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_repeated_wrong_passwords_slow_a_name_down_alike_whether_it_exists_and_lock_nothing(stack, admin):
    username, stranger = unique("slowy"), unique("nobody")
    admin.post(stack.url("/api/v1/users"), json={"username": username, "password": "right-password-1",
                                                "roles": ["leader"]}, timeout=10)

    def attempt(name, password):
        return requests.post(stack.url("/api/v1/auth/token"), json={"username": name, "password": password}, timeout=10)

    answers = {name: [attempt(name, "nope") for _ in range(4)] + [attempt(name, "right-password-1")]
               for name in (username, stranger)}
    for name in (username, stranger):
        assert [a.status_code for a in answers[name]] == [401, 401, 401, 401, 429]
    assert answers[username][0].json() == answers[stranger][0].json()
    assert answers[username][4].json() == answers[stranger][4].json()
    retry_after = int(answers[username][4].headers["Retry-After"])
    assert retry_after > 0
    time.sleep(retry_after)
    assert attempt(username, "right-password-1").status_code == 200  # the wait passed: nothing was locked


def test_an_integer_past_the_columns_is_400_naming_it_on_every_collection(stack, admin):
    from gateway.service import routes

    collections = [route for route in routes.routes if route.method == "GET" and "<" not in route.path
                   and route.query is not None and "offset" in route.query().fields]
    assert len(collections) > 30
    for route in collections:
        required = {"service": "vehicles"} if route.path == "/api/v1/audit-entries" else {}
        answer = admin.get(stack.url(route.path), params={"offset": "9223372036854775808", **required}, timeout=30)
        assert answer.status_code == 400 and "offset" in answer.json()["errors"], (route.path, answer.text[:300])


def test_http_edges_chunked_login_repeated_slashes_and_ids_out_of_range(stack, admin):
    def chunks():
        body = json.dumps({"username": "admin", "password": ADMIN_PASSWORD}).encode()
        yield from (body[i:i + 5] for i in range(0, len(body), 5))

    login = requests.post(stack.url("/api/v1/auth/token"), data=chunks(), timeout=30,
                          headers={"Content-Type": "application/json"})
    assert login.status_code == 200 and login.json()["token_type"] == "bearer"
    moved = admin.get(stack.url("/api/v1//vehicles?limit=1"), allow_redirects=False, timeout=10)
    assert moved.status_code == 308 and moved.headers["Location"] == "/api/v1/vehicles?limit=1"
    assert admin.get(stack.url("/api/v1//vehicles?limit=1"), timeout=10).json()["items"] is not None
    for path in ("/api/v1/vehicles/0", "/api/v1/vehicles/2147483648"):
        assert admin.patch(stack.url(path), json={"status": "sealed"}, timeout=10).status_code == 404
    assert requests.get(stack.url("/metrics"), timeout=10).status_code == 404
    deep = admin.post(stack.url("/api/v1/vehicles"), data="[" * 50_000, timeout=10,
                      headers={"Content-Type": "application/json"})
    assert deep.status_code == 400 and "32 levels" in deep.json()["detail"]
