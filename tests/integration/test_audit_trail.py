"""The audit trail over RPC on the real broker and database: each approval, rejection,
assignment, allocation and correction is written with who, when and what changed, in
the transaction of the change; admins alone read it."""
from datetime import datetime, timezone

import pytest

from services.energy.service import EnergyService
from services.kit.context import ADMIN_ROLES, Caller
from services.kit.errors import Conflict, Forbidden
from services.vehicles.service import VehiclesService
from tests.integration.test_vehicles_service import Fleet, unit
from tests.support import call_as

pytestmark = pytest.mark.integration

ADMIN = Caller("root", ADMIN_ROLES)
DISPATCHER = Caller("disp", ("dispatcher",))
OFFICER = Caller("eo", ("energy_officer",))


def trail(rpc, service, caller=ADMIN, **query):
    return call_as(rpc, caller, service, "list_audit_entries", query)


def test_a_dispatch_approved_then_assigned_leaves_two_entries_naming_who_and_what(start_service, rpc):
    start_service(VehiclesService)
    fleet = Fleet(rpc)
    u = unit()
    car, driver = fleet.vehicle(u), fleet.driver()
    before = datetime.now(timezone.utc)
    dispatch = fleet.dispatch(u)  # created, then approved by the dispatcher
    fleet("assign_dispatch", dispatch["id"], {"vehicle_id": car["id"], "driver_id": driver["id"]})

    page = trail(rpc, "vehicles", entity="dispatch", entity_id=str(dispatch["id"]))
    assert page["total"] == 2
    assign, approve = page["items"]  # newest first
    assert (approve["action"], approve["actor"]) == ("approve", "disp")
    assert approve["changes"]["status"] == ["requested", "approved"]
    assert approve["changes"]["decided_by"] == [None, "disp"]
    assert datetime.fromisoformat(approve["at"]) >= before
    assert assign["action"] == "assign"
    assert assign["changes"]["vehicle_id"] == [None, car["id"]]
    assert assign["changes"]["driver_id"] == [None, driver["id"]]
    assert assign["changes"]["status"] == ["approved", "assigned"]
    assert "updated_at" not in assign["changes"]
    assert trail(rpc, "vehicles", action="assign", actor="disp", entity_id=str(dispatch["id"]))["total"] == 1


def test_a_refused_action_writes_no_entry(start_service, rpc):
    start_service(VehiclesService)
    fleet = Fleet(rpc)
    u = unit()
    dispatch = fleet.dispatch(u)
    with pytest.raises(Conflict):
        fleet("approve_dispatch", dispatch["id"])  # already approved: the transaction rolls back
    entries = trail(rpc, "vehicles", entity="dispatch", entity_id=str(dispatch["id"]))
    assert [entry["action"] for entry in entries["items"]] == ["approve"]


def test_a_corrected_reading_keeps_the_old_value_in_the_trail(start_service, rpc):
    start_service(EnergyService)
    code = unit()
    call_as(rpc, OFFICER, "energy", "create_institution",
            {"unit_code": code, "name": "单位", "headcount": 10, "floor_area_m2": 500})
    reading = {"unit_code": code, "period": "2026-01", "energy_type": "electricity", "quantity": 1000, "unit": "kWh"}
    call_as(rpc, OFFICER, "energy", "record_readings", reading)
    call_as(rpc, OFFICER, "energy", "record_readings", {**reading, "quantity": 1200})

    (entry,) = trail(rpc, "energy", action="correct", entity="reading")["items"]
    assert entry["actor"] == "eo"
    assert [float(value) for value in entry["changes"]["quantity"]] == [1000, 1200]


def test_only_admins_read_the_trail_and_bad_filters_are_named(start_service, rpc):
    from services.kit.errors import Invalid

    start_service(VehiclesService)
    with pytest.raises(Forbidden):
        trail(rpc, "vehicles", caller=DISPATCHER)
    with pytest.raises(Invalid) as bad:
        trail(rpc, "vehicles", since="yesterday")
    assert "since" in bad.value.args[1]
