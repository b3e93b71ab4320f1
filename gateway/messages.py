"""The API's message catalogue: every word an answer shows a person, in English and in Chinese.

``rule`` codes and field names stay English and stable; the title, the detail and each field
message of a problem+json answer are rendered from here (``gateway/http.py``), in Chinese when
the request's ``Accept-Language`` prefers ``zh-CN``, ``zh`` or ``zh-Hans`` and in English
otherwise. The console shows the same words. A new rule gets its sentence in ``RULES`` (and a
``detail`` template when it passes ``params``); a new field message gets its line in ``PHRASES``.
"""
from __future__ import annotations

import re
import string
from functools import lru_cache

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

ENGLISH, CHINESE = "en", "zh-CN"
# what a request may ask for; the first is the default (also for "*")
OFFERED = (ENGLISH, CHINESE, "zh", "zh-Hans")


def negotiate(accept_language: str | None) -> str:
    """``zh-CN`` or ``en`` for an ``Accept-Language`` header, q-values respected."""
    best = parse_accept_header(accept_language or "", LanguageAccept).best_match(OFFERED, default=ENGLISH)
    return CHINESE if best.lower().startswith("zh") else ENGLISH


# --- enumerations: the Chinese words for the codes the services answer with -------------------
ROLE_NAMES = {
    "system_admin": "系统管理员", "security_admin": "安全管理员", "audit_admin": "审计管理员", "dispatcher": "车辆调度员", "facility_manager": "物业管理员", "technician": "维修技工",
    "reception_officer": "接待专员", "energy_officer": "节能专员", "leader": "中心领导", "unit_user": "单位经办人",
    "guard": "安保巡查员",
}

# the console's login and second factor (gateway/console/views/account.py)
SECOND_FACTOR_TEXTS = {
    "code_needed": "该账号已启用动态口令：请输入身份验证器中的 6 位动态口令（或一个恢复码）。",
    "code_wrong": "动态口令不正确或已使用过，请输入身份验证器当前显示的动态口令。",
    "password_expired": "密码已超过有效期，请设置新密码后登录。",
    "ticket_expired": "登录已超时，请重新输入用户名和密码。",
    "wrong_password": "用户名或密码错误。",
    "enter_both": "请输入用户名和密码。",
    "too_many": "登录失败次数过多，请 {seconds} 秒后再试。",
    "enrolled": "已启用动态口令（双因素认证）。更换手机或丢失设备时，请使用恢复码登录，并联系安装方重置。",
    "started": "请用身份验证器（如微信小程序、Google Authenticator、Microsoft Authenticator）扫描下方二维码，"
               "然后输入它显示的 6 位动态口令完成绑定。",
    "confirmed": "动态口令已启用。请妥善保存以下恢复码（每个只能使用一次，只显示这一次）：",
    "required": "按照等保三级要求，管理员账号必须启用动态口令。",
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
    # vehicles
    "available": "可用", "dispatched": "出车中", "maintenance": "维修保养", "sealed": "封存", "disposed": "已处置",
}

# where one code means another thing in another area
STATUS_NAMES_IN = {
    "repair": {"assigned": "已派工"},
    "work_order": {"open": "待派工", "assigned": "已派工", "in_progress": "维保中"},
    "patrol": {"in_progress": "巡查中", "done": "已完成", "incomplete": "有漏检", "missed": "漏巡"},
    "equipment": {"in_service": "在用", "retired": "已报废"},
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
EQUIPMENT_KINDS = {"elevator": "电梯", "fire_system": "消防设施", "extinguisher": "灭火器", "water_tank": "二次供水水箱",
                   "water_pump": "水泵", "lightning": "防雷装置", "generator": "发电机", "boiler": "锅炉",
                   "hvac": "空调暖通", "power": "配电设施"}
PLAN_KINDS = {"preventive": "预防性维护", "statutory": "法定检验"}
PATROL_KINDS = {"security": "安全巡查", "no_smoking": "控烟巡查"}
FINDING_CATEGORIES = {"fire_door_blocked": "消防通道/防火门堵塞", "fire_equipment": "消防器材缺损", "smoking": "吸烟",
                      "leak": "漏水", "electrical": "用电隐患", "intrusion": "可疑人员", "obstruction": "杂物占道",
                      "other": "其他"}
TRAINING_CATEGORIES = {"security": "安全", "fire": "消防", "other": "其他"}
GUEST_ORIGINS = {"out_of_county": "县外来宾", "in_county": "县内来宾"}
MEALS = {"breakfast": "早餐", "lunch": "午餐", "dinner": "晚餐"}
VEHICLE_STATUSES = {code: STATUS_NAMES[code] for code in ("available", "dispatched", "maintenance", "sealed", "disposed")}
INDICATORS = {"per_area_kgce_m2": "单位建筑面积能耗（kgce/m²）", "per_person_kgce": "人均综合能耗（kgce/人）",
              "water_per_person_m3": "人均用水量（m³/人）", "per_area_kgco2_m2": "单位建筑面积碳排放（kgCO₂/m²）"}
ENERGY_TYPES = {"electricity": "电", "natural_gas": "天然气", "gasoline": "汽油", "diesel": "柴油", "coal": "煤",
                "heat": "热力", "water": "水"}

# the Chinese names of fields, where the console names a field in a sentence (answers keep the key)
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
    "header": "表头", "reference": "业务编号",
}

# words a message may carry as a figure (a code, a kind): their Chinese, where one is known
WORDS = {
    **STATUS_NAMES, **MEALS, **GUEST_ORIGINS, **ENERGY_TYPES, **FLAG_KINDS, **ROLE_NAMES,
    "datetime": "日期时间", "date": "日期", "time": "时间", "aware": "带时区的", "naive": "不带时区的",
    "vehicle": "车辆", "driver": "驾驶员", "out of county": "县外来宾", "in county": "县内来宾",
}


def word(value) -> str:
    text = str(value)
    return WORDS.get(text, WORDS.get(text.replace(" ", "_"), text))


def figure(value) -> str:
    """A figure of a message in Chinese: a known code's word, a catalogue phrase, or itself."""
    text = str(value)
    if text in WORDS or text.replace(" ", "_") in WORDS:
        return word(text)
    return chinese_phrase(text) or text


# --- problem titles, by HTTP status -----------------------------------------------------------
TITLES = {
    308: ("Permanent redirect", "请求路径已永久变更"),
    400: ("Invalid input", "输入有误"),
    401: ("Unauthorized", "未登录或凭据无效"),
    403: ("Forbidden", "无权进行此操作"),
    404: ("Not found", "未找到"),
    405: ("Method not allowed", "不支持该请求方法"),
    409: ("Conflict", "与现有记录或状态冲突"),
    413: ("Request body too large", "请求内容过大"),
    422: ("Business rule violated", "不符合业务规则"),
    429: ("Too many requests", "请求过于频繁"),
    500: ("Internal error", "系统内部错误"),
    503: ("Service unavailable", "服务暂不可用"),
    504: ("Service did not answer in time", "服务响应超时"),
}


def title(status: int, language: str, english: str = "") -> str:
    """The title of a problem answer of ``status``; ``english`` is the caller's own (HTTP errors)."""
    known = TITLES.get(status)
    if known and language == CHINESE:
        return known[1]
    return english or (known[0] if known else str(status))


# --- rules: what each means, in the words of the regulation (DOMAIN.md) -----------------------
# "reason" is the rule's sentence (the detail in Chinese when the refusal has no figures);
# "detail" the Chinese detail when the refusal passes ``params`` (format fields are its keys).
RULES = {
    "reception.no_letter": {"reason": "没有派出单位公函的，不予接待。"},
    "reception.approval_before_date": {
        "reason": "公务接待须事先审批：审批须在接待日期之前完成。",
        "detail": "审批须在接待首日{starts_on}之前完成，今天是{today}。"},
    "reception.working_meal_limit": {
        "reason": "接待对象按规定只能安排一次工作餐。",
        "detail": "最多安排{allowed}次工作餐，申请了{asked}次。"},
    "reception.accompany_limit": {
        "reason": "陪餐人数超标：接待对象在10人以内的，陪餐人数不得超过3人；超过10人的，不得超过接待对象人数的三分之一。",
        "detail": "陪餐{accompanying_diners}人，超过上限{allowed}人（接待对象{guests}人）。"},
    "reception.home_style_only": {"reason": "工作餐只能提供家常菜。"},
    "reception.no_alcohol": {"reason": "工作餐不得提供酒水。"},
    "reception.no_cigarettes": {"reason": "工作餐不得提供香烟。"},
    "reception.meal_price": {
        "reason": "工作餐人均标准超过当地规定的接待标准。",
        "detail": "工作餐人均{price}元，超过{guest_origin}标准{standard}元。"},
    "auth.totp_required": {"reason": "该账号已启用动态口令：请同时填写身份验证器中的动态口令，或一个恢复码。"},
    "auth.totp_invalid": {"reason": "动态口令不正确或已使用过，请填写身份验证器当前显示的动态口令。"},
    "auth.totp_not_enrolled": {"reason": "管理员须先绑定动态口令（双因素认证）才能登录或被授予管理员角色。"},
    "auth.password_expired": {"reason": "密码已超过有效期，请在登录时设置新密码。"},
    "auth.password_reused": {"reason": "新密码不能与最近使用过的密码相同。"},
    "auth.separation_of_duties": {
        "reason": "三员分立：系统管理员、安全管理员、审计管理员由不同账号担任，任何人不能修改自己的角色，"
                  "管理员账号的密码、停用和删除只能由安装方通过命令行办理。"},
    "canteen.capacity": {
        "reason": "该餐次的食堂座位已满。",
        "detail": "该餐次还剩{left}个座位，申请了{asked}个。"},
    "vehicles.double_booking": {
        "reason": "该车辆或驾驶员在这段时间已有任务，不能重复派车。",
        "detail": "该{what}在这段时间已有派车单{dispatch_id}，不能重复派车。"},
    "vehicles.quota_exceeded": {
        "reason": "单位车辆编制已满，不能再配备车辆。",
        "detail": "单位已占用{occupied}个车辆编制，共{slots}个。"},
    "vehicles.quota_below_fleet": {
        "reason": "车辆编制数不能少于单位现有车辆数。",
        "detail": "单位现有{occupied}辆车，编制数不能少于{occupied}（申请{slots}）。"},
    "vehicles.status_workflow": {"reason": "该状态由派车或处置流程设定，不能手工修改。"},
    "vehicles.odometer_correction_reason": {"reason": "更正里程表读数须说明理由。"},
    "vehicles.driver_inactive": {"reason": "该驾驶员已停用，不能派车。"},
    "vehicles.licence_expired": {"reason": "该驾驶员的驾驶证已过期，不能派车。"},
    "vehicles.missed_safety_meeting": {"reason": "该驾驶员未参加本月安全例会，不能派车。"},
    "vehicles.not_enough_seats": {
        "reason": "车辆座位数少于乘车人数。",
        "detail": "车辆座位{seats}个，乘车{passengers}人。"},
    "vehicles.vehicle_unavailable": {
        "reason": "车辆当前状态不能派车。",
        "detail": "车辆状态为{status}，不能派车。"},
    "vehicles.odometer_backwards": {
        "reason": "回场里程不能小于出车里程。",
        "detail": "回场里程{end_km}公里小于出车里程{start_km}公里。"},
    "vehicles.last_service_above_odometer": {
        "reason": "上次保养时的里程不能大于车辆的当前里程。",
        "detail": "上次保养时的里程不能大于车辆的当前里程{odometer_km}公里。"},
    "vehicles.renewal_too_early": {
        "reason": "车辆未到更新年限，提前处置须说明理由。",
        "detail": "车辆满{renewal_years}年（{eligible_on}起）方可更新，提前处置须说明理由。"},
    "facilities.unknown_technician": {"reason": "维修人须是在用的维修技工账号，请先在用户管理中添加。"},
    "facilities.vacant_room_occupied": {"reason": "空置用房不能有使用单位。"},
    "facilities.room_not_allocated": {"reason": "只有单位占用的用房才能登记使用人员。"},
    "facilities.room_has_occupants": {
        "reason": "用房内仍有使用人员，请先迁出。",
        "detail": "用房内仍有{from_unit}的{occupants}名使用人员，请先迁出。"},
    "facilities.capacity_exceeded": {
        "reason": "参会人数超过会议室容量。",
        "detail": "参会{attendees}人，超过会议室容量{capacity}人。"},
    "facilities.too_many_occurrences": {
        "reason": "周期预订的次数超过上限。",
        "detail": "周期预订最多{limit}次。"},
    "energy.unreadable_sheet": {"reason": "上传的文件不是可读取的能耗统计报表（须为 .xlsx 或 .csv，表头与统计报表一致）。"},
    "units.unreadable_sheet": {"reason": "上传的文件不是可读取的单位名录表（须为 .xlsx，表头含单位代码、名称、类别）。"},
    "energy.import_limit": {
        "reason": "报表超出导入限制（行数、列数或解压后的大小），请删去多余的行和列，或拆分后分批导入。",
        "detail": "报表超出导入限制：{limit}。"},
    "integrations.url_not_allowed": {"reason": "该地址不在允许范围内（须为公网地址且主机已获准）。"},
    "auth.weak_password": {"reason": "密码强度不够，请换一个不易被猜中的密码。"},
    "reception.list_before_event": {"reason": "接待清单须在接待结束后填报：接待尚未结束。"},
    "vehicles.request_in_past": {"reason": "用车申请的开始时间不能早于当前时间。"},
    "facilities.floor_not_in_building": {"reason": "房间所在楼层不在该楼宇的楼层范围内。"},
    "facilities.booking_in_past": {"reason": "会议室预订的开始时间不能早于当前时间。"},
    "facilities.booking_too_long": {"reason": "每次会议室预订的时长超过规定上限。"},
    "dates.in_future": {"reason": "记录已发生的事项，日期或时间不能晚于当前时间。"},
    "energy.future_period": {"reason": "不能填报尚未开始的月份。"},
    "facilities.started_before_reported": {"reason": "开始维修时间不能早于报修时间。"},
    "facilities.completed_before_reported": {"reason": "完工时间不能早于报修时间。"},
    "facilities.completed_before_started": {"reason": "完工时间不能早于开始维修时间。"},
    "facilities.deadline_before_inspection": {"reason": "整改期限不能早于检查日期。"},
    "facilities.room_not_in_building": {"reason": "所选房间不在该楼宇内。"},
    "equipment.certificate_dates": {"reason": "证书有效期至不能早于发证日期。"},
    "equipment.meter_backwards": {"reason": "运行小时读数不能小于上次读数。"},
    "equipment.retired": {"reason": "该设备已报废停用，不再维保，也不能再次被更新替换。"},
    "work_order.checklist_incomplete": {"reason": "检查表每一项都须勾选或填写测量值后才能完工。"},
    "work_order.run_hours_required": {"reason": "发电机每次运行都须抄录运行小时数。"},
    "patrol.deadline_in_past": {"reason": "整改期限不能早于今天。"},
    "unit_required": {"reason": "中心工作人员代单位办理时，须选择所代办的单位。"},
    "vehicles.fuel_quantity": {"reason": "加油（充电）记录须填写加油升数或充电度数。"},
    "units.unknown": {"reason": "单位名录中没有这个单位，请先在单位名录中登记。"},
    "units.abolished": {"reason": "该单位已撤销，不能再使用。"},
    "units.merged": {"reason": "该单位已在机构改革中合并，请使用合并后的单位。"},
    "units.parent_cycle": {"reason": "上级单位不能是本单位或本单位的下级单位。"},
    "units.merge_into_self": {"reason": "单位不能合并到自身。"},
    "units.merge_in_future": {"reason": "合并日期不能晚于今天：机构改革生效后再登记合并。"},
    "units.has_active_children": {"reason": "该单位下还有正常的下级单位，请先合并或撤销下级单位。"},
    "units.import_rejected": {"reason": "名录表中有行不符合规则，整张表均未导入；请按行号改正后重新导入。"},
    "units.import_limit": {"reason": "名录表行数超出导入限制。"},
    "campaigns.not_participating": {"reason": "该单位不是本次创建活动的参与单位，请先由中心加入参与单位。"},
    "campaigns.no_application": {"reason": "单位须先申报，才能提交自评。"},
    "campaigns.outside_period": {
        "reason": "日期不在创建活动的年度内。", "detail": "日期须在创建活动的年度（{years}年）内。"},
    "campaigns.pass_line_unreachable": {
        "reason": "达标线高于评分表各项满分之和。", "detail": "达标线{pass_score}分，高于评分表满分合计{reachable}分。"},
    "campaigns.duplicate_criterion": {"reason": "评分表中有重复的评分项代码。"},
    "campaigns.scores_mismatch": {"reason": "评分与评分表不符：每个评分项都须打分，分值为 0 至该项满分的整数。"},
    "facilities.agent_not_extinguisher": {"reason": "只有灭火器才填写灭火剂类型。"},
    "audit.merge_depth": {"reason": "合并的审计记录最多翻到第一万条：请用起止时间缩小范围。"},
    "work_order.unknown_item": {"reason": "检查表中没有该项目。"},
    "patrols.deadline_required": {"reason": "发现问题转为整改时须填写整改期限。"},
    "facilities.plan_interval": {"reason": "维保计划须按天数或按月数（二选一）或按运行小时设定周期。"},
    "campaigns.evidence_too_large": {"reason": "佐证材料文件过大。", "detail": "每个佐证材料文件最大{limit_mb} MB。"},
}
UNKNOWN_RULE = "不符合业务规则。"


def rule_reason(rule: str | None) -> str:
    return RULES.get(rule or "", {}).get("reason", UNKNOWN_RULE)


# --- field messages and details: English template -> Chinese template --------------------------
# A template's fields ({max}, {input}...) stand for the figures of the message; the Chinese takes
# them over, with ``WORDS`` for the codes among them.
PHRASES = {
    # marshmallow's fields and schemas
    "Missing data for required field.": "必填",
    "Field may not be null.": "不能为空",
    "Invalid input.": "输入无效", "Invalid type.": "类型无效", "Invalid value.": "取值无效",
    "Invalid input type.": "输入类型无效", "Unknown field.": "不认识的字段",
    "Not a valid string.": "请填写文字", "Not a valid utf-8 string.": "不是有效的 UTF-8 文字",
    "Not a valid integer.": "请填写整数", "Not a valid number.": "请填写数字", "Not a valid decimal.": "请填写数字",
    "Number too large.": "数字过大",
    "Special numeric values (nan or infinity) are not permitted.": "不允许 NaN 或无穷大",
    "Not a valid boolean.": "请填写是或否",
    "Not a valid date.": "请填写有效的日期", "Not a valid datetime.": "请填写有效的日期时间",
    "Not a valid {obj_type}.": "请填写有效的{obj_type}",
    "Not a valid {awareness} {obj_type}.": "请填写有效的{awareness}{obj_type}",
    '"{input}" cannot be formatted as a {obj_type}.': "“{input}”无法转换为{obj_type}",
    '"{input}" cannot be formatted as a date.': "“{input}”无法转换为日期",
    "{input!r} cannot be formatted as a timedelta.": "{input}无法转换为时长",
    "Not a valid period of time.": "请填写有效的时长",
    "Not a valid list.": "请填写列表", "Not a valid tuple.": "请填写元组", "Not a valid mapping type.": "请填写对象",
    "Not a valid UUID.": "请填写有效的 UUID", "Not a valid URL.": "请填写有效的网址",
    "Not a valid email address.": "请填写有效的电子邮件地址",
    "Not a valid IP address.": "请填写有效的 IP 地址", "Not a valid IPv4 address.": "请填写有效的 IPv4 地址",
    "Not a valid IPv6 address.": "请填写有效的 IPv6 地址", "Not a valid IP interface.": "请填写有效的 IP 接口",
    "Not a valid IPv4 interface.": "请填写有效的 IPv4 接口", "Not a valid IPv6 interface.": "请填写有效的 IPv6 接口",
    # marshmallow's validators
    "Longer than maximum length {max}.": "长度不能超过{max}",
    "Shorter than minimum length {min}.": "长度不能少于{min}",
    "Length must be between {min} and {max}.": "长度须在{min}到{max}之间",
    "Length must be {equal}.": "长度须为{equal}",
    "Must be greater than or equal to {min}.": "不能小于{min}",
    "Must be greater than {min}.": "须大于{min}",
    "Must be less than or equal to {max}.": "不能大于{max}",
    "Must be less than {max}.": "须小于{max}",
    "Must be greater than or equal to {min} and less than or equal to {max}.": "须在{min}到{max}之间",
    "Must be greater than or equal to {min} and less than {max}.": "须不小于{min}且小于{max}",
    "Must be greater than {min} and less than or equal to {max}.": "须大于{min}且不大于{max}",
    "Must be greater than {min} and less than {max}.": "须大于{min}且小于{max}",
    "Must be one of: {choices}.": "须为以下之一：{choices}",
    "Must be equal to {other}.": "须等于{other}",
    "String does not match expected pattern.": "格式不正确",
    "One or more of the choices you made was not in: {choices}.": "有选项不在可选范围内：{choices}",
    "One or more of the choices you made was in: {values}.": "有选项不允许：{values}",
    # the kit (services/kit/schemas.py)
    "expected a JSON object": "须为 JSON 对象",
    "must be between the years {low} and {high}": "年份须在{low}到{high}之间",
    "must be between {low} and {high}": "须在{low}到{high}之间",
    "must not contain NUL characters": "不能包含 NUL 字符",
    "must be valid Unicode text": "须为有效的 Unicode 文字",
    # the gateway (gateway/http.py, gateway/auth.py, gateway/routes)
    "missing": "必填",
    "malformed JSON": "JSON 格式有误",
    "nested deeper than {limit} levels": "嵌套超过{limit}层",
    "the request needs a JSON body": "请求须带 JSON 正文",
    "the body is not valid JSON": "请求正文不是有效的 JSON",
    "the body nests arrays and objects deeper than {limit} levels": "请求正文的数组和对象嵌套超过{limit}层",
    "the body must be a JSON object": "请求正文须为 JSON 对象",
    "the input has invalid fields": "有字段填写不正确",
    "no route for {path}": "没有这个地址：{path}",
    "this route needs one of the roles: {roles}": "此操作需要以下角色之一：{roles}",
    "this API key is not scoped to the operation {operation}": "此 API 密钥无权进行操作 {operation}",
    "the path has repeated slashes": "路径中有重复的斜杠",
    "the error was logged with request id {request_id}": "错误已记录，请求编号 {request_id}",
    "send Authorization: Bearer <token> or X-API-Key": "请先登录（Authorization: Bearer <token>）或提供 X-API-Key",
    "the session has ended: log in again": "会话已结束，请重新登录",
    "invalid token: {error}": "登录凭据无效，请重新登录",
    "invalid API key": "API 密钥无效",
    "wrong username or password": "用户名或密码错误",
    "too many failed logins: wait before trying again": "登录失败次数过多，请稍后再试",
    "too many requests: wait before trying again": "请求过于频繁，请稍后再试",
    "wrong password": "当前密码不正确",
    "the current password is wrong": "当前密码不正确",
    "must have at least {min_length} characters": "密码至少 {min_length} 个字符",
    "must not contain the username": "密码不能包含用户名",
    "is one of the most common passwords": "密码过于常见，容易被猜中",
    "must not be one character repeated": "密码不能由同一个字符重复组成",
    "the password is too weak": "密码强度不够",
    "the password was used before": "这个密码最近使用过",
    "an administrator's role is granted by the security administrator": "管理员角色只能由安全管理员授予（三员分立）",
    "an administrator's account is changed from the command line ({action})": "管理员账号只能由安装方通过命令行办理",
    "must not be one of the last {count} passwords": "不能与最近 {count} 次使用过的密码相同",
    "the session has ended after a time without use: log in again": "长时间未操作，会话已结束，请重新登录",
    "give the code of your authenticator app (totp_code) or a recovery code": "请填写身份验证器中的动态口令，或一个恢复码",
    "wrong or used code: give the current code of your authenticator app": "动态口令不正确或已使用过",
    "wrong code": "动态口令不正确",
    "the code does not match: scan the QR code again and give the current code": "动态口令不匹配：请重新扫描二维码并填写当前动态口令",
    "a second factor is enrolled already: ask for a reset (gateway.cli reset-totp)": "已绑定动态口令；如需更换设备，请由安装方重置",
    "the user must enrol a second factor (TOTP) before holding this role": "该用户须先绑定动态口令才能担任此角色",
    "an administrator needs a second factor first": "管理员须先绑定动态口令",
    "this user is an administrator": "该用户是管理员",
    "nobody changes their own roles (三员分立)": "任何人不能修改自己的角色（三员分立）",
    "one account holds at most one of the administrators' roles (三员分立)": "一个账号只能担任一种管理员角色（三员分立）",
    "choose one of: {roles}": "请只选其一：{roles}",
    "already taken": "已被占用", "already registered": "已登记", "already set": "已设置",
    "already recorded": "已记录", "already designated": "已认定", "already allowed": "已允许",
    "already checked in": "已签到", "already registered for this kind": "该类别下已登记",
    "this is your own account": "这是你自己的账号", "no change": "没有变化", "no such client": "没有这个客户端",
    "user {name} not found": "没有用户 {name}", "API key {key} not found": "没有 API 密钥 {key}",
    "unknown roles": "不认识的角色", "choose from: {choices}": "请从以下选择：{choices}",
    "required for the unit_user role": "单位经办人须填写单位",
    "a unit user needs a unit": "单位经办人须填写单位",
    # the services' field messages
    "must not be before starts_on": "不能早于开始日期",
    "must fall within the reception's dates": "须在接待日期之内",
    "must be after start_at": "须晚于开始时间",
    "must not lie in the future": "不能晚于当前时间", "must not lie in the past": "不能早于当前时间",
    "must not precede reported_at": "不能早于报修时间", "must not precede started_at": "不能早于开始维修时间",
    "give either year (and months) or from and to": "请填写年份（及月份），或起止年月，二者选一",
    "give a year, or from and to": "请填写年份，或起止年月",
    "already exists": "已存在，不能重复",
    "1 to 40 letters, digits, '-', '_' or '.', starting with a letter or digit":
        "1到40个字母、数字、“-”“_”或“.”，以字母或数字开头",
    "must not begin or end with spaces": "首尾不能有空格", "must not contain control characters": "不能含控制字符",
    "already used by another booking": "已被另一项预订使用", "abandoned": "该会议申请已撤销，不再预订",
    "must not be before from": "不能早于起始日期",
    "must lie in the years 2000 to 2100": "年份须在2000到2100之间",
    "months from 1 to 12": "月份须在1到12之间",
    'months as "1-6" or "1,2,3"': "月份请写成“1-6”或“1,2,3”",
    "a period is at most a year": "统计期最长一年",
    "give either year or from and to": "请填写年份，或同时填写起止日期",
    "give from and to together": "起止日期须同时填写",
    "give exactly one of count and until": "次数和截止日期须且只能填写一项",
    "give exactly one of reception_id and meeting_id": "接待和会议须且只能填写一项",
    "the unit has no quota (编制) for vehicles": "该单位没有车辆编制",
    "all {slots} quota slots are taken": "{slots}个车辆编制已全部占用",
    "at least {occupied}: the unit holds them": "不能少于{occupied}（单位现有车辆数）",
    "one of {statuses}; dispatch and disposal set the others": "只能手工设为{statuses}，其余状态由派车和处置流程设定",
    "required when the odometer is corrected": "更正里程表读数时必填",
    "seats {seats} < passengers {passengers}": "座位{seats}个，少于乘车人数{passengers}",
    "is {status}": "状态为{status}",
    "must be at least {km}": "不能小于{km}",
    "required before {years} years of service": "使用未满{years}年时必填",
    "double booking with dispatch {dispatch_id}": "这段时间已派给用车申请 {dispatch_id}，不能重复派车",
    "must be empty for a vacant room": "空置用房不能填写使用单位",
    "the room has no occupying unit": "该用房没有使用单位",
    "has occupants": "仍有使用人员",
    "at most {limit}": "最多{limit}",
    "deadline_on is before inspected_on": "整改期限早于检查日期",
    "check digit (9th character) does not match": "校验位（第9位）不正确",
    "check character does not match": "校验码不正确",
    # the services' details of errors that are not rules
    "a value is out of range or not storable": "有数值超出范围或无法保存",
    "the record conflicts with an existing one": "与已有记录冲突",
    "a disposed vehicle is no longer changed": "已处置的车辆不能再修改",
    "a disposed vehicle keeps its status": "已处置的车辆不能改变状态",
    "a driver with this staff number exists": "该工号的驾驶员已登记",
    "an admin cannot delete their own account": "管理员不能删除自己的账号",
    "an admin cannot disable their own account": "管理员不能停用自己的账号",
    "the canteen already has this slot": "食堂已有该餐次",
    "the reservation is already released": "该预订已释放",
    "the room is already held by that unit": "该用房已由该单位使用",
    "the room is already vacant": "该用房已空置",
    "the vehicle is already disposed": "该车辆已处置", "the vehicle is disposed": "该车辆已处置",
    "the vehicle is out on a dispatch": "该车辆正在出车",
    "the vehicle is out on a dispatch; it changes status when it returns": "该车辆正在出车，回场后状态自动改变",
    "the visitor has already checked out": "该访客已离开",
    "this category is already recorded for the month": "该月已记录此类别",
    "this vendor is registered": "该单位已登记",
    "a client named {name} is already registered": "名为 {name} 的客户端已登记",
    "a target for {unit} in {year} is already set": "{unit}的{year}年目标已设置",
    "a vehicle with this {field} is already registered": "该{field}的车辆已登记",
    "a {status} {kind} takes no canteen seats": "状态为{status}的{kind}不占用食堂座位",
    "a {status} flag cannot be {action}": "状态为{status}的预警不能再处理",
    "a {status} meeting cannot {action}": "状态为{status}的会议不能进行此操作",
    "a {status} reception cannot {action}; it must be {states}": "状态为{status}的接待不能进行此操作（须为{states}）",
    "an institution for unit {unit} is already registered": "单位 {unit} 的公共机构信息已登记",
    "cannot {action} a {what} that is {status}": "状态为{status}，不能进行此操作",
    "the vehicle is booked for dispatch {dispatch_id}; reassign or cancel it first":
        "该车辆已安排派车单{dispatch_id}，请先改派或取消",
    "the {what} is booked for dispatch {dispatch_id} over an overlapping interval":
        "该{what}在这段时间已有派车单{dispatch_id}，不能重复派车",
    "user {name} exists": "用户 {name} 已存在",
    "{action}: not allowed for a {status} dispatch": "状态为{status}的派车单不能进行此操作",
    "{name} has already checked in": "{name} 已签到",
    "{unit} is already a demonstration site": "{unit} 已是示范单位",
    "{host} is already allowed": "{host} 已允许",
    "a unit user acts only for its own unit": "单位经办人只能办理本单位的事项",
    "only a person who logged in has a password and a session": "只有登录的用户才有密码和会话",
    "only the reporter confirms or reopens a repair": "只有报修人才能确认或返修",
    "spot checks are made by the energy officer": "抽查由节能专员进行",
    "only center staff may give {field} (entering a paper record)": "只有中心工作人员才能填写{field}（录入纸质记录）",
    "this action needs one of the roles: {roles}": "此操作需要以下角色之一：{roles}",
    "a booking is made for a unit": "预订须指定单位",
    "a deadline cannot precede the inspection": "整改期限不能早于检查日期",
    "a repair cannot be done before it was reported": "完工时间不能早于报修时间",
    "give a year or a date range": "请填写年份或日期范围", "give a year or a date range, not both": "年份和日期范围只能填写一项",
    "kWh are required for an electric vehicle": "电动车须填写电量（千瓦时）",
    "litres are required for this vehicle": "该车辆须填写加油量（升）", "litres or kWh are required": "须填写升数或千瓦时",
    "readings for future months": "不能填报未来月份的读数", "send 1 to {limit} readings at once": "一次须提交1到{limit}条读数",
    "send the sheet as multipart/form-data in the field 'file'": "请以 multipart/form-data 在 file 字段上传报表",
    "the CSV cannot be read": "无法读取 CSV 文件", "the CSV is neither UTF-8 nor GB18030 text": "CSV 不是 UTF-8 或 GB18030 编码",
    "the ID number is malformed": "身份证号码格式不正确", "the ID number's check character is wrong": "身份证号码校验码不正确",
    "the VIN is malformed": "车架号格式不正确", "the VIN's check digit is wrong": "车架号校验位不正确",
    "the canteen slot does not exist": "该食堂餐次不存在", "the canteen slot is for another meal": "该食堂餐次属于另一餐",
    "the end must come after the start": "结束时间须晚于开始时间",
    "the file content is not base64": "文件内容不是 base64 编码", "the file is not a readable .xlsx workbook": "不是可读取的 .xlsx 文件",
    "the meeting's times do not fit together": "会议的时间前后矛盾", "the plate is not a valid plate number": "车牌号格式不正确",
    "the range ends before it starts": "结束早于开始", "the range is empty": "范围为空",
    "the reception's dates do not fit together": "接待的日期前后矛盾", "the requesting unit is missing": "未填写申请单位",
    "the room is in another building": "该用房在另一栋楼", "the scores do not fit the score sheet": "评分与评分表不符",
    "the sheet is empty": "报表是空的", "the sheet must be an .xlsx or a .csv file": "报表须为 .xlsx 或 .csv 文件",
    "the sheet's header is not the statistics form": "报表表头不是统计表格式", "the trip names no vehicle": "行程未填写车辆",
    "the unit does not fit the energy type": "计量单位与能源品种不符", "the unit is missing": "未填写单位",
    "unknown drivers among the attendees": "参会人中有未登记的驾驶员", "unknown operations": "不认识的操作",
    "not an active technician": "不是在用的维修技工账号", "unknown vehicle": "没有这辆车", "unknown {what}": "没有该{what}", "{name} lies in the future": "{name}不能是将来的时间",
    "no such asset": "没有这个文件", "repair not found": "没有找到该报修",
    "meeting room {id} not found": "没有找到会议室 {id}",
    "no institution is registered for unit {unit}": "单位 {unit} 尚未登记公共机构信息",
    "occupant {occupant} not found in room {room}": "用房 {room} 中没有使用人员 {occupant}",
    "reception {id} has no reception list yet": "接待 {id} 还没有接待清单",
    "{what} not found": "没有找到该记录", "{what} {ident} not found": "没有找到该记录（{ident}）",
    "the ops port serves /metrics and /health, not {path}": "运维端口只提供 /metrics 和 /health，没有 {path}",
    # reception rules, one line per breach
    "no reception without the sending unit's official letter (公函)": "没有派出单位公函的，不予接待",
    "approval must come before the reception's first day {starts_on}; today is {today}":
        "审批须在接待首日{starts_on}之前完成，今天是{today}",
    "at most {allowed} working meal(s); {asked} asked": "最多{allowed}次工作餐，申请了{asked}次",
    "meal {n} ({meal} on {served_on}): {diners} accompanying diners for {guests} guests; at most {allowed}":
        "第{n}餐（{served_on}{meal}）：陪餐{diners}人，超过上限{allowed}人（接待对象{guests}人）",
    "meal {n} ({meal} on {served_on}): home-style food only": "第{n}餐（{served_on}{meal}）：只能提供家常菜",
    "meal {n} ({meal} on {served_on}): no alcohol": "第{n}餐（{served_on}{meal}）：不得提供酒水",
    "meal {n} ({meal} on {served_on}): no cigarettes": "第{n}餐（{served_on}{meal}）：不得提供香烟",
    "meal {n} ({meal} on {served_on}): {price} 元 per person is above the standard of {standard} 元 for guests {origin}":
        "第{n}餐（{served_on}{meal}）：人均{price}元，超过{origin}标准{standard}元",
    "capacity {capacity}, reserved {reserved}, asked {asked}": "容量{capacity}，已预订{reserved}，申请{asked}",
    # energy imports (services/energy/sheets.py, imports.py)
    "required with the other last_service field": "上次保养的日期和里程须同时填写（或同时清空）",
    "at most 64 characters before the @ and 254 in all": "电子邮箱地址@前最多64个字符，全长最多254个字符",
    "a month as YYYY-MM": "请填写年月，如 2025-01", "a month as YYYY-MM, in the years 2000 to 2100": "请填写2000至2100年间的年月，如 2025-01",
    "missing or longer than 40 characters": "未填写或超过40个字符",
    "a number from 0 up": "请填写不小于0的数字", "no quantity in the row": "该行没有填写任何用量",
    "another unit's row": "不是本单位的数据", "no institution is registered for this unit": "该单位尚未登记公共机构信息",
    "a month that has not begun cannot be reported": "不能填报尚未开始的月份",
    "not an .xlsx workbook": "不是可读取的 .xlsx 文件", "no header row": "报表没有表头",
    "no energy or water column": "没有能源或用水的列", "a column appears twice": "有重复的列",
    "unreadable text": "无法识别文字编码（请存为 UTF-8 或 GBK）", "malformed CSV": "CSV 格式有误",
    "choose an .xlsx or .csv file": "请选择 .xlsx 或 .csv 文件",
    "repeats row {row} (same unit and month)": "与第 {row} 行重复（同一单位同一月份）",
    "unknown columns: {columns}": "无法识别的列：{columns}",
    "missing columns: {columns}": "缺少的列：{columns}",
    "at most {limit} data rows": "最多 {limit} 行数据",
    "at most {limit} columns": "最多 {limit} 列",
    "at most {limit} bytes unpacked": "解压后最多 {limit} 字节",
    "compressed at most {limit} to 1": "压缩比最多 {limit}:1",
    "must be after from": "须晚于开始时间",
    "at most {days} days after from": "最多查询 {days} 天",
    "clashes with an existing booking on {day}": "与 {day} 已有的会议室预订时间冲突",
    "a meal's cost is entered with the meal, not again under costs": "用餐的金额已在「用餐」中填写，不能在费用中重复登记",
    # creation campaigns (services/energy/campaigns.py, domain.py)
    "not a participating unit": "不是参与单位", "already applied": "已申报",
    "apply before the self-assessment": "请先申报再自评", "outside the campaign's years": "不在创建活动的年度内",
    "above the sum of the maximum scores": "高于各项满分之和", "too large": "文件过大", "not base64": "不是有效的 base64",
    "the scores do not fit the criteria sheet": "评分与评分表不符", "a criterion code appears twice": "评分项代码重复",
    "evidence is not base64": "佐证材料不是有效的 base64", "an evidence file is too large": "佐证材料文件过大",
    "{code}: missing": "{code}：未评分", "{code}: not a criterion of the sheet": "{code}：不是评分表中的项目",
    "{code}: a whole number from 0 to {max}": "{code}：须为0到{max}的整数", "{code}: appears twice": "{code}：重复",
}

# the Chinese detail of an error that has none of its own, by status
FALLBACK_DETAILS = {
    400: "请求有误，请检查填写的内容。", 403: "无权进行此操作。", 404: "没有找到该记录。",
    409: "该记录的当前状态不允许此操作，或与已有记录冲突。", 422: UNKNOWN_RULE,
}


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


@lru_cache(maxsize=None)
def _patterns() -> tuple[tuple[re.Pattern, str], ...]:
    """The templates with figures as regular expressions, the longest first (the most specific)."""
    compiled = []
    for english, chinese in PHRASES.items():
        parts = list(string.Formatter().parse(english))
        if not any(name is not None for _, name, _, _ in parts):
            continue
        regex = "".join(re.escape(literal) + (f"(?P<{name}>.+?)" if name is not None else "")
                        for literal, name, _, _ in parts)
        compiled.append((re.compile(f"^{regex}$", re.S), chinese))
    compiled.sort(key=lambda item: -len(item[0].pattern))
    return tuple(compiled)


def chinese_phrase(text: str) -> str | None:
    """The Chinese of an English message of the catalogue, its figures carried over; None if unknown."""
    if text in PHRASES and not _fields(text):
        return PHRASES[text]
    for pattern, chinese in _patterns():
        found = pattern.match(text)
        if found:
            return chinese.format(**{name: word(value) for name, value in found.groupdict().items()})
    return None


def has_phrase(template: str) -> bool:
    return template in PHRASES


def message(text, language: str = CHINESE) -> str:
    """A field message in ``language``; in Chinese the service's own words where none is known."""
    text = str(text)
    if language != CHINESE:
        return text
    return chinese_phrase(text) or text


def messages(errors: dict | None, language: str) -> dict:
    """``errors`` (field -> messages) with every message in ``language``; the keys unchanged."""
    return {name: [message(item, language) for item in (items if isinstance(items, list) else [items])]
            for name, items in (errors or {}).items()}


def rule_detail(rule: str, params: dict | None, english: str, language: str) -> str:
    """The detail of a refusal: in Chinese the rule's template filled with ``params`` or its sentence."""
    if language != CHINESE:
        return english
    entry = RULES.get(rule, {})
    if params and "detail" in entry:
        try:
            return entry["detail"].format(**{name: figure(value) for name, value in params.items()})
        except (KeyError, IndexError, ValueError):
            pass
    return entry.get("reason", UNKNOWN_RULE)


def detail(text: str, status: int, language: str) -> str:
    """An error's own detail in ``language``: in Chinese the catalogue's words, else the status's sentence."""
    if language != CHINESE or not text:
        return text
    return chinese_phrase(text) or FALLBACK_DETAILS.get(status, "")


def rule_reasons(rule: str | None, errors: dict | None, params: dict | None = None) -> list[dict]:
    """Every rule a refusal names, first the one it was refused for: its reason and the details, in
    Chinese (the refusing rule's figures, from ``params``, where no detail of its own is given)."""
    codes = [code for code in (errors or {}) if code in RULES]
    if rule and rule not in codes:
        codes.insert(0, rule)
    reasons = [{"rule": code, "reason": rule_reason(code),
                "details": [message(item) for item in (errors or {}).get(code) or []]} for code in codes]
    if reasons and rule and params and "detail" in RULES.get(rule, {}) and not reasons[0]["details"]:
        reasons[0]["details"] = [rule_detail(rule, params, "", CHINESE)]
    return reasons
