"""Every rule and number of DOMAIN.md's "Equipment" and "Patrols", without a broker or a database."""
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.facilities import upkeep_rules as rules
from services.facilities.settings import UPKEEP, UpkeepSettings
from services.kit.errors import RuleViolation

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = Decimal


def plans(kind, settings=UPKEEP, explosive=False):
    return {(p.name, p.kind): (p.every_days, p.every_months, p.certificate)
            for p in rules.default_plans(kind, settings, explosive)}


# the statutory and customary intervals, as defaults per kind -------------------------------
def test_an_elevator_is_maintained_every_15_days_and_inspected_yearly_with_a_certificate():
    assert plans("elevator") == {("电梯维护保养", "preventive"): (15, None, False),
                                 ("电梯定期检验", "statutory"): (None, 12, True)}


def test_fire_systems_are_tested_yearly_and_extinguishers_checked_monthly():
    assert plans("fire_system") == {("消防设施年度检测", "statutory"): (None, 12, True)}
    assert plans("extinguisher") == {("灭火器月度检查", "preventive"): (None, 1, False)}


def test_an_extinguisher_goes_for_repair_and_is_scrapped_by_its_agent():
    def repair(agent):
        [spec] = [p for p in rules.default_plans("extinguisher", UPKEEP, agent=agent) if p.name == "灭火器送修"]
        return spec.first_after_install_months, spec.every_months

    assert repair("water") == (36, 12)  # 3 years after leaving the factory, then every year
    assert repair("dry_powder") == repair("co2") == repair("clean_agent") == (60, 24)  # 5, then every 2
    assert [p.name for p in rules.default_plans("extinguisher", UPKEEP)] == ["灭火器月度检查"]  # agent unknown
    made = date(2020, 5, 1)
    assert [rules.extinguisher_scrap_on(agent, made, UPKEEP) for agent in rules.EXTINGUISHER_AGENTS] == [
        date(2026, 5, 1), date(2030, 5, 1), date(2030, 5, 1), date(2032, 5, 1)]
    assert rules.extinguisher_scrap_on(None, made, UPKEEP) is None


def test_a_water_tank_is_cleaned_every_six_months_and_a_pump_serviced_quarterly():
    assert plans("water_tank") == {("二次供水水箱清洗消毒", "statutory"): (None, 6, True)}
    assert list(plans("water_pump").values()) == [(None, 3, False)]


def test_lightning_protection_yearly_and_twice_a_year_where_explosives_are_kept():
    assert list(plans("lightning").values()) == [(None, 12, True)]
    assert list(plans("lightning", explosive=True).values()) == [(None, 6, True)]


def test_a_generator_runs_empty_monthly_and_under_load_yearly():
    assert plans("generator") == {("发电机空载试运行", "preventive"): (None, 1, False),
                                  ("发电机带载试验", "preventive"): (None, 12, False)}


def test_boilers_yearly_hvac_and_power_before_each_season():
    assert list(plans("boiler").values()) == [(None, 12, True)]
    assert list(plans("hvac").values()) == [(None, 6, False)]
    assert list(plans("power").values()) == [(None, 6, False)]


def test_every_kind_of_the_register_has_its_plans():
    from services.facilities.contract import EQUIPMENT_KINDS

    assert all(rules.default_plans(kind, UPKEEP) for kind in EQUIPMENT_KINDS)


def test_the_intervals_are_configuration(monkeypatch):
    monkeypatch.setenv("FACILITIES_ELEVATOR_MAINTENANCE_DAYS", "14")
    monkeypatch.setenv("FACILITIES_WATER_TANK_CLEANING_MONTHS", "12")
    monkeypatch.setenv("FACILITIES_WORK_ORDER_LEAD_DAYS", "3")
    monkeypatch.setenv("FACILITIES_PATROL_FROM", "21:30")
    settings = UpkeepSettings.from_env()
    assert plans("elevator", settings)[("电梯维护保养", "preventive")][0] == 14
    assert list(plans("water_tank", settings).values()) == [(None, 12, True)]
    assert settings.work_order_lead_days == 3 and settings.patrol_from == time(21, 30)
    assert UpkeepSettings().work_order_lead_days == 7 and UpkeepSettings().certificate_valid_months == 12


# intervals and due dates ---------------------------------------------------------------
def test_months_keep_within_the_month():
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert rules.after_interval(date(2026, 3, 1), 15, None) == date(2026, 3, 16)
    assert rules.after_interval(date(2026, 3, 1), None, None) is None


def test_a_plan_has_days_or_months_or_a_meter():
    with pytest.raises(RuleViolation):
        rules.check_plan_interval(10, 1, None)
    with pytest.raises(RuleViolation):
        rules.check_plan_interval(None, None, None)
    rules.check_plan_interval(None, None, 250)


def test_a_meter_plan_falls_due_on_the_reading_that_reaches_it_or_the_projected_day():
    readings = [(date(2026, 3, 1), D(100)), (date(2026, 3, 11), D(150))]
    assert rules.meter_due_on(D(0), 250, readings) == date(2026, 3, 31)  # 100 more hours at 5 a day
    assert rules.meter_due_on(D(0), 120, readings) == date(2026, 3, 11)  # reached
    assert rules.meter_due_on(D(0), 250, readings[:1]) is None  # no rate from one reading
    assert rules.meter_due_on(None, None, readings) is None


def test_due_by_time_or_by_meter_whichever_comes_first():
    assert rules.plan_due_on(date(2026, 5, 1), date(2026, 4, 20)) == date(2026, 4, 20)
    assert rules.plan_due_on(date(2026, 5, 1), date(2026, 6, 1)) == date(2026, 5, 1)
    assert rules.plan_due_on(None, date(2026, 6, 1)) == date(2026, 6, 1)
    assert rules.plan_due_on(None, None) is None


def test_a_work_order_is_generated_seven_days_ahead():
    due = date(2026, 5, 10)
    assert not rules.order_wanted(due, date(2026, 5, 2), UPKEEP)
    assert rules.order_wanted(due, date(2026, 5, 3), UPKEEP)
    assert rules.order_wanted(due, date(2026, 5, 12), UPKEEP)  # late still wanted
    assert not rules.order_wanted(due, date(2026, 5, 4), replace(UPKEEP, work_order_lead_days=5))


def test_the_next_due_date_counts_from_the_day_the_work_was_done():
    # an elevator serviced late on the 20th: the next is 15 days after, not after the due date
    assert rules.next_due_after(date(2026, 5, 20), date(2026, 5, 15), 15, None) == date(2026, 6, 4)
    # done ahead: still at most 15 days apart
    assert rules.next_due_after(date(2026, 5, 12), date(2026, 5, 15), 15, None) == date(2026, 5, 27)
    # so early that it would not pass the order's own due date: one interval after that date
    assert rules.next_due_after(date(2026, 5, 1), date(2026, 5, 8), 5, None) == date(2026, 5, 13)
    assert rules.next_due_after(date(2026, 5, 1), date(2026, 5, 8), None, None) is None


def test_overdue_and_on_time():
    assert rules.plan_overdue(date(2026, 5, 1), date(2026, 5, 2))
    assert not rules.plan_overdue(date(2026, 5, 2), date(2026, 5, 2))
    assert rules.order_overdue("assigned", date(2026, 5, 1), date(2026, 5, 2))
    assert not rules.order_overdue("done", date(2026, 5, 1), date(2026, 5, 2))
    assert rules.done_on_time(date(2026, 5, 1), date(2026, 5, 1)) is True
    assert rules.done_on_time(date(2026, 5, 1), date(2026, 5, 2)) is False
    assert rules.done_on_time(date(2026, 5, 1), None) is None


def test_run_hours_are_read_and_never_go_back():
    rules.check_meter_reading(None, D(10))
    rules.check_meter_reading(D(10), D(10))
    with pytest.raises(RuleViolation) as refused:
        rules.check_meter_reading(D(10), D("9.5"))
    assert refused.value.rule == "equipment.meter_backwards"


def test_a_generators_run_hours_are_read_at_each_run():
    with pytest.raises(RuleViolation) as refused:
        rules.check_run_hours_read("generator", None)
    assert refused.value.rule == "work_order.run_hours_required"
    rules.check_run_hours_read("generator", D("12.5"))
    rules.check_run_hours_read("elevator", None)


# the checklist -------------------------------------------------------------------------
CHECKLIST = [{"name": "启动正常", "type": "tick"}, {"name": "电压", "type": "measure", "unit": "V", "min": 380, "max": 420}]


def test_every_item_is_ticked_or_measured():
    with pytest.raises(RuleViolation) as refused:
        rules.fill_checklist(CHECKLIST, [{"name": "启动正常", "checked": True}])
    assert refused.value.rule == "work_order.checklist_incomplete" and "电压: not done" in refused.value.errors["items"]
    with pytest.raises(RuleViolation):
        rules.fill_checklist(CHECKLIST, [{"name": "没有这项", "checked": True}])


def test_a_measurement_out_of_range_or_an_item_failed_is_a_finding():
    filled, findings = rules.fill_checklist(CHECKLIST, [{"name": "启动正常", "checked": True}, {"name": "电压", "value": 400}])
    assert findings == [] and [item["ok"] for item in filled] == [True, True]
    _, findings = rules.fill_checklist(CHECKLIST, [{"name": "启动正常", "checked": True, "ok": False},
                                                   {"name": "电压", "value": 350}])
    assert findings == ["启动正常 不合格", "电压 350V 超出范围（380–420）"]


# certificates ------------------------------------------------------------------------
def test_a_certificate_is_valid_a_year_and_expiring_within_thirty_days():
    assert rules.certificate_expires_on(date(2026, 3, 5), UPKEEP) == date(2027, 3, 5)
    assert rules.certificate_valid(date(2027, 3, 5), date(2027, 3, 5))
    assert not rules.certificate_valid(date(2027, 3, 5), date(2027, 3, 6))
    assert rules.certificate_expiring(date(2027, 3, 5), date(2027, 2, 3), UPKEEP)
    assert not rules.certificate_expiring(date(2027, 3, 5), date(2027, 2, 2), UPKEEP)
    assert not rules.certificate_expiring(date(2027, 3, 5), date(2027, 3, 6), UPKEEP)  # expired, not expiring


def test_a_finding_opens_a_repair_of_the_equipments_trade():
    assert rules.repair_category("generator") == "generator"
    assert rules.repair_category("water_tank") == "water" and rules.repair_category("power") == "electricity"
    assert rules.repair_category("elevator") == "other"


# patrols -------------------------------------------------------------------------------
def test_patrols_every_two_hours_from_eight_in_the_evening_to_six_in_the_morning():
    slots = rules.patrol_slots(date(2026, 5, 1), UPKEEP.patrol_from, UPKEEP.patrol_to, UPKEEP.patrol_every_minutes,
                               SHANGHAI)
    assert [slot.strftime("%d %H:%M") for slot in slots] == ["01 20:00", "01 22:00", "02 00:00", "02 02:00", "02 04:00"]
    day = rules.patrol_slots(date(2026, 5, 1), time(8), time(12), 60, SHANGHAI)
    assert [slot.hour for slot in day] == [8, 9, 10, 11]


def test_a_patrol_walked_in_full_with_a_checkpoint_skipped_or_not_at_all():
    assert rules.patrol_outcome([1, 2, 3], [3, 1, 2]) == rules.PatrolOutcome("done", [])
    assert rules.patrol_outcome([1, 2, 3], [1, 3]) == rules.PatrolOutcome("incomplete", [2])
    assert rules.patrol_outcome([1, 2, 3], []) == rules.PatrolOutcome("missed", [1, 2, 3])


def test_a_patrol_is_flagged_when_its_window_ends_the_same_day():
    slot = datetime(2026, 5, 1, 22, tzinfo=SHANGHAI)
    end = slot + timedelta(minutes=UPKEEP.patrol_every_minutes)
    assert not rules.patrol_closes(end, end - timedelta(seconds=1))
    assert rules.patrol_closes(end, end)
    assert end.date() == slot.date() or end.hour <= 6


def test_a_finding_opens_a_repair_or_a_rectification_with_a_deadline():
    rules.check_finding_opens("repair", None, date(2026, 5, 1))
    with pytest.raises(RuleViolation):
        rules.check_finding_opens("rectification", None, date(2026, 5, 1))
    with pytest.raises(RuleViolation):
        rules.check_finding_opens("rectification", date(2026, 4, 30), date(2026, 5, 1))
    assert rules.finding_closed("repair", "open", "done") and not rules.finding_closed("repair", "open", "assigned")
    assert rules.finding_closed("rectification", "verified", None)
    assert not rules.finding_closed("rectification", "done", None)


# figures -------------------------------------------------------------------------------
def test_upkeep_figures():
    today = date(2026, 6, 1)
    orders = [rules.OrderFacts("elevator", "done", date(2026, 5, 1), date(2026, 5, 1)),
              rules.OrderFacts("elevator", "done", date(2026, 5, 2), date(2026, 5, 5)),
              rules.OrderFacts("generator", "open", date(2026, 5, 3), None),
              rules.OrderFacts("generator", "open", date(2026, 6, 3), None)]
    assert rules.order_figures(orders, today) == {"orders_due": 4, "orders_done": 2, "orders_done_on_time": 1,
                                                  "on_time_rate": 0.25, "orders_overdue": 1}
    assert rules.order_figures([], today)["on_time_rate"] is None


def test_patrol_and_training_figures():
    patrols = [rules.PatrolFacts("security", "done", 0), rules.PatrolFacts("security", "incomplete", 2),
               rules.PatrolFacts("no_smoking", "missed", 3), rules.PatrolFacts("security", "cancelled", 0)]
    assert rules.patrol_figures(patrols) == {"patrols_scheduled": 3, "patrols_done": 1, "patrols_incomplete": 1,
                                             "patrols_missed": 1, "on_schedule_rate": 0.3333, "checkpoints_missed": 5}
    assert rules.training_figures([("fire", D("2.5"), 10), ("security", D("1"), 4)]) == {
        "sessions": 2, "hours": 3.5, "attendances": 14, "person_hours": 29.0}


def test_no_two_areas_of_the_service_define_one_name():
    """The areas are mixins of one class: a helper named alike in two would silently take the other's place."""
    from collections import defaultdict

    from services.facilities.service import FacilitiesService

    owners = defaultdict(list)
    for cls in FacilitiesService.__mro__[1:]:
        for name in vars(cls):
            if not name.startswith("__"):
                owners[name].append(cls.__name__)
    assert {name: classes for name, classes in owners.items() if len(classes) > 1} == {}
