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
ALLOCATION_LEDGER = "办公用房调配（调剂）记录"
DISPOSAL_LEDGER = "公务用车处置（拍卖、报废、回收）与编制台账"
SAFETY_LEDGER = "驾驶员安全例会记录"
AUDIT_LEDGER = "公共机构能源审计报告"
EQUIPMENT_LEDGER = "设备设施台账与维保工单"
PATROL_LEDGER = "安全巡查记录"
TRAINING_LEDGER = "保安与职工培训记录"
CAMPAIGN_LEDGER = "创建活动申报、自评与抽查记录"
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
    "units_inspected": INSPECTION_LEDGER, "allocations": ALLOCATION_LEDGER, "reallocations": ALLOCATION_LEDGER,
    "vehicles_disposed": DISPOSAL_LEDGER, "vehicles_auctioned": DISPOSAL_LEDGER, "vehicles_registered": DISPOSAL_LEDGER,
    "safety_meetings": SAFETY_LEDGER, "safety_meeting_months": SAFETY_LEDGER, "safety_attendances": SAFETY_LEDGER,
    "canteen_reception_persons": CANTEEN_LEDGER, "canteen_meeting_persons": CANTEEN_LEDGER,
    "units_audited": AUDIT_LEDGER, "energy_audits": AUDIT_LEDGER, "demonstration_sites": "垃圾分类示范点认定记录",
    "equipment": EQUIPMENT_LEDGER, "maintenance_due": EQUIPMENT_LEDGER, "maintenance_on_time": EQUIPMENT_LEDGER,
    "maintenance_on_time_rate": EQUIPMENT_LEDGER, "maintenance_plans_overdue": EQUIPMENT_LEDGER,
    "certificates_valid": EQUIPMENT_LEDGER, "certificates": EQUIPMENT_LEDGER, "equipment_purchases": EQUIPMENT_LEDGER,
    "equipment_purchase_yuan": EQUIPMENT_LEDGER,
    "patrols_scheduled": PATROL_LEDGER, "patrols_done": PATROL_LEDGER, "patrol_on_schedule_rate": PATROL_LEDGER,
    "patrols_missed": PATROL_LEDGER, "patrol_findings": PATROL_LEDGER, "patrol_findings_closed": PATROL_LEDGER,
    "training_sessions": TRAINING_LEDGER, "training_hours": TRAINING_LEDGER, "training_attendances": TRAINING_LEDGER,
    "frugal_participants": CAMPAIGN_LEDGER, "frugal_passed": CAMPAIGN_LEDGER,
    "health_promotion_participants": CAMPAIGN_LEDGER, "health_promotion_passed": CAMPAIGN_LEDGER,
    "smoke_free_participants": CAMPAIGN_LEDGER, "smoke_free_passed": CAMPAIGN_LEDGER,
    "waste_site_participants": CAMPAIGN_LEDGER, "waste_site_passed": CAMPAIGN_LEDGER,
    "campaign_spot_checks": CAMPAIGN_LEDGER, "health_activities": "健康活动记录",
    "health_participants": "健康活动记录", "smoking_findings": f"{PATROL_LEDGER}（控烟巡查）",
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
    ("vehicles_disposed", "处置车辆（销编）", "辆", "renewal.disposed", "处置日期在期内的车辆数，处置即释放编制（销编）"),
    ("vehicles_auctioned", "其中拍卖", "辆", "renewal.by_method.auction", "上述处置中以拍卖方式处置的车辆数"),
    ("vehicles_registered", "更新配备车辆（定编）", "辆", "renewal.registered", "期内登记入编制的车辆数（定编）"),
    ("safety_meetings", "驾驶员安全例会", "次", "safety_meetings.held", "期内召开的驾驶员安全例会次数"),
    ("safety_meeting_months", "召开安全例会的月份", "个月", "safety_meetings.months_with_meeting",
     "期内至少召开一次安全例会的月份数"),
    ("safety_attendances", "安全例会参会", "人次", "safety_meetings.attendances", "上述例会的驾驶员参会人次"),
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
    ("units_inspected", "检查的单位", "个", "units_inspected", "上述检查涉及的单位数（每个单位计一次）"),
    ("allocations", "办公用房调配", "间", "allocations", "期内调配给单位的空置用房间数"),
    ("reallocations", "办公用房调剂", "间", "reallocations", "期内在单位之间调剂的用房间数"),
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
    ("canteen_reception_persons", "其中公务接待用餐", "人次", "canteen.reception_persons", "上述订餐中为公务接待预订的人数"),
    ("canteen_meeting_persons", "其中会议用餐", "人次", "canteen.meeting_persons", "上述订餐中为会议预订的人数"),
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
    ("demonstration_sites", "垃圾分类示范点", "个", "demonstration_site_count", "已认定的垃圾分类示范单位数"),
)
AUDIT_FIGURES = (
    ("energy_audits", "能源审计", "次", "audits", "审计日期所在月份在期内的能源审计次数"),
    ("units_audited", "开展能源审计的单位", "个", "units_audited", "上述能源审计涉及的单位数"),
)
# equipment upkeep, patrols and training: facilities' figures (their RPCs: docs/report.md)
EQUIPMENT_FIGURES = (
    ("equipment", "在用设备", "台", "equipment", "期末在用的设备设施台数"),
    ("maintenance_due", "到期维保工单", "单", "orders_due", "到期日在期内的维保与法定检验工单"),
    ("maintenance_on_time", "按期完成维保", "单", "orders_done_on_time", "其中在到期日前完成的工单"),
    ("maintenance_on_time_rate", "维保按期完成率", "%", "on_time_rate", "按期完成工单 ÷ 到期工单"),
    ("maintenance_plans_overdue", "逾期维保计划", "项", "plans_overdue", "下次到期日已过仍未完成的维保计划（按报告生成时）"),
    ("certificates", "检验合格证", "份", "certificates", "各设备各类检验合格证（取最新一份）"),
    ("certificates_valid", "有效检验合格证", "份", "certificates_valid", "其中在期末（或今天）仍有效的"),
    ("equipment_purchases", "设备更新添置", "项", "purchases", "期内更新添置的设备项数"),
    ("equipment_purchase_yuan", "设备更新添置金额", "元", "purchases_cost_yuan", "上述更新添置的金额之和"),
)
PATROL_FIGURES = (
    ("patrols_scheduled", "计划巡查", "次", "patrols_scheduled", "按巡查排班期内应巡查的次数"),
    ("patrols_done", "完成巡查", "次", "patrols_done", "其中巡查点全部扫码的巡查次数"),
    ("patrol_on_schedule_rate", "按计划巡查率", "%", "on_schedule_rate", "完成巡查 ÷ 计划巡查"),
    ("patrols_missed", "漏巡", "次", "patrols_missed", "计划中未巡查的次数"),
    ("patrol_findings", "巡查发现问题", "项", "findings", "期内巡查（含控烟巡查）发现的问题"),
    ("patrol_findings_closed", "已整改问题", "项", "findings_closed", "其中已整改或已修复的"),
)
TRAINING_FIGURES = (
    ("training_sessions", "安全与消防培训", "期", "sessions", "期内举办的保安与职工培训期数"),
    ("training_hours", "培训学时", "小时", "hours", "上述培训的学时之和"),
    ("training_attendances", "培训参训", "人次", "attendances", "上述培训的参训人次"),
)
CAMPAIGN_FIGURES = (
    ("frugal_participants", "参加节约型机关创建的单位", "个", "by_kind.frugal_institution.participants",
     "当年节约型机关创建活动的参与单位数"),
    ("frugal_passed", "节约型机关创建达标单位", "个", "by_kind.frugal_institution.passed",
     "以抽查（无则自评）为准、扣除控烟巡查发现后达标的单位数"),
    ("health_promotion_participants", "参加健康促进机关创建的单位", "个", "by_kind.health_promotion.participants",
     "当年健康促进机关创建活动的参与单位数"),
    ("health_promotion_passed", "健康促进机关创建达标单位", "个", "by_kind.health_promotion.passed",
     "以抽查（无则自评）为准达标的单位数"),
    ("smoke_free_participants", "参加无烟机关创建的单位", "个", "by_kind.smoke_free.participants",
     "当年无烟机关创建活动的参与单位数"),
    ("smoke_free_passed", "无烟机关创建达标单位", "个", "by_kind.smoke_free.passed",
     "以抽查（无则自评）为准、扣除控烟巡查发现后达标的单位数"),
    ("waste_site_participants", "参加垃圾分类示范点创建的单位", "个", "by_kind.waste_sorting_site.participants",
     "当年垃圾分类示范点创建活动的参与单位数"),
    ("waste_site_passed", "垃圾分类示范点创建达标单位", "个", "by_kind.waste_sorting_site.passed",
     "以抽查（无则自评）为准达标的单位数"),
    ("health_activities", "健康活动", "次", "health_activities", "当年登记的工间操、健步走、球类等健康活动次数"),
    ("health_participants", "健康活动参加", "人次", "health_participants", "上述活动的参加人次"),
    ("smoking_findings", "控烟巡查发现吸烟", "起", "smoking_findings", "当年控烟巡查发现的吸烟问题"),
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
        "audits": Fetch("energy", "audit_summary", months),
    }


def energy_figures(answers: dict) -> list[dict]:
    return (figures_from(answers["indicators"], ENERGY_FIGURES, "energy.indicators")
            + figures_from(answers["waste"], WASTE_FIGURES, "energy.waste_summary")
            + figures_from(answers["projects"], RETROFIT_FIGURES, "energy.project_summary")
            + figures_from(answers["assessments"], ASSESSMENT_FIGURES, "energy.assessment_summary")
            + figures_from(answers["audits"], AUDIT_FIGURES, "energy.audit_summary"))


def upkeep_fetches(period: Period) -> dict:
    return {"equipment": Fetch("facilities", "equipment_stats", period.query)}


def upkeep_figures(answers: dict) -> list[dict]:
    return figures_from(answers["equipment"], EQUIPMENT_FIGURES, "facilities.equipment_stats")


def security_fetches(period: Period) -> dict:
    return {"patrols": Fetch("facilities", "patrol_stats", period.query),
            "training": Fetch("facilities", "training_stats", period.query)}


def security_figures(answers: dict) -> list[dict]:
    return (figures_from(answers["patrols"], PATROL_FIGURES, "facilities.patrol_stats")
            + figures_from(answers["training"], TRAINING_FIGURES, "facilities.training_stats"))


def campaigns_fetches(period: Period) -> dict:
    # campaigns run by calendar year, as 节约型机关 is assessed
    return {"summary": Fetch("energy", "campaign_summary", {"year": period.assessment_year})}


def campaigns_figures(answers: dict) -> list[dict]:
    return figures_from(answers["summary"], CAMPAIGN_FIGURES, "energy.campaign_summary")


BUILDERS = {
    "vehicles": (vehicles_fetches, vehicles_figures),
    "facilities": (facilities_fetches, facilities_figures),
    "reception": (reception_fetches, reception_figures),
    "energy": (energy_fetches, energy_figures),
    "upkeep": (upkeep_fetches, upkeep_figures),
    "security": (security_fetches, security_figures),
    "campaigns": (campaigns_fetches, campaigns_figures),
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
