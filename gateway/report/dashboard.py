"""The leaders' dashboard: today's open work and this month's figures."""
from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from gateway.report.annual import compose, sections_for, status_of
from gateway.report.fetch import Fetch
from gateway.report.figures import ENERGY_FIGURES, figure, figures_from
from gateway.report.periods import SETTINGS, Period, ReportSettings, local_today


# -- the dashboard ------------------------------------------------------------------------------
def _count(service, method, query) -> Fetch:
    return Fetch(service, method, {**query, "limit": 1})


OPEN_REPAIR_STATUSES = ("reported", "assigned", "in_progress", "reopened")


def dashboard_builders(today: date) -> dict:
    week = Period(today - timedelta(days=today.weekday()), today - timedelta(days=today.weekday()) + timedelta(days=6))
    month = Period(today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1]))
    day = Period(today, today)

    def vehicles_f(period):
        return {"out": _count("vehicles", "list_dispatches", {"status": "departed"}),
                "flags": _count("vehicles", "list_vehicle_flags", {"status": "open"}),
                "month": Fetch("vehicles", "vehicle_stats", {**month.query, "by_vehicle": False})}

    def vehicles_b(a):
        return [
            figure("cars_out_now", "当前出车", "辆", a["out"]["total"], "已出车、尚未返回的调度单数", "vehicles.list_dispatches total"),
            figure("open_flags", "待处理异常提示", "条", a["flags"]["total"], "状态为待处理的监控提示数",
                   "vehicles.list_vehicle_flags total"),
            figure("dispatches_this_month", "本月调度车次", "车次", a["month"]["totals"]["dispatches"],
                   "本月出车的调度单数", "vehicles.vehicle_stats totals.dispatches"),
        ]

    def facilities_f(period):
        fetches = {status: _count("facilities", "list_repairs", {"status": status}) for status in OPEN_REPAIR_STATUSES}
        fetches["overdue"] = _count("facilities", "list_repairs", {"overdue": True})
        fetches["month"] = Fetch("facilities", "repair_stats", month.query)
        return fetches

    def facilities_b(a):
        return [
            figure("open_repairs", "在办维修", "件", sum(a[s]["total"] for s in OPEN_REPAIR_STATUSES),
                   "待派工、已派工、维修中和重新打开的维修单数", "facilities.list_repairs total"),
            figure("overdue_repairs", "超时维修", "件", a["overdue"]["total"], "已过办结时限仍未完工的维修单数",
                   "facilities.list_repairs(overdue) total"),
            figure("repairs_this_month", "本月报修", "件", a["month"]["total"]["count"], "本月报修的维修单数",
                   "facilities.repair_stats total.count"),
            figure("repair_completion_rate_this_month", "本月办结率", "%", a["month"]["total"]["completion_rate"],
                   "本月报修中已办结的比例", "facilities.repair_stats total.completion_rate"),
        ]

    def reception_f(period):
        return {"week": Fetch("reception", "reception_stats", week.query),
                "today": Fetch("reception", "reception_stats", day.query)}

    def reception_b(a):
        return [
            figure("receptions_this_week", "本周接待批次", "批", a["week"]["receptions"]["batches"],
                   "本周（周一至周日）开始的已批准或已完成接待", "reception.reception_stats receptions.batches"),
            figure("reception_guests_this_week", "本周接待人次", "人次", a["week"]["receptions"]["guests"],
                   "上述接待的来宾人数", "reception.reception_stats receptions.guests"),
            figure("meetings_today", "今日会议", "场", a["today"]["meetings"]["meetings"], "今天举行的会议场次",
                   "reception.reception_stats meetings.meetings"),
        ]

    def energy_f(period):
        return {"ytd": Fetch("energy", "indicators", {"year": today.year, "months": f"1-{today.month}"})}

    def energy_b(a):
        ytd = a["ytd"]
        targets = {t["indicator"]: t for t in ytd.get("targets") or ()}
        out = []
        for f in figures_from(ytd, ENERGY_FIGURES[1:3], "energy.indicators"):
            target = targets.get(f["key"])
            out.append({**f, "definition": "本年 1 月至本月：" + f["definition"]})
            out.append(figure(f"{f['key']}_target", f"{f['label']}目标", f["unit"], target["target"] if target else None,
                              "本年目标（设定的或五年规划折算的）", "energy.indicators targets"))
        out.append(figure("energy_at_risk", "能耗目标存在风险", "是/否", ytd.get("at_risk"),
                          "按已报月份和季节比例推算全年将超过目标（1 为是）", "energy.indicators at_risk"))
        return out

    return {"vehicles": (vehicles_f, vehicles_b), "facilities": (facilities_f, facilities_b),
            "reception": (reception_f, reception_b), "energy": (energy_f, energy_b)}


def dashboard(call, settings: ReportSettings = SETTINGS) -> dict:
    today = local_today(settings)
    builders = dashboard_builders(today)  # the dashboard keeps to the day-to-day sections
    sections = compose(call, [name for name in sections_for(call.caller) if name in builders],
                       {"current": Period(today, today)}, builders=builders, settings=settings)
    return {"today": today, "status": status_of(sections), "generated_at": datetime.now(settings.timezone),
            "sections": sections}
