"""The annual report and the dashboard composed from canned statistics answers (no broker)."""
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from gateway import report
from gateway.report import render
from services.kit.context import ADMIN_ROLES, Caller
from services.kit.errors import Invalid, ServiceTimeout, ServiceUnavailable
from services.kit.schemas import load


def stats_answers(year):
    """Canned answers of every statistics RPC; ``year`` scales them so the change is known."""
    k = 1 if year == 2024 else 2
    return {
        ("vehicles", "vehicle_stats"): {"totals": {"dispatches": 100 * k, "distance_km": 1000.5 * k, "fuel_liters": 50.0,
                                                   "fuel_yuan": 400.0, "cost_yuan": 900.0 * k},
                                        "flags": {"raised": 3 * k, "resolved": 1, "violations": 1, "open": 2,
                                                  "by_kind": {"no_dispatch": 2 * k}},
                                        "renewal": {"disposed": 3 * k, "by_method": {"auction": 2 * k, "scrap": k},
                                                    "registered": 2 * k},
                                        "safety_meetings": {"held": 12, "months_with_meeting": 12, "attendances": 40 * k}},
        ("facilities", "repair_stats"): {"total": {"count": 40 * k, "completed": 30 * k, "completion_rate": 0.75 if k == 1 else 0.8,
                                                   "on_time_rate": 0.9, "mean_hours_to_repair": 5.5, "complaints": k,
                                                   "mean_rating": 4.5}},
        ("facilities", "inspection_stats"): {"inspections": 2 * k, "rectifications": 3 * k, "rectifications_done": 2 * k,
                                             "rectification_rate": 0.6667, "rectifications_overdue": 1,
                                             "units_inspected": 2 * k, "allocations": 5 * k, "reallocations": k},
        ("facilities", "equipment_stats"): {"equipment": 80, "orders_due": 50 * k, "orders_done_on_time": 45 * k,
                                            "on_time_rate": 0.9, "plans_overdue": k, "certificates": 30,
                                            "certificates_valid": 28, "purchases": 4 * k, "purchases_cost_yuan": 9000.0 * k},
        ("facilities", "patrol_stats"): {"patrols_scheduled": 1800, "patrols_done": 1700 * k // k, "on_schedule_rate": 0.94,
                                         "patrols_missed": 30 * k, "findings": 12 * k, "findings_closed": 10 * k},
        ("facilities", "training_stats"): {"sessions": 6 * k, "hours": 18.0 * k, "attendances": 120 * k},
        ("reception", "reception_stats"): {"receptions": {"batches": 10 * k, "guests": 60 * k, "cost_yuan": 3000.0},
                                           "canteen": {"receptions_in_canteen": 5 * k, "reception_share": 0.5, "persons": 80,
                                                       "reception_persons": 30 * k, "meeting_persons": 50},
                                           "meetings": {"meetings": 7 * k, "attendees": 200}, "visitors": {"batches": 4, "persons": 9}},
        ("energy", "indicators"): {"total_tce": 120.0 / k, "per_person_kgce": 300.0 / k, "per_area_kgce_m2": 10.0 / k,
                                   "water_per_person_m3": 20.0, "targets": [], "at_risk": False},
        ("energy", "waste_summary"): {"total_kg": 5000.0 * k, "recyclable_share": 0.3, "demonstration_site_count": 3 * k},
        ("energy", "audit_summary"): {"audits": 4 * k, "units_audited": 3 * k},
        ("energy", "campaign_summary"): {
            "by_kind": {kind: {"participants": 10 * k, "passed": 7 * k, "spot_checked": 2}
                        for kind in ("frugal_institution", "health_promotion", "smoke_free", "waste_sorting_site")},
            "health_activities": 9 * k, "health_participants": 300 * k, "smoking_findings": 5 - k},
        ("energy", "project_summary"): {"completed": k, "investment_yuan": 1000.0 * k, "measured": 1,
                                        "mean_measured_saving_rate": 0.2},
        ("energy", "assessment_summary"): {"assessed": 10, "passed": 8 * k // 2 + 4, "pass_share": 0.8},
    }


class FakeCall:
    def __init__(self, roles=ADMIN_ROLES, down=(), slow=()):
        self.caller = Caller("tester", roles=tuple(roles))
        self.down, self.slow = set(down), set(slow)
        self.calls = []

    def rpc(self, service, method, query, timeout=None):
        self.calls.append((service, method, dict(query), timeout))
        if service in self.down:
            raise ServiceUnavailable(f"the {service} service is not running")
        if service in self.slow:
            raise ServiceTimeout(f"the {service} service did not answer within {timeout:g} s")
        if method in ("list_dispatches", "list_vehicle_flags", "list_repairs"):
            return {"items": [], "total": 3}
        year = int(query.get("year") or query["from"][:4])
        return stats_answers(year)[(service, method)]


SETTINGS = report.ReportSettings(rpc_timeout=2.0)


def by_key(section):
    return {f["key"]: f for f in section["figures"]}


def build(call, query=None):
    return report.annual_report(call, load(report.ReportQuery(), query or {"year": "2025"}), SETTINGS)


def test_every_section_answers_its_figures_with_definition_source_and_last_year():
    answer = build(FakeCall())
    assert answer["status"] == "complete"
    assert [s["name"] for s in answer["sections"]] == list(report.SECTIONS)
    vehicles = by_key(answer["sections"][0])
    assert vehicles["dispatches"] == {**vehicles["dispatches"], "value": 200, "previous": 100, "change": 100, "change_rate": 1.0}
    assert vehicles["flags_no_dispatch"]["value"] == 4
    for section in answer["sections"]:
        for f in section["figures"]:
            assert f["definition"] and f["label"] and f["source"], f
    assert (answer["previous_from"], answer["previous_to"]) == (date(2024, 1, 1), date(2024, 12, 31))


def test_facilities_read_repairs_and_inspections_of_the_period():
    call = FakeCall()
    facilities = by_key(build(call)["sections"][1])
    assert facilities["repair_completion_rate"]["value"] == 0.8 and facilities["repair_completion_rate"]["change"] == 0.05
    assert facilities["inspections"]["value"] == 4 and facilities["inspections"]["previous"] == 2
    assert facilities["rectifications_done"]["value"] == 4 and facilities["rectifications_overdue"]["change"] == 0
    asked = {q["from"] for service, method, q, _ in call.calls if method == "inspection_stats"}
    assert asked == {"2025-01-01", "2024-01-01"}


def test_energy_and_retrofits_of_the_year():
    energy = by_key(build(FakeCall())["sections"][3])
    assert energy["per_person_kgce"]["value"] == 150.0 and energy["per_person_kgce"]["change_rate"] == -0.5
    assert energy["retrofits"]["value"] == 2 and energy["retrofit_investment_yuan"]["previous"] == 1000.0
    assert energy["retrofit_measured_saving_rate"]["value"] == 0.2


def test_every_call_carries_the_timeout():
    call = FakeCall()
    build(call)
    assert call.calls and {timeout for *_, timeout in call.calls} == {SETTINGS.rpc_timeout}


@pytest.mark.parametrize("failure", ["down", "slow"])
def test_a_failing_service_leaves_its_section_unavailable_and_the_rest_complete(failure):
    answer = build(FakeCall(**{failure: ["energy"]}))
    assert answer["status"] == "partial"
    energy = answer["sections"][3]
    assert energy["status"] == "unavailable" and energy["figures"] == []
    assert energy["reason"] == {"down": "节能服务暂时无法访问（未运行或连接中断）", "slow": "节能服务未在 2 秒内答复"}[failure]
    assert all(s["status"] == "ok" and s["figures"] for s in answer["sections"][:3])


def test_an_unexpected_answer_marks_the_section_not_the_report():
    class Broken(FakeCall):
        def rpc(self, service, method, query, timeout=None):
            if service == "reception":
                return {}
            return super().rpc(service, method, query, timeout)

    answer = build(Broken())
    assert answer["status"] == "complete"  # an empty answer gives empty figures, not an error
    assert by_key(answer["sections"][2])["reception_batches"]["value"] is None


@pytest.mark.parametrize("role,sections", [
    ("leader", list(report.SECTIONS)), ("dispatcher", ["vehicles"]),
    ("facility_manager", ["facilities", "upkeep", "security"]),
    ("reception_officer", ["reception"]), ("energy_officer", ["energy", "campaigns"]),
])
def test_an_officer_reads_only_its_own_section(role, sections):
    call = FakeCall(roles=[role])
    assert [s["name"] for s in build(call)["sections"]] == sections
    assert {service for service, *_ in call.calls} == {report.SECTION_SERVICES[name] for name in sections}


def test_a_period_uses_the_same_days_a_year_earlier_and_energy_months():
    call = FakeCall()
    answer = build(call, {"from": "2025-03-01", "to": "2025-05-31"})
    assert (answer["previous_from"], answer["previous_to"]) == (date(2024, 3, 1), date(2024, 5, 31))
    assert ("energy", "indicators", {"from": "2025-03", "to": "2025-05"}, 2.0) in call.calls
    assert ("energy", "assessment_summary", {"year": 2025}, 2.0) in call.calls
    assert report.Period(date(2024, 2, 29), date(2024, 2, 29)).a_year_earlier().first == date(2023, 2, 28)


def test_a_period_from_july_to_june_sums_the_energy_months_across_the_new_year():
    call = FakeCall()
    answer = build(call, {"from": "2024-07-01", "to": "2025-06-30"})
    assert answer["status"] == "complete"
    energy = by_key(answer["sections"][3])
    assert energy["per_person_kgce"]["value"] == 300.0 and energy["waste_total_kg"]["value"] == 5000.0
    asked = {(method, tuple(sorted(q.items()))) for service, method, q, _ in call.calls if service == "energy"}
    for method in ("indicators", "waste_summary", "project_summary"):
        assert (method, (("from", "2024-07"), ("to", "2025-06"))) in asked
        assert (method, (("from", "2023-07"), ("to", "2024-06"))) in asked
    assert ("assessment_summary", (("year", 2024),)) in asked  # the calendar year that ended within the period
    assert report.Period(date(2024, 12, 1), date(2025, 12, 31)).assessment_year == 2025


def test_every_reason_a_section_is_unavailable_reads_in_chinese():
    class Refusing(FakeCall):
        def rpc(self, service, method, query, timeout=None):
            if service == "vehicles":
                raise Invalid("the input has invalid fields", {"year": ["bad"]})
            if service == "facilities":
                raise RuntimeError("boom")
            return super().rpc(service, method, query, timeout)

    reasons = [s["reason"] for s in build(Refusing(down=["energy"], slow=["reception"]))["sections"]]
    assert reasons == ["公务用车服务未接受统计请求", "办公用房服务：统计调用失败", "公务接待服务未在 2 秒内答复",
                       "节能服务暂时无法访问（未运行或连接中断）", "办公用房服务：统计调用失败",
                       "办公用房服务：统计调用失败", "节能服务暂时无法访问（未运行或连接中断）"]


@pytest.mark.parametrize("query,field", [
    ({"from": "2025-01-01"}, "to"), ({"to": "2025-01-01"}, "from"), ({"year": "2025", "from": "2025-01-01", "to": "2025-02-01"}, "year"),
    ({"from": "2025-02-01", "to": "2025-01-01"}, "to"), ({"from": "2024-01-01", "to": "2025-06-01"}, "to"),
    ({"year": "1999"}, "year"), ({"format": "pdf"}, "format"), ({"from": "1900-01-01", "to": "1900-02-01"}, "from"),
])
def test_bad_periods_and_formats_are_refused_by_field(query, field):
    with pytest.raises(Invalid) as refused:
        load(report.ReportQuery(), query)
    assert field in refused.value.errors


def test_without_a_year_the_report_covers_this_year():
    q = load(report.ReportQuery(), {})
    today = date(2026, 5, 4)
    assert report.period_of(q, today) == report.Period(date(2026, 1, 1), date(2026, 12, 31))


def test_markdown_and_html_read_in_chinese_with_last_year_and_the_change():
    answer = build(FakeCall(down=["energy"]))
    text = render.markdown(answer)
    assert text.startswith("# 机关后勤服务中心 2025 年度工作总结")
    assert "## 一、公务用车" in text and "## 四、节能与垃圾分类" in text
    assert "全年调度车次 200 车次，比上年增加 100 车次（增长 100.0%）" in text
    assert "办结率 80.0%，比上年提高 5.0 个百分点" in text
    assert "节能与垃圾分类、创建活动部分的数据暂时无法取得" in text
    page = render.html_page(answer)
    assert '<html lang="zh-CN">' in page and "<h2>二、办公用房与维修</h2>" in page and "接待批次" in page


def test_a_period_reads_as_a_period_not_a_year():
    text = render.markdown(build(FakeCall(), {"from": "2025-03-01", "to": "2025-05-31"}))
    assert "工作总结（2025-03-01 至 2025-05-31，数据部分）" in text and "本期调度车次" in text and "全年" not in text


def test_the_workbook_has_one_sheet_per_section_with_numbers():
    book = load_workbook(io.BytesIO(render.workbook(build(FakeCall()))))
    assert book.sheetnames == ["一、公务用车", "二、办公用房与维修", "三、公务接待与会务", "四、节能与垃圾分类",
                               "五、设备设施维保与更新", "六、安全保卫", "七、创建活动"]
    sheet = book["一、公务用车"]
    assert [c.value for c in sheet[3]][:3] == ["指标", "本期", "上年同期"]
    assert [c.value for c in sheet[4]][:5] == ["调度车次", 200, 100, 100, 1.0]


def test_the_dashboard_counts_now_and_this_month():
    answer = report.dashboard(FakeCall(), SETTINGS)
    assert answer["status"] == "complete"
    vehicles, facilities, reception, energy = (by_key(s) for s in answer["sections"])
    assert vehicles["cars_out_now"]["value"] == 3 and vehicles["open_flags"]["value"] == 3
    assert facilities["open_repairs"]["value"] == 12 and facilities["overdue_repairs"]["value"] == 3
    assert reception["meetings_today"]["value"] is not None
    assert "per_area_kgce_m2_target" in energy and energy["energy_at_risk"]["value"] == 0


def test_the_dashboard_is_partial_when_a_service_is_down():
    answer = report.dashboard(FakeCall(down=["vehicles"]), SETTINGS)
    assert answer["status"] == "partial" and answer["sections"][0]["status"] == "unavailable"


def test_a_dashboard_answer_of_another_shape_leaves_its_section_unavailable():
    class Reshaped(FakeCall):
        def rpc(self, service, method, query, timeout=None):
            if service == "vehicles":
                return {}
            return super().rpc(service, method, query, timeout)

    answer = report.dashboard(Reshaped(), SETTINGS)
    assert answer["status"] == "partial"
    assert answer["sections"][0]["status"] == "unavailable" and answer["sections"][0]["reason"] == "公务用车服务：答复的格式与预期不符"
    assert all(section["status"] == "ok" for section in answer["sections"][1:])


def test_the_source_column_names_the_register_in_chinese():
    answer = build(FakeCall())
    dashboard = report.dashboard(FakeCall(), SETTINGS)
    for section in answer["sections"] + dashboard["sections"]:
        for f in section["figures"]:
            assert f["source_name"] and not re.search(r"[a-z][._][a-z]", f["source_name"]), f
            assert re.search(r"[\u4e00-\u9fff]", f["source_name"]), f
    assert by_key(answer["sections"][0])["dispatches"]["source_name"] == "公务用车调度台账"
    text = render.markdown(answer)
    assert "公务用车调度台账" in text and "vehicles.vehicle_stats" not in text
    assert "vehicles.vehicle_stats" not in render.html_page(answer)
    book = load_workbook(io.BytesIO(render.workbook(answer)))
    assert book["一、公务用车"]["H4"].value == "公务用车调度台账"


def test_a_count_of_zero_reads_zero_and_a_rate_without_base_is_not_no_data():
    class Quiet(FakeCall):
        def rpc(self, service, method, query, timeout=None):
            answer = super().rpc(service, method, query, timeout)
            if method == "repair_stats":
                return {"total": {"count": 0, "completed": 0, "completion_rate": None, "on_time_rate": None,
                                  "mean_hours_to_repair": None, "complaints": 0, "mean_rating": None}}
            return answer

    answer = build(Quiet())
    facilities = by_key(answer["sections"][1])
    assert facilities["repairs"]["value"] == 0 and facilities["repair_complaints"]["value"] == 0
    text = render.markdown(answer)
    assert "报修 0 件" in text and "返修投诉 0 次" in text
    assert "暂无数据" not in text and "办结率 不适用" in text


def test_the_annual_workbook_never_writes_a_formula():
    answer = build(FakeCall())
    answer["sections"][0]["figures"][0]["label"] = "=HYPERLINK(\"http://x\")"
    sheet = load_workbook(io.BytesIO(render.workbook(answer)))["一、公务用车"]
    assert (sheet["A4"].value, sheet["A4"].data_type) == ("=HYPERLINK(\"http://x\")", "s")


def test_the_summary_carries_every_figure_of_the_seed_summary():
    """Units inspected, rooms re-allocated, cars replaced, safety meetings, audits, demonstration
    sites, canteen meals by purpose, equipment upkeep, patrols and training, campaigns."""
    sections = {s["name"]: by_key(s) for s in build(FakeCall())["sections"]}
    assert sections["facilities"]["units_inspected"]["value"] == 4
    assert (sections["facilities"]["allocations"]["value"], sections["facilities"]["reallocations"]["value"]) == (10, 2)
    vehicles = sections["vehicles"]
    assert (vehicles["vehicles_disposed"]["value"], vehicles["vehicles_auctioned"]["value"],
            vehicles["vehicles_registered"]["value"]) == (6, 4, 4)
    assert vehicles["safety_meetings"]["value"] == 12 and vehicles["safety_attendances"]["previous"] == 40
    reception = sections["reception"]
    assert (reception["canteen_reception_persons"]["value"], reception["canteen_meeting_persons"]["value"]) == (60, 50)
    energy = sections["energy"]
    assert (energy["units_audited"]["value"], energy["demonstration_sites"]["value"]) == (6, 6)
    assert sections["upkeep"]["maintenance_on_time_rate"]["value"] == 0.9
    assert sections["upkeep"]["equipment_purchase_yuan"]["value"] == 18000.0
    assert sections["security"]["training_attendances"]["value"] == 240
    assert sections["security"]["patrols_missed"]["change"] == 30
    campaigns = sections["campaigns"]
    assert campaigns["smoke_free_passed"]["value"] == 14 and campaigns["smoking_findings"]["change"] == -1
    assert campaigns["health_participants"]["value"] == 600
