"""A scripted week of the reception office through the gateway, with real tokens."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from services.reception.domain import local_day
from tests.e2e.conftest import token_for
from tests.support import reception_took_place

pytestmark = pytest.mark.e2e

ID_NUMBER = "11010519491231002X"


def day(offset):
    return (local_day(datetime.now(timezone.utc)) + timedelta(days=offset)).isoformat()


def user(stack, admin, roles, unit_code=None):
    username = f"{roles[0]}-{uuid.uuid4().hex[:6]}"
    body = {"username": username, "password": "reception-pass-1", "roles": roles}
    if unit_code:
        body["unit_code"] = unit_code
    assert admin.post(stack.url("/api/v1/users"), json=body, timeout=10).status_code == 201
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token_for(stack, username, 'reception-pass-1')}"
    return session


def reception(guests, accompanying, slot_id=None, letter=True):
    body = {
        "title": "市财政局调研", "guest_origin": "out_of_county",
        "guests": [{"unit": "杭州市财政局", "name": f"客人{i}", "title": "科员"} for i in range(guests)],
        "starts_on": day(3), "ends_on": day(4),
        "meals": [{"meal": "lunch", "served_on": day(3), "price_per_person_yuan": 85,
                   "accompanying_diners": accompanying, "canteen_slot_id": slot_id}],
    }
    if letter:
        body["official_letter"] = {"number": "杭财函〔2026〕8号", "issuer": "杭州市财政局", "dated_on": day(-2)}
    return body


def took_place(stack, reception_id, days_ago):
    """Days pass: the reception is moved into the past in the reception service's own database."""
    from sqlalchemy.orm import Session

    from services.kit.config import normalise_database_url
    from services.kit.db import make_engine

    url = stack.env.get("RECEPTION_DATABASE_URL") or f"sqlite:///{stack.env['VAR_DIR']}/reception.db"
    engine = make_engine(normalise_database_url(url))
    try:
        with Session(engine) as session, session.begin():
            reception_took_place(session, reception_id, days_ago)
    finally:
        engine.dispose()


def test_a_week_of_receptions_canteen_and_visitors(stack, admin):
    unit = f"U-{uuid.uuid4().hex[:6]}"
    clerk = user(stack, admin, ["unit_user"], unit)
    officer = user(stack, admin, ["reception_officer"])
    leader = user(stack, admin, ["leader"])

    slot = officer.post(stack.url("/api/v1/canteen/slots"), json={"served_on": day(3), "meal": "lunch", "capacity": 40},
                        timeout=10)
    assert slot.status_code == 201, slot.text
    slot_id = slot.json()["id"]

    # 12 guests and 5 accompanying diners: refused, the rule named
    refused = clerk.post(stack.url("/api/v1/receptions"), json=reception(12, 5, slot_id), timeout=10)
    assert refused.status_code == 422 and refused.json()["rule"] == "reception.accompany_limit"
    assert refused.headers["Content-Type"] == "application/problem+json"
    # corrected to 4 and approved
    submitted = clerk.post(stack.url("/api/v1/receptions"), json=reception(12, 4, slot_id), timeout=10)
    assert submitted.status_code == 201, submitted.text
    reception_id = submitted.json()["id"]
    assert clerk.post(stack.url(f"/api/v1/receptions/{reception_id}/approve"), timeout=10).status_code == 403
    approved = officer.post(stack.url(f"/api/v1/receptions/{reception_id}/approve"), timeout=10)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # one without a letter is refused
    no_letter = clerk.post(stack.url("/api/v1/receptions"), json=reception(3, 2, letter=False), timeout=10)
    assert no_letter.status_code == 422 and no_letter.json()["rule"] == "reception.no_letter"
    # its canteen reservation counts
    seats = leader.get(stack.url(f"/api/v1/canteen/slots/{slot_id}"), timeout=10).json()
    assert (seats["reserved"], seats["available"]) == (16, 24)
    too_many = officer.post(stack.url("/api/v1/canteen/reservations"), json={
        "slot_id": slot_id, "head_count": 25, "reception_id": reception_id}, timeout=10)
    assert too_many.status_code == 422 and too_many.json()["rule"] == "canteen.capacity"
    stats = leader.get(stack.url("/api/v1/receptions/stats"), params={"from": day(0), "to": day(6)}, timeout=10)
    assert stats.status_code == 200, stats.text
    assert stats.json()["canteen"]["persons"] >= 16 and stats.json()["canteen"]["receptions_in_canteen"] >= 1
    mine = clerk.get(stack.url("/api/v1/receptions/stats"), params={"from": day(0), "to": day(6)}, timeout=10).json()
    assert mine["receptions"] == {"batches": 1, "guests": 12, "completed": 0, "refused": 0, "cost_yuan": 0.0}
    assert mine["canteen"]["reception_share"] == 1.0

    # after the event: the reception list, compared and locked (not before it)
    the_list = {"guests": reception(12, 4)["guests"][:11], "support_staff": [{"name": "司机", "role": "驾驶员"}],
                "meals": [{"meal": "lunch", "served_on": day(-4), "place": "机关食堂", "guests": 11,
                           "accompanying_diners": 4, "cost_yuan": 1200}]}
    early = officer.post(stack.url(f"/api/v1/receptions/{reception_id}/complete"),
                         json={**the_list, "meals": []}, timeout=10)
    assert early.status_code == 422 and early.json()["rule"] == "reception.list_before_event"
    took_place(stack, reception_id, 4)
    listed = officer.post(stack.url(f"/api/v1/receptions/{reception_id}/complete"), json=the_list, timeout=10)
    assert listed.status_code == 200, listed.text
    assert [d["kind"] for d in listed.json()["differences"]] == ["absent"]
    assert clerk.get(stack.url(f"/api/v1/receptions/{reception_id}/list"), timeout=10).json() == listed.json()
    assert officer.post(stack.url(f"/api/v1/receptions/{reception_id}/complete"),
                        json={"guests": reception(1, 0)["guests"]}, timeout=10).status_code == 409

    # a visitor, registered and checked out, the ID number masked in every answer
    visitor = officer.post(stack.url("/api/v1/visitors"), json={
        "name": "王五", "id_number": ID_NUMBER, "host_name": "赵六", "host_unit_code": unit, "purpose": "办事",
        "party_size": 2}, timeout=10)
    assert visitor.status_code == 201 and visitor.json()["id_number"] == "1101**********002X"
    answers = [visitor,
               officer.post(stack.url(f"/api/v1/visitors/{visitor.json()['id']}/check-out"), timeout=10),
               leader.get(stack.url(f"/api/v1/visitors/{visitor.json()['id']}"), timeout=10),
               clerk.get(stack.url("/api/v1/visitors"), timeout=10),
               leader.get(stack.url("/api/v1/visitors/open-past-closing"), timeout=10)]
    assert all(answer.status_code in (200, 201) and ID_NUMBER not in answer.text for answer in answers)
    assert answers[1].json()["checked_out_at"]


def test_bad_input_on_reception_routes_is_400_never_500(stack, admin):
    cases = [
        ("post", "/api/v1/receptions", {"unit_code": "U1", "title": "x", "guest_origin": "mars", "guests": "many",
                                         "starts_on": "soon", "ends_on": day(1)}),
        ("post", "/api/v1/canteen/slots", {"served_on": day(1), "meal": "supper", "capacity": 0}),
        ("post", "/api/v1/canteen/reservations", {"slot_id": 1, "head_count": 2}),
        ("post", "/api/v1/meetings", {"title": "x", "unit_code": "U1", "meeting_room_id": 1, "attendees": 0,
                                       "start_at": "2026-01-01T10:00:00", "end_at": "later"}),
        ("post", "/api/v1/visitors", {"name": "x", "id_number": "110105194912310021", "host_name": "y",
                                       "host_unit_code": "U1", "purpose": "z"}),
        ("get", "/api/v1/receptions/stats", None),
    ]
    for method, path, body in cases:
        response = admin.request(method, stack.url(path), json=body, timeout=10)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["errors"], path
        assert "110105194912310021" not in response.text
