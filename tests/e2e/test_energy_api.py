"""Energy over HTTP: sheet uploads, reporting roles, and bad input answered 400."""
import io
import uuid

import pytest
import requests
from openpyxl import Workbook

from tests.e2e.conftest import token_for
from tests.support import eventually

pytestmark = pytest.mark.e2e


def unique(prefix="EN"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def user(stack, admin, roles, unit_code=None):
    name = unique("u")
    assert admin.post(stack.url("/api/v1/users"), json={"username": name, "password": "energy-password-1",
                                                       "roles": roles, "unit_code": unit_code}, timeout=10).status_code == 201
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token_for(stack, name, 'energy-password-1')}"
    return session


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def imported(stack, session, upload) -> dict:
    """A sheet sent (202 with the job and its Location), then its job read until it ended."""
    accepted = session.post(stack.url("/api/v1/energy/imports"), files=upload, timeout=30)
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert job["status"] == "queued" and accepted.headers["Location"] == f"/api/v1/energy/imports/{job['id']}"
    ended = eventually(lambda: (lambda seen: seen if seen["status"] in ("succeeded", "failed") else None)(
        session.get(stack.url(accepted.headers["Location"]), timeout=10).json()), timeout=60, interval=0.3)
    assert ended["status"] == "succeeded", ended
    return ended


def test_a_sheet_is_uploaded_reported_row_by_row_and_idempotent(stack, admin):
    unit = unique()
    assert admin.post(stack.url("/api/v1/institutions"), json={
        "unit_code": unit, "name": "县水利局", "headcount": 20, "floor_area_m2": 1000}, timeout=10).status_code == 201
    rows = [("单位代码", "统计期", "电(kWh)", "水(m³)")]
    rows += [(unit, f"2024-{month:02d}", 10000, 100) for month in range(1, 13)]
    rows.append((unit, "2024-13", 1, 1))  # row 14
    upload = {"file": ("统计表.xlsx", workbook(rows), "application/octet-stream")}
    report = imported(stack, admin, upload)
    assert (report["rows_imported"], report["rows_rejected"], report["readings_created"]) == (12, 1, 24)
    assert report["rejected"] == [{"row": 14, "errors": {"period": ["a month as YYYY-MM"]}}]
    again = imported(stack, admin, upload)
    assert (again["readings_created"], again["readings_unchanged"]) == (0, 24)
    assert admin.get(stack.url(f"/api/v1/energy/imports/{report['id']}"), timeout=10).json()["rows_rejected"] == 1
    figures = admin.get(stack.url("/api/v1/energy/indicators"), params={"year": 2024, "unit_code": unit}, timeout=10)
    # 120,000 kWh x 0.1229 = 14,748 kgce; / 1,000 m2; / 20 persons; water 1,200 m3 / 20
    body = figures.json()
    assert (body["total_tce"], body["per_area_kgce_m2"], body["per_person_kgce"], body["water_per_person_m3"]) == (
        14.748, 14.748, 737.4, 60.0)
    listed = admin.get(stack.url("/api/v1/energy/readings"), params={"unit_code": unit, "energy_type": "water"}, timeout=10)
    assert listed.json()["total"] == 12


def test_bad_uploads_are_400_413_or_422_never_500(stack, admin):
    """No file is bad input (400); a file that is not the form as a readable sheet is a well-formed
    upload the import refuses (422 energy.unreadable_sheet), as the document can only say "a file"."""
    url = stack.url("/api/v1/energy/imports")
    missing = admin.post(url, files={"other": ("a.csv", b"x")}, timeout=10)
    assert missing.status_code == 400 and "file" in missing.json()["errors"]
    for name, content, field in (("a.xls", b"x", "file"), ("a.xlsx", b"not a workbook", "file"),
                                 ("file.png", b"\x89PNG\r\n\x1a\n", "file"),
                                 ("a.csv", "name,when\nx,y\n".encode(), "header")):
        refused = admin.post(url, files={"file": (name, content)}, timeout=10)
        assert refused.status_code == 422 and refused.json()["rule"] == "energy.unreadable_sheet", (name, refused.text)
        assert field in refused.json()["errors"]
    too_large = admin.post(url, files={"file": ("a.csv", b"x" * ((1 << 20) + 1))}, timeout=30)
    assert too_large.status_code == 413
    book = Workbook()
    book.active.cell(row=20001, column=16384, value=1)  # declares A1:XFD20001
    buffer = io.BytesIO()
    book.save(buffer)
    refused = admin.post(url, files={"file": ("a.xlsx", buffer.getvalue())}, timeout=10)
    assert refused.status_code == 422 and refused.json()["rule"] == "energy.import_limit", refused.text
    assert refused.json()["errors"] == {"energy.import_limit": ["at most 40 columns"]}


def test_bad_figures_queries_are_400(stack, admin):
    for path, params in (("/api/v1/energy/indicators", {}), ("/api/v1/energy/indicators", {"year": 2025, "months": "13"}),
                         ("/api/v1/energy/benchmark", {"year": "x"}), ("/api/v1/energy/fleet", {"year": 2025, "extra": 1}),
                         ("/api/v1/energy/benchmark", {"year": 2025, "metric": "per_tree"})):
        response = admin.get(stack.url(path), params=params, timeout=10)
        assert response.status_code == 400 and response.json()["errors"], (path, params, response.text)


def test_reporting_roles_a_unit_a_system_key_and_a_leader(stack, admin):
    unit, other = unique(), unique()
    for code in (unit, other):
        admin.post(stack.url("/api/v1/institutions"), json={"unit_code": code, "name": "x", "headcount": 5}, timeout=10)
    clerk = user(stack, admin, ["unit_user"], unit)
    reading = {"unit_code": unit, "period": "2025-01", "energy_type": "electricity", "quantity": 1000, "unit": "kWh"}
    assert clerk.post(stack.url("/api/v1/energy/readings"), json=reading, timeout=10).status_code == 200
    assert clerk.post(stack.url("/api/v1/energy/readings"), json={**reading, "unit_code": other}, timeout=10).status_code == 403
    assert clerk.get(stack.url("/api/v1/energy/indicators"), params={"year": 2025, "unit_code": other},
                     timeout=10).status_code == 404
    mine = clerk.get(stack.url("/api/v1/energy/indicators"), params={"year": 2025}, timeout=10).json()
    assert mine["unit_code"] == unit and mine["total_kgce"] == 122.9
    assert clerk.get(stack.url("/api/v1/energy/benchmark"), params={"year": 2025}, timeout=10).status_code == 403
    key = admin.post(stack.url("/api/v1/api-keys"), json={"name": "meter-platform", "roles": ["unit_user"],
                                                         "unit_code": other}, timeout=10).json()["key"]
    system = requests.post(stack.url("/api/v1/energy/readings"), headers={"X-API-Key": key}, timeout=10,
                           json=[{**reading, "unit_code": other}, {**reading, "unit_code": other, "period": "2025-02"}])
    assert system.status_code == 200 and system.json()["created"] == 2
    leader = user(stack, admin, ["leader"])
    assert leader.get(stack.url("/api/v1/energy/benchmark"), params={"year": 2025}, timeout=10).status_code == 200
    upload = leader.post(stack.url("/api/v1/energy/imports"), files={"file": ("a.csv", b"unit_code,period\n")}, timeout=10)
    assert upload.status_code == 403


def test_the_api_document_describes_the_upload(stack):
    spec = requests.get(stack.url("/api/v1/openapi.json"), timeout=10).json()
    body = spec["paths"]["/api/v1/energy/imports"]["post"]["requestBody"]
    assert body["content"]["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    accepted = spec["paths"]["/api/v1/energy/imports"]["post"]["responses"]["202"]
    assert accepted["content"]["application/json"]["schema"]["$ref"].endswith("energy.ImportJob")
    assert "Location" in accepted["headers"] and "422" in spec["paths"]["/api/v1/energy/imports"]["post"]["responses"]
    job = spec["components"]["schemas"]["energy.ImportJob"]["properties"]
    assert {"status", "rows_done", "rows_total", "rejected", "error"} <= set(job)
    for path in ("/api/v1/energy/indicators", "/api/v1/energy/benchmark", "/api/v1/energy/fleet", "/api/v1/waste/records",
                 "/api/v1/energy/assessments", "/api/v1/energy/projects", "/api/v1/energy/audits", "/api/v1/energy/targets"):
        assert path in spec["paths"]
