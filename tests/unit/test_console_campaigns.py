"""The campaigns' console pages with a stand-in for the services: a unit's clerk applies and
self-assesses for its own unit (evidence files sent base64), the center spot-checks."""
import base64
import io

from werkzeug.test import Client

from services.kit.errors import RuleViolation
from tests.unit.test_console_pages import accounts, console, csrf_of, login  # noqa: F401  (fixtures)

CAMPAIGN = {"id": 3, "kind": "smoke_free", "name": "2025年无烟机关创建", "years": [2025], "pass_score": 80,
            "unit_codes": ["U1", "U2"], "criteria": [
                {"code": "organisation", "name": "控烟组织", "max_score": 40, "must_pass": False, "source": "manual"},
                {"code": "no_smoking_indoors", "name": "室内无吸烟", "max_score": 60, "must_pass": True,
                 "source": "no_smoking_patrol"}]}
RESULTS = {"campaign": CAMPAIGN, "participants": 2, "applied": 1, "assessed": 1, "spot_checked": 1, "passed": 0,
           "pass_share": 0.0, "units": [
               {"unit_code": "U1", "applied": True, "deciding": "spot_check", "evaluation_id": 9,
                "scores": {"organisation": 40, "no_smoking_indoors": 56}, "total_score": 96, "must_pass_met": False,
                "passed": False, "smoking_findings": 2}]}


def test_a_clerk_self_assesses_for_their_own_unit_with_evidence(console):  # noqa: F811
    client, services = console
    services.answers.update(campaign_results=RESULTS, get_campaign=CAMPAIGN, self_assess={"id": 1})
    login(client, "clerk")
    page = client.get("/console/campaigns/3")
    assert page.status_code == 200 and "抽查" in page.text and "96" in page.text and "控烟巡查发现扣分" in page.text
    assert "记录抽查" not in page.text and "导出结果" not in page.text  # the center's, not a unit's
    response = client.post("/console/campaigns/3", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page.text), "action": "self_assess", "unit_code": "U2", "on": "2025-06-01",
        "score_organisation": "40", "score_no_smoking_indoors": "60",
        "evidence": (io.BytesIO(b"photo"), "标识.jpg", "image/jpeg")})
    assert response.status_code == 303
    _, method, (campaign_id, payload), context = services.calls[-1]
    assert (method, campaign_id) == ("self_assess", 3)
    assert payload["unit_code"] == "U1"  # their own unit, whatever the form said
    assert payload["scores"] == {"organisation": 40, "no_smoking_indoors": 60}
    assert base64.b64decode(payload["evidence"][0]["content_base64"]) == b"photo"
    assert payload["evidence"][0]["filename"] == "标识.jpg"


def test_the_officer_spot_checks_and_a_refusal_comes_back_in_words(console):  # noqa: F811
    client, services = console
    services.answers.update(campaign_results=RESULTS, get_campaign=CAMPAIGN, spot_check=RuleViolation(
        "not participating", "campaigns.not_participating", {"unit_code": ["not a participating unit"]}))
    browser = Client(client.application)
    login(browser, "energy_officer")
    page = browser.get("/console/campaigns/3")
    assert "记录抽查" in page.text and "/api/v1/campaigns/3/export" in page.text
    response = browser.post("/console/campaigns/3", data={
        "csrf_token": csrf_of(page.text), "action": "spot_check", "unit_code": "U9", "on": "2025-06-01",
        "score_organisation": "40", "score_no_smoking_indoors": "60"})
    assert response.status_code == 303
    assert services.calls[-1][1] == "spot_check" and services.calls[-1][2][1]["unit_code"] == "U9"
    shown = browser.get("/console/campaigns/3")
    assert "不是本次创建活动的参与单位" in shown.text


def test_health_activities_are_listed_and_recorded(console):  # noqa: F811
    client, services = console
    services.answers.update(list_health_activities={"items": [
        {"id": 1, "unit_code": "U1", "kind": "walking", "title": "健步走", "held_on": "2025-05-01",
         "participants": 30}], "total": 1}, record_health_activity={"id": 2})
    login(client, "clerk")
    page = client.get("/console/campaigns/activities")
    assert "健步走" in page.text and "30" in page.text
    client.post("/console/campaigns/activities", data={
        "csrf_token": csrf_of(page.text), "kind": "exercise_break", "title": "工间操", "held_on": "2025-05-02",
        "participants": "40"})
    _, method, (payload,), _ = services.calls[-1]
    assert method == "record_health_activity" and payload == {
        "unit_code": "U1", "kind": "exercise_break", "title": "工间操", "held_on": "2025-05-02", "participants": 40}


def test_staff_write_the_summary_narrative_and_download_the_word_document(console):  # noqa: F811
    from docx import Document

    from tests.unit.test_report_compose import stats_answers

    client, services = console
    for (service, method), answer in stats_answers(2025).items():
        services.answers[method] = answer
    browser = Client(client.application)
    login(browser, "energy_officer")
    page = browser.get("/console/reports/narrative?year=2025")
    assert page.status_code == 200
    assert 'name="part_energy"' in page.text and 'name="part_plans"' in page.text
    assert 'name="part_vehicles"' not in page.text  # the dispatcher's section, shown but not editable
    saved = browser.post("/console/reports/narrative?year=2025", data={
        "csrf_token": csrf_of(page.text), "part_energy": "全面开展节约型机关创建。", "part_plans": "明年计划。",
        "part_vehicles": "不该写入"})
    assert saved.status_code == 303
    shown = browser.get("/console/reports/narrative?year=2025")
    assert "全面开展节约型机关创建。" in shown.text and "不该写入" not in shown.text
    word = browser.get("/console/reports/annual.docx?year=2025")
    assert word.status_code == 200 and word.headers["Content-Disposition"].endswith('.docx"')
    texts = [p.text for p in Document(io.BytesIO(word.data)).paragraphs]
    assert "全面开展节约型机关创建。" in texts and "明年计划。" in texts
