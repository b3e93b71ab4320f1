"""The console in a real headless Chromium against the whole suite (docs/console.md)."""
import json
import os
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import ADMIN_PASSWORD, token_for
from tests.e2e.test_api import vehicle

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = Path(__file__).with_name("console_browser.py")
PASSWORD = "console-e2e-password"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "console"
ROLES = ("unit_user", "dispatcher", "energy_officer", "leader", "facility_manager", "technician", "reception_officer")


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, checked before the suite is started for it: skipped on a developer's machine
    without it, a failure under CI=true."""
    if CHROMIUM.exists():
        return CHROMIUM
    message = "Debian's chromium is not installed at /usr/bin/chromium (`make test` installs it with apt-get where it runs as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def people(chromium, stack, admin):
    suffix = uuid.uuid4().hex[:6]
    unit = f"C{suffix}"
    users = {role: f"{role}-{suffix}" for role in ROLES}
    for role, name in users.items():
        created = admin.post(stack.url("/api/v1/users"), json={
            "username": name, "password": PASSWORD, "roles": [role], "unit_code": unit if role == "unit_user" else None},
            timeout=10)
        assert created.status_code == 201, created.text
    number = int(suffix, 16) % 90000 + 10000
    car = admin.post(stack.url("/api/v1/vehicles"), json={**vehicle(unit, number), "seats": 7}, timeout=10)
    assert car.status_code == 201, car.text
    driver = admin.post(stack.url("/api/v1/drivers"), json={
        "name": "王师傅", "staff_number": f"D{suffix}", "licence_class": "A1",
        "licence_expires_on": str(date.today() + timedelta(days=3650))}, timeout=10)
    assert driver.status_code == 201, driver.text
    institution = admin.post(stack.url("/api/v1/institutions"), json={
        "unit_code": unit, "name": "县测试局", "headcount": 40, "floor_area_m2": "1200"}, timeout=10)
    assert institution.status_code == 201, institution.text
    # repairs for the managers' and the technician's lists: one to assign, one assigned, one under way
    manager = {"Authorization": f"Bearer {token_for(stack, users['facility_manager'], PASSWORD)}"}
    building = admin.post(stack.url("/api/v1/buildings"), json={"name": f"综合楼{suffix}", "floors": 6}, timeout=10)
    assert building.status_code == 201, building.text
    for step in ((), ("assign",), ("assign", "start")):
        order = admin.post(stack.url("/api/v1/repairs"), headers=manager, json={
            "building_id": building.json()["id"], "unit_code": unit, "location": "3楼 301", "category": "water",
            "severity": "minor", "description": "水龙头漏水"}, timeout=10)
        assert order.status_code == 201, order.text
        for action in step:
            body = {"technician": users["technician"]} if action == "assign" else {}
            moved = admin.post(stack.url(f"/api/v1/repairs/{order.json()['id']}/{action}"), headers=manager, json=body,
                               timeout=10)
            assert moved.status_code == 200, moved.text
    return {"unit": unit, "plate": car.json()["plate"], **users}


@pytest.fixture(scope="module")
def seen(chromium, stack, people):
    """One Chromium run for the module (the machine's cores are few): the flows, then every page's tour;
    what the pages showed, with the screenshots of both widths left in var/screenshots/console/."""
    shots = SCREENSHOTS
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    print(f"\nconsole screenshots: {shots}")
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    sheet = shots / "form.csv"
    sheet.write_text(f"单位代码,统计期,电(kWh),水(m³)\n{people['unit']},{year}-01,5200,80\n"
                     f"{people['unit']},{year}-01,5300,81\nNOPE,{year}-01,10,\n", encoding="utf-8")
    tomorrow = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    later = tomorrow + timedelta(days=9)
    spec = {
        "chromium": str(chromium), "base": stack.base, "password": PASSWORD, "screenshots": str(shots), "result": str(shots / "result.json"),
        "clerk": people["unit_user"], "dispatcher": people["dispatcher"], "plate": people["plate"],
        "energy_officer": people["energy_officer"], "leader": people["leader"],
        "start_at": f"{tomorrow}T09:00", "end_at": f"{tomorrow}T17:00",
        "letter_on": str(date.today()), "reception_on": str(later), "sheet": str(sheet),
        "tour": [[people[role], PASSWORD] for role in ROLES] + [["admin", ADMIN_PASSWORD]],
    }
    (shots / "spec.json").write_text(json.dumps(spec, ensure_ascii=False))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    run = subprocess.run([sys.executable, str(SCRIPT), str(shots / "spec.json")], env=env, capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads((shots / "result.json").read_text())


@pytest.mark.timeout(900)
def test_the_console_in_a_browser(stack, admin, people, seen):

    # a unit user requests a car; the dispatcher approves and assigns a suggested one
    assert "申请用车" in seen["clerk_menu"] and "今日调度" not in seen["clerk_menu"]
    assert seen["requested_status"] == "待审批" and "已提交" in seen["requested_flash"]
    assert "已批准" in seen["approve_flash"] and people["plate"] in seen["suggested"]
    assert "已派车" in seen["assign_flash"] and seen["final_status"] == "已派车"
    # the accompany rule's reason, in words
    assert seen["reception_rules"] == ["reception.accompany_limit"]
    assert "陪餐人数超标" in seen["reception_problem"] and "不得超过3人" in seen["reception_problem"]
    # the sheet's row report: a good row, a repeated row and another unit's row reported by number
    report = seen["import_report"]
    assert "导入成功\t1" in report and "未导入\t2" in report and "第 3 行" in report and "第 4 行" in report
    # the leaders' dashboard charts
    assert seen["dashboard_charts"] == 3 and "年度综合报告" in seen["dashboard_text"]
    # the dispatcher takes the trip to its end on the board (a closed dispatch refuses every action, so the API
    # fuzzer, which runs later on the same suite, finds none that an action with an optional body could still move)
    assert people["plate"] in seen["assigned_card"] and "王师傅" in seen["assigned_card"]
    assert "已出车" in seen["depart_flash"] and "已回场" in seen["return_flash"] and "已结单" in seen["close_flash"]
    assert "行驶 120" in seen["returned_card"] and "过路过桥费 15" in seen["returned_card"]
    assert seen["closed_status"] == "已结单"
    assert {path.name for path in SCREENSHOTS.glob("[0-9]*-*.png")} == {
        "1-car-requested.png", "2-dispatch-board.png", "2b-dispatch-board-car-out.png", "3-reception-refused.png",
        "4-energy-import.png", "5-dashboard.png"}


@pytest.mark.timeout(900)
def test_every_page_of_every_role_at_a_phones_and_a_desks_width(seen):
    """Run by the browser session above (one Chromium run for both): at 390×844 and 1366×768 every visible
    button and input can be brought into view (none cut off by a box around it), the page itself never
    scrolls sideways, controls on a phone are at least 44 px high, charts fill the screen, and the browser
    reports no error (the CSP forbids every script)."""
    seen = seen["tour"]
    assert len(seen) > 40 and {name.split("-")[0] for name in seen} == {"phone", "desk"}
    assert any(name.startswith("phone-technician") and "queue" in name for name in seen)
    for name, page in seen.items():
        assert page["errors"] == [], name
        assert [c for c in page["controls"] if not c["reachable"]] == [], name
        assert not page["wide"], name
        if name.startswith("phone"):
            small = [c for c in page["controls"] if c["height"] < 44 and c["type"] not in ("checkbox", "radio")]
            assert small == [], name
            assert all(width >= 340 for width, _ in page["charts"]), (name, page["charts"])
    started = seen[next(name for name in seen if name.startswith("phone-technician") and "queue" in name)]
    assert {"开始维修", "完工"} <= {c["control"] for c in started["controls"]}
