"""Incremental reads (``updated_since``) return a record whose answer changed because rows it
is derived from changed: a room's occupants, a canteen slot's reservations, a subscription's
deliveries, a quota's vehicles, a driver's safety meetings, a retrofit's readings."""
from datetime import datetime, timezone

import eventlet
import pytest

from services.energy.service import EnergyService
from services.facilities.service import FacilitiesService
from services.reception.service import ReceptionService
from services.vehicles.domain import local_day
from tests.integration.test_energy_service import institution, officer, reading
from tests.integration.test_energy_service import unit as energy_unit
from tests.integration.test_reception_workflows import CLERK, OFFICER, day, reception
from tests.integration.test_vehicles_service import fleet, unit  # noqa: F401 (the fixture)
from tests.support import admin_caller, call_as

pytestmark = pytest.mark.integration


def cursor() -> str:
    """A sync's cursor taken after everything so far: later reads from it return only what changes next."""
    eventlet.sleep(0.01)
    at = datetime.now(timezone.utc).isoformat()
    eventlet.sleep(0.01)
    return at


def test_a_room_whose_occupants_change_is_returned_by_an_incremental_read(start_service, rpc):
    start_service(FacilitiesService)
    admin = admin_caller()
    building = call_as(rpc, admin, "facilities", "create_building", {"name": "sync-A", "floors": 2})
    room = call_as(rpc, admin, "facilities", "create_room", {
        "building_id": building["id"], "number": "101", "floor": 1, "usable_area_m2": "30", "type": "office",
        "unit_code": "U-SYNC"})
    since = cursor()
    assert call_as(rpc, admin, "facilities", "list_rooms", {"updated_since": since})["items"] == []
    occupant = call_as(rpc, admin, "facilities", "add_occupant", room["id"], {"name": "张三", "rank": "staff"})
    [changed] = call_as(rpc, admin, "facilities", "list_rooms", {"updated_since": since})["items"]
    assert changed["id"] == room["id"] and changed["occupant_count"] == 1
    since = cursor()
    call_as(rpc, admin, "facilities", "remove_occupant", room["id"], occupant["id"])
    [changed] = call_as(rpc, admin, "facilities", "list_rooms", {"updated_since": since})["items"]
    assert changed["occupant_count"] == 0


def test_a_canteen_slot_whose_reservations_change_is_returned_by_an_incremental_read(start_service, rpc):
    start_service(ReceptionService)
    slot = call_as(rpc, OFFICER, "reception", "create_canteen_slot", {"served_on": day(5), "meal": "dinner",
                                                                      "capacity": 10})
    owner = call_as(rpc, CLERK, "reception", "submit_reception", reception())
    since = cursor()
    call_as(rpc, OFFICER, "reception", "create_canteen_reservation",
            {"slot_id": slot["id"], "head_count": 3, "reception_id": owner["id"]})
    [changed] = call_as(rpc, OFFICER, "reception", "list_canteen_slots", {"updated_since": since})["items"]
    assert changed["id"] == slot["id"] and changed["reserved"] == 3
    since = cursor()
    call_as(rpc, CLERK, "reception", "cancel_reception", owner["id"], {"reason": "行程取消"})  # releases its seats
    [changed] = call_as(rpc, OFFICER, "reception", "list_canteen_slots", {"updated_since": since})["items"]
    assert changed["id"] == slot["id"] and changed["available"] == 10


def test_a_quota_whose_units_vehicles_change_is_returned_by_an_incremental_read(fleet):
    u = unit()
    fleet("set_quota", {"unit_code": u, "slots": 2})
    since = cursor()
    vehicle = fleet.vehicle(u, purchased_on="2015-01-10")
    [changed] = fleet("list_quotas", {"updated_since": since})["items"]
    assert changed["unit_code"] == u and changed["occupied"] == 1
    since = cursor()
    fleet("dispose_vehicle", vehicle["id"], {"method": "auction", "disposed_on": "2024-05-01", "proceeds_yuan": "1"})
    [changed] = fleet("list_quotas", {"updated_since": since})["items"]
    assert changed["unit_code"] == u and changed["free"] == 2


def test_a_driver_attending_a_safety_meeting_is_returned_by_an_incremental_read(fleet):
    present, absent = fleet.driver(), fleet.driver()
    since = cursor()
    today = local_day(datetime.now(timezone.utc))
    fleet("create_safety_meeting", {"held_on": today.isoformat(), "topic": "冬季行车安全",
                                    "attendee_ids": [present["id"]]})
    [changed] = fleet("list_drivers", {"updated_since": since})["items"]
    assert changed["id"] == present["id"] and changed["assignable"] is True


def test_a_retrofit_whose_institutions_readings_change_is_returned_by_an_incremental_read(start_service, rpc):
    start_service(EnergyService)
    code = energy_unit()
    institution(rpc, code)
    officer(rpc, "record_readings", [reading(code, "2023-04", "electricity", 10000, "kWh"),
                                     reading(code, "2024-04", "electricity", 8000, "kWh")])
    project = officer(rpc, "create_project", {
        "unit_code": code, "name": "LED 灯具改造", "kind": "led_lighting", "energy_type": "electricity",
        "investment_yuan": 20000, "expected_saving_rate": 0.2, "completed_on": "2024-03-15"})
    since = cursor()
    officer(rpc, "record_readings", [reading(code, "2023-05", "electricity", 12000, "kWh"),
                                     reading(code, "2024-05", "electricity", 9000, "kWh")])
    [changed] = officer(rpc, "list_projects", {"updated_since": since})["items"]
    assert changed["id"] == project["id"] and changed["measured_saving_rate"] != project["measured_saving_rate"]
