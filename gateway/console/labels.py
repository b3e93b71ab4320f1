"""Chinese words for the codes the services answer with, and the rules' plain-language reasons."""
from __future__ import annotations

import re

ROLE_NAMES = {
    "admin": "系统管理员", "dispatcher": "车辆调度员", "facility_manager": "物业管理员", "technician": "维修技工",
    "reception_officer": "接待专员", "energy_officer": "节能专员", "leader": "中心领导", "unit_user": "单位经办人",
}

STATUS_NAMES = {
    # dispatches
    "requested": "待审批", "approved": "已批准", "rejected": "已驳回", "assigned": "已派车", "departed": "已出车",
    "returned": "已回场", "closed": "已结单", "cancelled": "已取消",
    # repairs
    "reported": "已报修", "in_progress": "维修中", "done": "已完工", "confirmed": "已确认", "reopened": "已返修",
    # receptions
    "submitted": "待审批", "completed": "已完成",
    # flags, rectifications
    "open": "待处理", "explained": "已说明", "resolved": "已解决", "violation": "违规", "verified": "已验收",
    # meetings, bookings
    "scheduled": "已安排", "failed": "未安排成", "booked": "已预订",
    # energy projects
    "planned": "计划中",
    # canteen reservations
    "active": "有效", "released": "已释放",
}

# where one code means another thing in another area
STATUS_NAMES_IN = {
    "repair": {"assigned": "已派工"},
    "rectification": {"done": "已整改待验收"},
    "import": {"queued": "排队中", "running": "导入中", "succeeded": "导入完成", "failed": "导入失败"},
}

FLAG_KINDS = {
    "no_dispatch": "无任务出车", "sealed_moved": "封存车辆移动", "non_designated_vendor": "非定点单位",
    "odometer": "里程异常", "fuel_consumption": "油耗异常",
}
REPAIR_CATEGORIES = {"water": "给排水", "electricity": "电气", "generator": "发电机", "hvac": "空调暖通",
                     "civil": "土建", "other": "其他"}
SEVERITIES = {"minor": "一般", "major": "重大"}
GUEST_ORIGINS = {"out_of_county": "县外来宾", "in_county": "县内来宾"}
MEALS = {"breakfast": "早餐", "lunch": "午餐", "dinner": "晚餐"}
ENERGY_TYPES = {"electricity": "电", "natural_gas": "天然气", "gasoline": "汽油", "diesel": "柴油", "coal": "煤",
                "heat": "热力", "water": "水"}

# What each rule means, in the words of the regulation (DOMAIN.md), shown when a service refuses.
RULE_REASONS = {
    "reception.no_letter": "没有派出单位公函的，不予接待。",
    "reception.approval_before_date": "公务接待须事先审批：审批须在接待日期之前完成。",
    "reception.working_meal_limit": "接待对象按规定只能安排一次工作餐。",
    "reception.accompany_limit": "陪餐人数超标：接待对象在10人以内的，陪餐人数不得超过3人；"
                                 "超过10人的，不得超过接待对象人数的三分之一。",
    "reception.home_style_only": "工作餐只能提供家常菜。",
    "reception.no_alcohol": "工作餐不得提供酒水。",
    "reception.no_cigarettes": "工作餐不得提供香烟。",
    "reception.meal_price": "工作餐人均标准超过当地规定的接待标准。",
    "canteen.capacity": "该餐次的食堂座位已满。",
    "reception.list_before_event": "接待清单须在接待结束后填报：接待尚未结束。",
    "vehicles.double_booking": "该车辆或驾驶员在这段时间已有任务，不能重复派车。",
    "auth.weak_password": "密码强度不够，请换一个不易被猜中的密码。",
    "energy.import_limit": "报表超出导入限制（行数、列数或解压后的大小），请删去多余的行和列，或拆分后分批导入。",
    "vehicles.request_in_past": "用车申请的开始时间不能早于当前时间。",
    "facilities.floor_not_in_building": "房间所在楼层不在该楼宇的楼层范围内。",
    "facilities.booking_in_past": "会议室预订的开始时间不能早于当前时间。",
    "facilities.booking_too_long": "每次会议室预订的时长超过规定上限。",
}

FIELD_NAMES = {
    "purpose": "事由", "passengers": "乘车人数", "origin": "出发地", "destination": "目的地", "start_at": "出发时间",
    "end_at": "返回时间", "vehicle_id": "车辆", "driver_id": "驾驶员", "reason": "理由", "title": "接待事由",
    "guests": "接待对象", "starts_on": "开始日期", "ends_on": "结束日期", "official_letter": "公函",
    "location": "报修地点", "category": "类别", "severity": "紧急程度", "description": "情况说明", "file": "报表文件",
    "technician": "维修人", "odometer_km": "回场里程表读数", "fuel_liters": "加油量",
    "tolls_yuan": "过路过桥费", "cost_yuan": "停车等其他费用", "returned_at": "回场时间", "departed_at": "出车时间", "rating": "满意度", "complaint": "问题说明", "note": "情况说明", "explanation": "情况说明",
    "resolution": "处理意见", "outcome": "处理结果", "unit_code": "单位代码", "period": "统计期", "energy_type": "能源品种",
    "quantity": "数量", "unit": "计量单位", "meeting_room_id": "会议室", "attendees": "参会人数", "services": "会务服务",
    "cars": "用车", "username": "用户名", "password": "密码", "current_password": "当前密码", "roles": "角色",
    "header": "表头",
}

MESSAGES = {
    "Missing data for required field.": "必填", "missing": "必填", "Not a valid integer.": "请填写整数",
    "Not a valid datetime.": "请填写有效的日期时间", "Not a valid date.": "请填写有效的日期",
    "Not a valid number.": "请填写数字", "Not a valid decimal.": "请填写数字",
    # the rows of an energy import
    "a month as YYYY-MM": "请填写年月，如 2025-01", "missing or longer than 40 characters": "未填写或超过40个字符",
    "a number from 0 up": "请填写不小于0的数字", "no quantity in the row": "该行没有填写任何用量",
    "another unit's row": "不是本单位的数据", "no institution is registered for this unit": "该单位尚未登记公共机构信息",
    "a month that has not begun cannot be reported": "不能填报尚未开始的月份",
    "not an .xlsx workbook": "不是可读取的 .xlsx 文件", "no header row": "报表没有表头",
    "no energy or water column": "没有能源或用水的列", "a column appears twice": "有重复的列",
    "unreadable text": "无法识别文字编码（请存为 UTF-8 或 GBK）", "malformed CSV": "CSV 格式有误",
    "choose an .xlsx or .csv file": "请选择 .xlsx 或 .csv 文件",
    "already exists": "已存在，不能重复",
    "must not lie in the future": "不能晚于当前时间", "must not lie in the past": "不能早于当前时间",
    "a meal's cost is entered with the meal, not again under costs": "用餐的金额已在「用餐」中填写，不能在费用中重复登记",
    "must be after start_at": "须晚于开始时间", "must fall within the reception's dates": "须在接待日期之内",
}

# messages that carry a number: the English pattern and its Chinese form
MESSAGE_PATTERNS = (
    (re.compile(r"^repeats row (\d+) \(same unit and month\)$"), "与第 {} 行重复（同一单位同一月份）"),
    (re.compile(r"^unknown columns: (.*)$"), "无法识别的列：{}"),
    (re.compile(r"^double booking with dispatch (\d+)$"), "这段时间已派给用车申请 {}，不能重复派车"),
    (re.compile(r"^clashes with an existing booking on (\S+)$"), "与 {} 已有的会议室预订时间冲突"),
    (re.compile(r"^missing columns: (.*)$"), "缺少的列：{}"),
    (re.compile(r"^at most (\d+) data rows$"), "最多 {} 行数据"),
    (re.compile(r"^at most (\d+) columns$"), "最多 {} 列"),
    (re.compile(r"^at most (\d+) bytes unpacked$"), "解压后最多 {} 字节"),
    (re.compile(r"^compressed at most (\d+) to 1$"), "压缩比最多 {}:1"),
)


def status_name(code, area: str | None = None) -> str:
    return STATUS_NAMES_IN.get(area, {}).get(code) or STATUS_NAMES.get(code, code or "")


def message(text: str) -> str:
    """A field error in Chinese where the wording is known; otherwise the service's own words."""
    if text in MESSAGES:
        return MESSAGES[text]
    for pattern, chinese in MESSAGE_PATTERNS:
        found = pattern.match(text)
        if found:
            return chinese.format(*found.groups())
    return text


def rule_reasons(rule: str | None, errors: dict | None) -> list[dict]:
    """Every rule a refusal names, first the one it was refused for: its reason and the details."""
    codes = [code for code in (errors or {}) if code in RULE_REASONS]
    if rule and rule not in codes:
        codes.insert(0, rule)
    return [{"rule": code, "reason": RULE_REASONS.get(code, "不符合业务规则。"),
             "details": [message(str(detail)) for detail in (errors or {}).get(code) or []]} for code in codes]
