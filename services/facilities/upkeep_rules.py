"""The rules of equipment upkeep (设备设施维保) and patrols (安全保卫) as plain Python: no nameko,
no database (DOMAIN.md "Equipment" and "Patrols"). Every number comes from ``UpkeepSettings``.

Every function that depends on the day or the time takes it from its caller.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Iterable

from services.facilities.settings import UpkeepSettings
from services.kit.errors import RuleViolation


# intervals ------------------------------------------------------------------------
def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, kept within the month (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def after_interval(day: date, every_days: int | None, every_months: int | None) -> date | None:
    """The day one interval after ``day`` (a plan has days or months, or neither when it runs by meter only)."""
    if every_days:
        return day + timedelta(days=every_days)
    if every_months:
        return add_months(day, every_months)
    return None


def check_plan_interval(every_days: int | None, every_months: int | None, every_run_hours: int | None) -> None:
    """A plan is due by time (days or months, not both) or by meter, or both (whichever comes first)."""
    if every_days and every_months:
        raise RuleViolation("a plan runs every N days or every N months, not both", "facilities.plan_interval",
                            {"every_months": ["give every_days or every_months, not both"]})
    if not (every_days or every_months or every_run_hours):
        raise RuleViolation("a plan needs an interval: every_days, every_months or every_run_hours",
                            "facilities.plan_interval", {"every_days": ["give every_days, every_months or every_run_hours"]})


# the plans a new piece of equipment gets: the statutory ones and common practice ------
@dataclass(frozen=True)
class PlanSpec:
    name: str
    kind: str  # preventive | statutory
    every_days: int | None = None
    every_months: int | None = None
    every_run_hours: int | None = None
    checklist: tuple = ()
    certificate: bool = False  # a statutory inspection that issues a certificate
    first_after_install_months: int | None = None  # first due this long after installed_on, not one interval


def _tick(*names: str) -> tuple:
    return tuple({"name": name, "type": "tick"} for name in names)


EXTINGUISHER_AGENTS = ("water", "dry_powder", "clean_agent", "co2")


def extinguisher_repair_years(agent: str, settings: UpkeepSettings) -> tuple[int, int]:
    """Years from leaving the factory to the first repair, and between repairs after it (GB 50444-2008)."""
    if agent == "water":
        return settings.extinguisher_water_first_repair_years, settings.extinguisher_water_repair_every_years
    return settings.extinguisher_other_first_repair_years, settings.extinguisher_other_repair_every_years


def extinguisher_scrap_on(agent: str | None, made_on: date | None, settings: UpkeepSettings) -> date | None:
    """The end of an extinguisher's service life: scrapped then (GB 50444-2008)."""
    if agent is None or made_on is None:
        return None
    return add_months(made_on, 12 * getattr(settings, f"extinguisher_{agent}_scrap_years"))


def default_plans(kind: str, settings: UpkeepSettings, explosive: bool = False, agent: str | None = None
                  ) -> list[PlanSpec]:
    """The plans DOMAIN.md gives each kind of equipment, with their legal or customary intervals."""
    s = settings
    plans = {
        "elevator": [
            PlanSpec("电梯维护保养", "preventive", every_days=s.elevator_maintenance_days,
                     checklist=_tick("机房环境", "曳引机", "制动器", "门锁回路", "轿厢照明与通话")),
            PlanSpec("电梯定期检验", "statutory", every_months=s.elevator_inspection_months,
                     checklist=_tick("检验机构现场检验"), certificate=True),
        ],
        "fire_system": [PlanSpec("消防设施年度检测", "statutory", every_months=s.fire_system_test_months,
                                 checklist=_tick("火灾报警系统", "自动喷水灭火系统", "消火栓系统", "防排烟系统"),
                                 certificate=True)],
        "extinguisher": [PlanSpec("灭火器月度检查", "preventive", every_months=s.extinguisher_check_months,
                                  checklist=_tick("压力表指针在绿区", "铅封完好", "喷管无破损", "放置位置正确"))],
        "water_tank": [PlanSpec("二次供水水箱清洗消毒", "statutory", every_months=s.water_tank_cleaning_months,
                                checklist=_tick("清洗", "消毒", "水质检测"), certificate=True)],
        "water_pump": [PlanSpec("水泵保养", "preventive", every_months=s.water_pump_service_months,
                                checklist=_tick("运行声音", "密封无渗漏", "电机温升"))],
        "lightning": [PlanSpec("防雷装置检测", "statutory",
                               every_months=s.lightning_explosive_test_months if explosive else s.lightning_test_months,
                               checklist=({"name": "接地电阻", "type": "measure", "unit": "Ω", "max": 10},),
                               certificate=True)],
        "generator": [
            PlanSpec("发电机空载试运行", "preventive", every_months=s.generator_no_load_months,
                     checklist=({"name": "启动正常", "type": "tick"}, {"name": "机油液位", "type": "tick"},
                                {"name": "电压", "type": "measure", "unit": "V", "min": 380, "max": 420})),
            PlanSpec("发电机带载试验", "preventive", every_months=s.generator_load_months,
                     checklist=_tick("带载运行30分钟", "切换正常")),
        ],
        "boiler": [PlanSpec("锅炉定期检验", "statutory", every_months=s.boiler_inspection_months,
                            checklist=_tick("外部检验", "安全附件"), certificate=True)],
        "hvac": [PlanSpec("空调季前清洗保养", "preventive", every_months=s.hvac_service_months,
                          checklist=_tick("滤网清洗", "冷凝水管", "制冷剂压力"))],
        "power": [PlanSpec("配电设施季前预防性试验", "preventive", every_months=s.power_test_months,
                           checklist=_tick("绝缘测试", "接头紧固", "柜内清洁"))],
    }
    if kind == "extinguisher" and agent is not None:
        first, every = extinguisher_repair_years(agent, s)
        plans["extinguisher"].append(PlanSpec("灭火器送修", "statutory", every_months=12 * every,
                                              checklist=_tick("送有资质单位维修", "更换灭火剂及密封件"),
                                              first_after_install_months=12 * first))
    return plans.get(kind, [])


# when a plan is due --------------------------------------------------------------
def meter_due_on(last_done_run_hours: Decimal | None, every_run_hours: int | None,
                 readings: list[tuple[date, Decimal]]) -> date | None:
    """The day a meter plan falls due: the day of the reading that reached the interval, or the
    day the recent rate of use (the last two readings) will reach it; None without a meter plan
    or without the readings to tell."""
    if not every_run_hours or not readings:
        return None
    readings = sorted(readings)
    target = (last_done_run_hours or Decimal(0)) + every_run_hours
    for read_on, hours in readings:
        if hours >= target:
            return read_on
    if len(readings) < 2:
        return None
    (first_on, first_hours), (last_on, last_hours) = readings[-2], readings[-1]
    days, used = (last_on - first_on).days, last_hours - first_hours
    if days <= 0 or used <= 0:
        return None
    return last_on + timedelta(days=int(-(-(target - last_hours) * days // used)))  # rounded up


def plan_due_on(time_due: date | None, meter_due: date | None) -> date | None:
    """Due by time or by meter, whichever comes first."""
    candidates = [day for day in (time_due, meter_due) if day is not None]
    return min(candidates) if candidates else None


def order_wanted(due_on: date | None, today: date, settings: UpkeepSettings) -> bool:
    """A work order is generated this many days ahead of its due date (once per due date: the
    database's key on plan and due date keeps it so)."""
    return due_on is not None and today >= due_on - timedelta(days=settings.work_order_lead_days)


def next_due_after(done_on: date, order_due_on: date, every_days: int | None, every_months: int | None) -> date | None:
    """The next time-due date, counted from the day the work was done (an elevator is serviced at
    least every 15 days: a late service moves the next one). Work done so early that this would
    not pass the order's own due date serves that due date: the next is an interval after it."""
    after_done = after_interval(done_on, every_days, every_months)
    if after_done is None or after_done > order_due_on:
        return after_done
    return after_interval(order_due_on, every_days, every_months)


def plan_overdue(next_due_on: date | None, today: date) -> bool:
    return next_due_on is not None and next_due_on < today


def order_overdue(status: str, due_on: date, today: date) -> bool:
    return status not in ORDER_FINISHED and due_on < today


def done_on_time(due_on: date, completed_on: date | None) -> bool | None:
    return None if completed_on is None else completed_on <= due_on


ORDER_FINISHED = ("done", "cancelled")
ORDER_ACTIONS = {
    "assign": ("open", "assigned"),
    "start": ("assigned",),
    "complete": ("assigned", "in_progress"),
}


def check_meter_reading(previous_hours: Decimal | None, hours: Decimal) -> None:
    """A run-hour meter only counts up."""
    if previous_hours is not None and hours < previous_hours:
        raise RuleViolation(f"the run hours {hours} are below the last reading {previous_hours}",
                            "equipment.meter_backwards", {"run_hours": [f"below the last reading {previous_hours}"]})


METERED_KINDS = ("generator",)


def check_run_hours_read(kind: str, run_hours) -> None:
    """A generator's run hours are read at each run: its work order is not done without them."""
    if kind in METERED_KINDS and run_hours is None:
        raise RuleViolation("a generator's run hours are read at each run", "work_order.run_hours_required",
                            {"run_hours": ["read the meter"]})


# the checklist -------------------------------------------------------------------
def fill_checklist(template: list[dict], answers: list[dict]) -> tuple[list[dict], list[str]]:
    """The checklist as completed: every item ticked or measured (refused otherwise), and the
    findings its measurements make (a value outside the item's range is one)."""
    given = {answer["name"]: answer for answer in answers}
    unknown = sorted(set(given) - {item["name"] for item in template})
    if unknown:
        raise RuleViolation("the checklist has no such item", "work_order.unknown_item",
                            {"items": [f"unknown item {name}" for name in unknown]})
    filled, findings, missing = [], [], []
    for item in template:
        answer = given.get(item["name"], {})
        if item.get("type") == "measure":
            value = answer.get("value")
            if value is None:
                missing.append(item["name"])
                continue
            low, high = item.get("min"), item.get("max")
            ok = (low is None or value >= low) and (high is None or value <= high)
            filled.append({**item, "value": value, "ok": ok})
            if not ok:
                findings.append(f"{item['name']} {value}{item.get('unit', '')} 超出范围"
                                f"（{'' if low is None else low}–{'' if high is None else high}）")
        else:
            if not answer.get("checked"):
                missing.append(item["name"])
                continue
            filled.append({**item, "checked": True, "ok": answer.get("ok", True)})
            if answer.get("ok") is False:
                findings.append(f"{item['name']} 不合格")
    if missing:
        raise RuleViolation("every checklist item is ticked or measured before the order is done",
                            "work_order.checklist_incomplete", {"items": [f"{name}: not done" for name in missing]})
    return filled, findings


# certificates --------------------------------------------------------------------
def certificate_expires_on(issued_on: date, settings: UpkeepSettings) -> date:
    """A statutory certificate (an elevator's inspection) is valid a year unless it says otherwise."""
    return add_months(issued_on, settings.certificate_valid_months)


def certificate_valid(expires_on: date, day: date) -> bool:
    return day <= expires_on


def certificate_expiring(expires_on: date, day: date, settings: UpkeepSettings) -> bool:
    """Valid still, but ending within the warning days: listed and notified."""
    return day <= expires_on <= day + timedelta(days=settings.certificate_warning_days)


# repairs a finding opens ----------------------------------------------------------
REPAIR_CATEGORY_OF_KIND = {
    "generator": "generator", "hvac": "hvac", "power": "electricity", "lightning": "electricity",
    "water_tank": "water", "water_pump": "water",
}


def repair_category(equipment_kind: str) -> str:
    return REPAIR_CATEGORY_OF_KIND.get(equipment_kind, "other")


# patrols ---------------------------------------------------------------------------
def patrol_slots(day: date, starts: time, ends: time, every_minutes: int, tz) -> list[datetime]:
    """The start times of a night's patrols beginning on ``day`` (local): from ``starts`` every
    ``every_minutes`` while before ``ends`` (the next day's when it is not after ``starts``)."""
    first = datetime.combine(day, starts, tz)
    last = datetime.combine(day if ends > starts else day + timedelta(days=1), ends, tz)
    slots, slot = [], first
    while slot < last:
        slots.append(slot)
        slot = slot + timedelta(minutes=every_minutes)
    return slots


@dataclass
class PatrolOutcome:
    status: str  # done | incomplete | missed
    missed: list[int] = field(default_factory=list)


def patrol_outcome(checkpoint_ids: Iterable[int], scanned_ids: Iterable[int]) -> PatrolOutcome:
    """A patrol closed: walked in full, walked with checkpoints skipped, or not walked at all."""
    checkpoints, scanned = list(checkpoint_ids), set(scanned_ids)
    missed = [checkpoint for checkpoint in checkpoints if checkpoint not in scanned]
    if not scanned:
        return PatrolOutcome("missed", missed)
    return PatrolOutcome("incomplete" if missed else "done", missed)


def patrol_closes(window_end_at: datetime, now: datetime) -> bool:
    """A patrol not finished when its window ends is flagged then: the same day."""
    return now >= window_end_at


def check_scan_window(slot_at: datetime, window_end_at: datetime, now: datetime) -> bool:
    return slot_at <= now < window_end_at


FINDING_ACTIONS = {"complete": ("open",), "verify": ("done",)}
REPAIR_FINISHED = ("done", "confirmed")


def finding_closed(opens: str, status: str, repair_status: str | None) -> bool:
    """A finding is closed when the repair it opened is done, or its rectification verified."""
    if opens == "repair":
        return repair_status in REPAIR_FINISHED
    return status == "verified"


def check_finding_opens(opens: str, deadline_on: date | None, today: date) -> None:
    """A finding opens a repair (the repair's own due time applies) or a rectification, which needs a
    deadline not before the day it is reported."""
    if opens == "rectification":
        if deadline_on is None:
            raise RuleViolation("a rectification needs a deadline", "patrols.deadline_required",
                                {"deadline_on": ["required for a rectification"]})
        if deadline_on < today:
            raise RuleViolation("the deadline is before today", "patrol.deadline_in_past",
                                {"deadline_on": ["before today"]})


# figures ---------------------------------------------------------------------------
def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class OrderFacts:
    kind: str  # the equipment's kind
    status: str
    due_on: date
    completed_on: date | None


def order_figures(orders: Iterable[OrderFacts], today: date) -> dict:
    orders = list(orders)
    done = [o for o in orders if o.status == "done"]
    on_time = [o for o in done if done_on_time(o.due_on, o.completed_on)]
    return {"orders_due": len(orders), "orders_done": len(done), "orders_done_on_time": len(on_time),
            "on_time_rate": rate(len(on_time), len(orders)),
            "orders_overdue": sum(order_overdue(o.status, o.due_on, today) for o in orders)}


@dataclass(frozen=True)
class PatrolFacts:
    kind: str
    status: str
    missed: int  # checkpoints skipped


def patrol_figures(patrols: Iterable[PatrolFacts]) -> dict:
    patrols = [p for p in patrols if p.status != "cancelled"]
    done = sum(p.status == "done" for p in patrols)
    return {"patrols_scheduled": len(patrols), "patrols_done": done,
            "patrols_incomplete": sum(p.status == "incomplete" for p in patrols),
            "patrols_missed": sum(p.status == "missed" for p in patrols),
            "on_schedule_rate": rate(done, len(patrols)),
            "checkpoints_missed": sum(p.missed for p in patrols)}


def training_figures(trainings: Iterable[tuple[str, Decimal, int]]) -> dict:
    """Sessions, hours, attendances and person-hours of (category, hours, attendees) rows."""
    trainings = list(trainings)
    return {"sessions": len(trainings), "hours": float(sum((h for _, h, _ in trainings), Decimal(0))),
            "attendances": sum(n for _, _, n in trainings),
            "person_hours": float(sum((h * n for _, h, n in trainings), Decimal(0)))}
