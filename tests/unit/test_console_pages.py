"""The console with a stand-in for the services: session, CSRF, menus, refusals shown in words."""
import io
import re

import pytest
from sqlalchemy.orm import sessionmaker
from werkzeug.test import Client

from gateway.app import Gateway
from gateway.auth import Accounts, Tokens
from gateway.console.charts import chart
from gateway.console.labels import rule_reasons
from gateway.console.pages import form_instant, local_time
from gateway.console.views.account import safe_next
from gateway.console.views.reception import people
from services.kit.db import make_engine
from services.kit.errors import Conflict, Invalid, RuleViolation
from services.kit.migrate import upgrade

PASSWORD = "console-password"


class ServicesStandIn:
    def __init__(self):
        self.calls = []
        self.answers = {}

    def call(self, service, method, *args, context=None, **kwargs):
        self.calls.append((service, method, args, context))
        answer = self.answers.get(method, {"items": [], "total": 0})
        if isinstance(answer, Exception):
            raise answer
        return answer(*args) if callable(answer) else answer

    def connected(self):
        return True


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    """The users once per module (hashing their passwords is the slow part); a fresh stand-in per test."""
    url = f"sqlite:///{tmp_path_factory.mktemp('console')}/gateway.db"
    upgrade("gateway", url)
    accounts = Accounts(sessionmaker(make_engine(url), expire_on_commit=False))
    accounts.create_user("clerk", PASSWORD, ["unit_user"], "U1")
    accounts.create_user("dispatch", PASSWORD, ["dispatcher"])
    accounts.create_user("boss", PASSWORD, ["leader"])
    for role in ("facility_manager", "technician", "reception_officer", "energy_officer", "admin"):
        accounts.create_user(role, PASSWORD, [role])
    return accounts


@pytest.fixture
def console(accounts):
    services = ServicesStandIn()
    gateway = Gateway(services, accounts, Tokens("k" * 64, 3600))
    return Client(gateway), services


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username):
    page = client.get("/console/login")
    response = client.post("/console/login", data={"username": username, "password": PASSWORD,
                                                    "csrf_token": csrf_of(page.text), "next": "/console/"})
    assert response.status_code == 303, response.text
    return response


def test_login_sets_an_httponly_samesite_session_cookie(console):
    client, _ = console
    response = login(client, "clerk")
    cookies = [value for key, value in response.headers.items() if key == "Set-Cookie"]
    session = next(cookie for cookie in cookies if cookie.startswith("console_session="))
    assert "HttpOnly" in session and "SameSite=Strict" in session and "Path=/console" in session
    home = client.get("/console/")
    assert home.status_code == 200 and "clerk" in home.text and "单位经办人" in home.text


def test_an_oversized_form_is_refused_before_it_is_read(console):
    client, _ = console
    page = client.get("/console/login")
    response = client.post("/console/login", data={"username": "x" * (2 << 20), "password": PASSWORD,
                                                    "csrf_token": csrf_of(page.text)})
    assert response.status_code == 413


def test_a_form_without_its_csrf_token_is_refused(console):
    client, services = console
    client.get("/console/login")
    refused = client.post("/console/login", data={"username": "clerk", "password": PASSWORD})
    assert refused.status_code == 403 and "表单已过期" in refused.text
    login(client, "clerk")
    refused = client.post("/console/dispatches/new", data={"purpose": "开会", "csrf_token": "forged"})
    assert refused.status_code == 403 and not services.calls


def test_a_wrong_password_is_answered_in_words(console):
    client, _ = console
    page = client.get("/console/login")
    response = client.post("/console/login", data={"username": "clerk", "password": "wrong-one",
                                                    "csrf_token": csrf_of(page.text)})
    assert response.status_code == 401 and "用户名或密码错误" in response.text
    assert "console_session=" not in response.headers.get("Set-Cookie", "")


def test_pages_need_a_login_and_each_role_sees_its_own_menu(console):
    client, _ = console
    assert client.get("/console/dispatch-board").headers["Location"].startswith("/console/login")
    login(client, "clerk")
    menu = client.get("/console/").text
    assert "申请用车" in menu and "今日调度" not in menu and "领导看板" not in menu
    assert client.get("/console/dispatch-board").status_code == 403
    other = Client(client.application)
    login(other, "dispatch")
    menu = other.get("/console/").text
    assert "今日调度" in menu and "报修" not in menu


def test_logout_clears_the_session(console):
    client, _ = console
    login(client, "clerk")
    token = csrf_of(client.get("/console/").text)
    response = client.post("/console/logout", data={"csrf_token": token})
    assert response.status_code == 303 and "console_session=;" in response.headers.get("Set-Cookie", "")
    assert client.get("/console/").status_code == 303


def test_logging_out_ends_the_session_itself_not_only_the_cookie(console):
    client, _ = console
    login(client, "boss")
    kept = Client(client.application)  # a copy of the cookie, kept elsewhere
    kept.set_cookie("console_session", client.get_cookie("console_session", path="/console").value, path="/console")
    assert kept.get("/console/").status_code == 200
    client.post("/console/logout", data={"csrf_token": csrf_of(client.get("/console/").text)})
    assert kept.get("/console/").headers["Location"].startswith("/console/login")


def _login_attempt(client, username, password):
    return client.post("/console/login", data={"username": username, "password": password,
                                               "csrf_token": csrf_of(client.get("/console/login").text)})


def test_console_logins_are_slowed_not_locked_and_a_known_name_looks_like_an_unknown_one(accounts, clock):
    client = Client(Gateway(ServicesStandIn(), Accounts(accounts.sessionmaker, clock=clock), Tokens("k" * 64, 3600)))
    known = [_login_attempt(client, "energy_officer", "wrong-one") for _ in range(5)]
    unknown = [_login_attempt(client, "no-such-officer", "wrong-one") for _ in range(5)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401, 401, 401, 401, 429]
    assert "用户名或密码错误" in known[0].text and "登录失败次数过多，请 1 秒后再试" in known[4].text
    assert known[4].headers["Retry-After"] == unknown[4].headers["Retry-After"] == "1"
    clock.advance(1.05)  # the first delay has passed: the right password logs in
    assert _login_attempt(client, "energy_officer", PASSWORD).status_code == 303


def test_the_admin_adds_users_with_strong_passwords_and_disables_them_ending_their_sessions(console, accounts):
    client, _ = console
    login(client, "admin")
    page = client.get("/console/users")
    assert page.status_code == 200 and "用户管理" in page.text and "新建用户" in page.text
    weak = client.post("/console/users", data={"csrf_token": csrf_of(page.text), "username": "newcomer",
                                               "password": "newcomer-1", "role": "leader"})
    assert weak.status_code == 400 and "密码强度不够" in weak.text and "密码不能包含用户名" in weak.text
    created = client.post("/console/users", data={"csrf_token": csrf_of(page.text), "username": "newcomer",
                                                  "password": "a-good-passphrase", "role": "leader"})
    assert created.status_code == 303
    theirs = Client(client.application)
    login_as = theirs.post("/console/login", data={"username": "newcomer", "password": "a-good-passphrase",
                                                   "csrf_token": csrf_of(theirs.get("/console/login").text)})
    assert login_as.status_code == 303 and theirs.get("/console/").status_code == 200
    user_id = re.search(r'data-user="(\d+)"><td>\d+</td><td>newcomer<', client.get("/console/users").text).group(1)
    disabled = client.post(f"/console/users/{user_id}/disable", data={"csrf_token": csrf_of(page.text)})
    assert disabled.status_code == 303 and "已停用" in client.get("/console/users").text
    assert theirs.get("/console/").headers["Location"].startswith("/console/login")
    assert client.post(f"/console/users/{user_id}/delete", data={"csrf_token": csrf_of(page.text)}).status_code == 303
    assert "<td>newcomer<" not in client.get("/console/users").text
    assert [e.action for e in accounts.list_audit_entries({"limit": 5, "offset": 0, "entity_id": user_id})[0]] == [
        "delete", "disable", "create"]


def test_a_user_changes_their_password_in_the_console_under_the_policy(console, accounts):
    accounts.create_user("changer", PASSWORD, ["leader"])
    client, _ = console
    login(client, "changer")
    page = client.get("/console/password")
    weak = client.post("/console/password", data={"csrf_token": csrf_of(page.text), "current_password": PASSWORD,
                                                   "password": "zzzzzzzzzzzz"})
    assert weak.status_code == 400 and "密码不能由同一个字符重复组成" in weak.text
    changed = client.post("/console/password", data={"csrf_token": csrf_of(page.text), "current_password": PASSWORD,
                                                      "password": "another-good-one"})
    assert changed.status_code == 303 and client.get("/console/").status_code == 303  # logged out everywhere
    assert accounts.login("changer", "another-good-one").username == "changer"


def test_a_car_request_goes_to_the_service_as_the_caller_with_shanghai_times(console):
    client, services = console
    services.answers["create_dispatch"] = {"id": 7}
    login(client, "clerk")
    token = csrf_of(client.get("/console/dispatches/new").text)
    response = client.post("/console/dispatches/new", data={
        "csrf_token": token, "purpose": "调研", "passengers": "3", "origin": "县委", "destination": "乡镇",
        "start_at": "2030-05-01T09:00", "end_at": "2030-05-01T17:00"})
    assert response.status_code == 303 and response.headers["Location"] == "/console/dispatches/7"
    _, method, (payload,), context = services.calls[-1]
    assert method == "create_dispatch" and payload["start_at"] == "2030-05-01T09:00:00+08:00"
    assert payload["passengers"] == 3 and '"unit_code":"U1"' in context["caller"]


def test_field_errors_appear_beside_the_field(console):
    client, services = console
    services.answers["create_dispatch"] = Invalid("bad", {"passengers": ["Missing data for required field."]})
    login(client, "clerk")
    token = csrf_of(client.get("/console/dispatches/new").text)
    page = client.post("/console/dispatches/new", data={"csrf_token": token, "purpose": "调研"})
    assert page.status_code == 400
    assert re.search(r'name="passengers".*?<span class="field-error">必填</span>', page.text, re.S)
    box = re.search(r'<div class="problem".*?</div>', page.text, re.S).group(0)
    assert "400" not in box and "填写有误" in box


def test_a_refused_reception_shows_the_rules_reason(console):
    client, services = console
    services.answers["submit_reception"] = RuleViolation(
        "breaks", "reception.accompany_limit", {"reception.accompany_limit": ["meal 1: 5 accompanying diners"]})
    login(client, "clerk")
    token = csrf_of(client.get("/console/receptions/new").text)
    page = client.post("/console/receptions/new", data={
        "csrf_token": token, "title": "考察", "guest_origin": "out_of_county", "guests": "市局，张三，科长",
        "starts_on": "2030-05-01", "meal": "lunch", "price_per_person_yuan": "60", "accompanying_diners": "5",
        "home_style": "on"})
    assert page.status_code == 422
    assert "陪餐人数超标" in page.text and "不得超过3人" in page.text and "meal 1: 5 accompanying diners" in page.text
    payload = services.calls[-1][2][0]
    assert payload["guests"] == [{"unit": "市局", "name": "张三", "title": "科长"}]
    assert payload["meals"][0]["accompanying_diners"] == 5 and "official_letter" not in payload


def test_the_leaders_dashboard_draws_svg_charts(console):
    client, services = console
    services.answers["indicators"] = {"institutions": 1, "total_kgce": 120.0, "by_type": {}}
    services.answers["repair_stats"] = {"total": {"count": 2, "completed": 1, "completion_rate": 0.5, "on_time": 1,
                                                  "on_time_rate": 0.5, "complaints": 0},
                                        "by_category": [{"category": "water", "count": 2, "completed": 1, "on_time": 1}]}
    services.answers["vehicle_stats"] = {"totals": {"dispatches": 3}, "by_unit": [{"unit_code": "U1", "dispatches": 3}],
                                         "flags": {"open": 0}}
    login(client, "boss")
    page = client.get("/console/dashboard?year=2030")
    assert page.status_code == 200 and page.text.count("<svg") == 3 and "给排水" in page.text
    assert "/console/reports/annual?year=2030" in page.text


def test_helpers():
    assert form_instant("2030-01-02T08:30") == "2030-01-02T08:30:00+08:00"
    assert form_instant("") is None
    assert local_time("2030-01-02T00:30:00+00:00") == "2030-01-02 08:30"
    assert safe_next("//evil.example/") == "/console/" and safe_next("/console/energy") == "/console/energy"
    assert people("王五，李四\n\n赵六", False) == [{"name": "王五", "title": "李四"}, {"name": "赵六", "title": None}]
    reasons = rule_reasons("reception.no_letter", {"reception.no_letter": ["x"], "reception.no_alcohol": ["y"]})
    assert [reason["rule"] for reason in reasons] == ["reception.no_letter", "reception.no_alcohol"]
    assert "<svg" in chart("bar", "测试", ["1月"], {"电": [1.5]})


def test_console_pages_stay_out_of_the_api_routes():
    from gateway.service import routes

    assert not [route for route in routes.routes if route.path.startswith("/console")]


def test_every_menu_page_of_every_role_opens(console):
    client, services = console
    services.answers["indicators"] = {"institutions": 0}
    services.answers["repair_stats"] = {"total": {}, "by_category": []}
    services.answers["vehicle_stats"] = {"totals": {}, "by_unit": [], "flags": {}}
    for user in ("clerk", "dispatch", "boss", "facility_manager", "technician", "reception_officer", "energy_officer",
                 "admin"):
        browser = Client(client.application)
        login(browser, user)
        links = re.findall(r'<li><a href="(/console/[^"]*)">', browser.get("/console/").text)
        assert len(links) > 2, user
        for link in links:
            page = browser.get(link)
            assert page.status_code == 200, (user, link, page.text[-500:])


def repair(status, **more):
    return {"id": 5, "unit_code": "U1", "location": "3楼", "category": "water", "severity": "minor", "status": status,
            "reported_at": "2030-05-01T01:00:00+00:00", "due_at": "2030-05-01T15:59:59+00:00", **more}


def test_repairs_overdue_first_with_each_roles_actions(console):
    client, services = console
    services.answers["list_repairs"] = lambda query: (
        {"items": [repair("reported", id=9)], "total": 1} if query.get("overdue") else {"items": [repair("done")], "total": 1})
    login(client, "facility_manager")
    page = client.get("/console/repairs").text
    assert page.index('data-repair="9"') < page.index('data-repair="5"') and "（超期）" in page
    assert "/console/repairs/9/assign" in page and "/console/repairs/5/confirm" in page
    response = client.post("/console/repairs/9/assign", data={"csrf_token": csrf_of(page), "technician": "technician",
                                                              "back": "/console/repairs"})
    assert response.status_code == 303 and response.headers["Location"] == "/console/repairs"
    assert services.calls[-1][1:3] == ("assign_repair", (9, {"technician": "technician"}))
    assert "维修工单 9 已派工" in client.get("/console/repairs").text

    technician = Client(client.application)
    login(technician, "technician")
    queue = technician.get("/console/repairs/queue").text
    assert services.calls[-1][2][0]["technician"] == "technician"
    assert "/assign" not in queue and "/confirm" not in queue
    assert "已派工" in queue and "已派车" not in queue  # a repair's "assigned" is not a dispatch's
    refused = technician.post("/console/repairs/9/assign", data={"csrf_token": csrf_of(queue), "technician": "x"})
    assert refused.status_code == 403


def test_a_refused_action_comes_back_in_words(console):
    client, services = console
    services.answers["start_repair"] = Conflict("repair 5 is done, not assigned")
    login(client, "technician")
    token = csrf_of(client.get("/console/repairs/queue").text)
    client.post("/console/repairs/5/start", data={"csrf_token": token, "back": "/console/repairs/queue"})
    assert services.calls[-1][1:3] == ("start_repair", (5,))
    flash = re.search(r'<div class="flash"[^>]*>(.*?)</div>', client.get("/console/repairs/queue").text).group(1)
    assert flash.startswith("维修工单 5 未能办理：当前状态下不能办理") and "409" not in flash


def test_rectifications_due_first_and_verified_or_sent_back(console):
    client, services = console
    found = {"id": 3, "room_id": 1, "unit_code": "U1", "finding": "超标", "deadline_on": "2030-01-01", "status": "done"}
    services.answers["list_rectifications"] = lambda query: {"items": [found] if query.get("overdue") else [],
                                                             "total": 0}
    login(client, "facility_manager")
    page = client.get("/console/rectifications").text
    assert 'class="overdue"' in page and "验收通过" in page
    client.post("/console/rectifications/3/verify", data={"csrf_token": csrf_of(page), "accepted": "0"})
    assert services.calls[-1][1:3] == ("verify_rectification", (3, {"accepted": False}))


def test_the_meeting_room_calendar_puts_bookings_on_their_local_day(console):
    client, services = console
    services.answers["list_meeting_rooms"] = {"items": [{"id": 1, "name": "第一会议室", "capacity": 30}], "total": 1}
    services.answers["list_bookings"] = {"items": [{"id": 4, "meeting_room_id": 1, "title": "周例会", "unit_code": "U1",
                                                    "start_at": "2030-05-06T17:00:00+00:00",
                                                    "end_at": "2030-05-06T18:00:00+00:00"}], "total": 1}
    login(client, "facility_manager")
    page = client.get("/console/meeting-rooms/calendar?week=2030-05-08").text
    assert "2030-05-06 至 2030-05-12" in page
    cells = re.search(r'data-room="1">(.*?)</tr>', page, re.S).group(1).split("<td>")
    assert "01:00–02:00 周例会" in cells[3]  # Tuesday 7 May in Shanghai
    query = services.calls[-1][2][0]
    assert query["from"] == "2030-05-06T00:00:00+08:00" and query["to"] == "2030-05-13T00:00:00+08:00"


def test_canteen_slots_show_their_batches(console):
    client, services = console
    services.answers["list_canteen_slots"] = {"items": [{"id": 2, "meal": "lunch", "capacity": 80, "reserved": 12,
                                                         "available": 68}], "total": 1}
    services.answers["list_canteen_reservations"] = {"items": [{"id": 6, "batch": "市局考察", "unit_code": "U1",
                                                                "head_count": 12, "reception_id": 3}], "total": 1}
    login(client, "reception_officer")
    page = client.get("/console/canteen?day=2030-05-06").text
    assert "午餐：容量 80 人，已订 12 人，余 68 人" in page and "市局考察" in page and "接待 3" in page


def test_a_unit_explains_a_flag(console):
    client, services = console
    services.answers["list_vehicle_flags"] = {"items": [{"id": 8, "unit_code": "U1", "vehicle_id": 1,
                                                         "kind": "no_dispatch", "status": "open", "detail": "trip"}],
                                              "total": 1}
    login(client, "clerk")
    page = client.get("/console/vehicle-flags").text
    assert "无任务出车" in page and "/explain" in page and "/resolve" not in page
    client.post("/console/vehicle-flags/8/explain", data={"csrf_token": csrf_of(page), "explanation": "抢修"})
    assert services.calls[-1][1:3] == ("explain_vehicle_flag", (8, {"explanation": "抢修"}))


def test_a_unit_reports_a_months_energy_for_its_own_unit(console):
    client, services = console
    services.answers["record_readings"] = {"items": [], "created": 1, "corrected": 0, "unchanged": 0}
    login(client, "clerk")
    page = client.get("/console/energy/readings/new").text
    assert 'value="U1" readonly' in page and "kWh" in page
    response = client.post("/console/energy/readings/new", data={
        "csrf_token": csrf_of(page), "unit_code": "OTHER", "period": "2030-04", "energy_type": "electricity",
        "quantity": "5200.5", "unit": "kWh"})
    assert response.status_code == 303
    assert services.calls[-1][1:3] == ("record_readings", ({"unit_code": "U1", "period": "2030-04",
                                                             "energy_type": "electricity", "quantity": "5200.5",
                                                             "unit": "kWh"},))
    assert "已填报 U1 2030-04 电 5200.5 kWh（新增）" in client.get("/console/energy/readings/new").text


def import_job(status, **more):
    return {"id": 7, "filename": "表.csv", "status": status, "rows_total": 0, "rows_done": 0, "rows_imported": 0,
            "rows_rejected": 0, "readings_created": 0, "readings_corrected": 0, "readings_unchanged": 0,
            "rejected": [], "error": None, "created_at": "2030-05-01T01:00:00+00:00", "finished_at": None, **more}


def test_a_sheet_becomes_an_import_job_followed_until_its_report(console):
    client, services = console
    services.answers["import_readings"] = import_job("queued")
    services.answers["list_imports"] = {"items": [import_job("running", rows_total=5)], "total": 1}
    login(client, "clerk")
    page = client.get("/console/energy/import").text
    assert '<a href="/console/energy/imports/7">表.csv</a></td><td>导入中</td>' in page
    response = client.post("/console/energy/import", data={"csrf_token": csrf_of(page),
                                                           "file": (io.BytesIO(b"unit_code,period\n"), "表.csv")})
    assert response.status_code == 303 and response.headers["Location"] == "/console/energy/imports/7"
    assert services.calls[-1][1] == "import_readings"
    services.answers["get_import"] = import_job("queued")
    queued = client.get("/console/energy/imports/7").text
    assert "排队中" in queued and 'http-equiv="refresh"' in queued and "已上传，正在排队导入" in queued
    services.answers["get_import"] = import_job("running", rows_total=10000, rows_done=2500)
    running = client.get("/console/energy/imports/7").text
    assert "导入中" in running and "已处理 2500 / 10000 行" in running
    services.answers["get_import"] = import_job("succeeded", rows_total=3, rows_done=3, rows_imported=1, rows_rejected=2,
                                                rejected=[{"row": 3, "errors": {"period": ["repeats row 2 (same unit and month)"]}},
                                                          {"row": 4, "errors": {"electricity_kWh": ["a number from 0 up"]}}])
    done = client.get("/console/energy/imports/7").text
    assert 'id="report"' in done and 'http-equiv="refresh"' not in done and "导入完成" in done
    assert "统计期：与第 2 行重复（同一单位同一月份）" in done and "电(kWh)：请填写不小于0的数字" in done
    services.answers["get_import"] = import_job("failed", error={
        "detail": "the sheet reaches row 20002: more than 20000 data rows", "rule": "energy.import_limit",
        "errors": {"energy.import_limit": ["at most 20000 data rows"]}})
    failed = client.get("/console/energy/imports/7").text
    assert "导入失败" in failed and "报表超出导入限制" in failed and "最多 20000 行数据" in failed


def test_a_sheet_past_a_limit_is_refused_on_the_upload_page_in_chinese(console):
    client, services = console
    services.answers["import_readings"] = RuleViolation(
        "the sheet declares 16384 columns: more than 40 columns", "energy.import_limit",
        {"energy.import_limit": ["at most 40 columns"]})
    login(client, "energy_officer")
    page = client.get("/console/energy/import").text
    response = client.post("/console/energy/import", data={"csrf_token": csrf_of(page),
                                                           "file": (io.BytesIO(b"PK"), "bomb.xlsx")})
    assert response.status_code == 422
    assert "报表超出导入限制" in response.text and "最多 40 列" in response.text


def test_a_meeting_request_books_the_room_and_asks_for_a_car(console):
    client, services = console
    services.answers["list_meeting_rooms"] = {"items": [{"id": 1, "name": "第一会议室", "capacity": 30}], "total": 1}
    services.answers["request_meeting"] = {"id": 3, "status": "scheduled"}
    login(client, "clerk")
    page = client.get("/console/meetings/new").text
    assert "第一会议室（30 人）" in page and 'name="unit_code"' not in page
    response = client.post("/console/meetings/new", data={
        "csrf_token": csrf_of(page), "title": "调度会", "meeting_room_id": "1", "attendees": "12",
        "start_at": "2030-05-06T09:00", "end_at": "2030-05-06T11:00", "services": "茶水、横幅", "car_passengers": "4"})
    assert response.status_code == 303 and response.headers["Location"] == "/console/meetings"
    payload = services.calls[-1][2][0]
    assert payload == {"title": "调度会", "meeting_room_id": 1, "attendees": 12, "start_at": "2030-05-06T09:00:00+08:00",
                       "end_at": "2030-05-06T11:00:00+08:00", "services": ["茶水", "横幅"], "cars": [{"passengers": 4}]}
    assert "会议申请已提交（编号 3）：已安排" in client.get("/console/meetings").text


APPROVED = {"id": 4, "unit_code": "U1", "title": "市局考察", "status": "approved", "starts_on": "2030-05-06",
            "ends_on": "2030-05-06", "official_letter": {"number": "市发1号", "issuer": "市局"},
            "guests": [{"unit": "市局", "name": "张三", "title": "科长"}], "accompanying": [{"name": "王五", "title": None}]}


def test_the_reception_list_is_entered_from_the_approved_request_and_read_back_with_differences(console):
    client, services = console
    services.answers["get_reception"] = APPROVED
    services.answers["complete_reception"] = {"reception_id": 4}
    login(client, "reception_officer")
    form = client.get("/console/receptions/4/list").text
    assert "市局，张三，科长" in form and "王五" in form
    response = client.post("/console/receptions/4/list", data={
        "csrf_token": csrf_of(form), "guests": "市局，张三，科长", "accompanying": "王五",
        "support_staff": "赵六，驾驶员", "activities": "座谈，县政府二楼会议室，2030-05-06 09:00，2030-05-06 11:00",
        "meals": "午餐，2030-05-06，机关食堂，1，1，120", "costs": "餐费，120", "note": ""})
    assert response.status_code == 303 and response.headers["Location"] == "/console/receptions/4/list"
    method, (reception_id, payload) = services.calls[-1][1:3]
    assert method == "complete_reception" and reception_id == 4
    assert payload["support_staff"] == [{"name": "赵六", "role": "驾驶员"}]
    assert payload["activities"][0]["start_at"] == "2030-05-06T09:00:00+08:00"
    assert payload["meals"] == [{"meal": "lunch", "served_on": "2030-05-06", "place": "机关食堂", "guests": 1,
                                 "accompanying_diners": 1, "cost_yuan": "120"}]
    assert payload["costs"] == [{"item": "餐费", "amount_yuan": "120"}] and payload["note"] is None

    services.answers["get_reception"] = {**APPROVED, "status": "completed"}
    services.answers["get_reception_list"] = {
        "guests": payload["guests"], "accompanying": [], "support_staff": [], "activities": [], "meals": [],
        "costs": [{"item": "餐费", "amount_yuan": 120.0}], "note": None, "total_cost_yuan": 120.0,
        "differences": [{"kind": "absent", "field": "accompanying", "detail": "王五 was approved but not listed"}],
        "recorded_by": "reception_officer", "locked_at": "2030-05-06T08:00:00+00:00"}
    page = client.get("/console/receptions/4/list").text
    assert "接待 4 的接待清单已登记并锁定" in page and "餐费 120.00 元" in page and "合计 120.00 元" in page
    assert "陪同人员" in page and "王五 was approved but not listed" in page and "登记接待清单" not in page


def test_a_unit_user_reads_but_cannot_enter_a_reception_list(console):
    client, services = console
    services.answers["get_reception"] = APPROVED
    login(client, "clerk")
    page = client.get("/console/receptions/4/list").text
    assert "<textarea" not in page and "由接待专员在此登记" in page
    refused = client.post("/console/receptions/4/list", data={"csrf_token": csrf_of(page), "guests": "x，y"})
    assert refused.status_code == 409 and not [call for call in services.calls if call[1] == "complete_reception"]


def test_the_annual_work_report_as_a_page_and_a_workbook(console):
    client, _ = console
    login(client, "boss")
    page = client.get("/console/reports/annual?year=2030")
    assert page.status_code == 200 and "2030" in page.text and "/console/reports/annual.xlsx?year=2030" in page.text
    workbook = client.get("/console/reports/annual.xlsx?year=2030")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    assert 'filename="annual-report-2030-01-01-2030-12-31.xlsx"' in workbook.headers["Content-Disposition"]
