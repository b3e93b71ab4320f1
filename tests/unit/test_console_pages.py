"""The console with a stand-in for the services: session, CSRF, menus, refusals shown in words."""
import io
from html.parser import HTMLParser
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
from services.kit.context import ADMIN_ROLES
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
    for role in ("facility_manager", "technician", "reception_officer", "energy_officer"):
        accounts.create_user(role, PASSWORD, [role])
    accounts.create_user("admin", PASSWORD, list(ADMIN_ROLES))  # the basic profile's one admin
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
        "delete", "disable", "login", "create"]


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
    services.answers["list_institutions"] = {"items": [{"unit_code": "U1", "name": "县公安局"}], "total": 1}
    login(client, "boss")
    page = client.get("/console/dashboard?year=2030")
    assert page.status_code == 200 and page.text.count("<svg") == 3 and "给排水" in page.text
    assert "县公安局" in page.text  # units by name in the charts, not by code
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
    page = client.get("/console/repairs/queue").text
    alert = re.search(r'<div class="problem" role="alert">(.*?)</div>', page).group(1)
    assert alert.startswith("维修工单 5 未能办理：当前状态下不能办理") and "409" not in alert
    assert 'class="flash"' not in page  # a refusal is never shown in the box that says it was done


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
    services.answers["meeting_room_availability"] = {"items": [{"id": 1, "name": "第一会议室", "capacity": 30, "busy": [
        {"booking_id": 4, "title": "周例会", "unit_code": "U1", "own": True, "start_at": "2030-05-06T17:00:00+00:00",
         "end_at": "2030-05-06T18:00:00+00:00"},
        {"booking_id": None, "title": None, "unit_code": None, "own": False, "start_at": "2030-05-08T01:00:00+00:00",
         "end_at": "2030-05-08T02:00:00+00:00"}]}], "total": 1}
    login(client, "clerk")
    page = client.get("/console/meeting-rooms/calendar?week=2030-05-08").text
    assert "2030-05-06 至 2030-05-12" in page
    cells = re.search(r'data-room="1">(.*?)</tr>', page, re.S).group(1).split("<td>")
    assert "01:00–02:00 周例会" in cells[3]  # Tuesday 7 May in Shanghai
    assert "09:00–10:00 已占用" in cells[4]  # another unit's meeting: taken, never whose
    query = services.calls[-1][2][0]
    assert query["from"] == "2030-05-06T00:00:00+08:00" and query["to"] == "2030-05-13T00:00:00+08:00"


def test_canteen_slots_show_their_batches_booked_and_cancelled(console):
    client, services = console
    services.answers["list_canteen_slots"] = {"items": [{"id": 2, "meal": "lunch", "capacity": 80, "reserved": 12,
                                                         "available": 68}], "total": 1}
    services.answers["list_canteen_reservations"] = {"items": [{"id": 6, "batch": "市局考察", "unit_code": "U1",
                                                                "head_count": 12, "reception_id": 3}], "total": 1}
    login(client, "reception_officer")
    page = client.get("/console/canteen?day=2030-05-06").text
    assert "午餐：容量 80 人，已订 12 人，余 68 人" in page and "市局考察" in page and "接待 3" in page
    # the reception officer books a batch for a meeting and cancels one
    assert 'action="/console/canteen/reservations"' in page and "/console/canteen/reservations/6/cancel" in page
    services.answers["create_canteen_reservation"] = {"id": 9}
    response = client.post("/console/canteen/reservations", data={
        "csrf_token": csrf_of(page), "slot_id": "2", "day": "2030-05-06", "owner": "meeting", "owner_id": "3",
        "head_count": "5", "batch": ""})
    assert services.calls[-1][1:3] == ("create_canteen_reservation", ({"slot_id": 2, "head_count": 5, "batch": None,
                                                                        "meeting_id": 3},))
    assert response.headers["Location"] == "/console/canteen?day=2030-05-06"
    client.post("/console/canteen/reservations/6/cancel", data={"csrf_token": csrf_of(page), "day": "2030-05-06"})
    assert services.calls[-1][1:3] == ("cancel_canteen_reservation", (6,))


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


def test_a_clerk_finds_a_free_meeting_room_slot_on_the_home_page_and_books_it_without_a_clash(console):
    """The 首页 of a unit clerk: another unit's meeting shows as taken (never its title), each free
    slot carries a booking form, and the booking of a free slot goes through; a taken one is refused."""
    from services.facilities.domain import find_clashes

    client, services = console
    booked = [("2030-05-07T09:00:00+08:00", "2030-05-07T11:00:00+08:00")]  # another unit's, title hidden
    services.answers["meeting_room_availability"] = lambda query: {"items": [
        {"id": 1, "name": "第一会议室", "capacity": 30, "location": "主楼三楼",
         "busy": [{"start_at": start, "end_at": end, "own": False, "title": None, "booking_id": None,
                   "unit_code": None} for start, end in booked]}], "total": 1}

    def book(payload):
        from datetime import datetime

        wanted = [(datetime.fromisoformat(payload["start_at"]), datetime.fromisoformat(payload["end_at"]))]
        taken = [(datetime.fromisoformat(start), datetime.fromisoformat(end), "booked") for start, end in booked]
        if find_clashes(wanted, taken):
            raise Conflict("the room is already booked", {"start_at": ["clashes with an existing booking on 2030-05-07"]})
        booked.append((payload["start_at"], payload["end_at"]))
        return {"id": 8, **payload, "status": "booked"}

    services.answers["book_meeting_room"] = book
    services.answers["unit_overview"] = {"unit_code": "U1", "group": "general", "rank": 2, "group_size": 3,
                                         "metric": "per_area_kgce_m2", "report_due_day": 10,
                                         "missing_periods": ["2030-03"], "targets": [],
                                         "months": [{"period": "2030-03", "reported": False}],
                                         "ranking": [{"rank": 1, "name": "县教育局", "own": False},
                                                     {"rank": 2, "name": "本单位名", "own": True}]}
    services.answers["list_repairs"] = lambda query: {"items": [
        {"id": 5, "location": "3楼卫生间", "category": "water", "severity": "minor", "status": "assigned",
         "technician": "tech-wang", "due_at": "2030-05-06T23:59:59+08:00", "overdue": True}] if query["status"] == "assigned"
        else [], "total": 1}
    login(client, "clerk")
    home = client.get("/console/?day=2030-05-07").text
    row = re.search(r'data-room="1">(.*?)</tr>', home, re.S).group(1)
    assert "09:00–11:00 已占用" in row
    free = re.findall(r'data-free="([^"]+)"', row)
    assert free == ["08:00-09:00", "11:00-18:00"]
    assert "未报月份：2030-03" in home and "排第 2 名" in home and "县教育局" in home
    assert "tech-wang" in home and "已超时" in home
    # the clerk books the afternoon's free slot
    response = client.post("/console/meeting-rooms/book", data={
        "meeting_room_id": "1", "title": "科务会", "start_at": "2030-05-07T14:00", "end_at": "2030-05-07T15:00",
        "attendees": "12", "csrf_token": csrf_of(home)})
    assert response.status_code == 303 and "day=2030-05-07" in response.headers["Location"]
    payload = services.calls[-1][2][0]
    assert (payload["meeting_room_id"], payload["start_at"], payload["end_at"]) == (
        1, "2030-05-07T14:00:00+08:00", "2030-05-07T15:00:00+08:00")
    assert "unit_code" not in payload  # the service books for the clerk's own unit
    after = client.get(response.headers["Location"]).text
    assert "会议室已预订（编号 8）" in after
    assert re.findall(r'data-free="([^"]+)"', after) == ["08:00-09:00", "11:00-14:00", "15:00-18:00"]
    # a slot that is taken is refused in words, without naming whose meeting it is
    refused = client.post("/console/meeting-rooms/book", data={
        "meeting_room_id": "1", "title": "例会", "start_at": "2030-05-07T10:00", "end_at": "2030-05-07T10:30",
        "csrf_token": csrf_of(after)})
    shown = client.get(refused.headers["Location"]).text
    assert "会议室未能预订：该时段已被占用（与 2030-05-07 已有的会议室预订时间冲突）" in shown


def test_the_header_counts_my_unread_notifications_and_the_inbox_lists_and_marks_them(console):
    client, services = console
    services.answers["unread_count"] = {"unread": 3}
    services.answers["get_preferences"] = {"email": "clerk@unit.example", "muted_kinds": ["dispatch_requested"]}
    services.answers["list_notifications"] = {"items": [{
        "id": 5, "kind": "flag_explanation_due", "title": "用车异常待说明：无任务出车", "body": "请于 2026-03-05 09:00 前说明情况。",
        "link": "/console/vehicle-flags", "urgent": True, "read": False, "created_at": "2026-03-02T01:00:00+00:00",
        "deliveries": [{"channel": "email", "status": "failed", "attempts": 20, "sent_at": None}]}], "total": 1}
    login(client, "clerk")
    home = client.get("/console/").text
    assert 'href="/console/notifications">消息<span class="badge" title="未读消息">3</span>' in home
    page = client.get("/console/notifications").text
    assert "【紧急】</span>用车异常待说明：无任务出车" in page and "2026-03-02 09:00" in page
    assert "邮件未送达（已尝试 20 次）" in page and 'href="/console/vehicle-flags"' in page
    assert 'value="clerk@unit.example"' in page and 'value="dispatch_requested" checked' in page
    client.post("/console/notifications/5/read", data={"csrf_token": csrf_of(page)})
    assert services.calls[-1][1:3] == ("mark_read", (5,))
    client.post("/console/notifications/preferences", data={"csrf_token": csrf_of(page), "email": "",
                                                            "muted": ["repair_completed", "bogus"]})
    assert services.calls[-1][1:3] == ("update_preferences", ({"email": None, "muted_kinds": ["repair_completed"]},))


def test_a_page_shows_without_its_unread_count_when_notifications_do_not_answer(console):
    from services.kit.errors import ServiceUnavailable

    client, services = console
    services.answers["unread_count"] = ServiceUnavailable("notifications is down")
    login(client, "dispatch")
    home = client.get("/console/")
    assert home.status_code == 200 and 'class="badge"' not in home.text and "消息" in home.text


class Controls(HTMLParser):
    """The page's form controls a person sees, whether each has a label, and its scripts."""

    def __init__(self):
        super().__init__()
        self.controls, self.label_for, self.open_labels, self.scripts, self.skip = [], set(), 0, 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        elif tag == "a" and attrs.get("href") == "#main" and "skip" in (attrs.get("class") or ""):
            self.skip = True
        elif tag == "label":
            self.open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.controls.append((attrs.get("name") or attrs.get("id"), attrs.get("id"),
                                  bool(self.open_labels or attrs.get("aria-label"))))

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1

    def unlabelled(self):
        return [name for name, id_, labelled in self.controls if not labelled and id_ not in self.label_for]


def test_every_page_has_a_skip_link_labels_on_every_control_and_no_script(console):
    """The CSP forbids every script (a chart's inline one was refused with a console error on each load)."""
    client, services = console
    services.answers["indicators"] = {"institutions": 1, "total_kgce": 120.0, "by_type": {}}
    services.answers["repair_stats"] = {"total": {"count": 1}, "by_category": [{"category": "water", "count": 1, "completed": 1, "on_time": 1}]}
    services.answers["vehicle_stats"] = {"totals": {"dispatches": 1}, "by_unit": [{"unit_code": "U1", "dispatches": 1}],
                                         "flags": {"open": 0}}
    statuses = ("reported", "assigned", "in_progress", "done")
    services.answers["list_repairs"] = {"items": [repair(status, id=n) for n, status in enumerate(statuses)], "total": 4}
    services.answers["list_rectifications"] = {"items": [{"id": 3, "room_id": 1, "unit_code": "U1", "finding": "超标",
                                                          "deadline_on": "2030-01-01", "status": status}
                                                         for status in ("open", "done")], "total": 2}
    services.answers["list_vehicle_flags"] = {"items": [{"id": 4, "unit_code": "U1", "vehicle_id": 1, "kind": "no_task",
                                                         "detail": "x", "status": "open"}], "total": 1}
    services.answers["list_dispatches"] = {"items": [dispatch(status) for status in (
        "requested", "approved", "assigned", "departed", "returned")], "total": 5}
    services.answers["list_drivers"] = {"items": [{"id": 2, "name": "王师傅", "licence_class": "A1", "assignable": True}],
                                        "total": 1}
    services.answers["available_vehicles"] = {"items": [car()], "total": 1}
    services.answers["get_vehicle"] = car()
    seen = 0
    for user in ("clerk", "dispatch", "boss", "facility_manager", "technician", "reception_officer", "energy_officer",
                 "admin"):
        browser = Client(client.application)
        login(browser, user)
        links = ["/console/"] + re.findall(r'<li><a href="(/console/[^"]*)">', browser.get("/console/").text)
        for link in links:
            page = browser.get(link)
            assert page.status_code == 200, (user, link)
            controls = Controls()
            controls.feed(page.text)
            assert controls.skip and 'id="main"' in page.text, (user, link)
            assert controls.scripts == 0, (user, link)
            assert controls.unlabelled() == [], (user, link)
            seen += len(controls.controls)
    assert seen > 50


def dispatch(status, **more):
    return {"id": 7, "unit_code": "U1", "purpose": "调研", "passengers": 3, "origin": "县政府", "destination": "城关镇",
            "start_at": "2030-05-01T01:00:00+00:00", "end_at": "2030-05-01T09:00:00+00:00", "status": status,
            "vehicle_id": 1 if status not in ("requested", "approved") else None,
            "driver_id": 2 if status not in ("requested", "approved") else None, **more}


def car(**more):
    return {"id": 1, "plate": "川A12345", "make": "红旗", "model": "H5", "seats": 5, "odometer_km": 1000.0, **more}


def board_answers(services, now=None):
    from datetime import datetime, timedelta, timezone

    now = now or datetime.now(timezone.utc)
    at = lambda hours: (now + timedelta(hours=hours)).isoformat()  # noqa: E731
    by_status = {
        "approved": [dispatch("approved", id=10, start_at=at(2), end_at=at(6))],
        "assigned": [dispatch("assigned", id=11, start_at=at(3), end_at=at(5), vehicle_id=1, driver_id=2)],
        "departed": [dispatch("departed", id=12, start_at=at(-8), end_at=at(-1), vehicle_id=3, driver_id=4,
                              departed_at=at(-8))],
        "returned": [dispatch("returned", id=13, vehicle_id=1, driver_id=5, distance_km=42.0, tolls_yuan=15.0)],
    }
    services.answers["list_dispatches"] = lambda query: {"items": by_status.get(query.get("status"), []), "total": 1}
    services.answers["list_drivers"] = {"items": [
        {"id": 2, "name": "王师傅", "licence_class": "A1", "assignable": True},   # assigned over an overlapping interval
        {"id": 4, "name": "赵师傅", "licence_class": "A1", "assignable": True},   # still out, past the return time
        {"id": 5, "name": "钱师傅", "licence_class": "B1", "assignable": True},   # free
        {"id": 6, "name": "孙师傅", "licence_class": "A1", "assignable": False}], "total": 4}  # no safety meeting
    services.answers["available_vehicles"] = {"items": [car(id=1), car(id=3, plate="川A00003"), car(id=7, plate="川A00007")],
                                              "total": 3}
    services.answers["get_vehicle"] = lambda vehicle_id: car(id=vehicle_id, plate=f"川A0000{vehicle_id}")
    services.answers["get_driver"] = lambda driver_id, full_phone=True: {"id": driver_id, "name": "周师傅"}


def test_the_dispatchers_day_offers_only_free_cars_and_drivers_and_shows_names(console):
    client, services = console
    board_answers(services)
    login(client, "dispatch")
    page = client.get("/console/dispatch-board").text
    approved = page[page.index('id="approved"'):page.index('id="assigned"')]
    # the car and the driver held by dispatch 11 and the overdue car and driver of dispatch 12 are not offered,
    # nor a driver the rules do not allow today
    assert "川A00007（红旗H5，5座）" in approved and "川A00003" not in approved and "川A12345" not in approved
    assert "钱师傅" in approved and "王师傅" not in approved and "赵师傅" not in approved and "孙师傅" not in approved
    assert "/console/dispatches/10/cancel" in approved
    # names, not numbers, for the cars and drivers on the board
    assert "车辆：川A00001（红旗H5，5座）；驾驶员：王师傅" in page and "驾驶员 2" not in page and "车辆 1" not in page
    assert "/console/dispatches/11/depart" in page and "出车里程表读数：1000.0 公里" in page
    out = page[page.index('id="departed"'):page.index('id="returned"')]
    assert 'class="card overdue"' in out and "应回未回" in out and 'name="odometer_km"' in out
    assert 'name="tolls_yuan"' in out and 'name="cost_yuan"' in out and 'name="fuel_liters"' in out
    assert "/console/dispatches/13/close" in page and "行驶 42.0 公里" in page
    assert "应回未回 1" in page


def test_the_dispatcher_departs_returns_closes_and_cancels(console):
    client, services = console
    board_answers(services)
    login(client, "dispatch")
    token = csrf_of(client.get("/console/dispatch-board").text)
    client.post("/console/dispatches/11/depart", data={"csrf_token": token, "departed_at": ""})
    assert services.calls[-1][1:3] == ("depart_dispatch", (11, {}))
    client.post("/console/dispatches/12/return", data={"csrf_token": token, "odometer_km": "1120.5",
                                                        "fuel_liters": "9.5", "tolls_yuan": "15", "cost_yuan": "",
                                                        "returned_at": "2030-05-01T18:00"})
    assert services.calls[-1][1:3] == ("return_dispatch", (12, {"odometer_km": "1120.5", "fuel_liters": "9.5",
                                                                "tolls_yuan": "15",
                                                                "returned_at": "2030-05-01T18:00:00+08:00"}))
    client.post("/console/dispatches/13/close", data={"csrf_token": token})
    assert services.calls[-1][1:3] == ("close_dispatch", (13,))
    response = client.post("/console/dispatches/11/cancel", data={"csrf_token": token, "reason": "会议改期"})
    assert services.calls[-1][1:3] == ("cancel_dispatch", (11, {"reason": "会议改期"}))
    assert response.headers["Location"] == "/console/dispatch-board"
    assert "用车申请 11 已取消" in client.get("/console/dispatch-board").text


def test_a_double_booking_is_refused_in_chinese_beside_the_field_not_in_the_success_box(console):
    client, services = console
    board_answers(services)
    services.answers["assign_dispatch"] = Conflict("the driver is booked for dispatch 11 over an overlapping interval",
                                                   {"driver_id": ["double booking with dispatch 11"]})
    login(client, "dispatch")
    token = csrf_of(client.get("/console/dispatch-board").text)
    client.post("/console/dispatches/10/assign", data={"csrf_token": token, "vehicle_id": "7", "driver_id": "5"})
    page = client.get("/console/dispatch-board").text
    assert 'class="flash"' not in page and "booked" not in page and "double booking" not in page
    card = page[page.index('data-dispatch="10"'):page.index('id="assigned"')]
    assert '<div class="problem" role="alert">用车申请 10 未能办理' in card
    driver_field = card[card.index('name="driver_id"'):card.index("派车</button>")]
    assert '<span class="field-error">这段时间已派给用车申请 11，不能重复派车</span>' in driver_field
    # shown once: beside the request, not again on top
    assert page.count('role="alert"') == 1


def test_a_dispatch_names_its_car_and_driver(console):
    client, services = console
    board_answers(services)
    services.answers["get_dispatch"] = dispatch("returned", id=13, vehicle_id=1, driver_id=5, departed_at=None)
    login(client, "dispatch")
    page = client.get("/console/dispatches/13").text
    assert "川A00001（红旗H5，5座） / 周师傅" in page and "车辆 1" not in page


def test_repairs_are_assigned_and_reassigned_from_the_technicians_only(console):
    client, services = console
    found = [repair("reported", id=9), repair("assigned", id=8, technician="technician")]
    services.answers["list_repairs"] = lambda query: {"items": [] if query.get("overdue") else found, "total": 2}
    login(client, "facility_manager")
    page = client.get("/console/repairs").text
    assert 'name="technician" placeholder' not in page  # no free text to mistype a name in
    options = re.findall(r'<select name="technician"[^>]*>(.*?)</select>', page)
    assert len(options) == 2 and all(re.findall(r'<option value="([^"]+)"', one) == ["technician"] for one in options)
    assert "/console/repairs/8/assign" in page and "改派" in page
    calls = len(services.calls)
    client.post("/console/repairs/9/assign", data={"csrf_token": csrf_of(page), "technician": "zhangsan",
                                                   "back": "/console/repairs"})
    assert [call[1] for call in services.calls[calls:]] == []  # refused before any service is asked
    refused = client.get("/console/repairs").text
    row = refused[refused.index('data-repair="9"'):refused.index('data-repair="8"')]
    assert "请从维修技工名单中选择维修人" in row and 'class="flash"' not in refused
    client.post("/console/repairs/8/assign", data={"csrf_token": csrf_of(page), "technician": "technician",
                                                   "back": "/console/repairs"})
    assert services.calls[-1][1:3] == ("assign_repair", (8, {"technician": "technician"}))


def test_a_technician_finishes_with_what_was_done_and_the_parts(console):
    client, services = console
    services.answers["list_repairs"] = {"items": [repair("in_progress", technician="technician")], "total": 1}
    login(client, "technician")
    page = client.get("/console/repairs/queue").text
    assert 'name="parts"' in page and "/console/repairs/5/complete" in page
    client.post("/console/repairs/5/complete", data={"csrf_token": csrf_of(page), "note": "换了水龙头阀芯",
                                                     "parts": "阀芯 1 个", "back": "/console/repairs/queue"})
    assert services.calls[-1][1:3] == ("complete_repair", (5, {"note": "换了水龙头阀芯；更换配件：阀芯 1 个"}))


def test_staff_file_for_a_unit_picked_from_the_institutions_and_a_clerks_unit_is_fixed(console):
    client, services = console
    services.answers["list_institutions"] = {"items": [{"unit_code": "GA", "name": "县公安局"},
                                                       {"unit_code": "CZ", "name": "县财政局"}], "total": 2}
    services.answers["list_meeting_rooms"] = {"items": [{"id": 1, "name": "第一会议室", "capacity": 30}], "total": 1}
    for method, answer in (("create_dispatch", {"id": 7}), ("submit_reception", {"id": 8}),
                           ("request_meeting", {"id": 9, "status": "scheduled"})):
        services.answers[method] = answer
    forms = {
        "/console/dispatches/new": ("create_dispatch", {"purpose": "调研", "passengers": "3", "origin": "县委",
                                                        "destination": "乡镇", "start_at": "2030-05-01T09:00",
                                                        "end_at": "2030-05-01T17:00"}),
        "/console/receptions/new": ("submit_reception", {"title": "考察", "guest_origin": "out_of_county",
                                                         "guests": "市局，张三，科长", "starts_on": "2030-05-01"}),
        "/console/meetings/new": ("request_meeting", {"title": "调度会", "meeting_room_id": "1", "attendees": "12",
                                                      "start_at": "2030-05-06T09:00", "end_at": "2030-05-06T11:00"}),
    }
    for user, paths in (("dispatch", ["/console/dispatches/new"]), ("reception_officer", list(forms))):
        staff = Client(client.application)
        login(staff, user)
        for path in paths:
            page = staff.get(path).text
            assert re.search(r'<input name="unit_code" list="unit-codes"[^>]*required', page), (user, path)
            assert '<option value="CZ">县财政局</option>' in page and '<option value="GA">县公安局</option>' in page
            method, data = forms[path]
            staff.post(path, data={"csrf_token": csrf_of(page), "unit_code": "GA", **data})
            assert services.calls[-1][1] == method and services.calls[-1][2][0]["unit_code"] == "GA", (user, path)
    login(client, "clerk")
    for path, (method, data) in forms.items():
        page = client.get(path).text
        assert 'name="unit_code"' not in page and "U1（本单位）" in page
        client.post(path, data={"csrf_token": csrf_of(page), "unit_code": "GA", **data})
        assert services.calls[-1][1] == method and "unit_code" not in services.calls[-1][2][0], path


def test_a_meeting_asks_for_a_car_with_every_field_and_a_room_clash_is_told_in_chinese(console):
    client, services = console
    services.answers["list_meeting_rooms"] = {"items": [{"id": 1, "name": "第一会议室", "capacity": 30}], "total": 1}
    services.answers["request_meeting"] = {"id": 3, "status": "scheduled"}
    login(client, "clerk")
    page = client.get("/console/meetings/new").text
    for name in ("car_passengers", "car_origin", "car_destination", "car_start_at", "car_end_at", "car_purpose"):
        assert f'name="{name}"' in page, name
    meeting = {"csrf_token": csrf_of(page), "title": "调度会", "meeting_room_id": "1", "attendees": "12",
               "start_at": "2030-05-06T09:00", "end_at": "2030-05-06T11:00"}
    client.post("/console/meetings/new", data={**meeting, "car_passengers": "4", "car_origin": "县政府",
                                               "car_destination": "市会议中心", "car_start_at": "2030-05-06T08:00",
                                               "car_end_at": "", "car_purpose": ""})
    assert services.calls[-1][2][0]["cars"] == [{"passengers": 4, "origin": "县政府", "destination": "市会议中心",
                                                 "start_at": "2030-05-06T08:00:00+08:00"}]
    client.post("/console/meetings/new", data=meeting)
    assert "cars" not in services.calls[-1][2][0]
    services.answers["request_meeting"] = Conflict("the room is already booked: clashes on 2030-05-06 (党委会)",
                                                   {"start_at": ["clashes with an existing booking on 2030-05-06"]})
    refused = client.post("/console/meetings/new", data=meeting).text
    box = re.search(r'<div class="problem".*?</div>', refused, re.S).group(0)
    assert "开始时间：与 2030-05-06 已有的会议室预订时间冲突" in box and "出发时间" not in box
    assert "clash" not in refused and "booked" not in refused
    assert 'value="调度会"' in refused  # the typed values stay


def test_the_reception_list_asks_for_the_meal_cost_once(console):
    client, services = console
    services.answers["get_reception"] = APPROVED
    login(client, "reception_officer")
    page = client.get("/console/receptions/4/list").text
    costs = re.search(r'<label>([^<]*)<br><textarea name="costs"[^>]*placeholder="([^"]*)"', page)
    assert "用餐的金额已填在上面" in costs.group(1) and "餐" not in costs.group(2)
    services.answers["complete_reception"] = Invalid("the meals' cost is listed twice", {
        "costs.0.item": ["a meal's cost is entered with the meal, not again under costs"]})
    refused = client.post("/console/receptions/4/list", data={
        "csrf_token": csrf_of(page), "guests": "市局，张三，科长", "meals": "午餐，2030-05-06，机关食堂，1，1，200",
        "costs": "餐费，200"}).text
    box = re.search(r'<div class="problem".*?</div>', refused, re.S).group(0)
    assert "其他费用第 1 行：用餐的金额已在「用餐」中填写，不能在费用中重复登记" in box


ID_NUMBER = "11010519491231002X"


def test_the_gate_registers_a_visitor_and_signs_them_out_without_showing_the_id_number_again(console):
    client, services = console
    masked = "110105********002X"
    services.answers["list_visitors"] = {"items": [{"id": 6, "name": "李四", "id_number": masked, "host_name": "王科长",
                                                    "host_unit_code": "GA", "purpose": "办事", "party_size": 1,
                                                    "checked_in_at": "2030-05-06T01:00:00+00:00",
                                                    "checked_out_at": None}], "total": 1}
    services.answers["register_visitor"] = {"id": 6, "name": "李四", "id_number": masked}
    login(client, "reception_officer")
    page = client.get("/console/visitors").text
    assert 'name="id_number"' in page and "/console/visitors/6/check-out" in page and masked in page
    visitor = {"csrf_token": csrf_of(page), "name": "李四", "id_number": ID_NUMBER, "host_name": "王科长",
               "host_unit_code": "GA", "purpose": "办事", "kind": "visitor", "party_size": "1"}
    response = client.post("/console/visitors", data=visitor)
    assert response.status_code == 303 and services.calls[-1][1] == "register_visitor"
    assert services.calls[-1][2][0]["id_number"] == ID_NUMBER and services.calls[-1][2][0]["party_size"] == 1
    after = client.get("/console/visitors").text
    assert f"已登记来访：李四（证件号 {masked}）" in after and ID_NUMBER not in after
    services.answers["register_visitor"] = Invalid("bad", {"id_number": ["check character does not match"]})
    refused = client.post("/console/visitors", data=visitor)
    assert refused.status_code == 400 and ID_NUMBER not in refused.text and 'value="王科长"' in refused.text
    client.post("/console/visitors/6/check-out", data={"csrf_token": csrf_of(page)})
    assert services.calls[-1][1:3] == ("check_out_visitor", (6,))
    assert "来访登记 6 已离开" in client.get("/console/visitors").text
    leader = Client(client.application)
    login(leader, "boss")
    read = leader.get("/console/visitors").text
    assert 'name="id_number"' not in read and "check-out" not in read
    assert leader.post("/console/visitors", data={**visitor, "csrf_token": csrf_of(read)}).status_code == 403



def test_a_form_posted_after_the_session_ended_comes_back_filled_in_after_the_login(console):
    client, services = console
    login(client, "dispatch")
    token = csrf_of(client.get("/console/dispatches/new").text)
    client.delete_cookie("console_session", path="/console")  # the session ended while the form was filled in
    typed = {"csrf_token": token, "unit_code": "GA", "purpose": "赴乡镇调研", "passengers": "3", "origin": "县政府",
             "destination": "城关镇", "start_at": "2030-05-01T09:00", "end_at": "2030-05-01T17:00"}
    sent_off = client.post("/console/dispatches/new", data=typed)
    assert sent_off.status_code == 303 and not [call for call in services.calls if call[1] == "create_dispatch"]
    login_page = client.get(sent_off.headers["Location"]).text
    assert 'id="restore-hint"' in login_page
    next_page = re.search(r'name="next" value="([^"]+)"', login_page).group(1).replace("&amp;", "&")
    assert next_page.startswith("/console/dispatches/new?restore=")
    back = client.post("/console/login", data={"username": "dispatch", "password": PASSWORD, "next": next_page,
                                               "csrf_token": csrf_of(login_page)})
    assert back.headers["Location"] == next_page
    refilled = client.get(next_page).text
    for name in ("purpose", "passengers", "origin", "destination", "start_at", "end_at", "unit_code"):
        assert f'value="{typed[name]}"' in refilled, name
    assert 'value="赴乡镇调研"' not in client.get(next_page).text  # brought back once
    # never a password or an ID number, and only to the page it was typed on
    stash = client.application.console.stash
    key = stash.keep("/console/visitors", {"name": "李四", "id_number": ID_NUMBER, "password": "x", "csrf_token": "t"})
    assert stash.take(key, "/console/users") == {} and stash.take(key, "/console/visitors") == {}
    key = stash.keep("/console/visitors", {"name": "李四", "id_number": ID_NUMBER, "password": "x", "csrf_token": "t"})
    assert stash.take(key, "/console/visitors") == {"name": "李四"}


def test_over_standard_rooms_name_their_building(console):
    client, services = console
    services.answers["list_over_standard_rooms"] = {"items": [{"building_id": 1, "number": "301", "unit_code": "U1",
                                                               "usable_area_m2": 36, "occupant_count": 1,
                                                               "allowance_m2": 24, "excess_m2": 12}], "total": 1}
    services.answers["list_buildings"] = {"items": [{"id": 1, "name": "综合楼"}], "total": 1}
    login(client, "facility_manager")
    page = client.get("/console/rooms/over-standard").text
    assert "综合楼 301" in page and "1号楼" not in page


def test_a_user_enrols_a_second_factor_in_the_console_and_then_logs_in_in_two_steps(console, accounts):
    """The enrolment page shows the QR code (an SVG) and the recovery codes once; the login then asks
    for the code in a second step that carries a signed ticket, never the password."""
    import pyotp

    client, _ = console
    accounts.create_user("twofactor", PASSWORD, ["leader"])
    login(client, "twofactor")
    page = client.get("/console/totp")
    assert page.status_code == 200 and "开始绑定" in page.text
    started = client.post("/console/totp", data={"csrf_token": csrf_of(page.text), "action": "start"})
    assert started.status_code == 200 and '<div class="qr" id="totp-qr"><svg' in started.text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', started.text).group(1)
    wrong = client.post("/console/totp", data={"csrf_token": csrf_of(started.text), "code": "12345x"})
    assert wrong.status_code == 400 and "totp-qr" in wrong.text  # the same QR code again
    done = client.post("/console/totp", data={"csrf_token": csrf_of(started.text),
                                              "code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.text)
    assert done.status_code == 200 and len(codes) == 10
    assert "totp-enrolled" in client.get("/console/totp").text and codes[0] not in client.get("/console/totp").text
    browser = Client(client.application)
    first = browser.post("/console/login", data={"username": "twofactor", "password": PASSWORD, "next": "/console/",
                                                 "csrf_token": csrf_of(browser.get("/console/login").text)})
    assert first.status_code == 401 and "动态口令" in first.text and 'name="totp_code"' in first.text
    assert PASSWORD not in first.text
    ticket = re.search(r'name="ticket" value="([^"]+)"', first.text).group(1)
    forged = browser.post("/console/login", data={"username": "clerk", "ticket": ticket, "need_code": "1",
                                                  "totp_code": "000000", "csrf_token": csrf_of(first.text)})
    assert forged.status_code == 401 and "登录已超时" in forged.text  # a ticket is for its own user only
    second = browser.post("/console/login", data={"username": "twofactor", "ticket": ticket, "need_code": "1",
                                                  "recovery_code": codes[0], "next": "/console/",
                                                  "csrf_token": csrf_of(first.text)})
    assert second.status_code == 303 and browser.get("/console/").status_code == 200


def test_the_system_administrator_cannot_grant_an_administrators_role_in_the_console(console, accounts):
    from services.kit.context import AUDIT_ADMIN, SYSTEM_ADMIN

    accounts.create_user("keeper", PASSWORD, [SYSTEM_ADMIN])
    client, _ = console
    login(client, "keeper")
    page = client.get("/console/users")
    refused = client.post("/console/users", data={"csrf_token": csrf_of(page.text), "username": "auditor2",
                                                  "password": "an-auditor-pass-2", "role": AUDIT_ADMIN})
    assert refused.status_code == 400 and "只能由安全管理员授予" in refused.text
    assert "auditor2" not in [user.username for user in accounts.list_users(100, 0)[0]]
