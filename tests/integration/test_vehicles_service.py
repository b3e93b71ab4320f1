"""The vehicles service over RPC on the real broker and database: quota, the dispatch
workflow with its double-booking guard under concurrency, GPS trips, fuel, disposal, events."""
import uuid
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from sqlalchemy import select

from services.kit.context import Caller
from services.kit.errors import Conflict, Forbidden, Invalid, NotFound, RuleViolation
from services.vehicles import contract
from services.vehicles.domain import local_day
from services.vehicles.models import OutboxEvent
from services.vehicles.service import VehiclesService
from tests.support import call_as, database_of

pytestmark = pytest.mark.integration

DISPATCHER = Caller("disp", ("dispatcher",))
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai: the dispatcher enters past trips
SOON = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)  # what a unit requests


def vin_for(n: int) -> str:
    from services.vehicles.domain import vin_check_digit

    body = f"LSVAU2180N{n:07d}"
    return body[:8] + vin_check_digit(body[:8] + "0" + body[9:]) + body[9:]


def unit():
    return f"U-{uuid.uuid4().hex[:6]}"


class Fleet:
    def __init__(self, rpc):
        self.rpc = rpc
        self.n = 0

    def __call__(self, method, *args, caller=DISPATCHER):
        return call_as(self.rpc, caller, "vehicles", method, *args)

    def vehicle(self, unit_code, seats=5, **extra):
        self.n += 1
        n = 10000 + self.n + int(uuid.uuid4().int % 80000)
        return self("create_vehicle", {"plate": f"浙A{n:05d}", "vin": vin_for(n), "make": "红旗", "model": "H5",
                                       "category": "sedan", "seats": seats, "fuel_type": "gasoline",
                                       "unit_code": unit_code, **extra})

    def driver(self, **extra):
        return self("create_driver", {"name": "张师傅", "staff_number": uuid.uuid4().hex[:10], "licence_class": "B1",
                                      "licence_expires_on": "2030-01-01", **extra})

    def dispatch(self, unit_code, start=T0, hours=2, passengers=3, approve=True):
        d = self("create_dispatch", {"unit_code": unit_code, "purpose": "下乡调研", "passengers": passengers,
                                     "origin": "县政府", "destination": "城关镇", "start_at": start.isoformat(),
                                     "end_at": (start + timedelta(hours=hours)).isoformat()})
        return self("approve_dispatch", d["id"]) if approve else d


@pytest.fixture
def fleet(start_service, rpc):
    container = start_service(VehiclesService)
    f = Fleet(rpc)
    f.container = container
    return f


def events_of(container, event_type):
    with database_of(container).sessionmaker() as session:
        return [row.payload for row in session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == event_type)
                                                       .order_by(OutboxEvent.id))]


def registered(fleet, drivers, ago: timedelta):
    """Moves the drivers' registration by ``ago`` (a register kept since before the suite)."""
    from services.vehicles.models import Driver

    with database_of(fleet.container).sessionmaker() as session:
        for driver in drivers:
            session.get(Driver, driver["id"]).created_at = datetime.now(timezone.utc) + ago
        session.commit()


def test_registration_beyond_the_quota_is_refused_and_disposal_frees_the_slot(fleet):
    u = unit()
    quota = fleet("set_quota", {"unit_code": u, "slots": 1})
    assert quota["free"] == 1
    first = fleet.vehicle(u, purchased_on="2015-01-10")
    with pytest.raises(RuleViolation) as refused:
        fleet.vehicle(u)
    assert refused.value.rule == "vehicles.quota_exceeded"
    with pytest.raises(RuleViolation):  # the quota cannot shrink below the fleet
        fleet("set_quota", {"unit_code": u, "slots": 0})
    disposal = fleet("dispose_vehicle", first["id"], {"method": "auction", "disposed_on": "2024-05-01",
                                                      "proceeds_yuan": "12000"})
    assert disposal["proceeds_yuan"] == 12000.0
    assert fleet("get_vehicle", first["id"])["status"] == "disposed"
    replacement = fleet.vehicle(u, replaces_vehicle_id=first["id"])
    assert replacement["replaces_vehicle_id"] == first["id"]
    assert fleet("list_quotas", {"unit_code": u})["items"][0]["occupied"] == 1
    [event] = events_of(fleet.container, contract.VEHICLE_DISPOSED)
    assert event["vehicle_id"] == first["id"] and event["method"] == "auction" and event["proceeds_yuan"] == 12000.0
    # the annual figures: disposed (销编) by method, and the vehicles registered into a slot (定编) this year
    renewal = fleet("vehicle_stats", {"year": 2024, "unit_code": u, "by_vehicle": False})["renewal"]
    assert (renewal["disposed"], renewal["by_method"], renewal["proceeds_yuan"]) == (
        1, {"auction": 1, "take_back": 0, "scrap": 0}, 12000.0)
    this_year = local_day(datetime.now(timezone.utc)).year
    assert fleet("vehicle_stats", {"year": this_year, "unit_code": u, "by_vehicle": False})["renewal"]["registered"] == 2


def test_a_status_change_and_an_odometer_correction_are_audited(fleet):
    v = fleet.vehicle(unit(), odometer_km="1000")
    with pytest.raises(RuleViolation):
        fleet("update_vehicle", v["id"], {"odometer_km": "900"})  # no reason
    fleet("update_vehicle", v["id"], {"odometer_km": "900", "reason": "仪表更换"})
    fleet("update_vehicle", v["id"], {"status": "sealed", "reason": "春节封存"})
    with pytest.raises(RuleViolation):
        fleet("update_vehicle", v["id"], {"status": "disposed"})
    history = fleet("vehicle_history", v["id"])
    assert [(c["from_status"], c["to_status"]) for c in history["status_changes"]] == [
        (None, "available"), ("available", "sealed")]
    [correction] = history["odometer_corrections"]
    assert (correction["old_km"], correction["new_km"], correction["reason"], correction["corrected_by"]) == (
        1000.0, 900.0, "仪表更换", "disp")


def test_a_nightly_sync_reads_only_what_changed_since_its_cursor(fleet):
    code = unit()
    first, second = fleet.vehicle(code), fleet.vehicle(code)
    cursor = second["updated_at"]
    changed = fleet("update_vehicle", first["id"], {"status": "sealed", "reason": "春节封存"})
    page = fleet("list_vehicles", {"unit_code": code, "updated_since": cursor})
    # oldest change first: the cursor's own record again (inclusive), then the change
    assert [v["id"] for v in page["items"]] == [second["id"], first["id"]] and page["total"] == 2
    later = fleet("list_vehicles", {"unit_code": code, "updated_since": changed["updated_at"]})
    assert [v["id"] for v in later["items"]] == [first["id"]]
    assert fleet("list_vehicles", {"unit_code": code})["total"] == 2
    with pytest.raises(Invalid) as refused:
        fleet("list_vehicles", {"updated_since": "yesterday"})
    assert "updated_since" in refused.value.errors


def test_an_offset_or_id_past_the_integer_columns_is_refused_by_name(fleet):
    for query in ({"offset": "9223372036854775808"}, {"offset": 2**31}):
        with pytest.raises(Invalid) as refused:
            fleet("list_vehicles", query)
        assert "offset" in refused.value.errors
    with pytest.raises(Invalid) as refused:
        fleet("list_dispatches", {"vehicle_id": "99999999999999999999"})
    assert "vehicle_id" in refused.value.errors


def test_the_dispatch_workflow_runs_to_closed_and_emits_dispatch_completed(fleet):
    u = unit()
    v, driver = fleet.vehicle(u, odometer_km="100"), fleet.driver()
    clerk = Caller("clerk", ("unit_user",), u)
    d = fleet("create_dispatch", {"purpose": "会议", "passengers": 2, "origin": "A", "destination": "B",
                                  "start_at": SOON.isoformat(), "end_at": (SOON + timedelta(hours=3)).isoformat()},
              caller=clerk)
    assert d["status"] == "requested" and d["unit_code"] == u
    with pytest.raises(Conflict):
        fleet("depart_dispatch", d["id"])  # illegal transition
    with pytest.raises(Invalid):
        fleet("reject_dispatch", d["id"], {})  # a rejection needs its reason
    fleet("approve_dispatch", d["id"])
    assert fleet("assign_dispatch", d["id"], {"vehicle_id": v["id"], "driver_id": driver["id"]})["status"] == "assigned"
    fleet("depart_dispatch", d["id"], {})
    assert fleet("get_vehicle", v["id"])["status"] == "dispatched"
    with pytest.raises(RuleViolation) as backwards:
        fleet("return_dispatch", d["id"], {"odometer_km": "50"})
    assert backwards.value.rule == "vehicles.odometer_backwards"
    back = fleet("return_dispatch", d["id"], {"odometer_km": "185.5", "fuel_liters": "8", "tolls_yuan": "20",
                                              "cost_yuan": "60"})
    assert back["distance_km"] == 85.5 and back["status"] == "returned"
    assert fleet("get_vehicle", v["id"])["status"] == "available"
    assert fleet("close_dispatch", d["id"])["status"] == "closed"
    [event] = events_of(fleet.container, contract.DISPATCH_COMPLETED)
    assert event["dispatch_id"] == d["id"] and event["distance_km"] == 85.5 and event["unit_code"] == u
    # the clerk sees its own unit's dispatch, and another unit's clerk does not
    assert call_as(fleet.rpc, clerk, "vehicles", "list_dispatches", {})["total"] == 1
    with pytest.raises(NotFound):
        call_as(fleet.rpc, Caller("other", ("unit_user",), unit()), "vehicles", "get_dispatch", d["id"])


def test_reception_creates_and_cancels_a_meeting_car_and_a_retried_cancel_is_harmless(fleet):
    officer = Caller("officer", ("reception_officer",))
    u = unit()
    d = fleet("create_dispatch", {"unit_code": u, "purpose": "会务用车", "passengers": 4, "origin": "宾馆",
                                  "destination": "会场", "start_at": SOON.isoformat(),
                                  "end_at": (SOON + timedelta(hours=1)).isoformat()}, caller=officer)
    assert d["status"] == "requested" and d["id"]
    cancelled = fleet("cancel_dispatch", d["id"], {"reason": "会议取消"}, caller=officer)
    again = fleet("cancel_dispatch", d["id"], {"reason": "retry"}, caller=officer)
    assert cancelled["status"] == again["status"] == "cancelled" and again["cancel_reason"] == "会议取消"
    # a departed dispatch cannot be cancelled
    v, driver = fleet.vehicle(u), fleet.driver()
    gone = fleet.dispatch(u)
    fleet("assign_dispatch", gone["id"], {"vehicle_id": v["id"], "driver_id": driver["id"]})
    fleet("depart_dispatch", gone["id"])
    with pytest.raises(Conflict):
        fleet("cancel_dispatch", gone["id"], {})


def test_a_vehicle_or_driver_is_never_double_booked(fleet):
    u = unit()
    v1, v2 = fleet.vehicle(u), fleet.vehicle(u)
    d1, d2 = fleet.driver(), fleet.driver()
    first = fleet.dispatch(u, T0, hours=2)
    fleet("assign_dispatch", first["id"], {"vehicle_id": v1["id"], "driver_id": d1["id"]})
    overlapping = fleet.dispatch(u, T0 + timedelta(hours=1), hours=2)
    with pytest.raises(Conflict) as vehicle_clash:
        fleet("assign_dispatch", overlapping["id"], {"vehicle_id": v1["id"], "driver_id": d2["id"]})
    assert "vehicle_id" in vehicle_clash.value.errors
    with pytest.raises(Conflict) as driver_clash:
        fleet("assign_dispatch", overlapping["id"], {"vehicle_id": v2["id"], "driver_id": d1["id"]})
    assert "driver_id" in driver_clash.value.errors
    back_to_back = fleet.dispatch(u, T0 - timedelta(hours=1), hours=1)  # ends as the first starts
    assert fleet("assign_dispatch", back_to_back["id"], {"vehicle_id": v1["id"], "driver_id": d1["id"]})
    # cancelling the first frees the vehicle for the overlapping one
    fleet("cancel_dispatch", first["id"], {})
    assert fleet("assign_dispatch", overlapping["id"], {"vehicle_id": v1["id"], "driver_id": d2["id"]})


def test_concurrent_assignments_of_one_vehicle_let_exactly_one_through(fleet, monkeypatch, test_backends):
    from services.vehicles import repository

    if test_backends.postgres_url is None:
        pytest.skip("row locks are PostgreSQL's; SQLite's single writer serialises the workers")

    real_check = repository.holding_dispatches

    def slow_check(*args, **kwargs):  # widens the window between the check and the write
        found = real_check(*args, **kwargs)
        eventlet.sleep(0.05)
        return found

    monkeypatch.setattr(repository, "holding_dispatches", slow_check)
    u = unit()
    v = fleet.vehicle(u)
    drivers = [fleet.driver() for _ in range(6)]
    dispatches = [fleet.dispatch(u, T0 + timedelta(minutes=10 * i), hours=2) for i in range(6)]

    def assign(pair):
        dispatch, driver = pair
        try:
            return fleet("assign_dispatch", dispatch["id"], {"vehicle_id": v["id"], "driver_id": driver["id"]})
        except Conflict:
            return "conflict"

    pool = eventlet.GreenPool(6)
    results = list(pool.imap(assign, zip(dispatches, drivers)))
    assert sum(r != "conflict" for r in results) == 1, results
    assert fleet("list_dispatches", {"unit_code": u, "status": "assigned"})["total"] == 1


def test_driver_assignability_is_enforced(fleet):
    u = unit()
    v = fleet.vehicle(u)
    expired = fleet.driver(licence_expires_on="2026-01-31")
    d = fleet.dispatch(u)
    with pytest.raises(RuleViolation) as refused:
        fleet("assign_dispatch", d["id"], {"vehicle_id": v["id"], "driver_id": expired["id"]})
    assert refused.value.rule == "vehicles.licence_expired"
    present, absent = fleet.driver(), fleet.driver()
    registered(fleet, [present, absent], timedelta(days=-7))  # on the books before the meeting
    today = local_day(datetime.now(timezone.utc))  # the service's day is Shanghai's, not the runner's
    fleet("create_safety_meeting", {"held_on": today.isoformat(), "topic": "冬季行车安全",
                                    "attendee_ids": [present["id"]]})
    assert fleet("get_driver", absent["id"])["assignable"] is False
    meetings = fleet("vehicle_stats", {"year": today.year, "by_vehicle": False})["safety_meetings"]
    assert meetings["held"] >= 1 and meetings["months_with_meeting"] >= 1 and meetings["attendances"] >= 1
    later = fleet.dispatch(u, datetime.now(timezone.utc) + timedelta(days=1))
    with pytest.raises(RuleViolation) as missed:
        fleet("assign_dispatch", later["id"], {"vehicle_id": v["id"], "driver_id": absent["id"]})
    assert missed.value.rule == "vehicles.missed_safety_meeting"
    assert fleet("assign_dispatch", later["id"], {"vehicle_id": v["id"], "driver_id": present["id"]})
    small = fleet.vehicle(u, seats=2)
    crowd = fleet.dispatch(u, T0 + timedelta(days=3), passengers=4)
    with pytest.raises(RuleViolation) as seats:
        fleet("assign_dispatch", crowd["id"], {"vehicle_id": small["id"], "driver_id": present["id"]})
    assert seats.value.rule == "vehicles.not_enough_seats"


def test_available_vehicles_best_fit_first(fleet):
    u = unit()
    bus, sedan, suv = fleet.vehicle(u, seats=19), fleet.vehicle(u, seats=5), fleet.vehicle(u, seats=7)
    taken = fleet.vehicle(u, seats=5)
    d = fleet.dispatch(u)
    fleet("assign_dispatch", d["id"], {"vehicle_id": taken["id"], "driver_id": fleet.driver()["id"]})
    answer = fleet("available_vehicles", {"start": (T0 + timedelta(hours=1)).isoformat(),
                                          "end": (T0 + timedelta(hours=4)).isoformat(), "seats": 4})
    ids = [item["id"] for item in answer["items"] if item["unit_code"] == u]
    assert ids == [sedan["id"], suv["id"], bus["id"]]


def test_available_vehicles_page_like_every_collection(fleet):
    u = unit()
    for seats in (5, 7, 19):
        fleet.vehicle(u, seats=seats)
    interval = {"start": (T0 + timedelta(days=40)).isoformat(), "end": (T0 + timedelta(days=40, hours=3)).isoformat()}
    whole = fleet("available_vehicles", interval)
    assert len(whole["items"]) == whole["total"] >= 3
    page = fleet("available_vehicles", {**interval, "limit": 2, "offset": 1})
    assert page["total"] == whole["total"] and [v["id"] for v in page["items"]] == [v["id"] for v in whole["items"][1:3]]
    for bad in ({"limit": 501}, {"limit": 0}, {"offset": -1}):
        with pytest.raises(Invalid) as refused:
            fleet("available_vehicles", {**interval, **bad})
        assert set(refused.value.errors) == set(bad)


def test_gps_batches_are_idempotent_match_dispatches_and_flag_the_rest(fleet):
    u = unit()
    v, sealed = fleet.vehicle(u), fleet.vehicle(u)
    d = fleet.dispatch(u)
    fleet("assign_dispatch", d["id"], {"vehicle_id": v["id"], "driver_id": fleet.driver()["id"]})
    fleet("update_vehicle", sealed["id"], {"status": "sealed", "reason": "节假日封存"})
    later = datetime.now(timezone.utc)
    eventlet.sleep(1.1)  # the sealed vehicle's trip has ended before it is pushed
    tag = uuid.uuid4().hex[:6]
    batch = {"trips": [
        {"trip_id": f"{tag}-1", "plate": v["plate"], "start_at": (T0 + timedelta(minutes=10)).isoformat(),
         "end_at": (T0 + timedelta(minutes=90)).isoformat(), "distance_km": "35.2"},
        {"trip_id": f"{tag}-2", "vehicle_id": v["id"], "start_at": (T0 + timedelta(days=1)).isoformat(),
         "end_at": (T0 + timedelta(days=1, hours=1)).isoformat(), "distance_km": "12"},
        {"trip_id": f"{tag}-3", "vehicle_id": sealed["id"], "start_at": later.isoformat(),
         "end_at": (later + timedelta(seconds=1)).isoformat(), "distance_km": "3"},
        {"trip_id": f"{tag}-4", "plate": "浙Z99999", "start_at": T0.isoformat(), "end_at": T0.isoformat(),
         "distance_km": "-1"},
        "not a row",
    ]}
    result = fleet("record_gps_trips", batch)
    assert (result["stored"], result["flagged"], result["rejected"]) == (3, 2, 2)
    assert [e["index"] for e in result["errors"]] == [3, 4] and "distance_km" in result["errors"][0]["errors"]
    assert result["items"][0]["dispatch_id"] == d["id"]
    again = fleet("record_gps_trips", {"trips": batch["trips"][:3]})
    assert (again["stored"], again["duplicates"]) == (0, 3)
    flags = fleet("list_vehicle_flags", {"unit_code": u})["items"]
    assert sorted(f["kind"] for f in flags) == ["no_dispatch", "sealed_moved"]
    events = [e for e in events_of(fleet.container, contract.TRIP_FLAGGED) if e["unit_code"] == u]
    assert sorted(e["trip_id"] for e in events) == [f"{tag}-2", f"{tag}-3"]
    # the unit explains, the dispatcher resolves; a unit sees only its own flags
    clerk = Caller("clerk", ("unit_user",), u)
    flag = next(f for f in flags if f["kind"] == "no_dispatch")
    with pytest.raises(Forbidden):
        fleet("resolve_vehicle_flag", flag["id"], {"outcome": "resolved", "resolution": "x"}, caller=clerk)
    fleet("explain_vehicle_flag", flag["id"], {"explanation": "临时接送领导，补办手续"}, caller=clerk)
    closed = fleet("resolve_vehicle_flag", flag["id"], {"outcome": "violation", "resolution": "确认违规"})
    assert closed["status"] == "violation"
    with pytest.raises(Conflict):
        fleet("explain_vehicle_flag", flag["id"], {"explanation": "again"}, caller=clerk)
    with pytest.raises(NotFound):
        fleet("explain_vehicle_flag", flag["id"], {"explanation": "x"}, caller=Caller("o", ("unit_user",), unit()))


def test_fuel_is_recorded_emitted_and_flagged_when_implausible(fleet):
    u = unit()
    v = fleet.vehicle(u, odometer_km="1000")
    station = fleet("create_vendor", {"name": f"中石化城关站-{u}", "kind": "fuel", "designated": True})
    other = fleet("create_vendor", {"name": f"路边加油站-{u}", "kind": "fuel", "designated": False})

    def fill(days, km, liters, vendor=station):
        return fleet("create_fuel_transaction", {
            "vehicle_id": v["id"], "vendor_id": vendor["id"], "card_number": "9100", "liters": str(liters),
            "amount_yuan": "300", "odometer_km": str(km), "filled_at": (T0 + timedelta(days=days)).isoformat()})

    assert fill(0, 1000, 40)["flags"] == []
    for day, km in ((5, 1500), (10, 2000), (15, 2500)):
        assert fill(day, km, 40)["l_per_100km"] == 8.0
    assert fill(20, 3000, 41, other)["flags"] == ["non_designated_vendor"]
    assert fill(25, 2900, 30)["flags"] == ["odometer"]  # backwards
    assert fill(26, 9000, 30)["flags"] == ["odometer"]  # 6,000 km in a day
    assert fill(40, 9500, 70)["flags"] == ["fuel_consumption"]  # 14 L/100 km against 8
    with pytest.raises(RuleViolation):
        fleet("create_fuel_transaction", {"vehicle_id": v["id"], "vendor_id": station["id"], "amount_yuan": "1",
                                          "odometer_km": "9600", "filled_at": T0.isoformat()})  # no litres
    emitted = [e for e in events_of(fleet.container, contract.FUEL_RECORDED) if e["vehicle_id"] == v["id"]]
    assert len(emitted) == 8 and emitted[0]["liters"] == 40.0 and emitted[0]["fuel_type"] == "gasoline"
    contract.FuelRecorded().load(emitted[0])  # energy loads exactly this schema


def test_stats_and_the_annual_report(fleet):
    u = unit()
    v, driver = fleet.vehicle(u, purchased_on="2016-03-01"), fleet.driver()
    d = fleet.dispatch(u)
    fleet("assign_dispatch", d["id"], {"vehicle_id": v["id"], "driver_id": driver["id"]})
    fleet("depart_dispatch", d["id"], {"departed_at": T0.isoformat()})
    fleet("return_dispatch", d["id"], {"odometer_km": "120", "returned_at": (T0 + timedelta(hours=2)).isoformat(),
                                       "cost_yuan": "50"})
    stats = fleet("vehicle_stats", {"year": 2026, "unit_code": u})
    assert stats["totals"]["dispatches"] == 1 and stats["totals"]["distance_km"] == 120.0
    assert stats["by_unit"][0]["unit_code"] == u and stats["by_vehicle"][0]["cost_yuan"] == 50.0
    totals_only = fleet("vehicle_stats", {"year": 2026, "unit_code": u, "by_vehicle": False})
    assert totals_only["by_vehicle"] == [] and totals_only["totals"] == stats["totals"]
    assert totals_only["by_unit"] == stats["by_unit"]
    assert fleet("vehicle_stats", {"year": 2025, "unit_code": u})["totals"]["dispatches"] == 0
    with pytest.raises(Invalid):
        fleet("vehicle_stats", {})
    report = fleet("vehicle_report", {"year": 2026})
    assert report["fleet"]["eligible_for_renewal"] >= 1
    xlsx = fleet("vehicle_report", {"year": 2026, "format": "xlsx"})
    assert xlsx["filename"] == "vehicle-report-2026.xlsx" and xlsx["content_base64"]


def test_stats_count_every_flag_kind_even_when_none_was_raised(fleet):
    stats = fleet("vehicle_stats", {"year": 2019, "unit_code": unit(), "by_vehicle": False})
    assert stats["flags"]["by_kind"] == {kind: 0 for kind in contract.FLAG_KINDS}
    assert stats["flags"]["raised"] == 0


def test_service_records_reminders_and_a_non_designated_repair_shop(fleet):
    u = unit()
    v = fleet.vehicle(u, odometer_km="4700", purchased_on="2025-01-01", insurance_expires_on="2026-05-20",
                      inspection_due_on="2026-09-01")
    shop = fleet("create_vendor", {"name": f"定点修理厂-{u}", "kind": "repair", "designated": True})
    garage = fleet("create_vendor", {"name": f"路边修理-{u}", "kind": "repair", "designated": False})
    fleet("add_service_record", v["id"], {"vendor_id": shop["id"], "serviced_on": "2026-04-01", "odometer_km": "4700",
                                          "description": "常规保养", "cost_yuan": "600"})
    assert fleet("list_reminders", {"on": "2026-05-01", "unit_code": u})["items"] == [
        {"vehicle_id": v["id"], "plate": v["plate"], "unit_code": u, "kind": "insurance", "state": "due_soon",
         "due_on": "2026-05-20", "due_km": None}]
    reminders = fleet("list_reminders", {"on": "2026-10-01", "unit_code": u})["items"]
    assert sorted((r["kind"], r["state"]) for r in reminders) == [
        ("inspection", "overdue"), ("insurance", "overdue"), ("service", "overdue")]  # 183 days > 180
    repair = fleet("add_service_record", v["id"], {"vendor_id": garage["id"], "kind": "repair",
                                                   "serviced_on": "2026-04-10", "odometer_km": "4800",
                                                   "description": "换轮胎", "cost_yuan": "900"})
    [flag] = fleet("list_vehicle_flags", {"unit_code": u})["items"]
    assert (flag["kind"], flag["service_record_id"]) == ("non_designated_vendor", repair["id"])
    assert fleet("list_service_records", v["id"], {})["total"] == 2


def test_insurance_bought_outside_the_designated_insurers_is_flagged(fleet):
    u = unit()
    v = fleet.vehicle(u, odometer_km="100")
    insurer = fleet("create_vendor", {"name": f"定点保险公司-{u}", "kind": "insurance", "designated": True})
    shop = fleet("create_vendor", {"name": f"定点修理厂-{u}", "kind": "repair", "designated": True})
    fleet("add_service_record", v["id"], {"vendor_id": insurer["id"], "kind": "insurance", "serviced_on": "2026-04-01",
                                          "odometer_km": "100", "description": "交强险续保", "cost_yuan": "950"})
    assert fleet("list_vehicle_flags", {"unit_code": u})["items"] == []
    wrong = fleet("add_service_record", v["id"], {"vendor_id": shop["id"], "kind": "insurance",
                                                  "serviced_on": "2026-04-02", "odometer_km": "100",
                                                  "description": "商业险", "cost_yuan": "3000"})
    [flag] = fleet("list_vehicle_flags", {"unit_code": u})["items"]
    assert (flag["kind"], flag["service_record_id"]) == ("non_designated_vendor", wrong["id"])


# dates that say something happened; a fleet taken over; new drivers --------------------------------
def test_a_disposal_dated_in_the_future_is_refused_and_keeps_the_slot(fleet):
    u = unit()
    fleet("set_quota", {"unit_code": u, "slots": 1})
    today = local_day(datetime.now(timezone.utc))
    eight_years_ago = today.replace(year=today.year - 8)
    # eligible for renewal only 10 days from now: a disposal dated then would have passed the 8-year rule
    young = fleet.vehicle(u, purchased_on=(eight_years_ago + timedelta(days=10)).isoformat())
    with pytest.raises(RuleViolation) as ahead:
        fleet("dispose_vehicle", young["id"], {"method": "auction",
                                               "disposed_on": (today + timedelta(days=30)).isoformat()})
    assert "disposed_on" in ahead.value.errors
    assert fleet("get_vehicle", young["id"])["status"] == "available"
    assert fleet("list_quotas", {"unit_code": u})["items"][0]["free"] == 0  # the slot is still taken
    with pytest.raises(RuleViolation) as early:  # judged today: not yet 8 years
        fleet("dispose_vehicle", young["id"], {"method": "scrap", "disposed_on": today.isoformat()})
    assert early.value.rule == "vehicles.renewal_too_early"
    old = fleet.vehicle(unit(), purchased_on=eight_years_ago.isoformat())
    assert fleet("dispose_vehicle", old["id"], {"method": "scrap", "disposed_on": today.isoformat()})["id"]


def test_a_first_fuel_fill_below_the_registered_odometer_is_flagged(fleet):
    u = unit()
    station = fleet("create_vendor", {"name": f"中石化-{u}", "kind": "fuel", "designated": True})

    def fill(vehicle, km, at=None):
        return fleet("create_fuel_transaction", {
            "vehicle_id": vehicle["id"], "vendor_id": station["id"], "liters": "40", "amount_yuan": "300",
            "odometer_km": str(km), "filled_at": (at or datetime.now(timezone.utc)).isoformat()})

    below = fleet.vehicle(u, odometer_km="50000")
    first = fill(below, 30000)
    assert first["flags"] == ["odometer"] and first["l_per_100km"] is None
    assert fleet("get_vehicle", below["id"])["odometer_km"] == 50000.0  # a flagged reading moves nothing
    flag = fleet("list_vehicle_flags", {"vehicle_id": below["id"]})["items"][0]
    assert flag["kind"] == "odometer" and "50000" in flag["detail"]
    fine = fleet.vehicle(u, odometer_km="50000")
    assert fill(fine, 50120)["flags"] == []
    jumped = fleet.vehicle(u, odometer_km="1000")
    assert fill(jumped, 90000)["flags"] == ["odometer"]  # 89,000 km on the day it was registered
    mistyped = fleet.vehicle(u, odometer_km="50000")  # registered with a wrong reading, corrected
    fleet("update_vehicle", mistyped["id"], {"odometer_km": "30000", "reason": "登记时里程录入错误"})
    assert fill(mistyped, 30100)["flags"] == []
    history = fleet.vehicle(u, odometer_km="50000")  # fills from before registration are history
    assert fill(history, 30000, T0)["flags"] == []


def test_dates_that_say_something_happened_may_not_lie_in_the_future(fleet):
    u = unit()
    v, driver = fleet.vehicle(u, odometer_km="100"), fleet.driver()
    tomorrow = (local_day(datetime.now(timezone.utc)) + timedelta(days=1)).isoformat()
    soon = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    station = fleet("create_vendor", {"name": f"站-{u}", "kind": "fuel", "designated": True})
    shop = fleet("create_vendor", {"name": f"厂-{u}", "kind": "repair", "designated": True})
    refused = [
        ("filled_at", "create_fuel_transaction", ({"vehicle_id": v["id"], "vendor_id": station["id"], "liters": "30",
                                                   "amount_yuan": "200", "odometer_km": "150", "filled_at": soon},)),
        ("serviced_on", "add_service_record", (v["id"], {"vendor_id": shop["id"], "serviced_on": tomorrow,
                                                         "odometer_km": "100", "description": "保养",
                                                         "cost_yuan": "500"})),
        ("held_on", "create_safety_meeting", ({"held_on": tomorrow, "topic": "安全", "attendee_ids": []},)),
        ("occurred_on", "add_assessment", (driver["id"], {"kind": "commendation", "occurred_on": tomorrow,
                                                           "description": "好人好事"})),
        ("purchased_on", "create_vehicle", ({"plate": "浙A9Z001", "vin": vin_for(99999), "make": "红旗",
                                             "model": "H5", "category": "sedan", "seats": 5,
                                             "fuel_type": "gasoline", "unit_code": u, "purchased_on": tomorrow},)),
    ]
    for field, method, args in refused:
        with pytest.raises(RuleViolation) as ahead:
            fleet(method, *args)
        assert field in ahead.value.errors, method
    d = fleet.dispatch(u, SOON)
    fleet("assign_dispatch", d["id"], {"vehicle_id": v["id"], "driver_id": driver["id"]})
    with pytest.raises(RuleViolation) as departs_later:
        fleet("depart_dispatch", d["id"], {"departed_at": soon})
    assert "departed_at" in departs_later.value.errors
    fleet("depart_dispatch", d["id"], {})
    with pytest.raises(RuleViolation) as returns_later:
        fleet("return_dispatch", d["id"], {"odometer_km": "180", "returned_at": soon})
    assert "returned_at" in returns_later.value.errors
    assert fleet("get_dispatch", d["id"])["status"] == "departed"
    pushed = fleet("record_gps_trips", {"trips": [
        {"trip_id": uuid.uuid4().hex, "vehicle_id": v["id"], "start_at": datetime.now(timezone.utc).isoformat(),
         "end_at": soon, "distance_km": "5"}]})
    assert pushed["rejected"] == 1 and "end_at" in pushed["errors"][0]["errors"]
    assert fleet("list_fuel_transactions", {"vehicle_id": v["id"]})["total"] == 0


def test_a_car_request_starts_no_earlier_than_now_but_the_dispatcher_enters_past_trips(fleet):
    u = unit()
    clerk = Caller("clerk", ("unit_user",), u)
    officer = Caller("officer", ("reception_officer",))
    last_month = datetime.now(timezone.utc) - timedelta(days=30)
    request = {"unit_code": u, "purpose": "会务用车", "passengers": 2, "origin": "A", "destination": "B",
               "start_at": last_month.isoformat(), "end_at": (last_month + timedelta(hours=2)).isoformat()}
    for caller in (clerk, officer):
        with pytest.raises(RuleViolation) as past:
            fleet("create_dispatch", request, caller=caller)
        assert past.value.rule == "vehicles.request_in_past" and "start_at" in past.value.errors
    leaving = datetime.now(timezone.utc) - timedelta(minutes=10)  # asked for as the car leaves
    assert fleet("create_dispatch", {**request, "start_at": leaving.isoformat(),
                                     "end_at": (leaving + timedelta(hours=1)).isoformat()}, caller=clerk)["id"]
    assert fleet("create_dispatch", request)["status"] == "requested"  # 补录 by the dispatcher


def test_a_fleet_taken_over_with_its_last_service_is_not_all_overdue(fleet):
    u = unit()
    today = local_day(datetime.now(timezone.utc))
    serviced = (today - timedelta(days=30)).isoformat()
    taken = fleet.vehicle(u, odometer_km="60000", purchased_on="2018-05-01", last_service_on=serviced,
                          last_service_odometer_km="58000")
    assert (taken["last_service_on"], taken["last_service_odometer_km"]) == (serviced, 58000.0)
    bare = fleet.vehicle(u, odometer_km="60000", purchased_on="2018-05-01")
    reminders = fleet("list_reminders", {"unit_code": u})["items"]
    assert [(r["vehicle_id"], r["kind"], r["state"]) for r in reminders] == [(bare["id"], "service", "overdue")]
    # the vehicles already registered get theirs afterwards
    fleet("update_vehicle", bare["id"], {"last_service_on": serviced, "last_service_odometer_km": "59000"})
    assert fleet("list_reminders", {"unit_code": u})["items"] == []
    # by distance too: 5000 km after the last service
    due = fleet.vehicle(u, odometer_km="64000", last_service_on=serviced, last_service_odometer_km="58000")
    [reminder] = fleet("list_reminders", {"unit_code": u})["items"]
    assert (reminder["vehicle_id"], reminder["state"], reminder["due_km"]) == (due["id"], "overdue", 63000.0)
    for bad, field in (({"last_service_on": serviced}, "last_service_odometer_km"),
                       ({"last_service_on": serviced, "last_service_odometer_km": "70000"}, "last_service_odometer_km"),
                       ({"last_service_on": (today + timedelta(days=1)).isoformat(),
                         "last_service_odometer_km": "100"}, "last_service_on")):
        with pytest.raises((Invalid, RuleViolation)) as refused:
            fleet.vehicle(u, odometer_km="60000", **bad)
        assert field in refused.value.errors


def test_a_driver_registered_after_the_last_safety_meeting_is_assignable_until_the_next(fleet):
    u = unit()
    v = fleet.vehicle(u)
    today = local_day(datetime.now(timezone.utc))
    veteran, absent = fleet.driver(), fleet.driver()
    registered(fleet, [veteran, absent], timedelta(days=-30))
    fleet("create_safety_meeting", {"held_on": (today - timedelta(days=2)).isoformat(), "topic": "月度安全例会",
                                    "attendee_ids": [veteran["id"]]})
    newcomer = fleet.driver()  # joined after the meeting
    assert fleet("get_driver", newcomer["id"])["assignable"] is True
    assert fleet("get_driver", absent["id"])["assignable"] is False
    meetings = fleet("vehicle_stats", {"year": today.year, "by_vehicle": False})["safety_meetings"]
    assert meetings["held"] >= 1 and meetings["months_with_meeting"] >= 1 and meetings["attendances"] >= 1
    d = fleet.dispatch(u, SOON)
    assert fleet("assign_dispatch", d["id"], {"vehicle_id": v["id"], "driver_id": newcomer["id"]})["status"] == "assigned"
    # joined today, after today's meeting: still assignable until the next one
    fleet("create_safety_meeting", {"held_on": today.isoformat(), "topic": "节前安全教育",
                                    "attendee_ids": [veteran["id"]]})
    same_day = fleet.driver()
    assert fleet("get_driver", same_day["id"])["assignable"] is True
    # a meeting held after they joined binds them: missing it makes them unassignable
    registered(fleet, [newcomer], timedelta(days=-1))
    missed = fleet("get_driver", newcomer["id"])
    assert missed["assignable"] is False and "safety meeting" in missed["not_assignable_because"][0]


def test_a_unit_reads_its_own_fleet_and_never_another_units(fleet):
    """Its cars' trips, fuel, upkeep, figures and free cars; another unit's vehicle answers 404."""
    mine, theirs = unit(), unit()
    clerk = Caller("clerk", ("unit_user",), mine)
    station = fleet("create_vendor", {"name": f"中石化-{mine}", "kind": "fuel", "designated": True})
    shop = fleet("create_vendor", {"name": f"修理厂-{mine}", "kind": "repair", "designated": True})
    cars = {}
    for code in (mine, theirs):
        car = cars[code] = fleet.vehicle(code, odometer_km="1000")
        fleet("record_gps_trips", {"trips": [{"trip_id": f"{code}-trip", "vehicle_id": car["id"],
                                              "start_at": T0.isoformat(), "end_at": (T0 + timedelta(hours=1)).isoformat(),
                                              "distance_km": "20"}]})
        fleet("create_fuel_transaction", {"vehicle_id": car["id"], "vendor_id": station["id"], "liters": "30",
                                          "amount_yuan": "240", "odometer_km": "1100", "filled_at": T0.isoformat()})
        fleet("add_service_record", car["id"], {"vendor_id": shop["id"], "serviced_on": "2026-03-02",
                                                "odometer_km": "1100", "description": "保养", "cost_yuan": "500"})
    own, other = cars[mine]["id"], cars[theirs]["id"]

    trips = fleet("list_gps_trips", {"limit": 500}, caller=clerk)["items"]
    assert {t["vehicle_id"] for t in trips} == {own}
    fuel = fleet("list_fuel_transactions", {"limit": 500}, caller=clerk)["items"]
    assert {f["vehicle_id"] for f in fuel} == {own} and fuel[0]["amount_yuan"] == 240.0
    assert fleet("list_service_records", own, {}, caller=clerk)["total"] == 1
    stats = fleet("vehicle_stats", {"year": 2026}, caller=clerk)
    assert [row["unit_code"] for row in stats["by_unit"]] == [mine]
    assert [row["vehicle_id"] for row in stats["by_vehicle"]] == [own]
    assert stats["totals"]["fuel_yuan"] == 240.0 and stats["totals"]["service_yuan"] == 500.0
    free = fleet("available_vehicles", {"start": SOON.isoformat(), "end": (SOON + timedelta(hours=2)).isoformat(),
                                        "limit": 500}, caller=clerk)["items"]
    assert [v["id"] for v in free] == [own]
    # staff still read every unit's
    assert {t["vehicle_id"] for t in fleet("list_gps_trips", {"limit": 500})["items"]} >= {own, other}
    for method, args in (("list_gps_trips", ({"vehicle_id": other},)),
                         ("list_fuel_transactions", ({"vehicle_id": other},)),
                         ("list_service_records", (other, {})),
                         ("vehicle_stats", ({"year": 2026, "unit_code": theirs},))):
        with pytest.raises(NotFound):
            fleet(method, *args, caller=clerk)
