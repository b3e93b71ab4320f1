"""Who hears what: plain functions from an event to the notices it makes (kind, audience,
urgency, Chinese text, a link to the record), the audiences a user belongs to, quiet hours
and the retry pauses of the mail channel. No nameko, no I/O.

An audience names a group, not a person: ``unit:<unit_code>`` (the unit's clerks, the
``unit_user`` accounts of that unit), ``role:<role>`` or ``user:<username>``. The users live in
the gateway's database; the inbox resolves a caller's audiences from the caller the gateway
vouches for at read time, so no copy of the users is kept here and a changed role or unit
takes effect at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
CONSOLE = "/console"


@dataclass(frozen=True)
class Notice:
    kind: str
    audience: str
    title: str
    body: str
    link: str | None = None
    unit_code: str | None = None
    urgent: bool = False


def unit(unit_code: str | None) -> str | None:
    return f"unit:{unit_code}" if unit_code else None


def role(name: str) -> str:
    return f"role:{name}"


def user(name: str) -> str:
    return f"user:{name}"


def audiences_of(name: str, roles, unit_code: str | None) -> list[str]:
    """The audiences a user hears: their own name, each of their roles, and their unit's
    when they act for a unit."""
    heard = [user(name), *(role(r) for r in roles)]
    if unit_code and "unit_user" in roles:
        heard.append(unit(unit_code))
    return heard


def local(instant: datetime) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


# -- events of vehicles --------------------------------------------------------------------
DISPATCH_TITLES = {
    "approved": "用车申请已批准",
    "rejected": "用车申请未获批准",
    "assigned": "用车申请已派车",
}


def dispatch_status_changed(event: dict) -> list[Notice]:
    status, number = event["status"], event["dispatch_id"]
    link = f"{CONSOLE}/dispatches/{number}"
    trip = f"{local(event['start_at'])} 前往{event['destination']}"
    if status == "requested":
        return [Notice("dispatch_requested", role("dispatcher"), "新的用车申请",
                       f"{event['unit_code']} 申请用车（第 {number} 号）：{trip}，请审批。", link, event["unit_code"])]
    if status not in DISPATCH_TITLES:
        return []
    body = f"第 {number} 号用车申请（{trip}）{DISPATCH_TITLES[status].removeprefix('用车申请')}。"
    if status == "rejected" and event.get("reason"):
        body += f"理由：{event['reason']}"
    return [Notice(f"dispatch_{status}", unit(event["unit_code"]), DISPATCH_TITLES[status], body, link,
                   event["unit_code"])]


def dispatch_completed(event: dict) -> list[Notice]:
    number = event["dispatch_id"]
    return [Notice("dispatch_returned", unit(event["unit_code"]), "车辆已归队",
                   f"第 {number} 号用车已于 {local(event['end_at'])} 归队，行驶 {event['distance_km']:g} 公里。",
                   f"{CONSOLE}/dispatches/{number}", event["unit_code"])]


# -- events of facilities ------------------------------------------------------------------
def repair_assigned(event: dict) -> list[Notice]:
    number, due = event["repair_id"], local(event["due_at"])
    link = f"{CONSOLE}/repairs"
    notices = [Notice("repair_assigned", user(event["technician"]), "新的维修任务",
                      f"第 {number} 号维修工单（{event['location']}）派给您，请于 {due} 前修好。",
                      f"{CONSOLE}/repairs/queue", event["unit_code"])]
    if event["unit_code"]:
        notices.append(Notice("repair_assigned", unit(event["unit_code"]), "报修已派工",
                              f"第 {number} 号报修（{event['location']}）已派维修人员，预计 {due} 前修好。",
                              link, event["unit_code"]))
    return notices


def repair_completed(event: dict) -> list[Notice]:
    if not event["unit_code"]:
        return []
    number = event["repair_id"]
    return [Notice("repair_completed", unit(event["unit_code"]), "报修已修好",
                   f"第 {number} 号报修已于 {local(event['completed_at'])} 修好，请确认或评价。",
                   f"{CONSOLE}/repairs", event["unit_code"])]


FLAG_KINDS = {
    "no_dispatch": "无任务出车", "sealed_moved": "封存车辆移动", "non_designated_vendor": "非定点消费",
    "odometer": "里程异常", "fuel_consumption": "油耗异常",
}


def trip_flagged(event: dict, explain_within: timedelta) -> list[Notice]:
    """A flag the unit must explain, with the deadline (occurred + ``explain_within``): urgent,
    as it cannot wait for the morning."""
    deadline = local(event["occurred_at"] + explain_within)
    what = FLAG_KINDS.get(event["kind"], event["kind"])
    return [Notice("flag_explanation_due", unit(event["unit_code"]), f"用车异常待说明：{what}",
                   f"本单位车辆（第 {event['vehicle_id']} 号）被标记为“{what}”，请于 {deadline} 前说明情况。",
                   f"{CONSOLE}/vehicle-flags", event["unit_code"], urgent=True)]


def rectification_overdue(event: dict) -> list[Notice]:
    if not event["unit_code"]:
        return []
    return [Notice("rectification_due", unit(event["unit_code"]), "整改事项已逾期",
                   f"整改事项（{event['finding']}）期限为 {event['deadline_on']:%Y-%m-%d}，已逾期，请尽快整改并上报。",
                   f"{CONSOLE}/rectifications", event["unit_code"])]


# -- events of reception -------------------------------------------------------------------
def reception_approved(event: dict) -> list[Notice]:
    return [Notice("reception_approved", unit(event["unit_code"]), "接待申请已批准",
                   f"接待“{event['title']}”（{event['starts_on']:%Y-%m-%d} 至 {event['ends_on']:%Y-%m-%d}，"
                   f"{event['guests']} 人）已批准。", f"{CONSOLE}/receptions", event["unit_code"])]


def reception_rejected(event: dict) -> list[Notice]:
    return [Notice("reception_rejected", unit(event["unit_code"]), "接待申请未获批准",
                   f"接待“{event['title']}”未获批准。理由：{event['reason']}", f"{CONSOLE}/receptions",
                   event["unit_code"])]


# -- events of energy ----------------------------------------------------------------------
INDICATORS = {
    "per_area_kgce_m2": "单位建筑面积能耗", "per_person_kgce": "人均综合能耗",
    "water_per_person_m3": "人均用水量", "per_area_kgco2_m2": "单位建筑面积碳排放",
}


def target_at_risk(event: dict) -> list[Notice]:
    indicator = INDICATORS.get(event["indicator"], event["indicator"])
    return [Notice("target_at_risk", role("energy_officer"), "节能目标有完不成的风险",
                   f"{event['unit_code']} {event['year']} 年 1-{event['through_month']} 月{indicator}按趋势测算为 "
                   f"{event['projected']:g}，高于目标 {event['target']:g}。", f"{CONSOLE}/energy", event["unit_code"])]


# -- reminders of the timer (the owning services asked over RPC) ------------------------------
# A reminder's source key names its due item, so each is said once however often the timer runs.
OPEN_REPAIRS = ("reported", "assigned", "in_progress", "reopened")
PLEDGES = {"minor": "小修不过夜", "major": "大修不隔天"}


def instant(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def cars_overdue(dispatches, now: datetime, grace: timedelta) -> list[tuple[str, Notice]]:
    """Cars out past the end of their dispatch (and ``grace``): for the dispatchers, urgent."""
    found = []
    for d in dispatches:
        end = instant(d["end_at"])
        if d["status"] == "departed" and end + grace < now:
            found.append((f"car_overdue:{d['id']}:{end.isoformat()}", Notice(
                "car_overdue", role("dispatcher"), "车辆逾期未归",
                f"第 {d['id']} 号用车（{d['unit_code']}，前往{d['destination']}）应于 {local(end)} 归队，至今未归。",
                f"{CONSOLE}/dispatches/{d['id']}", d["unit_code"], urgent=True)))
    return found


def repairs_about_to_break_the_pledge(repairs, now: datetime, warning: timedelta) -> list[tuple[str, Notice]]:
    """Open repairs whose pledged time (小修不过夜/大修不隔天) falls within ``warning``: for the
    facility managers, urgent."""
    found = []
    for r in repairs:
        due = instant(r["due_at"])
        if r["status"] in OPEN_REPAIRS and now < due <= now + warning:
            pledge = PLEDGES.get(r["severity"], "承诺时限")
            found.append((f"repair_due_soon:{r['id']}:{due.isoformat()}", Notice(
                "repair_pledge_at_risk", role("facility_manager"), f"维修即将超过{pledge}的承诺",
                f"第 {r['id']} 号维修（{r['location']}）须于 {local(due)} 前修好，尚未完成。",
                f"{CONSOLE}/repairs", r["unit_code"], urgent=True)))
    return found


def report_month(now: datetime, remind_from_day: int) -> str | None:
    """The month whose energy report is being waited for (the last one), from the
    ``remind_from_day`` of this month on; None before."""
    here = now.astimezone(SHANGHAI)
    if here.day < remind_from_day:
        return None
    last = here.replace(day=1) - timedelta(days=1)
    return f"{last:%Y-%m}"


def energy_reports_missing(unit_codes, reported, month: str, due_day: int) -> list[tuple[str, Notice]]:
    """Each unit with an institution and no reading for ``month``: due by the ``due_day`` of the next month."""
    year, number = (int(part) for part in month.split("-"))
    due = f"{year + number // 12}-{number % 12 + 1:02d}-{due_day:02d}"
    return [(f"energy_report_missing:{code}:{month}", Notice(
        "energy_report_missing", unit(code), "能耗月报尚未报送",
        f"本单位 {month} 的能耗数据尚未报送，请于 {due} 前填报。", f"{CONSOLE}/energy/readings/new", code))
        for code in sorted(set(unit_codes) - set(reported))]


def digest_weeks(now: datetime, weekday: int, hour: int) -> tuple[date, date, date] | None:
    """On the digest's day from its hour (local): the Monday of the week just ended and of the
    week before, and that week's Sunday; None at other times."""
    here = now.astimezone(SHANGHAI)
    if here.weekday() != weekday or here.hour < hour:
        return None
    this_monday = here.date() - timedelta(days=here.weekday())
    return this_monday - timedelta(days=7), this_monday - timedelta(days=14), this_monday - timedelta(days=1)


def weekly_digest(week_start: date, figures: dict, before: dict) -> tuple[str, Notice]:
    """The leaders' digest: each figure of the week beside the week before's."""
    names = (("dispatches", "出车", "次"), ("distance_km", "行驶里程", "公里"), ("repairs", "报修", "件"),
             ("repairs_completed", "修好", "件"), ("receptions", "接待", "批"), ("guests", "接待客人", "人"))
    lines = [f"{label} {figures[key]:g} {unit_name}（上周 {before[key]:g} {unit_name}）"
             for key, label, unit_name in names if key in figures]
    week_end = week_start + timedelta(days=6)
    year, week, _ = week_start.isocalendar()
    return (f"weekly_digest:{year}-W{week:02d}", Notice(
        "weekly_digest", role("leader"), f"每周简报（{week_start:%m月%d日}至{week_end:%m月%d日}）",
        "；".join(lines) + "。", f"{CONSOLE}/dashboard"))


# -- quiet hours and retries -----------------------------------------------------------------
def after_quiet_hours(now: datetime, start: time, end: time) -> datetime:
    """When a message that is not urgent may go out: now, or the end of the quiet hours
    (local time, ``start`` to ``end``, possibly across midnight) that ``now`` falls in."""
    if start == end:
        return now
    here = now.astimezone(SHANGHAI)
    clock = here.time()
    quiet = start <= clock < end if start < end else (clock >= start or clock < end)
    if not quiet:
        return now
    day = here.date() if clock < end else here.date() + timedelta(days=1)
    return datetime.combine(day, end, SHANGHAI)


def retry_pause(attempts: int, base: float, most: float) -> timedelta:
    """The pause after the ``attempts``-th failed attempt: doubling from ``base``, at most ``most``."""
    return timedelta(seconds=min(most, base * 2 ** max(0, attempts - 1)))
