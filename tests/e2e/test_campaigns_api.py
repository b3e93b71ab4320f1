"""Creation campaigns over HTTP: roles and unit scoping at the gate and in the service,
refusals as problem+json in Chinese, the results exported as .xlsx for the city bureau."""
import base64
import io
import uuid

import pytest
from openpyxl import load_workbook

from tests.e2e.test_energy_api import user as energy_user  # a session for a new user with these roles

pytestmark = pytest.mark.e2e


def unique(prefix="CP"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def user(stack, admin, roles, unit_code=None):
    session = energy_user(stack, admin, roles, unit_code)
    session.headers["Accept-Language"] = "zh-CN"
    return session


def test_a_frugal_institution_campaign_over_http(stack, admin):
    first, second = unique(), unique()
    officer = user(stack, admin, ["energy_officer"])
    clerk = user(stack, admin, ["unit_user"], first)
    created = officer.post(stack.url("/api/v1/campaigns"), json={
        "kind": "frugal_institution", "name": "2025年节约型机关创建", "years": [2025], "unit_codes": [first, second]},
        timeout=10)
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["pass_score"] == 80 and len(campaign["criteria"]) == 7
    base = stack.url(f"/api/v1/campaigns/{campaign['id']}")
    assert clerk.post(stack.url("/api/v1/campaigns"), json={"kind": "smoke_free", "name": "x", "years": [2025]},
                      timeout=10).status_code == 403
    full = {c["code"]: c["max_score"] for c in campaign["criteria"]}
    early = clerk.post(f"{base}/self-assessments", json={"unit_code": first, "scores": full,
                                                          "assessed_on": "2025-06-01"}, timeout=10)
    assert early.status_code == 422 and early.headers["Content-Type"].startswith("application/problem+json")
    assert early.json()["rule"] == "campaigns.no_application" and "先申报" in early.json()["detail"]
    assert clerk.post(f"{base}/applications", json={"unit_code": first, "applied_on": "2025-03-01"},
                      timeout=10).status_code == 201
    other = clerk.post(f"{base}/applications", json={"unit_code": second, "applied_on": "2025-03-01"}, timeout=10)
    assert other.status_code == 403
    own = clerk.post(f"{base}/self-assessments", json={
        "unit_code": first, "scores": full, "assessed_on": "2025-06-01",
        "evidence": [{"filename": "台账.pdf", "content_type": "application/pdf",
                      "content_base64": base64.b64encode(b"%PDF-1.4").decode()}]}, timeout=10)
    assert own.status_code == 201, own.text
    file = clerk.get(stack.url(f"/api/v1/campaigns/evidence/{own.json()['evidence'][0]['id']}"), timeout=10)
    assert file.status_code == 200 and file.content == b"%PDF-1.4"
    outsider = user(stack, admin, ["unit_user"], second)
    assert outsider.get(stack.url(f"/api/v1/campaigns/evidence/{own.json()['evidence'][0]['id']}"),
                        timeout=10).status_code == 404
    bad = clerk.post(f"{base}/self-assessments", json={"unit_code": first, "scores": {**full, "metering": 99},
                                                        "assessed_on": "2025-06-01"}, timeout=10)
    assert bad.status_code == 422 and "metering：须为0到15的整数" in bad.json()["errors"]["scores"]
    checked = officer.post(f"{base}/spot-checks", json={"unit_code": first, "scores": {**full, "target_completion": 19},
                                                         "assessed_on": "2025-09-01"}, timeout=10)
    assert checked.status_code == 201 and not checked.json()["passed"]
    results = officer.get(f"{base}/results", timeout=10).json()
    row = next(r for r in results["units"] if r["unit_code"] == first)
    assert (row["deciding"], row["total_score"], row["passed"]) == ("spot_check", 99, False)
    assert [r["unit_code"] for r in clerk.get(f"{base}/results", timeout=10).json()["units"]] == [first]
    exported = officer.get(f"{base}/export", timeout=10)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert rows[0][0].startswith("2025年节约型机关创建") and rows[2][0] == "单位代码"
    mine = next(line for line in rows[3:] if line[0] == first)
    assert mine[2] == "抽查" and mine[-4] == 99 and mine[-2] == "否"
    assert clerk.get(f"{base}/export", timeout=10).status_code == 403
