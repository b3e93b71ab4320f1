"""The audit trail through the gateway: an allocation made over HTTP is in the facilities
trail with the user who made it; the service to read is named, and a bad one is refused."""
import uuid

import pytest

pytestmark = pytest.mark.e2e


def test_a_room_allocation_is_in_the_trail_with_who_and_what(stack, admin):
    unit = f"U-AUD-{uuid.uuid4().hex[:6]}"
    building = admin.post(stack.url("/api/v1/buildings"), json={"name": f"楼-{unit}", "floors": 2}, timeout=10).json()
    room = admin.post(stack.url("/api/v1/rooms"), json={
        "building_id": building["id"], "number": "101", "floor": 1, "usable_area_m2": 18, "type": "office"},
        timeout=10).json()
    allocated = admin.post(stack.url("/api/v1/rooms/allocations"), json={"room_id": room["id"], "unit_code": unit},
                           timeout=10)
    assert allocated.status_code == 201, allocated.text

    response = admin.get(stack.url("/api/v1/audit-entries"), params={
        "service": "facilities", "entity": "room", "entity_id": str(room["id"])}, timeout=10)
    assert response.status_code == 200, response.text
    (entry,) = response.json()["items"]
    assert (entry["action"], entry["actor"]) == ("allocate", "admin")
    assert entry["changes"]["unit_code"] == [None, unit]
    assert entry["request_id"]


def test_one_trail_merges_every_service_and_the_gateway_newest_first(stack, admin):
    """Without a service the trail is every service's and the gateway's, merged by time and paged,
    each entry naming its service, who, from where, what, on which record and the outcome."""
    unit = f"U-MRG-{uuid.uuid4().hex[:6]}"
    building = admin.post(stack.url("/api/v1/buildings"), json={"name": f"楼-{unit}", "floors": 1}, timeout=10).json()
    room = admin.post(stack.url("/api/v1/rooms"), json={
        "building_id": building["id"], "number": "101", "floor": 1, "usable_area_m2": 18, "type": "office"},
        timeout=10).json()
    allocated = admin.post(stack.url("/api/v1/rooms/allocations"), json={"room_id": room["id"], "unit_code": unit},
                           timeout=10, headers={"X-Request-ID": f"req-{unit}"})
    assert allocated.status_code == 201, allocated.text
    key = admin.post(stack.url("/api/v1/api-keys"), json={"name": f"k-{unit}", "roles": ["leader"]}, timeout=10).json()
    revoked = admin.delete(stack.url(f"/api/v1/api-keys/{key['id']}"), timeout=10)
    assert revoked.status_code == 200

    response = admin.get(stack.url("/api/v1/audit-entries"), params={"actor": "admin", "limit": 50}, timeout=10)
    assert response.status_code == 200, response.text
    page = response.json()
    instants = [entry["at"] for entry in page["items"]]
    assert instants == sorted(instants, reverse=True) and page["total"] >= 3
    mine = [(entry["service"], entry["action"], entry["target"]) for entry in page["items"]
            if entry["target"] in (f"room:{room['id']}", f"api_key:{key['id']}")]
    assert mine[:3] == [("gateway", "revoke", f"api_key:{key['id']}"), ("gateway", "create", f"api_key:{key['id']}"),
                        ("facilities", "allocate", f"room:{room['id']}")]
    allocation = next(entry for entry in page["items"] if entry["target"] == f"room:{room['id']}")
    assert allocation["address"] == "127.0.0.1" and allocation["outcome"] == "success"
    assert allocation["request_id"] == f"req-{unit}" and allocation["actor_kind"] == "user" and allocation["hash"]

    by_target = admin.get(stack.url("/api/v1/audit-entries"), params={"target": f"room:{room['id']}"}, timeout=10)
    assert [entry["action"] for entry in by_target.json()["items"]] == ["allocate"]
    since = admin.get(stack.url("/api/v1/audit-entries"), params={"since": allocation["at"], "action": "revoke"},
                      timeout=10).json()
    assert f"api_key:{key['id']}" in [entry["target"] for entry in since["items"]]
    key_target = {"target": f"api_key:{key['id']}"}
    second = admin.get(stack.url("/api/v1/audit-entries"), params={**key_target, "limit": 1, "offset": 1},
                       timeout=10).json()
    assert [entry["action"] for entry in second["items"]] == ["create"] and second["total"] == 2
    # the auditor's reads are in the trail too, with what they asked
    reads = admin.get(stack.url("/api/v1/audit-entries"), params={"target": "audit_entry", "service": "gateway"},
                      timeout=10).json()["items"]
    assert reads[0]["action"] == "read" and reads[0]["changes"]["query"][1] == {**key_target, "limit": "1",
                                                                                  "offset": "1"}


@pytest.mark.parametrize("params, field, status", [
    ({"service": "nowhere"}, "service", 400), ({"limit": "0"}, "limit", 400), ({"outcome": "maybe"}, "outcome", 400),
    ({"offset": "9990", "limit": "20"}, "offset", 422)])  # well formed, past the merged trail's depth: a rule
def test_the_filters_are_checked(stack, admin, params, field, status):
    response = admin.get(stack.url("/api/v1/audit-entries"), params=params, timeout=10)
    assert response.status_code == status
    assert field in response.json()["errors"]
