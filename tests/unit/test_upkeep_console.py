"""The patrol and upkeep pages of the console with a stand-in for the services: the guard's menu,
a QR label's scan page and the scan it records, the printable labels, a work order's checklist."""
import re

import pytest
from sqlalchemy.orm import sessionmaker
from werkzeug.test import Client

from gateway.app import Gateway
from gateway.auth import Accounts, Tokens
from services.kit.db import make_engine
from services.kit.migrate import upgrade
from tests.unit.test_console_pages import PASSWORD, ServicesStandIn, csrf_of, login

ROUTE = {"id": 3, "name": "行政中心夜巡", "site": "行政中心", "kind": "security", "active": True,
         "checkpoints": [{"id": 7, "route_id": 3, "position": 1, "name": "一号门岗", "location": "东门", "token": "tok-7"},
                         {"id": 8, "route_id": 3, "position": 2, "name": "消防通道", "location": None, "token": "tok-8"}]}
PATROL = {"id": 11, "route_id": 3, "route": "行政中心夜巡", "kind": "security", "status": "in_progress", "guard": "guard",
          "slot_at": "2030-05-01T12:00:00+00:00", "window_end_at": "2030-05-01T14:00:00+00:00", "checkpoints": 2,
          "scans": [{"checkpoint_id": 7, "checkpoint": "一号门岗", "scanned_at": "2030-05-01T12:05:00+00:00",
                     "guard": "guard"}], "missed": [], "missed_names": [], "flagged": False}


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('console-upkeep')}/gateway.db"
    upgrade("gateway", url)
    accounts = Accounts(sessionmaker(make_engine(url), expire_on_commit=False))
    for role in ("guard", "facility_manager", "technician", "leader"):
        accounts.create_user(role, PASSWORD, [role])
    return accounts


@pytest.fixture
def console(accounts):
    services = ServicesStandIn()
    services.answers.update({
        "get_patrol_route": ROUTE, "get_patrol": PATROL,
        "get_checkpoint": lambda token: {"checkpoint": ROUTE["checkpoints"][0], "route": ROUTE},
        "record_scan": lambda token: {"patrol": {**PATROL, "scans": PATROL["scans"] * 2}, "checkpoint": {},
                                      "repeated": False}})
    return Client(Gateway(services, accounts, Tokens("k" * 64, 3600))), services


def test_the_guard_has_the_patrol_menu_and_every_page_of_the_menus_opens(console):
    client, _ = console
    for user in ("guard", "facility_manager", "technician", "leader"):
        browser = Client(client.application)
        login(browser, user)
        links = re.findall(r'<li><a href="(/console/[^"]*)">', browser.get("/console/").text)
        if user == "guard":
            assert {"/console/patrol", "/console/patrols", "/console/trainings"} <= set(links)
            assert "/console/work-orders" not in links
        mine = [link for link in links if link.split("/")[2] in ("patrol", "patrols", "patrol-findings", "trainings",
                                                                  "equipment", "work-orders")]
        assert mine, user
        for link in mine:
            assert browser.get(link).status_code == 200, (user, link)


def test_a_label_opens_the_scan_page_and_one_tap_records_the_scan(console):
    client, services = console
    login(client, "guard")
    page = client.get("/console/patrol/scan/tok-7")
    assert page.status_code == 200 and "一号门岗" in page.text and 'id="record-scan"' in page.text
    done = client.post("/console/patrol/scan/tok-7", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["Location"].endswith("/console/patrols/11")
    assert ("facilities", "record_scan", ("tok-7",)) in [call[:3] for call in services.calls]
    detail = client.get("/console/patrols/11").text
    assert 'data-left="8"' in detail and 'data-left="7"' not in detail and 'id="finish-patrol"' in detail


def test_a_route_prints_a_qr_label_per_checkpoint_carrying_its_scan_url(console):
    client, _ = console
    login(client, "facility_manager")
    page = client.get("/console/patrol-routes/3/labels").text
    assert page.count("<svg") == 2 and "http://localhost/console/patrol/scan/tok-8" in page


def test_a_work_orders_checklist_is_sent_as_ticked_and_measured(console):
    client, services = console
    order = {"id": 4, "title": "发电机：月度试运行", "kind": "preventive", "due_on": "2030-05-03", "status": "assigned",
             "technician": "technician", "findings": [],
             "items": [{"name": "启动正常", "type": "tick"}, {"name": "电压", "type": "measure", "unit": "V", "min": 380}]}
    services.answers["list_work_orders"] = lambda query: {"items": [] if query.get("overdue") else [order], "total": 1}
    services.answers["get_work_order"] = order
    login(client, "technician")
    page = client.get("/console/work-orders").text
    assert 'name="check-0"' in page and 'name="value-1"' in page
    client.post("/console/work-orders/4/complete", data={"csrf_token": csrf_of(page), "check-0": "1", "value-1": "395",
                                                          "finding": "机油渗漏"})
    [call] = [call for call in services.calls if call[1] == "complete_work_order"]
    assert call[2] == (4, {"items": [{"name": "启动正常", "checked": True}, {"name": "电压", "value": 395.0}],
                           "findings": [{"description": "机油渗漏"}]})
