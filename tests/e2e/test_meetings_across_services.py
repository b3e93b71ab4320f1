"""A meeting books a room through facilities and a car through vehicles, for real; when
the room is already taken nothing stays reserved anywhere."""
import uuid

import pytest
import requests

from tests.e2e.conftest import token_for

pytestmark = pytest.mark.e2e


def test_a_meeting_books_a_room_and_a_car_or_nothing(stack, admin):
    unit = f"U-MEET-{uuid.uuid4().hex[:6]}"
    username = f"meet-{uuid.uuid4().hex[:6]}"
    assert admin.post(stack.url("/api/v1/users"), json={"username": username, "password": "meeting-password-1",
                                                         "roles": ["unit_user"], "unit_code": unit},
                      timeout=10).status_code == 201
    clerk = requests.Session()
    clerk.headers["Authorization"] = f"Bearer {token_for(stack, username, 'meeting-password-1')}"
    room = admin.post(stack.url("/api/v1/meeting-rooms"), json={"name": f"第一会议室-{unit}", "capacity": 20},
                      timeout=10)
    assert room.status_code == 201, room.text
    meeting = {"title": "安全生产工作会", "meeting_room_id": room.json()["id"], "attendees": 12,
               "start_at": "2031-05-06T09:00:00+08:00", "end_at": "2031-05-06T11:00:00+08:00",
               "cars": [{"passengers": 4, "origin": "县政府", "destination": "会议中心"}]}

    scheduled = clerk.post(stack.url("/api/v1/meetings"), json=meeting, timeout=15)
    assert scheduled.status_code == 201, scheduled.text
    body = scheduled.json()
    assert body["status"] == "scheduled" and body["room_booking_id"] and len(body["dispatch_ids"]) == 1
    booking = admin.get(stack.url(f"/api/v1/meeting-rooms/bookings/{body['room_booking_id']}"), timeout=10).json()
    assert booking["meeting_room_id"] == room.json()["id"] and booking["status"] != "cancelled"
    dispatch = admin.get(stack.url(f"/api/v1/dispatches/{body['dispatch_ids'][0]}"), timeout=10).json()
    assert dispatch["status"] == "requested" and dispatch["unit_code"] == unit and dispatch["passengers"] == 4

    def reserved():
        bookings = admin.get(stack.url("/api/v1/meeting-rooms/bookings"),
                             params={"meeting_room_id": room.json()["id"], "limit": 500}, timeout=10).json()
        dispatches = admin.get(stack.url("/api/v1/dispatches"), params={"unit_code": unit, "limit": 500},
                               timeout=10).json()
        return ({b["id"] for b in bookings["items"] if b["status"] != "cancelled"},
                {d["id"] for d in dispatches["items"] if d["status"] != "cancelled"})

    before = reserved()
    clash = clerk.post(stack.url("/api/v1/meetings"), json={**meeting, "title": "另一个会",
                                                            "start_at": "2031-05-06T10:00:00+08:00"}, timeout=15)
    assert clash.status_code == 409, clash.text
    assert reserved() == before  # no room booking and no car were left behind
    meetings = clerk.get(stack.url("/api/v1/meetings"), params={"status": "scheduled"}, timeout=10).json()
    assert [m["title"] for m in meetings["items"]] == ["安全生产工作会"]

    cancelled = clerk.post(stack.url(f"/api/v1/meetings/{body['id']}/cancel"), json={"reason": "改期"}, timeout=15)
    assert cancelled.status_code == 200, cancelled.text
    assert reserved() == (set(), set())  # cancelling releases the room and the car
