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


@pytest.mark.parametrize("params, field", [({}, "service"), ({"service": "nowhere"}, "service"),
                                           ({"service": "vehicles", "limit": "0"}, "limit")])
def test_the_service_to_read_is_named_and_checked(stack, admin, params, field):
    response = admin.get(stack.url("/api/v1/audit-entries"), params=params, timeout=10)
    assert response.status_code == 400
    assert field in response.json()["errors"]
