"""Equipment upkeep, patrols and training over real RPC and a real database: the register's
default plans, work orders generated once per plan and due date (two generators racing, a
restart), the checklist and the repairs its findings open, certificates, purchases, patrols
walked by scanning, flagged when missed, findings, training and the figures."""
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import func, select, update

from services.facilities import upkeep_repository
from services.facilities.models import Patrol, PatrolSchedule, WorkOrder
from services.facilities.service import FacilitiesService
from services.kit.context import Caller
from services.kit.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.integration.test_facilities_rpc import events
from tests.support import admin_caller, call_as, database_of

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")
MANAGER = Caller("fm-upkeep", ("facility_manager",))
TECH = Caller("tech-upkeep", ("technician",))
OTHER_TECH = Caller("tech-other", ("technician",))
GUARD = Caller("guard-upkeep", ("guard",))
LEADER = Caller("leader-upkeep", ("leader",))


def today():
    return datetime.now(SHANGHAI).date()


def fac(rpc, method, *args, caller=MANAGER):
    return call_as(rpc, caller, "facilities", method, *args)


@pytest.fixture
def facilities(start_service):
    return start_service(FacilitiesService)


def a_building(rpc):
    return fac(rpc, "create_building", {"name": f"综合楼-{uuid.uuid4().hex[:6]}", "floors": 8})


def equipment(rpc, building, kind="generator", **extra):
    return fac(rpc, "create_equipment", {"building_id": building["id"], "kind": kind, "name": f"{kind}-1",
                                         "maker": "玉柴", "model": "YC-200", "serial": uuid.uuid4().hex[:10],
                                         "installed_on": "2020-05-01", "warranty_until_on": "2022-05-01",
                                         "location": "地下一层设备间", **extra})


def plan(rpc, item, due_in_days, **extra):
    return fac(rpc, "create_maintenance_plan", {
        "equipment_id": item["id"], "name": "月度试运行", "every_months": 1,
        "first_due_on": str(today() + timedelta(days=due_in_days)),
        "checklist": [{"name": "启动正常"}, {"name": "电压", "type": "measure", "unit": "V", "min": 380, "max": 420}],
        **extra})


# the register and its default plans --------------------------------------------------------
def test_equipment_gets_its_kinds_statutory_plans_and_its_certificate_sets_the_inspection(facilities, rpc):
    building = a_building(rpc)
    lift = equipment(rpc, building, "elevator", name="1号电梯")
    assert lift["under_warranty"] is False and lift["status"] == "in_service"
    plans = fac(rpc, "list_maintenance_plans", {"equipment_id": lift["id"]})["items"]
    by_name = {p["name"]: p for p in plans}
    assert by_name["电梯维护保养"]["every_days"] == 15
    assert by_name["电梯维护保养"]["next_due_on"] == str(today() + timedelta(days=15))
    assert by_name["电梯定期检验"]["kind"] == "statutory" and by_name["电梯定期检验"]["every_months"] == 12
    # the certificate it holds: valid a year by default, and the inspection falls due when it ends
    issued = today() - timedelta(days=360)
    certificate = fac(rpc, "add_certificate", lift["id"], {"name": "电梯定期检验报告", "number": "DT-1",
                                                          "issued_on": str(issued)})
    assert certificate["expires_on"] == str(issued.replace(year=issued.year + 1)) and certificate["valid"]
    assert certificate["expiring"]  # some 5 days left, within the 30 of the warning
    inspection = fac(rpc, "get_maintenance_plan", by_name["电梯定期检验"]["id"])
    assert inspection["next_due_on"] == certificate["expires_on"]
    assert [c["id"] for c in fac(rpc, "list_certificates", {"expiring": True})["items"]] == [certificate["id"]]
    # generated seven days ahead of that date: the inspection's order now, not the 15-day maintenance's
    report = fac(rpc, "generate_work_orders", {})
    orders = fac(rpc, "list_work_orders", {"equipment_id": lift["id"]})["items"]
    assert report["generated"] == 1 and [o["title"] for o in orders] == ["1号电梯：电梯定期检验"]
    assert [o["kind"] for o in orders] == ["statutory"]


def test_no_default_plans_when_asked_and_the_register_refuses_a_future_install(facilities, rpc):
    building = a_building(rpc)
    pump = equipment(rpc, building, "water_pump", default_plans=False)
    assert fac(rpc, "list_maintenance_plans", {"equipment_id": pump["id"]})["total"] == 0
    with pytest.raises(RuleViolation):
        equipment(rpc, building, installed_on=str(today() + timedelta(days=3)))
    with pytest.raises(RuleViolation):
        plan(rpc, pump, 3, every_days=10)  # days and months both
    with pytest.raises(Forbidden):
        fac(rpc, "create_equipment", {"building_id": building["id"], "kind": "hvac", "name": "x"}, caller=TECH)
    with pytest.raises(RuleViolation):
        equipment(rpc, building, "hvac", extinguisher_agent="co2")


def test_an_extinguisher_is_sent_for_repair_from_its_factory_date_and_shows_its_service_life(facilities, rpc):
    powder = equipment(rpc, a_building(rpc), "extinguisher", extinguisher_agent="dry_powder", installed_on="2017-03-10")
    assert powder["scrap_on"] == "2027-03-10" and powder["past_service_life"] is False
    plans = {p["name"]: p for p in fac(rpc, "list_maintenance_plans", {"equipment_id": powder["id"]})["items"]}
    assert plans["灭火器送修"]["next_due_on"] == "2022-03-10" and plans["灭火器送修"]["every_months"] == 24
    assert plans["灭火器送修"]["overdue"] and plans["灭火器月度检查"]["every_months"] == 1
    old = equipment(rpc, a_building(rpc), "extinguisher", extinguisher_agent="water", installed_on="2019-01-01")
    assert old["scrap_on"] == "2025-01-01" and old["past_service_life"] is True


# work orders -----------------------------------------------------------------------------
def test_an_order_is_generated_once_worked_by_its_technician_and_its_findings_open_repairs(facilities, rpc):
    building = a_building(rpc)
    generator = equipment(rpc, building, default_plans=False)
    monthly = plan(rpc, generator, 5)
    later = plan(rpc, generator, 8, name="季度保养", every_months=3)  # beyond the seven days: not yet
    first = fac(rpc, "generate_work_orders", {})
    assert first["generated"] == 1
    assert fac(rpc, "generate_work_orders", {})["generated"] == 0  # never twice for one due date
    [order] = fac(rpc, "list_work_orders", {"plan_id": monthly["id"]})["items"]
    assert fac(rpc, "list_work_orders", {"plan_id": later["id"]})["total"] == 0
    assert order["due_on"] == str(today() + timedelta(days=5)) and order["status"] == "open"
    assert [item["name"] for item in order["items"]] == ["启动正常", "电压"]
    assert events(facilities, "work_order_generated")[-1]["work_order_id"] == order["id"]
    # assigned like a repair: the technician sees their own orders only
    fac(rpc, "assign_work_order", order["id"], {"technician": TECH.name})
    assert fac(rpc, "list_work_orders", {}, caller=OTHER_TECH)["total"] == 0
    with pytest.raises(NotFound):
        fac(rpc, "start_work_order", order["id"], caller=OTHER_TECH)
    fac(rpc, "start_work_order", order["id"], caller=TECH)
    # every item ticked or measured
    with pytest.raises(RuleViolation) as refused:
        fac(rpc, "complete_work_order", order["id"], {"items": [{"name": "启动正常", "checked": True}]}, caller=TECH)
    assert refused.value.rule == "work_order.checklist_incomplete"
    done = fac(rpc, "complete_work_order", order["id"], {
        "items": [{"name": "启动正常", "checked": True}, {"name": "电压", "value": 350}], "run_hours": "120.5",
        "findings": [{"description": "机油渗漏", "severity": "major"}]}, caller=TECH)
    assert done["status"] == "done" and done["on_time"] is True and done["run_hours"] == 120.5
    # the out-of-range voltage and the reported leak: two repairs of the generator trade
    repairs = [fac(rpc, "get_repair", finding["repair_id"]) for finding in done["findings"]]
    assert [(r["category"], r["severity"], r["status"]) for r in repairs] == [
        ("generator", "minor", "reported"), ("generator", "major", "reported")]
    assert "电压 350.0V 超出范围" in repairs[0]["description"]
    # the plan's next due date counts from today; the run hours were read
    after = fac(rpc, "get_maintenance_plan", monthly["id"])
    assert after["last_done_on"] == str(today()) and after["last_done_run_hours"] == 120.5
    assert fac(rpc, "get_equipment", generator["id"])["run_hours"] == 120.5
    assert fac(rpc, "list_meter_readings", generator["id"])["items"][0]["reader"] == TECH.name
    with pytest.raises(Conflict):
        fac(rpc, "complete_work_order", order["id"], {}, caller=TECH)


def test_a_plan_by_meter_falls_due_when_the_run_hours_reach_it(facilities, rpc):
    generator = equipment(rpc, a_building(rpc), default_plans=False)
    fac(rpc, "record_meter_reading", generator["id"], {"run_hours": "100"}, caller=TECH)
    hours = fac(rpc, "create_maintenance_plan", {"equipment_id": generator["id"], "name": "250小时保养",
                                                "every_run_hours": 250})
    assert hours["next_due_on"] is None and hours["last_done_run_hours"] == 100.0
    assert fac(rpc, "generate_work_orders", {})["generated"] == 0
    with pytest.raises(RuleViolation) as refused:
        fac(rpc, "record_meter_reading", generator["id"], {"run_hours": "90"}, caller=TECH)
    assert refused.value.rule == "equipment.meter_backwards"
    fac(rpc, "record_meter_reading", generator["id"], {"run_hours": "351"}, caller=TECH)
    assert fac(rpc, "get_maintenance_plan", hours["id"])["due_on"] == str(today())
    assert fac(rpc, "generate_work_orders", {})["generated"] == 1


def test_overdue_orders_and_plans_are_listed_and_notified_once(facilities, rpc):
    generator = equipment(rpc, a_building(rpc), default_plans=False)
    late = plan(rpc, generator, -3)
    assert fac(rpc, "get_maintenance_plan", late["id"])["overdue"]
    assert late["id"] in [p["id"] for p in fac(rpc, "list_maintenance_plans", {"overdue": True})["items"]]
    fac(rpc, "generate_work_orders", {})
    [order] = fac(rpc, "list_work_orders", {"plan_id": late["id"], "overdue": True})["items"]
    assert order["overdue"]
    assert [e for e in events(facilities, "maintenance_overdue") if e["work_order_id"] == order["id"]] == []
    for _ in range(2):  # the timer's work, run twice: one event
        with entrypoint_hook(facilities, "keep_up_maintenance") as keep_up:
            keep_up()
    assert len([e for e in events(facilities, "maintenance_overdue") if e["work_order_id"] == order["id"]]) == 1


def test_two_generators_racing_and_a_restart_make_one_order_per_plan_and_due_date(start_service, databases, rpc):
    url = databases.migrated_url("facilities")
    first = start_service(FacilitiesService, database_url=url)
    second = start_service(FacilitiesService, database_url=url)
    building = a_building(rpc)
    items = [equipment(rpc, building, default_plans=False) for _ in range(3)]
    plans = [plan(rpc, item, days) for item in items for days in (1, 2)]
    pool = eventlet.GreenPool(10)
    reports = list(pool.imap(lambda _: fac(rpc, "generate_work_orders", {}), range(10)))
    assert sum(r["generated"] for r in reports) == len(plans)
    with database_of(first).sessionmaker() as session:
        counts = session.execute(select(WorkOrder.plan_id, func.count()).group_by(WorkOrder.plan_id)).all()
    assert sorted(counts) == sorted((p["id"], 1) for p in plans)
    # a restart of the scheduler: the new process makes none again
    second.stop()
    third = start_service(FacilitiesService, database_url=url)
    assert fac(rpc, "generate_work_orders", {})["generated"] == 0
    assert len(events(third, "work_order_generated")) == len(plans)


def test_the_key_on_plan_and_due_date_decides_between_two_open_transactions(facilities, rpc, test_backends):
    """The check for an open order cannot see another transaction's uncommitted one: the key does."""
    if test_backends.postgres_url is None:
        pytest.skip("two writers at once need PostgreSQL (SQLite lets one writer at a time)")
    generator = equipment(rpc, a_building(rpc), default_plans=False)
    monthly = plan(rpc, generator, 2)
    due = today() + timedelta(days=2)
    values = {"plan_id": monthly["id"], "equipment_id": generator["id"], "building_id": generator["building_id"],
              "kind": "preventive", "title": "t", "due_on": due, "status": "open", "items": [], "findings": [],
              "created_at": datetime.now(timezone.utc), "updated_at": datetime.now(timezone.utc)}
    maker = database_of(facilities).sessionmaker
    with maker() as one, maker() as other:
        assert upkeep_repository.insert_once(one, WorkOrder, values, ("plan_id", "due_on")) is not None
        racing = eventlet.spawn(upkeep_repository.insert_once, other, WorkOrder, values, ("plan_id", "due_on"))
        eventlet.sleep(0.3)  # the second waits on the first's uncommitted row
        one.commit()
        assert racing.wait() is None
        other.commit()
    assert fac(rpc, "list_work_orders", {"plan_id": monthly["id"]})["total"] == 1


# replacement and purchases (更新添置) -------------------------------------------------------
def test_a_replacement_retires_the_old_equipment_and_stops_its_plans(facilities, rpc):
    building = a_building(rpc)
    old = equipment(rpc, building, "hvac")
    new = equipment(rpc, building, "hvac", name="新空调机组")
    bought = fac(rpc, "create_equipment_purchase", {
        "building_id": building["id"], "kind": "hvac", "description": "更换办公楼中央空调机组", "cost_yuan": "125000.50",
        "purchased_on": str(today()), "equipment_id": new["id"], "replaces_id": old["id"], "supplier": "格力"})
    assert bought["cost_yuan"] == 125000.5
    assert fac(rpc, "get_equipment", old["id"])["status"] == "retired"
    assert all(not p["active"] for p in fac(rpc, "list_maintenance_plans", {"equipment_id": old["id"]})["items"])
    with pytest.raises(RuleViolation):
        fac(rpc, "create_equipment_purchase", {"building_id": building["id"], "kind": "hvac", "description": "x",
                                               "cost_yuan": 1, "purchased_on": str(today()), "replaces_id": old["id"]})
    stats = fac(rpc, "equipment_stats", {"from": str(today()), "to": str(today())}, caller=LEADER)
    assert stats["purchases"] == 1 and stats["purchases_cost_yuan"] == 125000.5


def test_equipment_figures_count_orders_on_time_overdue_and_valid_certificates(facilities, rpc):
    building = a_building(rpc)
    generator = equipment(rpc, building, default_plans=False)
    on_time, late = plan(rpc, generator, 0), plan(rpc, generator, -2, name="补做")
    tank = equipment(rpc, building, "water_tank", default_plans=False)
    fac(rpc, "add_certificate", tank["id"], {"name": "清洗消毒报告", "issued_on": str(today() - timedelta(days=400))})
    fac(rpc, "add_certificate", generator["id"], {"name": "年检", "issued_on": str(today() - timedelta(days=10))})
    fac(rpc, "generate_work_orders", {})
    [order] = fac(rpc, "list_work_orders", {"plan_id": on_time["id"]})["items"]
    fac(rpc, "assign_work_order", order["id"], {"technician": TECH.name})
    checklist = [{"name": "启动正常", "checked": True}, {"name": "电压", "value": 400}]
    with pytest.raises(RuleViolation) as refused:  # a generator's run hours are read at each run
        fac(rpc, "complete_work_order", order["id"], {"items": checklist}, caller=TECH)
    assert refused.value.rule == "work_order.run_hours_required"
    fac(rpc, "complete_work_order", order["id"], {"items": checklist, "run_hours": 15}, caller=TECH)
    period = {"from": str(today() - timedelta(days=5)), "to": str(today())}
    stats = fac(rpc, "equipment_stats", period)
    assert {k: stats[k] for k in ("equipment", "orders_due", "orders_done", "orders_done_on_time", "orders_overdue",
                                  "plans_overdue", "certificates", "certificates_valid")} == {
        "equipment": 2, "orders_due": 2, "orders_done": 1, "orders_done_on_time": 1, "orders_overdue": 1,
        "plans_overdue": 1, "certificates": 2, "certificates_valid": 1}
    assert stats["on_time_rate"] == 0.5
    assert {row["kind"] for row in stats["by_kind"]} == {"generator", "water_tank"}
    with pytest.raises(Forbidden):
        fac(rpc, "equipment_stats", period, caller=TECH)
    del late


# patrols --------------------------------------------------------------------------------
def a_route(rpc, kind="security", names=("大门", "消防通道", "配电房")):
    route = fac(rpc, "create_patrol_route", {"name": f"行政中心夜巡-{uuid.uuid4().hex[:6]}", "site": "行政中心",
                                            "kind": kind})
    for name in names:
        fac(rpc, "add_checkpoint", route["id"], {"name": name, "location": f"{name}旁", "unit_code": "U-PATROL"})
    return fac(rpc, "get_patrol_route", route["id"])


def test_a_guard_walks_a_route_by_scanning_and_a_skipped_checkpoint_is_flagged(facilities, rpc):
    route = a_route(rpc)
    first, second, third = route["checkpoints"]
    assert len({c["token"] for c in route["checkpoints"]}) == 3 and [c["position"] for c in route["checkpoints"]] == [1, 2, 3]
    seen = fac(rpc, "record_scan", first["token"], caller=GUARD)
    patrol = seen["patrol"]
    assert patrol["status"] == "in_progress" and patrol["guard"] == GUARD.name and not seen["repeated"]
    assert fac(rpc, "record_scan", first["token"], caller=GUARD)["repeated"]  # scanned twice: once recorded
    fac(rpc, "record_scan", third["token"], caller=GUARD)
    with pytest.raises(Forbidden):
        fac(rpc, "record_scan", second["token"], caller=TECH)
    with pytest.raises(NotFound):
        fac(rpc, "record_scan", "no-such-label", caller=GUARD)
    finished = fac(rpc, "finish_patrol", patrol["id"], caller=GUARD)
    assert finished["status"] == "incomplete" and finished["missed_names"] == ["消防通道"] and finished["flagged"]
    assert [s["checkpoint"] for s in finished["scans"]] == ["大门", "配电房"]
    [flag] = [e for e in events(facilities, "patrol_missed") if e["patrol_id"] == patrol["id"]]
    assert flag["status"] == "incomplete" and flag["missed_checkpoints"] == ["消防通道"]
    # the next walk, in full, closes by itself on the last scan
    for checkpoint in (third, first, second):
        walked = fac(rpc, "record_scan", checkpoint["token"], caller=GUARD)["patrol"]
    assert walked["id"] != patrol["id"] and walked["status"] == "done" and walked["missed"] == []


def test_scheduled_patrols_are_planned_once_and_one_not_walked_is_flagged_when_its_window_ends(facilities, rpc):
    route = a_route(rpc)
    schedule = fac(rpc, "create_patrol_schedule", route["id"], {})
    assert (schedule["starts"], schedule["ends"], schedule["every_minutes"]) == ("20:00", "06:00", 120)
    # the schedule existed before last night: last night's five patrols were due and none was walked
    with database_of(facilities).sessionmaker() as session:
        session.execute(update(PatrolSchedule).where(PatrolSchedule.id == schedule["id"])
                        .values(created_at=datetime.now(timezone.utc) - timedelta(days=3)))
        session.commit()
    report = fac(rpc, "plan_patrols", {})
    again = fac(rpc, "plan_patrols", {})  # a restart plans none twice and flags none twice
    assert again == {"planned": 0, "flagged": 0}
    with database_of(facilities).sessionmaker() as session:
        rows = session.execute(select(Patrol.slot_at, Patrol.status).where(Patrol.schedule_id == schedule["id"])
                               .order_by(Patrol.slot_at)).all()
    assert report["planned"] == len(rows) == 15  # last night, tonight, tomorrow night
    last_night = [status for slot, status in rows
                  if slot.astimezone(SHANGHAI).date() in (today() - timedelta(days=1), today())
                  and slot.astimezone(SHANGHAI) < datetime.combine(today(), datetime.min.time(), SHANGHAI)
                  + timedelta(hours=6)]
    assert last_night and set(last_night) == {"missed"}
    flagged = fac(rpc, "list_patrols", {"route_id": route["id"], "flagged": True}, caller=LEADER)
    assert flagged["total"] == report["flagged"] >= 5
    assert all(p["missed_names"] == ["大门", "消防通道", "配电房"] for p in flagged["items"])
    assert len([e for e in events(facilities, "patrol_missed") if e["route_id"] == route["id"]]) == report["flagged"]


def test_a_finding_opens_a_repair_or_a_rectification_and_a_unit_sees_its_own(facilities, rpc):
    route = a_route(rpc, "no_smoking", ("三楼楼梯间",))
    patrol = fac(rpc, "record_scan", route["checkpoints"][0]["token"], caller=GUARD)["patrol"]
    smoking = fac(rpc, "report_patrol_finding", {
        "patrol_id": patrol["id"], "checkpoint_id": route["checkpoints"][0]["id"], "category": "smoking",
        "location": "三楼楼梯间", "description": "发现有人吸烟", "opens": "rectification",
        "deadline_on": str(today() + timedelta(days=3))}, caller=GUARD)
    assert smoking["kind"] == "no_smoking" and smoking["unit_code"] == "U-PATROL" and smoking["status"] == "open"
    leak = fac(rpc, "report_patrol_finding", {"category": "leak", "location": "二楼卫生间", "description": "水管漏水",
                                              "opens": "repair", "repair_category": "water", "severity": "major"},
               caller=GUARD)
    repair = fac(rpc, "get_repair", leak["repair_id"])
    assert (repair["category"], repair["severity"], repair["reporter"]) == ("water", "major", GUARD.name)
    with pytest.raises(RuleViolation):
        fac(rpc, "report_patrol_finding", {"category": "fire_door_blocked", "location": "x", "description": "x",
                                           "opens": "rectification"}, caller=GUARD)
    with pytest.raises(Conflict):
        fac(rpc, "complete_patrol_finding", leak["id"], {})
    # the unit reads and rectifies its own finding; another unit's is not found
    unit = Caller("clerk", ("unit_user",), unit_code="U-PATROL")
    other = Caller("clerk2", ("unit_user",), unit_code="U-ELSE")
    assert [f["id"] for f in fac(rpc, "list_patrol_findings", {"kind": "no_smoking"}, caller=unit)["items"]] == [smoking["id"]]
    with pytest.raises(NotFound):
        fac(rpc, "get_patrol_finding", smoking["id"], caller=other)
    assert fac(rpc, "list_patrol_findings", {}, caller=other)["total"] == 0
    fac(rpc, "complete_patrol_finding", smoking["id"], {"note": "已张贴禁烟标识"}, caller=unit)
    assert fac(rpc, "verify_patrol_finding", smoking["id"], {})["closed"] is True
    assert len([e for e in events(facilities, "patrol_finding_reported")]) == 2
    stats = fac(rpc, "patrol_stats", {"from": str(today()), "to": str(today())}, caller=LEADER)
    assert stats["findings"] == 2 and stats["findings_closed"] == 1


# training ------------------------------------------------------------------------------
def test_training_records_and_their_figures(facilities, rpc):
    fac(rpc, "create_training", {"held_on": str(today()), "topic": "消防器材使用", "category": "fire", "hours": "2.5",
                                 "attendees": ["张三", "李四", "张三"]})
    fac(rpc, "create_training", {"held_on": str(today()), "topic": "门岗安全", "hours": "1",
                                 "attendees": ["王五"]})
    with pytest.raises(RuleViolation):
        fac(rpc, "create_training", {"held_on": str(today() + timedelta(days=1)), "topic": "x", "hours": 1,
                                     "attendees": ["a"]})
    assert fac(rpc, "list_trainings", {"attendee": "李四"}, caller=GUARD)["total"] == 1
    stats = fac(rpc, "training_stats", {"from": str(today()), "to": str(today())}, caller=LEADER)
    assert {k: stats[k] for k in ("sessions", "hours", "attendances", "person_hours")} == {
        "sessions": 2, "hours": 3.5, "attendances": 3, "person_hours": 6.0}
    assert [row["category"] for row in stats["by_category"]] == ["security", "fire"]


def test_every_change_leaves_an_audit_entry(facilities, rpc):
    generator = equipment(rpc, a_building(rpc), default_plans=False)
    plan(rpc, generator, 1)
    route = a_route(rpc, names=("门岗",))
    fac(rpc, "record_scan", route["checkpoints"][0]["token"], caller=GUARD)
    fac(rpc, "create_training", {"held_on": str(today()), "topic": "消防", "hours": 1, "attendees": ["甲"]})
    kinds = {(e["entity"], e["action"]) for e in fac(rpc, "list_audit_entries", {"limit": 500}, caller=admin_caller())["items"]}
    assert {("equipment", "create"), ("maintenance_plan", "create"), ("patrol_route", "create"),
            ("checkpoint", "create"), ("patrol", "start"), ("training", "create")} <= kinds
