"""The annual report and the dashboard over HTTP: every figure equals the owning service's own
statistics route, the renderings, and who may read which section."""
import io
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from gateway import report
from tests.e2e.test_reception_api import user  # a session for a new user with these roles
from tests.support import expected_report_figures, report_complete

pytestmark = pytest.mark.e2e

YEAR = date.today().year


@pytest.fixture(scope="module")
def as_role(stack, admin):
    return lambda role, unit_code=None: user(stack, admin, [role], unit_code)


def figures(answer, section):
    [found] = [s for s in answer["sections"] if s["name"] == section]
    assert found["status"] == "ok", found
    return {f["key"]: f for f in found["figures"]}


def test_every_report_figure_equals_the_owning_services_statistics_route(stack, admin):
    period = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"}
    answer = admin.get(stack.url("/api/v1/reports/annual"), params={"year": YEAR}, timeout=30).json()
    assert report_complete(answer) and (answer["from"], answer["to"]) == (period["from"], period["to"])
    vehicles = admin.get(stack.url("/api/v1/vehicles/stats"), params={"year": YEAR}, timeout=10).json()
    repairs = admin.get(stack.url("/api/v1/repairs/stats"), params=period, timeout=10).json()
    inspections = admin.get(stack.url("/api/v1/inspections/stats"), params=period, timeout=10).json()
    reception = admin.get(stack.url("/api/v1/receptions/stats"), params=period, timeout=10).json()
    energy = admin.get(stack.url("/api/v1/energy/indicators"), params={"year": YEAR}, timeout=10).json()
    waste = admin.get(stack.url("/api/v1/waste/summary"), params={"year": YEAR}, timeout=10).json()
    retrofits = admin.get(stack.url("/api/v1/energy/projects/summary"), params={"year": YEAR}, timeout=10).json()
    assessed = admin.get(stack.url("/api/v1/energy/assessments/summary"), params={"year": YEAR}, timeout=10).json()
    audits = admin.get(stack.url("/api/v1/energy/audits/summary"), params={"year": YEAR}, timeout=10).json()
    campaigns = admin.get(stack.url("/api/v1/campaigns/summary"), params={"year": YEAR}, timeout=10).json()
    owners = {"vehicles.vehicle_stats": vehicles, "facilities.repair_stats": repairs,
              "facilities.inspection_stats": inspections, "reception.reception_stats": reception,
              "energy.indicators": energy, "energy.waste_summary": waste, "energy.project_summary": retrofits,
              "energy.assessment_summary": assessed, "energy.audit_summary": audits,
              "energy.campaign_summary": campaigns}
    figures = {f["key"]: f["value"] for section in answer["sections"] for f in section["figures"]}
    expected = expected_report_figures(owners)
    assert {key: figures[key] for key in expected} == expected


def test_the_report_in_chinese_markdown_html_and_a_workbook(stack, admin):
    md = admin.get(stack.url("/api/v1/reports/annual"), params={"year": YEAR, "format": "md"}, timeout=30)
    assert md.status_code == 200 and md.headers["Content-Type"].startswith("text/markdown")
    assert f"{YEAR} 年度工作总结" in md.text and "调度车次" in md.text and "办结率" in md.text and "人均综合能耗" in md.text
    page = admin.get(stack.url("/api/v1/reports/annual"), params={"year": YEAR, "format": "html"}, timeout=30)
    assert page.headers["Content-Type"].startswith("text/html") and "<h2>三、公务接待与会务</h2>" in page.text
    sheet = admin.get(stack.url("/api/v1/reports/annual"), params={"year": YEAR, "format": "xlsx"}, timeout=30)
    assert sheet.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(load_workbook(io.BytesIO(sheet.content)).sheetnames) == 7
    word = admin.get(stack.url("/api/v1/reports/annual"), params={"year": YEAR, "format": "docx"}, timeout=30)
    assert word.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    headings = [p.text for p in Document(io.BytesIO(word.content)).paragraphs if p.style.name.startswith("Heading")]
    assert "（一）公务用车" in headings and "（七）创建活动" in headings and "二、存在的困难和问题" in headings


def test_staff_write_the_narrative_and_it_appears_in_the_report(stack, as_role):
    energy = as_role("energy_officer")
    written = energy.patch(stack.url("/api/v1/reports/annual/narrative/energy"),
                           json={"year": YEAR, "text": "完成公共机构能耗统计。"}, timeout=10)
    assert written.status_code == 200, written.text
    assert energy.patch(stack.url("/api/v1/reports/annual/narrative/vehicles"),
                        json={"year": YEAR, "text": "x"}, timeout=10).status_code == 403
    assert energy.patch(stack.url("/api/v1/reports/annual/narrative/nothing"),
                        json={"year": YEAR, "text": "x"}, timeout=10).status_code == 404
    leader = as_role("leader")
    parts = {p["part"]: p for p in leader.get(stack.url("/api/v1/reports/annual/narrative"), params={"year": YEAR},
                                              timeout=10).json()["parts"]}
    assert parts["energy"]["text"] == "完成公共机构能耗统计。"
    answer = leader.get(stack.url("/api/v1/reports/annual"), params={"year": YEAR}, timeout=30).json()
    assert answer["narrative"]["energy"] == "完成公共机构能耗统计。"


def test_a_period_and_bad_input(stack, admin):
    answer = admin.get(stack.url("/api/v1/reports/annual"), params={"from": f"{YEAR}-03-01", "to": f"{YEAR}-03-31"}, timeout=30)
    assert answer.status_code == 200 and answer.json()["previous_from"] == f"{YEAR - 1}-03-01"
    refused = admin.get(stack.url("/api/v1/reports/annual"), params={"from": f"{YEAR}-03-01"}, timeout=10)
    assert refused.status_code == 400 and "to" in refused.json()["errors"]


def test_leaders_read_everything_officers_their_own_section_others_nothing(stack, as_role):
    leader = as_role("leader").get(stack.url("/api/v1/reports/annual"), timeout=30).json()
    assert [s["name"] for s in leader["sections"]] == list(report.SECTIONS)
    officer = as_role("reception_officer").get(stack.url("/api/v1/reports/annual"), timeout=30).json()
    assert [s["name"] for s in officer["sections"]] == ["reception"]
    board = as_role("dispatcher").get(stack.url("/api/v1/dashboard"), timeout=30).json()
    assert [s["name"] for s in board["sections"]] == ["vehicles"]
    unit_user = as_role("unit_user", "U-REPORT")
    assert unit_user.get(stack.url("/api/v1/reports/annual"), timeout=10).status_code == 403
    assert as_role("technician").get(stack.url("/api/v1/dashboard"), timeout=10).status_code == 403


def test_the_dashboard_answers_every_section(stack, admin):
    board = admin.get(stack.url("/api/v1/dashboard"), timeout=30).json()
    assert board["status"] == "complete"
    assert figures(board, "vehicles")["cars_out_now"]["value"] >= 0
    assert figures(board, "facilities")["overdue_repairs"]["value"] >= 0
    assert "meetings_today" in figures(board, "reception")
    assert "per_area_kgce_m2_target" in figures(board, "energy")
