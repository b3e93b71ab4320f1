"""Incremental reads (``updated_since``) return a record whose answer changed because rows it
is derived from changed: a room's occupants, a canteen slot's reservations, a subscription's
deliveries."""
from datetime import datetime, timezone

import eventlet
import pytest

from services.facilities.service import FacilitiesService
from services.reception.service import ReceptionService
from tests.integration.test_reception_workflows import CLERK, OFFICER, day, reception
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
