"""Each service's slice over real RPC and a real database."""
import uuid

import pytest
from sqlalchemy import select

from services.energy.service import EnergyService
from services.facilities.service import FacilitiesService
from services.kit.context import Caller
from services.kit.errors import Conflict, Forbidden, Invalid, NotFound, RuleViolation
from services.reception.models import Visitor
from services.reception.service import ReceptionService
from services.vehicles.models import Vehicle
from services.vehicles.service import VehiclesService
from tests.support import admin_caller, call_as, database_of

pytestmark = pytest.mark.integration

VEHICLE = {"plate": "浙A12345", "vin": "1M8GDM9AXKP042788", "make": "红旗", "model": "H5", "category": "sedan",
           "seats": 5, "fuel_type": "gasoline", "unit_code": "U001"}


def test_a_registered_vehicle_is_committed_before_the_reply(start_service, rpc):
    container = start_service(VehiclesService)
    created = call_as(rpc, admin_caller(), "vehicles", "create_vehicle", VEHICLE)
    with database_of(container).sessionmaker() as session:
        stored = session.scalar(select(Vehicle).where(Vehicle.id == created["id"]))
    assert stored is not None and stored.plate == "浙A12345" and stored.status == "available"
    listed = call_as(rpc, admin_caller(), "vehicles", "list_vehicles", {"unit_code": "U001"})
    assert listed["total"] == 1 and listed["items"][0]["vin"] == VEHICLE["vin"]


def test_typed_errors_cross_the_wire(start_service, rpc):
    start_service(VehiclesService)
    call_as(rpc, admin_caller(), "vehicles", "create_vehicle", VEHICLE)
    with pytest.raises(Conflict) as duplicate:
        call_as(rpc, admin_caller(), "vehicles", "create_vehicle", VEHICLE)
    assert "plate" in duplicate.value.errors
    with pytest.raises(Invalid) as invalid:
        call_as(rpc, admin_caller(), "vehicles", "create_vehicle", {**VEHICLE, "seats": "many", "colour": "red"})
    assert set(invalid.value.errors) == {"seats", "colour"}
    with pytest.raises(NotFound):
        call_as(rpc, admin_caller(), "vehicles", "get_vehicle", 999)
    with pytest.raises(Forbidden):
        call_as(rpc, Caller("clerk", ("unit_user",), "U001"), "vehicles", "create_vehicle", VEHICLE)


def test_a_unit_user_sees_only_its_own_units_vehicles(start_service, rpc):
    start_service(VehiclesService)
    mine = call_as(rpc, admin_caller(), "vehicles", "create_vehicle", VEHICLE)
    theirs = call_as(rpc, admin_caller(), "vehicles", "create_vehicle",
                     {**VEHICLE, "plate": "浙A54321", "vin": "1HGCM82633A004352", "unit_code": "U002"})
    clerk = Caller("clerk", ("unit_user",), "U001")
    listed = call_as(rpc, clerk, "vehicles", "list_vehicles", {})
    assert [item["id"] for item in listed["items"]] == [mine["id"]]
    with pytest.raises(NotFound):  # another unit's list is not found, never the clerk's own instead
        call_as(rpc, clerk, "vehicles", "list_vehicles", {"unit_code": "U002"})
    with pytest.raises(NotFound):
        call_as(rpc, clerk, "vehicles", "get_vehicle", theirs["id"])


def test_a_visitors_id_number_is_masked_and_never_stored(start_service, rpc):
    container = start_service(ReceptionService)
    visitor = call_as(rpc, admin_caller(), "reception", "register_visitor", {
        "name": "张三", "id_number": "11010519491231002X", "host_name": "李四", "host_unit_code": "U001",
        "purpose": "办事",
    })
    assert visitor["id_number"] == "1101**********002X"
    with database_of(container).sessionmaker() as session:
        row = session.get(Visitor, visitor["id"])
        stored = " ".join(str(value) for value in vars(row).values())
    assert "11010519491231002X" not in stored
    out = call_as(rpc, admin_caller(), "reception", "check_out_visitor", visitor["id"])
    assert out["checked_out_at"] is not None
    with pytest.raises(Conflict):
        call_as(rpc, admin_caller(), "reception", "check_out_visitor", visitor["id"])


def test_facilities_rules_apply_over_rpc(start_service, rpc):
    start_service(FacilitiesService)
    building = call_as(rpc, admin_caller(), "facilities", "create_building", {"name": "1号楼", "floors": 5})
    with pytest.raises(RuleViolation) as refused:
        call_as(rpc, admin_caller(), "facilities", "create_room", {
            "building_id": building["id"], "number": "101", "floor": 1, "usable_area_m2": "18",
            "type": "vacant", "unit_code": "U1"})
    assert refused.value.rule == "facilities.vacant_room_occupied"
    with pytest.raises(NotFound):
        call_as(rpc, admin_caller(), "facilities", "create_room", {
            "building_id": 999, "number": "101", "floor": 1, "usable_area_m2": "18", "type": "office"})


def test_an_institution_is_registered_once_per_unit(start_service, rpc):
    start_service(EnergyService)
    unit = f"U-{uuid.uuid4().hex[:6]}"
    created = call_as(rpc, admin_caller(), "energy", "create_institution",
                      {"unit_code": unit, "name": "县财政局", "headcount": 40, "floor_area_m2": 1200.5})
    assert (created["floor_area_m2"], created["area_source"]) == (1200.5, "manual")
    with pytest.raises(Conflict):
        call_as(rpc, admin_caller(), "energy", "create_institution", {"unit_code": unit, "name": "x", "headcount": 1})
