"""The annual work report (年度工作总结) and the leaders' dashboard, composed from live data.

Every figure is read from the owning service's own statistics RPC (the same answer its
statistics route gives), never recomputed from raw rows where the service has a figure.
The calls of one request run in parallel (an ``eventlet.GreenPool``), each bounded by
``REPORT_RPC_TIMEOUT`` seconds (15: on a busy two-core machine a county-sized year's vehicle
statistics took longer than the suite's 5 s ``RPC_TIMEOUT``). A section whose service fails is
answered ``unavailable`` with the reason; the others are complete and the report's status is
``partial``.

Who reads what: ``admin`` and ``leader`` read every section; an officer reads the section of
the service it runs (dispatcher → vehicles, facility_manager → facilities, reception_officer →
reception, energy_officer → energy); the other sections are left out of its answer.
"""
from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.kit.config import settings_from_env  # first: ``services`` quiets eventlet's import notice

import eventlet
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kit.errors import Forbidden, ServiceError, ServiceTimeout, ServiceUnavailable
from services.kit.schemas import InputSchema, Instant, Years, states


@dataclass(frozen=True)
class ReportSettings:
    rpc_timeout: float = 15.0  # seconds one statistics call may take
    timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")

    @classmethod
    def from_env(cls) -> "ReportSettings":
        return settings_from_env(cls, "REPORT")


SETTINGS = ReportSettings.from_env()
log = logging.getLogger(__name__)

SECTIONS = ("vehicles", "facilities", "reception", "energy")
SECTION_TITLES = {
    "vehicles": "公务用车", "facilities": "办公用房与维修", "reception": "公务接待与会务", "energy": "节能与垃圾分类",
}
OFFICER_OF = {
    "vehicles": "dispatcher", "facilities": "facility_manager", "reception": "reception_officer",
    "energy": "energy_officer",
}
READERS = ("leader",) + tuple(OFFICER_OF.values())  # admin passes every gate
FULL_READERS = ("admin", "leader")


def sections_for(caller) -> tuple[str, ...]:
    """The sections a caller may read (the module docstring says why)."""
    if caller is None or set(caller.roles) & set(FULL_READERS):
        return SECTIONS
    return tuple(name for name in SECTIONS if OFFICER_OF[name] in caller.roles)


# -- schemas ------------------------------------------------------------------------------------
FORMATS = ("json", "md", "html", "xlsx")
YEARS = validate.Range(min=2000, max=2100)
PERIOD_YEARS = Years(2000, 2100)


class ReportQuery(InputSchema):
    year = fields.Integer(validate=YEARS, metadata={"description": "a calendar year; default: this year"})
    from_on = fields.Date(data_key="from", validate=PERIOD_YEARS, metadata={"description": "first day of a period (with to)"})
    to_on = fields.Date(data_key="to", validate=PERIOD_YEARS, metadata={"description": "last day of a period, included"})
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))

    @validates_schema
    @states({"anyOf": [{"required": ["from", "to"], "not": {"required": ["year"]}},
                       {"not": {"anyOf": [{"required": ["from"]}, {"required": ["to"]}]}}],
             "x-ordered": [["from", "to", "<=", 366]]})
    def _period(self, data, **kwargs):
        given = [key for key in ("from_on", "to_on") if key in data]
        if len(given) == 1:
            raise ValidationError("give from and to together", "to" if given == ["from_on"] else "from")
        if given and "year" in data:
            raise ValidationError("give either year or from and to", "year")
        if len(given) == 2 and data["to_on"] < data["from_on"]:
            raise ValidationError("must not be before from", "to")
        if len(given) == 2 and (data["to_on"] - data["from_on"]).days > 366:
            raise ValidationError("a period is at most a year", "to")


class Figure(Schema):
    key = fields.String()
    label = fields.String(metadata={"description": "the figure's name in the report (Chinese)"})
    value = fields.Float(allow_none=True)
    unit = fields.String()
    definition = fields.String(metadata={"description": "what was counted"})
    source = fields.String(metadata={"description": "service.method → the field the value comes from"})
    source_name = fields.String(metadata={"description": "the register or ledger the value is counted from (Chinese)"})
    previous = fields.Float(allow_none=True, metadata={"description": "the same figure a year earlier"})
    change = fields.Float(allow_none=True)
    change_rate = fields.Float(allow_none=True)


class Section(Schema):
    name = fields.String()
    title = fields.String()
    status = fields.String(metadata={"description": "ok | unavailable"})
    reason = fields.String(allow_none=True)
    figures = fields.List(fields.Nested(Figure))


class Report(Schema):
    from_on = fields.Date(data_key="from")
    to_on = fields.Date(data_key="to")
    previous_from = fields.Date()
    previous_to = fields.Date()
    status = fields.String(metadata={"description": "complete | partial"})
    generated_at = Instant()
    sections = fields.List(fields.Nested(Section))


class Dashboard(Schema):
    today = fields.Date()
    status = fields.String(metadata={"description": "complete | partial"})
    generated_at = Instant()
    sections = fields.List(fields.Nested(Section))


# -- periods ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def a_year_earlier(self) -> "Period":
        return Period(_year_back(self.first), _year_back(self.last))

    @property
    def query(self) -> dict:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    @property
    def energy_months(self) -> dict:
        """Energy is kept by month: the months the period touches, across a new year too."""
        return {"from": f"{self.first:%Y-%m}", "to": f"{self.last:%Y-%m}"}

    @property
    def assessment_year(self) -> int:
        """节约型机关 is assessed by calendar year: the last year that ends within the period, else
        the period's own year (a July-to-June period reads the year that ended in December)."""
        if self.first.year == self.last.year or (self.last.month, self.last.day) == (12, 31):
            return self.last.year
        return self.last.year - 1


def _year_back(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def period_of(q: dict, today: date) -> Period:
    if "from_on" in q:
        return Period(q["from_on"], q["to_on"])
    year = q.get("year", today.year)
    return Period(date(year, 1, 1), date(year, 12, 31))


def local_today(settings: ReportSettings = SETTINGS) -> date:
    return datetime.now(settings.timezone).date()


# -- calls --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fetch:
    """One RPC of a section."""

    service: str
    method: str
    query: dict


class Unavailable(Exception):
    """A section that cannot be given; its argument is the reason, in Chinese."""


def _fetch(call, fetch: Fetch, settings: ReportSettings):
    return call.rpc(fetch.service, fetch.method, fetch.query, timeout=settings.rpc_timeout)


def run_all(call, fetches: dict, settings: ReportSettings = SETTINGS) -> dict:
    """Runs every fetch in parallel; answers key → result or the exception it raised."""
    pool = eventlet.GreenPool(max(1, len(fetches)))

    def one(item):
        key, fetch = item
        try:
            return key, _fetch(call, fetch, settings)
        except (ServiceError, Unavailable) as exc:
            return key, exc
        except Exception as exc:  # an unexpected answer must not take the whole report down
            log.warning("report: %s.%s failed: %s", fetch.service, fetch.method, type(exc).__name__)
            return key, Unavailable("统计调用失败")

    return dict(pool.imap(one, fetches.items()))


SERVICE_NAMES = {"vehicles": "公务用车服务", "facilities": "办公用房服务", "reception": "公务接待服务", "energy": "节能服务"}


def reason_of(exc: BaseException, service: str, settings: ReportSettings = SETTINGS) -> str:
    """Why a section is unavailable, in Chinese (the service's own English detail goes to the log)."""
    name = SERVICE_NAMES.get(service, service)
    if isinstance(exc, ServiceUnavailable):
        return f"{name}暂时无法访问（未运行或连接中断）"
    if isinstance(exc, ServiceTimeout):
        return f"{name}未在 {settings.rpc_timeout:g} 秒内答复"
    if isinstance(exc, Forbidden):
        return f"无权读取{name}的统计"
    if isinstance(exc, ServiceError):
        log.warning("report: %s refused its statistics: %s %s", service, type(exc).__name__, exc.detail)
        return f"{name}未接受统计请求"
    return f"{name}：{exc.args[0] if exc.args else '统计调用失败'}"


# -- figures ------------------------------------------------------------------------------------
# The register or ledger each figure is counted from, as a reader of the report names it.
DISPATCH_LEDGER = "公务用车调度台账"
FUEL_LEDGER = "公务用车油卡（加油、充电）台账"
FLAG_RECORDS = "公务用车 GPS 与油耗监控提示记录"
REPAIR_LEDGER = "办公用房维修工单台账"
INSPECTION_LEDGER = "办公用房检查与整改台账"
RECEPTION_LEDGER = "公务接待审批单与接待清单"
CANTEEN_LEDGER = "机关食堂订餐记录"
MEETING_LEDGER = "会议室预约与会务保障记录"
VISITOR_LEDGER = "来访群众登记簿"
ENERGY_LEDGER = "公共机构能源资源消费统计月报"
REGISTERS = {
    "dispatches": DISPATCH_LEDGER, "distance_km": DISPATCH_LEDGER, "fuel_liters": FUEL_LEDGER, "fuel_yuan": FUEL_LEDGER,
    "cost_yuan": "公务用车油卡台账、调度台账与维修保养台账",
    "flags_raised": FLAG_RECORDS, "flags_no_dispatch": FLAG_RECORDS, "flags_violations": FLAG_RECORDS,
    "flags_open": FLAG_RECORDS,
    "repairs": REPAIR_LEDGER, "repairs_completed": REPAIR_LEDGER, "repair_completion_rate": REPAIR_LEDGER,
    "repair_on_time_rate": REPAIR_LEDGER, "repair_mean_hours": REPAIR_LEDGER, "repair_complaints": REPAIR_LEDGER,
    "repair_mean_rating": "办公用房维修工单台账（确认评价）",
    "inspections": INSPECTION_LEDGER, "rectifications": INSPECTION_LEDGER, "rectifications_done": INSPECTION_LEDGER,
    "rectification_rate": INSPECTION_LEDGER, "rectifications_overdue": INSPECTION_LEDGER,
    "reception_batches": RECEPTION_LEDGER, "reception_guests": RECEPTION_LEDGER, "reception_cost_yuan": "公务接待清单",
    "receptions_in_canteen": f"{RECEPTION_LEDGER}、{CANTEEN_LEDGER}", "canteen_reception_share": f"{RECEPTION_LEDGER}、{CANTEEN_LEDGER}",
    "canteen_persons": CANTEEN_LEDGER, "meetings": MEETING_LEDGER, "meeting_attendees": MEETING_LEDGER,
    "visitor_batches": VISITOR_LEDGER, "visitor_persons": VISITOR_LEDGER,
    "total_tce": ENERGY_LEDGER, "per_person_kgce": f"{ENERGY_LEDGER}、公共机构基本信息（用能人数）",
    "per_area_kgce_m2": f"{ENERGY_LEDGER}、公共机构基本信息（建筑面积）",
    "water_per_person_m3": f"{ENERGY_LEDGER}、公共机构基本信息（用能人数）",
    "waste_total_kg": "生活垃圾分类登记台账", "waste_recyclable_share": "生活垃圾分类登记台账",
    "retrofits": "节能改造项目库", "retrofit_investment_yuan": "节能改造项目库",
    "retrofit_measured_saving_rate": f"节能改造项目库、{ENERGY_LEDGER}",
    "assessed": "节约型机关评价（自评与抽查）记录", "assessment_passed": "节约型机关评价（自评与抽查）记录",
    "assessment_pass_share": "节约型机关评价（自评与抽查）记录",
    # the dashboard
    "cars_out_now": DISPATCH_LEDGER, "open_flags": FLAG_RECORDS, "dispatches_this_month": DISPATCH_LEDGER,
    "open_repairs": REPAIR_LEDGER, "overdue_repairs": REPAIR_LEDGER, "repairs_this_month": REPAIR_LEDGER,
    "repair_completion_rate_this_month": REPAIR_LEDGER, "receptions_this_week": RECEPTION_LEDGER,
    "reception_guests_this_week": RECEPTION_LEDGER, "meetings_today": MEETING_LEDGER,
    "per_person_kgce_target": "能耗定额目标（设定的或五年规划折算的）",
    "per_area_kgce_m2_target": "能耗定额目标（设定的或五年规划折算的）",
    "energy_at_risk": f"{ENERGY_LEDGER}、能耗定额目标",
}


def figure(key, label, unit, value, definition, source) -> dict:
    if isinstance(value, bool):
        value = int(value)
    return {"key": key, "label": label, "value": value, "unit": unit, "definition": definition, "source": source,
            "source_name": REGISTERS[key]}


def dig(answer: dict, path: str):
    value = answer
    for part in path.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else None
    return value


# key, label, unit, answer path, definition
VEHICLE_FIGURES = (
    ("dispatches", "调度车次", "车次", "totals.dispatches", "出车日期在期内、已出车（出车、返回或结束）的调度单数"),
    ("distance_km", "行驶里程", "公里", "totals.distance_km", "期内出车并已返回的调度单的行驶里程之和"),
    ("fuel_liters", "加油量", "升", "totals.fuel_liters", "油卡台账中期内的加油升数"),
    ("fuel_yuan", "燃油费用", "元", "totals.fuel_yuan", "油卡台账中期内的加油、充电金额"),
    ("cost_yuan", "车辆运行费用", "元", "totals.cost_yuan", "燃油、出车（含路桥）与维修保养费用之和"),
    ("flags_raised", "异常提示", "条", "flags.raised", "期内 GPS 与油耗监控提出的全部提示"),
    ("flags_no_dispatch", "无任务出车提示", "条", "flags.by_kind.no_dispatch", "期内 GPS 行程没有调度单对应的提示（无任务出车）"),
    ("flags_violations", "认定违规", "条", "flags.violations", "期内提示中经调度员认定为违规的条数"),
    ("flags_open", "待处理提示", "条", "flags.open", "期内提示中仍待说明或处理的条数"),
)
REPAIR_FIGURES = (
    ("repairs", "报修", "件", "total.count", "报修日期在期内的维修单数"),
    ("repairs_completed", "办结", "件", "total.completed", "其中已完工或已确认的维修单数"),
    ("repair_completion_rate", "办结率", "%", "total.completion_rate", "办结件数 ÷ 报修件数"),
    ("repair_on_time_rate", "按时办结率", "%", "total.on_time_rate", "在时限内完工的件数 ÷ 办结件数"),
    ("repair_mean_hours", "平均维修时长", "小时", "total.mean_hours_to_repair", "办结维修单从报修到完工的平均小时数"),
    ("repair_complaints", "返修投诉", "次", "total.complaints", "维修单被重新打开（投诉）的次数"),
    ("repair_mean_rating", "满意度评分", "分", "total.mean_rating", "确认时给出的满意度评分的平均值"),
)
INSPECTION_FIGURES = (
    ("inspections", "办公用房检查", "次", "inspections", "检查日期在期内的办公用房检查（实地测量）次数"),
    ("rectifications", "发现问题整改", "项", "rectifications", "上述检查提出的整改项"),
    ("rectifications_done", "完成整改", "项", "rectifications_done", "其中已整改（待核验或已核验）的项数"),
    ("rectification_rate", "整改完成率", "%", "rectification_rate", "完成整改项数 ÷ 整改项数"),
    ("rectifications_overdue", "逾期未整改", "项", "rectifications_overdue", "其中已过整改期限仍未整改的项数（按报告生成时）"),
)
RECEPTION_FIGURES = (
    ("reception_batches", "接待批次", "批", "receptions.batches", "开始日期在期内、已批准或已完成的公务接待批次"),
    ("reception_guests", "接待人次", "人次", "receptions.guests", "上述接待的来宾人数之和"),
    ("reception_cost_yuan", "接待费用", "元", "receptions.cost_yuan", "已锁定的接待清单所列费用之和"),
    ("receptions_in_canteen", "安排机关食堂就餐的接待", "批", "canteen.receptions_in_canteen",
     "上述接待中在机关食堂有有效订餐的批次"),
    ("canteen_reception_share", "食堂接待占比", "%", "canteen.reception_share", "安排食堂就餐的接待批次 ÷ 接待批次"),
    ("canteen_persons", "食堂订餐人次", "人次", "canteen.persons", "供餐日期在期内的有效食堂订餐人数之和"),
    ("meetings", "会务保障", "场", "meetings.meetings", "期内举行的会议场次"),
    ("meeting_attendees", "参会人次", "人次", "meetings.attendees", "上述会议的预计参会人数之和"),
    ("visitor_batches", "来访接待批次", "批", "visitors.batches", "期内登记的来访群众批次"),
    ("visitor_persons", "来访接待人次", "人次", "visitors.persons", "期内登记的来访群众人数"),
)
ENERGY_FIGURES = (
    ("total_tce", "综合能耗", "吨标准煤", "total_tce", "报送单位期内各类能源按折标系数折算的标准煤之和"),
    ("per_person_kgce", "人均综合能耗", "千克标准煤/人", "per_person_kgce", "综合能耗 ÷ 报送单位用能人数"),
    ("per_area_kgce_m2", "单位建筑面积能耗", "千克标准煤/平方米", "per_area_kgce_m2",
     "有建筑面积的报送单位的综合能耗 ÷ 其建筑面积"),
    ("water_per_person_m3", "人均用水量", "立方米/人", "water_per_person_m3", "用水量 ÷ 报送单位用能人数"),
)
WASTE_FIGURES = (
    ("waste_total_kg", "垃圾分类量", "千克", "total_kg", "各单位期内登记的分类垃圾重量之和"),
    ("waste_recyclable_share", "可回收物占比", "%", "recyclable_share", "可回收物重量 ÷ 分类垃圾总重量"),
)
RETROFIT_FIGURES = (
    ("retrofits", "完成节能改造项目", "个", "completed", "完工月份在期内的节能改造项目数"),
    ("retrofit_investment_yuan", "节能改造投资", "元", "investment_yuan", "上述项目的投资之和"),
    ("retrofit_measured_saving_rate", "改造实测节能率", "%", "mean_measured_saving_rate",
     "上述项目中已有前后同月对比的项目实测节能率的平均值"),
)
ASSESSMENT_FIGURES = (
    ("assessed", "参加节约型机关评价的单位", "个", "assessed", "当年有自评或抽查结果的单位数"),
    ("assessment_passed", "达到节约型机关标准的单位", "个", "passed", "以最近一次抽查（无则自评）为准、达标的单位数"),
    ("assessment_pass_share", "节约型机关达标率", "%", "pass_share", "达标单位数 ÷ 参评单位数"),
)


def figures_from(answer: dict, table, source: str) -> list[dict]:
    return [figure(key, label, unit, dig(answer, path), definition, f"{source} {path}")
            for key, label, unit, path, definition in table]


# Each section: the fetches of a period, and the figures from their answers.
def vehicles_fetches(period: Period) -> dict:
    # the report uses the fleet's totals: 500 vehicles' rows were half of this answer's cost
    return {"stats": Fetch("vehicles", "vehicle_stats", {**period.query, "by_vehicle": False})}


def vehicles_figures(answers: dict) -> list[dict]:
    return figures_from(answers["stats"], VEHICLE_FIGURES, "vehicles.vehicle_stats")


def facilities_fetches(period: Period) -> dict:
    return {"repairs": Fetch("facilities", "repair_stats", period.query),
            "inspections": Fetch("facilities", "inspection_stats", period.query)}


def facilities_figures(answers: dict) -> list[dict]:
    return (figures_from(answers["repairs"], REPAIR_FIGURES, "facilities.repair_stats")
            + figures_from(answers["inspections"], INSPECTION_FIGURES, "facilities.inspection_stats"))


def reception_fetches(period: Period) -> dict:
    return {"stats": Fetch("reception", "reception_stats", period.query)}


def reception_figures(answers: dict) -> list[dict]:
    return figures_from(answers["stats"], RECEPTION_FIGURES, "reception.reception_stats")


def energy_fetches(period: Period) -> dict:
    months = period.energy_months
    return {
        "indicators": Fetch("energy", "indicators", months),
        "waste": Fetch("energy", "waste_summary", months),
        "projects": Fetch("energy", "project_summary", months),
        "assessments": Fetch("energy", "assessment_summary", {"year": period.assessment_year}),
    }


def energy_figures(answers: dict) -> list[dict]:
    return (figures_from(answers["indicators"], ENERGY_FIGURES, "energy.indicators")
            + figures_from(answers["waste"], WASTE_FIGURES, "energy.waste_summary")
            + figures_from(answers["projects"], RETROFIT_FIGURES, "energy.project_summary")
            + figures_from(answers["assessments"], ASSESSMENT_FIGURES, "energy.assessment_summary"))


BUILDERS = {
    "vehicles": (vehicles_fetches, vehicles_figures),
    "facilities": (facilities_fetches, facilities_figures),
    "reception": (reception_fetches, reception_figures),
    "energy": (energy_fetches, energy_figures),
}


def with_change(current: list[dict], previous: list[dict] | None) -> list[dict]:
    earlier = {f["key"]: f["value"] for f in previous or ()}
    out = []
    for f in current:
        before = earlier.get(f["key"])
        change = rate = None
        if isinstance(f["value"], (int, float)) and isinstance(before, (int, float)):
            change = round(f["value"] - before, 4)
            rate = round(change / before, 4) if before else None
        out.append({**f, "previous": before, "change": change, "change_rate": rate})
    return out


def compose(call, sections, periods: dict[str, Period], builders=BUILDERS,
            settings: ReportSettings = SETTINGS) -> list[dict]:
    """Fetches every section for every period in one parallel round, then builds the figures.

    ``periods`` names the periods (``current`` first, then e.g. ``previous``); a section's
    figures carry the other periods' values beside them.
    """
    planned = {(name, label): builders[name][0](period) for name in sections for label, period in periods.items()}
    results = run_all(call, {(name, label, key): fetch for (name, label), fetches in planned.items()
                             for key, fetch in fetches.items()}, settings)
    out = []
    for name in sections:
        section = {"name": name, "title": SECTION_TITLES[name], "status": "ok", "reason": None, "figures": []}
        try:
            built = {}
            for label in periods:
                answers = {key: results[(name, label, key)] for key in planned[(name, label)]}
                failed = next((value for value in answers.values() if isinstance(value, BaseException)), None)
                if failed is not None:
                    raise failed
                try:
                    built[label] = builders[name][1](answers)
                except (KeyError, TypeError, AttributeError) as exc:  # an answer not of the shape expected
                    log.warning("report: %s answered another shape (%s)", name, type(exc).__name__)
                    raise Unavailable("答复的格式与预期不符") from None
            labels = list(periods)
            section["figures"] = with_change(built[labels[0]], built.get("previous"))
        except (ServiceError, Unavailable) as exc:
            section.update(status="unavailable", reason=reason_of(exc, name, settings), figures=[])
        out.append(section)
    return out


def status_of(sections: list[dict]) -> str:
    return "partial" if any(s["status"] != "ok" for s in sections) else "complete"


def annual_report(call, query: dict, settings: ReportSettings = SETTINGS) -> dict:
    period = period_of(query, local_today(settings))
    previous = period.a_year_earlier()
    sections = compose(call, sections_for(call.caller), {"current": period, "previous": previous},
                       settings=settings)
    return {
        "from_on": period.first, "to_on": period.last, "previous_from": previous.first, "previous_to": previous.last,
        "status": status_of(sections), "generated_at": datetime.now(settings.timezone), "sections": sections,
    }


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
    sections = compose(call, sections_for(call.caller), {"current": Period(today, today)},
                       builders=dashboard_builders(today), settings=settings)
    return {"today": today, "status": status_of(sections), "generated_at": datetime.now(settings.timezone),
            "sections": sections}
