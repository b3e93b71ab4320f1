"""A dispatcher's day through the gateway: register, request, approve, assign (a double
booking refused), depart, return, GPS trips with one that no dispatch covers, the flag
explained and resolved, fuel at a non-designated station, the year's figures and the .xlsx."""
import io
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.e2e.conftest import token_for

pytestmark = pytest.mark.e2e


def vin_for(n: int) -> str:
    from services.vehicles.domain import vin_check_digit

    body = f"LFV2A2150N{n:07d}"
    return body[:8] + vin_check_digit(body[:8] + "0" + body[9:]) + body[9:]


def session_for(stack, admin, roles, unit_code=None):
    username = f"{roles[0]}-{uuid.uuid4().hex[:8]}"
    assert admin.post(stack.url("/api/v1/users"), json={"username": username, "password": "a-long-password-1",
                                                        "roles": roles, "unit_code": unit_code},
                      timeout=10).status_code == 201
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token_for(stack, username, 'a-long-password-1')}"
    return session


def test_a_dispatchers_day(stack, admin):
    url = stack.url
    unit = f"U-{uuid.uuid4().hex[:6]}"
    n = int(uuid.uuid4().int % 80000) + 10000
    dispatcher = session_for(stack, admin, ["dispatcher"])
    clerk = session_for(stack, admin, ["unit_user"], unit)
    other_clerk = session_for(stack, admin, ["unit_user"], f"U-{uuid.uuid4().hex[:6]}")
    leader = session_for(stack, admin, ["leader"])

    assert dispatcher.post(url("/api/v1/vehicle-quotas"), json={"unit_code": unit, "slots": 2}, timeout=10).ok
    cars = []
    for i, seats in enumerate((5, 7)):
        created = dispatcher.post(url("/api/v1/vehicles"), json={
            "plate": f"浙B{n + i:05d}", "vin": vin_for(n + i), "make": "红旗", "model": "H5", "category": "sedan",
            "seats": seats, "fuel_type": "gasoline", "unit_code": unit, "odometer_km": "1000",
            "purchased_on": "2017-06-01"}, timeout=10)
        assert created.status_code == 201, created.text
        cars.append(created.json())
    over = dispatcher.post(url("/api/v1/vehicles"), json={
        "plate": f"浙B{n + 2:05d}", "vin": vin_for(n + 2), "make": "红旗", "model": "H5", "category": "sedan",
        "seats": 5, "fuel_type": "gasoline", "unit_code": unit}, timeout=10)
    assert over.status_code == 422 and over.json()["rule"] == "vehicles.quota_exceeded"
    drivers = [dispatcher.post(url("/api/v1/drivers"), json={
        "name": name, "staff_number": uuid.uuid4().hex[:10], "licence_class": "A1",
        "licence_expires_on": "2031-12-31"}, timeout=10).json() for name in ("王师傅", "李师傅")]
    assert all(d["assignable"] for d in drivers)

    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    request = {"purpose": "防汛检查", "passengers": 3, "origin": "县政府", "destination": "水库",
               "start_at": start.isoformat(), "end_at": (start + timedelta(hours=4)).isoformat()}
    first = clerk.post(url("/api/v1/dispatches"), json=request, timeout=10)
    assert first.status_code == 201 and first.json()["unit_code"] == unit
    second = clerk.post(url("/api/v1/dispatches"), json={**request, "purpose": "督查"}, timeout=10).json()
    first = first.json()
    assert clerk.post(url(f"/api/v1/dispatches/{first['id']}/approve"), timeout=10).status_code == 403
    assert other_clerk.get(url(f"/api/v1/dispatches/{first['id']}"), timeout=10).status_code == 404
    bad = clerk.post(url("/api/v1/dispatches"), json={**request, "end_at": request["start_at"], "passengers": 0},
                     timeout=10)
    assert bad.status_code == 400 and "passengers" in bad.json()["errors"]

    for d in (first, second):
        assert dispatcher.post(url(f"/api/v1/dispatches/{d['id']}/approve"), timeout=10).json()["status"] == "approved"
    suggested = dispatcher.get(url("/api/v1/vehicles/available"), params={
        "start": request["start_at"], "end": request["end_at"], "seats": 3}, timeout=10).json()
    ours = [v["id"] for v in suggested["items"] if v["unit_code"] == unit]
    assert ours == [cars[0]["id"], cars[1]["id"]]  # 5 seats fit 3 people better than 7
    assign = dispatcher.post(url(f"/api/v1/dispatches/{first['id']}/assign"),
                             json={"vehicle_id": cars[0]["id"], "driver_id": drivers[0]["id"]}, timeout=10)
    assert assign.status_code == 200 and assign.json()["status"] == "assigned"
    double = dispatcher.post(url(f"/api/v1/dispatches/{second['id']}/assign"),
                             json={"vehicle_id": cars[0]["id"], "driver_id": drivers[1]["id"]}, timeout=10)
    assert double.status_code == 409 and "vehicle_id" in double.json()["errors"]
    assert dispatcher.post(url(f"/api/v1/dispatches/{second['id']}/cancel"), json={"reason": "改期"},
                           timeout=10).json()["status"] == "cancelled"
    assert dispatcher.post(url(f"/api/v1/dispatches/{first['id']}/return"), json={"odometer_km": 1100},
                           timeout=10).status_code == 409  # not departed yet
    # the plans changed: the car left three hours ago and is back now (no time is given in the future)
    left = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)
    ahead = dispatcher.post(url(f"/api/v1/dispatches/{first['id']}/depart"),
                            json={"departed_at": (start + timedelta(hours=1)).isoformat()}, timeout=10)
    assert ahead.status_code == 422 and ahead.json()["rule"] == "dates.in_future" and "departed_at" in ahead.json()["errors"]
    departed = dispatcher.post(url(f"/api/v1/dispatches/{first['id']}/depart"),
                               json={"departed_at": left.isoformat()}, timeout=10)
    assert departed.status_code == 200, departed.text
    back = dispatcher.post(url(f"/api/v1/dispatches/{first['id']}/return"), json={
        "odometer_km": "1086.4", "fuel_liters": "7.5", "tolls_yuan": "15", "cost_yuan": "45"}, timeout=10)
    assert back.status_code == 200 and back.json()["distance_km"] == 86.4
    assert dispatcher.post(url(f"/api/v1/dispatches/{first['id']}/close"), timeout=10).json()["status"] == "closed"
    mine = clerk.get(url("/api/v1/dispatches"), params={"status": "closed"}, timeout=10).json()
    assert [d["id"] for d in mine["items"]] == [first["id"]]

    key = admin.post(url("/api/v1/api-keys"), json={"name": "beidou-platform", "roles": ["dispatcher"]},
                     timeout=10).json()["key"]
    platform = {"X-API-Key": key}
    tag = uuid.uuid4().hex[:6]
    trips = {"trips": [
        {"trip_id": f"bd-{tag}-1", "plate": cars[0]["plate"], "start_at": (left + timedelta(minutes=5)).isoformat(),
         "end_at": (left + timedelta(hours=2, minutes=50)).isoformat(), "distance_km": "86"},
        {"trip_id": f"bd-{tag}-2", "plate": cars[1]["plate"], "start_at": (left - timedelta(hours=20)).isoformat(),
         "end_at": (left - timedelta(hours=19)).isoformat(), "distance_km": "23.5"},
        {"trip_id": f"bd-{tag}-3", "plate": cars[1]["plate"], "start_at": "yesterday", "distance_km": "1"},
    ]}
    pushed = requests.post(url("/api/v1/gps/trips"), json=trips, headers=platform, timeout=10)
    assert pushed.status_code == 200, pushed.text
    assert (pushed.json()["stored"], pushed.json()["flagged"], pushed.json()["rejected"]) == (2, 1, 1)
    assert "start_at" in pushed.json()["errors"][0]["errors"]
    again = requests.post(url("/api/v1/gps/trips"), json=trips, headers=platform, timeout=10).json()
    assert (again["stored"], again["duplicates"]) == (0, 2)
    assert requests.post(url("/api/v1/gps/trips"), json=trips, timeout=10).status_code == 401

    flags = clerk.get(url("/api/v1/vehicle-flags"), params={"kind": "no_dispatch"}, timeout=10).json()["items"]
    assert [(f["trip_id"], f["status"]) for f in flags] == [(f"bd-{tag}-2", "open")]
    assert other_clerk.get(url("/api/v1/vehicle-flags"), timeout=10).json()["total"] == 0
    flag_id = flags[0]["id"]
    explained = clerk.post(url(f"/api/v1/vehicle-flags/{flag_id}/explain"),
                           json={"explanation": "送文件至市里，补报用车单"}, timeout=10)
    assert explained.status_code == 200 and explained.json()["status"] == "explained"
    assert clerk.post(url(f"/api/v1/vehicle-flags/{flag_id}/resolve"),
                      json={"outcome": "resolved", "resolution": "x"}, timeout=10).status_code == 403
    resolved = dispatcher.post(url(f"/api/v1/vehicle-flags/{flag_id}/resolve"),
                               json={"outcome": "resolved", "resolution": "补办手续，提醒一次"}, timeout=10)
    assert resolved.json()["status"] == "resolved"

    roadside = dispatcher.post(url("/api/v1/vendors"), json={"name": f"路边站-{tag}", "kind": "fuel",
                                                            "designated": False}, timeout=10).json()
    fuel = dispatcher.post(url("/api/v1/fuel-transactions"), json={
        "vehicle_id": cars[0]["id"], "vendor_id": roadside["id"], "card_number": "8800123", "liters": "35.2",
        "amount_yuan": "280.50", "odometer_km": "1090", "filled_at": datetime.now(timezone.utc).isoformat()},
        timeout=10)
    assert fuel.status_code == 201 and fuel.json()["flags"] == ["non_designated_vendor"]
    vendor_flags = dispatcher.get(url("/api/v1/vehicle-flags"), params={
        "kind": "non_designated_vendor", "vehicle_id": cars[0]["id"]}, timeout=10).json()
    assert vendor_flags["total"] == 1 and vendor_flags["items"][0]["unit_code"] == unit
    assert dispatcher.post(url("/api/v1/fuel-transactions"), json={"vehicle_id": "x"}, timeout=10).status_code == 400

    year = left.astimezone(timezone(timedelta(hours=8))).year
    stats = leader.get(url("/api/v1/vehicles/stats"), params={"year": year}, timeout=10)
    assert stats.status_code == 200, stats.text
    by_unit = {row["unit_code"]: row for row in stats.json()["by_unit"]}
    assert by_unit[unit]["dispatches"] == 1 and by_unit[unit]["distance_km"] == 86.4
    assert by_unit[unit]["fuel_liters"] == 35.2
    assert leader.get(url("/api/v1/vehicles/stats"), params={"year": "soon"}, timeout=10).status_code == 400
    report = leader.get(url("/api/v1/vehicles/report"), params={"year": year, "format": "xlsx"}, timeout=10)
    assert report.status_code == 200
    assert report.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in report.headers["Content-Disposition"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(report.content))
    assert "按单位" in book.sheetnames
    assert unit in [row[0] for row in book["按单位"].iter_rows(values_only=True)]
    json_report = leader.get(url("/api/v1/vehicles/report"), params={"year": year}, timeout=10).json()
    assert json_report["stats"]["flags"]["raised"] >= 2
