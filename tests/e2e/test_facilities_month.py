"""A scripted month of the facilities desk through the gateway, with real tokens and roles.

Paper records of a past month are entered by the facility manager with their own
``reported_at``/``started_at``/``completed_at`` (the one place a caller supplies the time)."""
import uuid

import pytest
import requests

from tests.e2e.conftest import token_for

pytestmark = pytest.mark.e2e


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def user(stack, admin, roles, unit_code=None):
    username, password = unique(roles[0].replace("_", "-")), "a-long-password-1"
    created = admin.post(stack.url("/api/v1/users"), json={
        "username": username, "password": password, "roles": roles, "unit_code": unit_code}, timeout=10)
    assert created.status_code == 201, created.text
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token_for(stack, username, password)}"
    session.username = username
    return session


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_a_month_of_rooms_repairs_and_meetings(stack, admin):
    unit = unique("U")
    url = stack.url
    fm = user(stack, admin, ["facility_manager"])
    tech = user(stack, admin, ["technician"])
    clerk = user(stack, admin, ["unit_user"], unit)
    leader = user(stack, admin, ["leader"])

    # rooms and occupants registered; an over-standard room found
    building = ok(fm.post(url("/api/v1/buildings"), json={"name": unique("综合楼"), "floors": 6}, timeout=10), 201)
    room = ok(fm.post(url("/api/v1/rooms"), json={"building_id": building["id"], "number": "508", "floor": 5,
                                                  "usable_area_m2": 36, "type": "office", "unit_code": unit},
                      timeout=10), 201)
    for name, rank in (("周局长", "county_deputy"),):
        ok(fm.post(url(f"/api/v1/rooms/{room['id']}/occupants"), json={"name": name, "rank": rank}, timeout=10), 201)
    assert ok(clerk.get(url(f"/api/v1/rooms/{room['id']}/occupants"), timeout=10))["total"] == 1
    over = ok(leader.get(url("/api/v1/rooms/over-standard"), params={"unit_code": unit}, timeout=10))
    assert [(r["id"], r["allowance_m2"], r["excess_m2"]) for r in over["items"]] == [(room["id"], 24.0, 12.0)]
    units = ok(leader.get(url("/api/v1/rooms/over-standard/units"), params={"unit_code": unit}, timeout=10))
    assert units["items"][0]["excess_m2"] == 12.0

    # inspected: measured, a finding with a deadline already past, so it is listed overdue
    inspection = ok(fm.post(url("/api/v1/inspections"), json={
        "room_id": room["id"], "inspected_on": "2025-03-03", "measured_area_m2": 35.5,
        "findings": [{"finding": "超标 11.5 m²：隔出一间作档案室", "deadline_on": "2025-03-20"}]}, timeout=10), 201)
    assert ok(fm.get(url(f"/api/v1/rooms/{room['id']}"), timeout=10))["usable_area_m2"] == 35.5
    rectification = inspection["rectifications"][0]
    overdue = ok(fm.get(url("/api/v1/rectifications"), params={"overdue": "true", "unit_code": unit}, timeout=10))
    assert [r["id"] for r in overdue["items"]] == [rectification["id"]]
    # rectified by the unit, then verified by the manager (verifying first is the wrong state)
    assert fm.post(url(f"/api/v1/rectifications/{rectification['id']}/verify"), timeout=10).status_code == 409
    ok(clerk.post(url(f"/api/v1/rectifications/{rectification['id']}/complete"), json={"note": "已隔出"}, timeout=10))
    assert leader.post(url(f"/api/v1/rectifications/{rectification['id']}/verify"), timeout=10).status_code == 403
    verified = ok(fm.post(url(f"/api/v1/rectifications/{rectification['id']}/verify"), timeout=10))
    assert verified["status"] == "verified"
    ok(fm.patch(url(f"/api/v1/rooms/{room['id']}"), json={"usable_area_m2": 24}, timeout=10))
    assert ok(fm.get(url("/api/v1/rooms/over-standard"), params={"unit_code": unit}, timeout=10))["total"] == 0

    # repairs: a minor one done the same day, a major one late (paper records of April 2024)
    def repair(body, completed_at):
        order = ok(fm.post(url("/api/v1/repairs"), json={"building_id": building["id"], "unit_code": unit, **body},
                           timeout=10), 201)
        ok(fm.post(url(f"/api/v1/repairs/{order['id']}/assign"), json={"technician": tech.username}, timeout=10))
        ok(fm.post(url(f"/api/v1/repairs/{order['id']}/start"), json={"started_at": body["reported_at"]}, timeout=10))
        return ok(fm.post(url(f"/api/v1/repairs/{order['id']}/complete"), json={"completed_at": completed_at},
                          timeout=10))

    minor = repair({"location": "508 灯管", "category": "electricity", "severity": "minor",
                    "reported_at": "2024-04-08T09:00:00+08:00"}, "2024-04-08T11:00:00+08:00")
    major = repair({"location": "空调主机", "category": "hvac", "severity": "major",
                    "reported_at": "2024-04-08T10:00:00+08:00"}, "2024-04-10T10:00:00+08:00")
    assert (minor["on_time"], major["on_time"]) == (True, False)
    assert major["due_at"] == "2024-04-09T23:59:59+08:00"  # the end of the next day in Shanghai
    stats = ok(leader.get(url("/api/v1/repairs/stats"), params={"from": "2024-04-01", "to": "2024-04-30"}, timeout=10))
    # by hand: 2 reported, 2 done -> 100 %; 1 of 2 by its due time -> 50 %; (2 h + 48 h) / 2 = 25 h
    assert (stats["total"]["count"], stats["total"]["completion_rate"], stats["total"]["on_time_rate"],
            stats["total"]["mean_hours_to_repair"]) == (2, 1.0, 0.5, 25.0)
    assert {row["category"]: row["on_time_rate"] for row in stats["by_category"]} == {"electricity": 1.0, "hvac": 0.0}
    assert clerk.get(url("/api/v1/repairs/stats"), params={"from": "2024-04-01", "to": "2024-04-30"},
                     timeout=10).status_code == 403
    # the unit confirms one with a rating and complains about the other
    assert ok(clerk.post(url(f"/api/v1/repairs/{minor['id']}/confirm"), json={"rating": 5}, timeout=10))["status"] == "confirmed"
    reopened = ok(clerk.post(url(f"/api/v1/repairs/{major['id']}/reopen"), json={"complaint": "仍不制冷"}, timeout=10))
    assert reopened["status"] == "reopened" and reopened["complaints"] == 1
    assert [r["id"] for r in ok(tech.get(url("/api/v1/repairs"), timeout=10))["items"]] == [minor["id"], major["id"]]
    # a unit user reports today's leak and sees only its unit's orders; the technician sees only assigned ones
    leak = ok(clerk.post(url("/api/v1/repairs"), json={"location": "3 楼卫生间", "category": "water",
                                                       "severity": "minor"}, timeout=10), 201)
    assert leak["unit_code"] == unit and leak["reporter"] == clerk.username
    assert tech.get(url(f"/api/v1/repairs/{leak['id']}"), timeout=10).status_code == 404
    other = ok(fm.post(url("/api/v1/repairs"), json={"location": "门卫", "category": "civil", "severity": "minor",
                                                     "unit_code": unique("U")}, timeout=10), 201)
    assert clerk.get(url(f"/api/v1/repairs/{other['id']}"), timeout=10).status_code == 404
    assert major["id"] in [r["id"] for r in ok(fm.get(url("/api/v1/repairs"), params={"overdue": "true"},
                                                       timeout=10))["items"]]

    # meeting rooms: a double booking refused, a recurring booking refused with the clashing dates named
    meeting_room = ok(fm.post(url("/api/v1/meeting-rooms"), json={
        "name": unique("第一会议室"), "capacity": 30, "equipment": ["projector"]}, timeout=10), 201)
    booking = {"meeting_room_id": meeting_room["id"], "title": "党组会", "unit_code": unit,
               "start_at": "2031-09-09T09:00:00+08:00", "end_at": "2031-09-09T11:00:00+08:00", "attendees": 12}
    ok(clerk.post(url("/api/v1/meeting-rooms/bookings"), json=booking, timeout=10), 201)
    double = fm.post(url("/api/v1/meeting-rooms/bookings"), json={**booking, "title": "例会",
                                                                  "start_at": "2031-09-09T10:00:00+08:00"}, timeout=10)
    assert double.status_code == 409 and "2031-09-09" in double.json()["detail"]
    weekly = fm.post(url("/api/v1/meeting-rooms/bookings/series"), json={
        **booking, "title": "周例会", "start_at": "2031-09-02T10:00:00+08:00", "end_at": "2031-09-02T12:00:00+08:00",
        "recurrence": {"frequency": "weekly", "count": 3}}, timeout=10)
    assert weekly.status_code == 409 and "2031-09-09 (党组会)" in weekly.json()["detail"]
    assert "2031-09-02" not in weekly.json()["detail"]
    listed = ok(fm.get(url("/api/v1/meeting-rooms/bookings"), params={"meeting_room_id": meeting_room["id"]}, timeout=10))
    assert listed["total"] == 1  # all or nothing
    crowded = fm.post(url("/api/v1/meeting-rooms/bookings"), json={**booking, "start_at": "2031-09-10T09:00:00+08:00",
                                                                   "end_at": "2031-09-10T10:00:00+08:00",
                                                                   "attendees": 31}, timeout=10)
    assert crowded.status_code == 422 and crowded.json()["rule"] == "facilities.capacity_exceeded"


def test_bad_facilities_input_is_400_with_field_errors(stack, admin):
    for path, body, fields in (
        ("/api/v1/repairs", {"location": "x", "category": "plumbing", "severity": "urgent"}, {"category", "severity"}),
        ("/api/v1/meeting-rooms/bookings", {"meeting_room_id": 1, "title": "x", "unit_code": "U",
                                            "start_at": "2031-01-01T10:00:00+08:00", "end_at": "2031-01-01T09:00:00+08:00"},
         {"end_at"}),
        ("/api/v1/meeting-rooms/bookings", {"meeting_room_id": 1, "title": "x", "unit_code": "U",
                                            "start_at": "2031-01-01T10:00:00", "end_at": "2031-01-01T11:00:00+08:00"},
         {"start_at"}),
        ("/api/v1/rooms/allocations", {"room_id": "one"}, {"room_id", "unit_code"}),
        ("/api/v1/inspections", {"room_id": 1, "measured_area_m2": -3, "findings": [{"finding": ""}]},
         {"measured_area_m2", "findings.0.finding"}),
    ):
        response = admin.post(stack.url(path), json=body, timeout=10)
        assert response.status_code == 400, (path, response.text)
        assert fields <= set(response.json()["errors"]), (path, response.json()["errors"])
    stats = admin.get(stack.url("/api/v1/repairs/stats"), params={"from": "2024-13-01"}, timeout=10)
    assert stats.status_code == 400 and {"from", "to"} <= set(stats.json()["errors"])
    vacancies = admin.get(stack.url("/api/v1/rooms/vacancies"), params={"staff": -1}, timeout=10)
    assert vacancies.status_code == 400 and "staff" in vacancies.json()["errors"]
