"""Notifications through the gateway: a unit's car request heard by the dispatcher, its approval
by the unit's clerk (and nobody else), each person's own inbox marked read, a system's key refused
an inbox, and the console's inbox in Chinese with the unread count in its header."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.e2e.test_vehicles_day import session_for
from tests.support import eventually

pytestmark = pytest.mark.e2e


def inbox(stack, session, **params):
    answer = session.get(stack.url("/api/v1/notifications"), params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def test_a_car_request_and_its_approval_reach_the_right_inboxes_over_http(stack, admin):
    url = stack.url
    unit = f"U-{uuid.uuid4().hex[:6]}"
    dispatcher = session_for(stack, admin, ["dispatcher"])
    clerk = session_for(stack, admin, ["unit_user"], unit)
    other_clerk = session_for(stack, admin, ["unit_user"], f"U-{uuid.uuid4().hex[:6]}")
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    requested = clerk.post(url("/api/v1/dispatches"), json={
        "purpose": "下乡调研", "passengers": 2, "origin": "县政府", "destination": "城关镇",
        "start_at": start.isoformat(), "end_at": (start + timedelta(hours=3)).isoformat()}, timeout=10)
    assert requested.status_code == 201, requested.text
    number = requested.json()["id"]
    heard = eventually(lambda: [n for n in inbox(stack, dispatcher) if f"第 {number} 号" in n["body"]])
    assert heard[0]["kind"] == "dispatch_requested" and heard[0]["title"] == "新的用车申请"
    assert dispatcher.post(url(f"/api/v1/dispatches/{number}/approve"), timeout=10).ok
    [approved] = eventually(lambda: inbox(stack, clerk))
    assert (approved["kind"], approved["title"], approved["read"]) == ("dispatch_approved", "用车申请已批准", False)
    assert approved["created_at"].endswith("+08:00") and approved["link"] == f"/console/dispatches/{number}"
    assert inbox(stack, other_clerk) == []
    assert clerk.get(url("/api/v1/notifications/unread-count"), timeout=10).json() == {"unread": 1}
    # another's notification is not found; one's own is marked read
    assert other_clerk.post(url(f"/api/v1/notifications/{approved['id']}/read"), timeout=10).status_code == 404
    assert clerk.post(url(f"/api/v1/notifications/{approved['id']}/read"), timeout=10).json() == {"marked": 1}
    assert clerk.get(url("/api/v1/notifications/unread-count"), timeout=10).json() == {"unread": 0}
    # preferences: a bad address is refused naming the field, in Chinese when asked
    bad = clerk.patch(url("/api/v1/notifications/preferences"), json={"email": "not-an-address"}, timeout=10)
    assert bad.status_code == 400 and "email" in bad.json()["errors"]
    saved = clerk.patch(url("/api/v1/notifications/preferences"), json={"email": "clerk@unit.example"}, timeout=10)
    assert saved.json() == {"email": "clerk@unit.example", "muted_kinds": []}


def test_a_systems_key_has_no_inbox(stack, admin):
    created = admin.post(stack.url("/api/v1/api-keys"), json={"name": f"sms-{uuid.uuid4().hex[:6]}",
                                                               "roles": ["dispatcher"]}, timeout=10)
    assert created.status_code == 201, created.text
    key = requests.Session()
    key.headers["X-API-Key"] = created.json()["key"]
    assert key.get(stack.url("/api/v1/notifications"), timeout=10).status_code == 403


def test_the_console_shows_the_inbox_and_the_unread_count_in_chinese(stack, admin):
    import re

    username = f"clerk-{uuid.uuid4().hex[:6]}"
    unit = f"U-{uuid.uuid4().hex[:6]}"
    assert admin.post(stack.url("/api/v1/users"), json={"username": username, "password": "a-long-password-1",
                                                        "roles": ["unit_user"], "unit_code": unit}, timeout=10).ok
    dispatcher = session_for(stack, admin, ["dispatcher"])
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    number = dispatcher.post(stack.url("/api/v1/dispatches"), json={
        "unit_code": unit, "purpose": "调研", "passengers": 1, "origin": "县政府", "destination": "城关镇",
        "start_at": start.isoformat(), "end_at": (start + timedelta(hours=2)).isoformat()}, timeout=10).json()["id"]
    assert dispatcher.post(stack.url(f"/api/v1/dispatches/{number}/reject"), json={"reason": "车辆已满"}, timeout=10).ok
    browser = requests.Session()
    form = browser.get(stack.url("/console/login"), timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert browser.post(stack.url("/console/login"), data={"username": username, "password": "a-long-password-1",
                                                           "csrf_token": token, "next": "/console/"},
                        timeout=10, allow_redirects=False).status_code == 303
    page = eventually(lambda: (lambda text: "用车申请未获批准" in text and text)(
        browser.get(stack.url("/console/notifications"), timeout=10).text))
    assert "我的消息" in page and "车辆已满" in page and '<span class="badge" title="未读消息">1</span>' in page
