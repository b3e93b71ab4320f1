"""Events through the outbox: delivered after commit, relayed after a broker outage,
applied once however often they arrive."""
import uuid

import pytest
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from sqlalchemy import func, select

from services.energy.models import Institution, ProcessedEvent
from services.energy.service import EnergyService
from services.facilities import contract as facilities
from services.facilities.models import OutboxEvent
from services.facilities.service import FacilitiesService
from tests.support import admin_caller, call_as, database_of, eventually

pytestmark = pytest.mark.integration


def unit_code():
    return f"U-{uuid.uuid4().hex[:8]}"


def add_room(rpc, building_id, number, area, unit):
    return call_as(rpc, admin_caller(), "facilities", "create_room", {
        "building_id": building_id, "number": number, "floor": 1, "usable_area_m2": area,
        "type": "office", "unit_code": unit})


def institution_area(rpc, unit):
    listed = call_as(rpc, admin_caller(), "energy", "list_institutions", {"unit_code": unit})
    return listed["items"][0]["floor_area_m2"] if listed["items"] else None


def test_a_units_usable_area_reaches_energy_as_its_floor_area(start_service, rpc):
    start_service(FacilitiesService)
    start_service(EnergyService)
    unit = unit_code()
    call_as(rpc, admin_caller(), "energy", "create_institution", {"unit_code": unit, "name": "县教育局", "headcount": 30})
    first = call_as(rpc, admin_caller(), "facilities", "create_building", {"name": f"A-{unit}", "floors": 3})
    second = call_as(rpc, admin_caller(), "facilities", "create_building", {"name": f"B-{unit}", "floors": 3})
    add_room(rpc, first["id"], "101", "18.50", unit)
    add_room(rpc, second["id"], "201", "24", unit)
    assert eventually(lambda: institution_area(rpc, unit) == 42.5)
    # a room moved to another unit lowers this unit's area
    room = add_room(rpc, first["id"], "102", "12", unit)
    assert eventually(lambda: institution_area(rpc, unit) == 54.5)
    call_as(rpc, admin_caller(), "facilities", "update_room", room["id"], {"unit_code": unit_code()})
    assert eventually(lambda: institution_area(rpc, unit) == 42.5)


def test_a_manual_floor_area_is_kept(start_service, rpc):
    start_service(FacilitiesService)
    energy = start_service(EnergyService)
    unit = unit_code()
    call_as(rpc, admin_caller(), "energy", "create_institution",
            {"unit_code": unit, "name": "x", "headcount": 3, "floor_area_m2": 999})
    building = call_as(rpc, admin_caller(), "facilities", "create_building", {"name": f"C-{unit}", "floors": 1})
    add_room(rpc, building["id"], "1", "10", unit)

    def applied():
        with database_of(energy).sessionmaker() as session:
            return session.scalar(select(func.count()).select_from(ProcessedEvent))

    eventually(applied)
    assert institution_area(rpc, unit) == 999.0


def test_events_written_while_the_broker_was_down_are_relayed(start_service, rpc):
    facilities_container = start_service(FacilitiesService)
    outbox = database_of(facilities_container).outbox
    real_uri = outbox.publisher.amqp_uri
    outbox.publisher.amqp_uri = "amqp://guest:guest@127.0.0.1:1/"  # the broker is unreachable for events
    if real_uri.startswith("memory"):
        pytest.skip("the in-memory broker cannot be taken down on its own")
    unit = unit_code()
    building = call_as(rpc, admin_caller(), "facilities", "create_building", {"name": f"D-{unit}", "floors": 1})
    add_room(rpc, building["id"], "1", "30", unit)  # committed and answered although the event could not go out
    with database_of(facilities_container).sessionmaker() as session:
        unsent = session.scalar(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.published_at.is_(None), OutboxEvent.event_type == facilities.BUILDING_AREA_CHANGED))
    assert unsent == 1
    start_service(EnergyService)
    call_as(rpc, admin_caller(), "energy", "create_institution", {"unit_code": unit, "name": "x", "headcount": 3})
    outbox.publisher.amqp_uri = real_uri  # the broker is back: the relay timer sends what is left
    assert eventually(lambda: institution_area(rpc, unit) == 30.0)

    def all_marked():  # rows published after commit are marked a moment later, together
        with database_of(facilities_container).sessionmaker() as session:
            return session.scalar(select(func.count()).select_from(OutboxEvent).where(
                OutboxEvent.published_at.is_(None))) == 0

    assert eventually(all_marked)
    print(f"outbox: 1 written while the broker was down, {unsent} unsent, relayed and applied once")


def test_a_duplicate_event_is_applied_once(start_service, rpc, test_backends):
    energy = start_service(EnergyService)
    unit = unit_code()
    call_as(rpc, admin_caller(), "energy", "create_institution", {"unit_code": unit, "name": "x", "headcount": 3})
    event = {
        "event_id": str(uuid.uuid4()), "occurred_at": "2026-03-01T08:00:00+00:00", "building_id": 1,
        "unit_code": unit, "building_usable_area_m2": 80.0, "unit_usable_area_m2": 80.0}
    exchange = get_event_exchange(facilities.SERVICE, {})
    publisher = Publisher(test_backends.amqp_uri, declare=[exchange])
    for _ in range(3):
        publisher.publish(event, exchange=exchange, routing_key=facilities.BUILDING_AREA_CHANGED)
    assert eventually(lambda: institution_area(rpc, unit) == 80.0)

    def processed():
        with database_of(energy).sessionmaker() as session:
            return session.scalar(select(func.count()).select_from(ProcessedEvent)
                                  .where(ProcessedEvent.event_id == event["event_id"]))

    eventually(lambda: processed() >= 1)
    import eventlet

    eventlet.sleep(0.5)  # let the two duplicates arrive
    assert processed() == 1
    with database_of(energy).sessionmaker() as session:
        institution = session.scalar(select(Institution).where(Institution.unit_code == unit))
        assert float(institution.floor_area_m2) == 80.0
    print("duplicates: sent 3 copies of one event, applied 1")


def test_the_first_events_of_a_new_unit_arriving_together_all_apply_without_an_error(
        start_service, rpc, test_backends, caplog):
    start_service(EnergyService)
    exchange = get_event_exchange(facilities.SERVICE, {})
    publisher = Publisher(test_backends.amqp_uri, declare=[exchange])
    caplog.set_level("WARNING")
    for _ in range(4):  # several rounds: the race is not certain in any one of them
        unit = unit_code()
        call_as(rpc, admin_caller(), "energy", "create_institution", {"unit_code": unit, "name": "x", "headcount": 3})
        events = [{"event_id": str(uuid.uuid4()), "occurred_at": f"2026-03-01T08:00:0{n}+00:00", "building_id": 1,
                   "unit_code": unit, "building_usable_area_m2": 10.0 + n, "unit_usable_area_m2": 10.0 + n}
                  for n in range(6)]
        for event in reversed(events):  # the newest first: older ones arriving later change nothing
            publisher.publish(event, exchange=exchange, routing_key=facilities.BUILDING_AREA_CHANGED)
        assert eventually(lambda: institution_area(rpc, unit) == 15.0)
    import eventlet

    eventlet.sleep(0.5)
    failed = [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")
              or "failed" in r.getMessage()]
    assert failed == []
