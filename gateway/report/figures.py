"""The figures of each section: the register each is counted from, where in which answer it is read,
what it counts; and the calls each section makes for a period."""
from __future__ import annotations

from gateway.report.fetch import Fetch
from gateway.report.periods import Period


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
