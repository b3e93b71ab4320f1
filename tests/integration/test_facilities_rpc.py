"""Facilities over real RPC and a real database: the standard, allocations,
inspections, repairs, meeting rooms, and the events each writes to the outbox."""
import uuid
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from sqlalchemy import select

from services.facilities.models import OutboxEvent
from services.facilities.service import FacilitiesService
from services.kit.context import Caller
from services.kit.errors import Conflict, Forbidden, Invalid, NotFound, RuleViolation
from tests.support import call_as, database_of

pytestmark = pytest.mark.integration

MANAGER = Caller("fm", ("facility_manager",))


def unit():
    return f"U-{uuid.uuid4().hex[:8]}"


def fac(rpc, method, *args, caller=MANAGER):
    return call_as(rpc, caller, "facilities", method, *args)


def events(container, event_type):
    with database_of(container).sessionmaker() as session:
        rows = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == event_type).order_by(OutboxEvent.id))
        return [row.payload for row in rows]


@pytest.fixture
def facilities(start_service):
    return start_service(FacilitiesService)


def a_building(rpc):
    return fac(rpc, "create_building", {"name": f"楼-{uuid.uuid4().hex[:6]}", "floors": 5})


def a_room(rpc, building, number, area, unit_code=None, type="office", floor=1):
    return fac(rpc, "create_room", {"building_id": building["id"], "number": number, "floor": floor,
                                    "usable_area_m2": area, "type": type, "unit_code": unit_code})


# the office-area standard -----------------------------------------------------------
def test_occupants_decide_the_standard_at_once(facilities, rpc):
    owner = unit()
    building = a_building(rpc)
    room = a_room(rpc, building, "301", "30", owner)
    chief = fac(rpc, "add_occupant", room["id"], {"name": "王科长", "rank": "section_chief"})
    assert chief["allowance_m2"] == 18.0
    over = fac(rpc, "list_over_standard_rooms", {"unit_code": owner})
    assert [(r["id"], r["allowance_m2"], r["excess_m2"]) for r in over["items"]] == [(room["id"], 18.0, 12.0)]
    units = fac(rpc, "list_over_standard_units", {"unit_code": owner})
    assert units["items"] == [{"unit_code": owner, "rooms": 1, "usable_area_m2": 30.0, "allowance_m2": 18.0,
                               "excess_m2": 12.0}]
    deputy = fac(rpc, "add_occupant", room["id"], {"name": "李副科长", "rank": "section_deputy"})
    assert fac(rpc, "get_room", room["id"])["excess_m2"] == 0.0
    assert fac(rpc, "list_over_standard_rooms", {"unit_code": owner})["total"] == 0
    # the room becomes over-standard again when someone leaves: the event goes out each time it becomes so
    fac(rpc, "remove_occupant", room["id"], deputy["id"])
    emitted = [e for e in events(facilities, "room_over_standard") if e["room_id"] == room["id"]]
    assert [(e["allowance_m2"], e["excess_m2"]) for e in emitted] == [(0.0, 30.0), (18.0, 12.0)]
    assert fac(rpc, "list_occupants", room["id"])["items"][0]["name"] == "王科长"


def test_an_area_change_re_judges_the_room(facilities, rpc):
    owner = unit()
    room = a_room(rpc, a_building(rpc), "101", "9", owner)
    fac(rpc, "add_occupant", room["id"], {"name": "张三", "rank": "staff"})
    assert not fac(rpc, "get_room", room["id"])["over_standard"]
    changed = fac(rpc, "update_room", room["id"], {"usable_area_m2": "15"})
    assert changed["over_standard"] and changed["excess_m2"] == 6.0


def test_occupants_need_a_room_held_by_a_unit(facilities, rpc):
    room = a_room(rpc, a_building(rpc), "102", "20", None, type="vacant")
    with pytest.raises(RuleViolation) as refused:
        fac(rpc, "add_occupant", room["id"], {"name": "x", "rank": "staff"})
    assert refused.value.rule == "facilities.room_not_allocated"
    with pytest.raises(Invalid) as invalid:
        fac(rpc, "add_occupant", room["id"], {"name": "x", "rank": "boss"})
    assert "rank" in invalid.value.errors


# allocation and vacancies ---------------------------------------------------------------
def test_allocation_history_and_vacancy_search(facilities, rpc):
    first, second = unit(), unit()
    building = a_building(rpc)
    small = a_room(rpc, building, "201", "17", None, type="vacant", floor=2)
    large = a_room(rpc, building, "202", "40", None, type="vacant", floor=2)
    other_floor = a_room(rpc, building, "301", "16", None, type="vacant", floor=3)
    # one section chief: 18 m²; the 40 m² room would be over-standard
    found = fac(rpc, "search_vacancies", {"building_id": building["id"], "floor": 2, "section_chief": 1})
    assert [(r["id"], r["need_m2"], r["headroom_m2"]) for r in found["items"]] == [(small["id"], 18.0, 1.0)]
    everything = fac(rpc, "search_vacancies", {"building_id": building["id"]})
    assert {r["id"] for r in everything["items"]} == {small["id"], large["id"], other_floor["id"]}

    given = fac(rpc, "allocate_room", {"room_id": small["id"], "unit_code": first, "reason": "新设科室"})
    assert (given["kind"], given["from_unit_code"], given["to_unit_code"]) == ("allocation", None, first)
    assert fac(rpc, "get_room", small["id"])["type"] == "office"
    moved = fac(rpc, "allocate_room", {"room_id": small["id"], "unit_code": second})
    assert (moved["kind"], moved["from_unit_code"]) == ("reallocation", first)
    with pytest.raises(Conflict):
        fac(rpc, "allocate_room", {"room_id": small["id"], "unit_code": second})
    fac(rpc, "add_occupant", small["id"], {"name": "赵", "rank": "section_chief"})
    with pytest.raises(RuleViolation) as occupied:
        fac(rpc, "allocate_room", {"room_id": small["id"], "unit_code": None})
    assert occupied.value.rule == "facilities.room_has_occupants"
    history = fac(rpc, "list_allocations", {"room_id": small["id"]})
    assert [a["kind"] for a in history["items"]] == ["allocation", "reallocation"]
    assert fac(rpc, "list_allocations", {"unit_code": first})["total"] == 2
    # energy hears of both units' new areas
    areas = [(e["unit_code"], e["unit_usable_area_m2"]) for e in events(facilities, "building_area_changed")]
    assert areas[-2:] in ([(first, 0.0), (second, 17.0)], [(second, 17.0), (first, 0.0)])
    assert fac(rpc, "search_vacancies", {"building_id": building["id"], "floor": 2})["total"] == 1
    # a unit changed by editing the room goes into the history as well
    fac(rpc, "update_room", large["id"], {"unit_code": first, "type": "office"})
    assert [(a["kind"], a["to_unit_code"]) for a in fac(rpc, "list_allocations", {"room_id": large["id"]})["items"]] == [
        ("allocation", first)]
    with pytest.raises(RuleViolation):  # its occupants would be left in another unit's room
        fac(rpc, "update_room", small["id"], {"unit_code": first})


# inspections and rectifications -------------------------------------------------------
def test_an_inspection_replaces_the_area_and_its_findings_are_rectified(facilities, rpc):
    owner = unit()
    room = a_room(rpc, a_building(rpc), "401", "24", owner)
    fac(rpc, "add_occupant", room["id"], {"name": "钱", "rank": "county_deputy"})
    inspection = fac(rpc, "create_inspection", {
        "room_id": room["id"], "inspected_on": "2025-03-03", "measured_area_m2": "31.5",
        "findings": [{"finding": "超标 7.5 m²，需调整", "deadline_on": "2025-03-31"}]})
    assert (inspection["recorded_area_m2"], inspection["measured_area_m2"]) == (24.0, 31.5)
    assert fac(rpc, "get_room", room["id"])["usable_area_m2"] == 31.5
    assert events(facilities, "room_over_standard")[-1]["excess_m2"] == 7.5
    assert events(facilities, "building_area_changed")[-1]["unit_usable_area_m2"] == 31.5
    rectification = inspection["rectifications"][0]
    assert rectification["status"] == "open" and rectification["overdue"]  # 2025-03-31 has passed
    overdue = fac(rpc, "list_rectifications", {"overdue": True, "unit_code": owner})
    assert [r["id"] for r in overdue["items"]] == [rectification["id"]]
    # the watch emits the overdue event once
    assert fac(rpc, "flag_overdue_rectifications") >= 1
    fac(rpc, "flag_overdue_rectifications")
    assert [e["rectification_id"] for e in events(facilities, "rectification_overdue")].count(rectification["id"]) == 1

    with pytest.raises(Conflict):
        fac(rpc, "verify_rectification", rectification["id"], {})  # not done yet
    clerk = Caller("clerk", ("unit_user",), owner)
    done = fac(rpc, "complete_rectification", rectification["id"], {"note": "已调整隔断"}, caller=clerk)
    assert done["status"] == "done" and not done["overdue"]
    with pytest.raises(NotFound):
        fac(rpc, "complete_rectification", rectification["id"], {}, caller=Caller("c2", ("unit_user",), unit()))
    rejected = fac(rpc, "verify_rectification", rectification["id"], {"accepted": False, "note": "未整改到位"})
    assert rejected["status"] == "open"
    fac(rpc, "complete_rectification", rectification["id"], {}, caller=clerk)
    verified = fac(rpc, "verify_rectification", rectification["id"], {})
    assert verified["status"] == "verified" and verified["verified_by"] == "fm"
    assert fac(rpc, "list_inspections", {"room_id": room["id"]})["items"][0]["rectifications"][0]["status"] == "verified"
    with pytest.raises(RuleViolation):
        fac(rpc, "create_inspection", {"room_id": room["id"], "inspected_on": "2025-03-03",
                                       "findings": [{"finding": "x", "deadline_on": "2025-03-01"}]})


def test_inspection_figures_count_the_periods_inspections_and_the_findings_they_raised(facilities, rpc):
    owner = unit()
    room = a_room(rpc, a_building(rpc), "402", "20", owner)
    inspected = fac(rpc, "create_inspection", {"room_id": room["id"], "inspected_on": "2021-06-02", "findings": [
        {"finding": "隔断未拆除", "deadline_on": "2021-06-30"}, {"finding": "多占一间", "deadline_on": "2021-07-31"}]})
    fac(rpc, "create_inspection", {"room_id": room["id"], "inspected_on": "2021-06-30", "findings": []})
    fac(rpc, "create_inspection", {"room_id": room["id"], "inspected_on": "2021-07-01",  # the next period
                                   "findings": [{"finding": "x", "deadline_on": "2021-07-31"}]})
    fac(rpc, "complete_rectification", inspected["rectifications"][0]["id"], {})
    june = fac(rpc, "inspection_stats", {"from": "2021-06-01", "to": "2021-06-30"})
    assert {key: june[key] for key in ("inspections", "rectifications", "rectifications_done", "rectification_rate",
                                       "rectifications_overdue")} == {
        "inspections": 2, "rectifications": 2, "rectifications_done": 1, "rectification_rate": 0.5,
        "rectifications_overdue": 1}
    with pytest.raises(Forbidden):
        fac(rpc, "inspection_stats", {"from": "2021-06-01", "to": "2021-06-30"}, caller=Caller("t", ("technician",)))
    with pytest.raises(Invalid) as refused:
        fac(rpc, "inspection_stats", {"from": "2021-06-30", "to": "2021-06-01"})
    assert "to" in refused.value.errors


# repairs -------------------------------------------------------------------------------
def test_the_repair_workflow_by_role(facilities, rpc):
    owner = unit()
    building = a_building(rpc)
    clerk = Caller("clerk-a", ("unit_user",), owner)
    tech = Caller("tech-1", ("technician",))
    other_tech = Caller("tech-2", ("technician",))
    repair = fac(rpc, "report_repair", {"location": "3楼卫生间", "category": "water", "severity": "minor",
                                        "building_id": building["id"]}, caller=clerk)
    assert (repair["unit_code"], repair["reporter"], repair["status"]) == (owner, "clerk-a", "reported")
    with pytest.raises(Forbidden):  # a unit user cannot back-date a report
        fac(rpc, "report_repair", {"location": "x", "category": "water", "severity": "minor",
                                   "reported_at": "2025-01-01T09:00:00+08:00"}, caller=clerk)
    with pytest.raises(Conflict):  # not assigned yet
        fac(rpc, "start_repair", repair["id"])
    with pytest.raises(NotFound):  # not assigned to this technician yet
        fac(rpc, "get_repair", repair["id"], caller=tech)
    fac(rpc, "assign_repair", repair["id"], {"technician": "tech-1"})
    assert fac(rpc, "list_repairs", {}, caller=tech)["total"] == 1
    assert fac(rpc, "list_repairs", {}, caller=other_tech)["total"] == 0
    with pytest.raises(NotFound):
        fac(rpc, "start_repair", repair["id"], caller=other_tech)
    fac(rpc, "start_repair", repair["id"], caller=tech)
    done = fac(rpc, "complete_repair", repair["id"], {"note": "换阀门"}, caller=tech)
    assert done["status"] == "done" and done["on_time"] is True
    completed = events(facilities, "repair_completed")
    assert completed[-1]["repair_id"] == repair["id"] and completed[-1]["on_time"] is True
    reopened = fac(rpc, "reopen_repair", repair["id"], {"complaint": "还在漏水"}, caller=clerk)
    assert (reopened["status"], reopened["complaints"], reopened["completed_at"]) == ("reopened", 1, None)
    fac(rpc, "assign_repair", repair["id"], {"technician": "tech-1"})
    fac(rpc, "start_repair", repair["id"], caller=tech)
    fac(rpc, "complete_repair", repair["id"], {}, caller=tech)
    with pytest.raises(Forbidden):  # only staff date a completion
        fac(rpc, "complete_repair", repair["id"], {"completed_at": "2025-01-01T09:00:00+08:00"}, caller=tech)
    with pytest.raises(Forbidden):
        fac(rpc, "confirm_repair", repair["id"], {"rating": 5}, caller=tech)
    with pytest.raises(NotFound):
        fac(rpc, "confirm_repair", repair["id"], {"rating": 5}, caller=Caller("x", ("unit_user",), unit()))
    confirmed = fac(rpc, "confirm_repair", repair["id"], {"rating": 4}, caller=clerk)
    assert (confirmed["status"], confirmed["rating"]) == ("confirmed", 4)
    with pytest.raises(Conflict):
        fac(rpc, "reopen_repair", repair["id"], {"complaint": "again"}, caller=clerk)


def test_repair_figures_and_overdue_orders(facilities, rpc):
    building = a_building(rpc)
    # staff enter two paper reports of a past day: a minor one done the same day, a major one two days late
    minor = fac(rpc, "report_repair", {"location": "配电室", "category": "electricity", "severity": "minor",
                                       "building_id": building["id"], "reported_at": "2025-04-07T09:00:00+08:00"})
    major = fac(rpc, "report_repair", {"location": "机房", "category": "hvac", "severity": "major",
                                       "building_id": building["id"], "reported_at": "2025-04-07T10:00:00+08:00"})
    assert minor["due_at"] == "2025-04-07T23:59:59+08:00" and major["due_at"] == "2025-04-08T23:59:59+08:00"
    stuck = fac(rpc, "report_repair", {"location": "门卫", "category": "civil", "severity": "minor",
                                       "reported_at": "2025-04-08T10:00:00+08:00"})
    overdue = fac(rpc, "list_repairs", {"overdue": True})
    assert {r["id"] for r in overdue["items"]} == {minor["id"], major["id"], stuck["id"]}
    for repair, completed_at in ((minor, "2025-04-07T15:00:00+08:00"), (major, "2025-04-10T12:00:00+08:00")):
        fac(rpc, "assign_repair", repair["id"], {"technician": "tech-1"})
        fac(rpc, "start_repair", repair["id"], {"started_at": "2025-04-07T11:00:00+08:00"})
        fac(rpc, "complete_repair", repair["id"], {"completed_at": completed_at})
    assert {r["id"] for r in fac(rpc, "list_repairs", {"overdue": True})["items"]} == {stuck["id"]}
    with pytest.raises(RuleViolation):
        fac(rpc, "complete_repair", stuck["id"], {"completed_at": "2099-01-01T00:00:00+08:00"})
    stats = fac(rpc, "repair_stats", {"from": "2025-04-07", "to": "2025-04-07"})
    # 2 reported on the 7th, both done, 1 on time; 6 h and 74 h
    assert stats["total"] == {"count": 2, "completed": 2, "completion_rate": 1.0, "on_time": 1, "on_time_rate": 0.5,
                              "mean_hours_to_repair": 40.0, "complaints": 0, "mean_rating": None}
    assert {row["category"]: row["on_time"] for row in stats["by_category"]} == {"electricity": 1, "hvac": 0}
    assert stats["by_building"][0]["building_id"] == building["id"]
    wider = fac(rpc, "repair_stats", {"from": "2025-04-01", "to": "2025-04-30"})
    assert (wider["total"]["count"], wider["total"]["completion_rate"]) == (3, round(2 / 3, 4))
    with pytest.raises(Invalid) as backwards:
        fac(rpc, "repair_stats", {"from": "2025-04-30", "to": "2025-04-01"})
    assert "to" in backwards.value.errors
    with pytest.raises(Forbidden):
        fac(rpc, "repair_stats", {"from": "2025-04-01", "to": "2025-04-30"}, caller=Caller("t", ("technician",)))


# meeting rooms ---------------------------------------------------------------------------
SHANGHAI = timezone(timedelta(hours=8))


def at(day, hour):
    return datetime(2031, 6, day, hour, tzinfo=SHANGHAI).isoformat()


def a_meeting_room(rpc, capacity=20):
    return fac(rpc, "create_meeting_room", {"name": f"会议室-{uuid.uuid4().hex[:6]}", "capacity": capacity,
                                            "equipment": ["projector", "video"]})


def test_bookings_never_overlap_and_cancelling_releases(facilities, rpc):
    room = a_meeting_room(rpc)
    officer = Caller("rec", ("reception_officer",))
    booking = fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "党委会", "unit_code": "U1",
                                             "start_at": at(2, 9), "end_at": at(2, 11), "attendees": 12,
                                             "reference": "meeting-7"}, caller=officer)
    assert booking["id"] and booking["status"] == "booked" and booking["reference"] == "meeting-7"
    assert events(facilities, "meeting_room_booked")[-1]["reference"] == "meeting-7"
    with pytest.raises(Conflict) as clash:
        fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "例会", "unit_code": "U2",
                                       "start_at": at(2, 10), "end_at": at(2, 12)})
    assert "2031-06-02 (党委会)" in clash.value.detail
    back_to_back = fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "例会", "unit_code": "U2",
                                                  "start_at": at(2, 11), "end_at": at(2, 12)})
    assert back_to_back["id"]
    with pytest.raises(RuleViolation) as crowded:
        fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "大会", "unit_code": "U2",
                                       "start_at": at(3, 9), "end_at": at(3, 10), "attendees": 21})
    assert crowded.value.rule == "facilities.capacity_exceeded"
    with pytest.raises(Invalid) as backwards:
        fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "x", "unit_code": "U2",
                                       "start_at": at(3, 10), "end_at": at(3, 9)})
    assert "end_at" in backwards.value.errors
    cancelled = fac(rpc, "cancel_booking", booking["id"], caller=officer)
    again = fac(rpc, "cancel_booking", booking["id"], caller=officer)  # a retried compensation
    assert cancelled["status"] == again["status"] == "cancelled"
    assert fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "例会", "unit_code": "U2",
                                          "start_at": at(2, 10), "end_at": at(2, 11)})["id"]
    with pytest.raises(NotFound):
        fac(rpc, "cancel_booking", 999999)


def test_a_recurring_booking_is_all_or_nothing_with_the_clashes_named(facilities, rpc):
    room = a_meeting_room(rpc)
    fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "专题会", "unit_code": "U1",
                                   "start_at": at(16, 9), "end_at": at(16, 10)})
    weekly = {"meeting_room_id": room["id"], "title": "周例会", "unit_code": "U2", "start_at": at(2, 9),
              "end_at": at(2, 10), "recurrence": {"frequency": "weekly", "count": 4}}
    with pytest.raises(Conflict) as refused:
        fac(rpc, "book_meeting_room_series", weekly)
    assert "2031-06-16 (专题会)" in refused.value.detail and "06-09" not in refused.value.detail
    assert fac(rpc, "list_bookings", {"meeting_room_id": room["id"]})["total"] == 1  # nothing half-booked
    series = fac(rpc, "book_meeting_room_series", {**weekly, "recurrence": {"frequency": "weekly", "until": "2031-06-15"}})
    assert series["total"] == 2 and len({b["series_id"] for b in series["items"]}) == 1
    assert fac(rpc, "list_bookings", {"series_id": series["series_id"]})["total"] == 2
    with pytest.raises(Invalid) as both:
        fac(rpc, "book_meeting_room_series", {**weekly, "recurrence": {"frequency": "weekly", "count": 2,
                                                                       "until": "2031-07-01"}})
    assert "recurrence.count" in both.value.errors


def test_concurrent_bookings_of_one_slot_let_exactly_one_through(facilities, rpc):
    room = a_meeting_room(rpc)

    def book(n):
        try:
            return fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": f"会{n}", "unit_code": "U1",
                                                  "start_at": at(20, 9), "end_at": at(20, 10)})
        except Conflict:
            return None

    pool = eventlet.GreenPool(8)
    results = list(pool.imap(book, range(8)))
    assert len([r for r in results if r]) == 1
    assert fac(rpc, "list_bookings", {"meeting_room_id": room["id"], "status": "booked"})["total"] == 1


def test_a_unit_user_books_for_its_own_unit_only(facilities, rpc):
    room = a_meeting_room(rpc)
    own = unit()
    clerk = Caller("clerk", ("unit_user",), own)
    booked = fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "科务会",
                                            "start_at": at(5, 9), "end_at": at(5, 10)}, caller=clerk)
    assert booked["unit_code"] == own
    with pytest.raises(Forbidden):
        fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "x", "unit_code": "OTHER",
                                       "start_at": at(6, 9), "end_at": at(6, 10)}, caller=clerk)
    with pytest.raises(RuleViolation):
        fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "x",
                                       "start_at": at(6, 9), "end_at": at(6, 10)})
    assert [b["id"] for b in fac(rpc, "list_bookings", {}, caller=clerk)["items"]] == [booked["id"]]


def test_a_taken_room_number_or_name_is_a_conflict_naming_the_field_and_no_error_log(facilities, rpc, caplog):
    import logging

    caplog.set_level(logging.INFO)
    building = a_building(rpc)
    a_room(rpc, building, "101", "20")
    with pytest.raises(Conflict) as taken:
        a_room(rpc, building, "101", "25")
    assert taken.value.errors == {"number": ["already exists"]}
    assert a_room(rpc, a_building(rpc), "101", "20")["number"] == "101"  # the same number in another building
    with pytest.raises(Conflict) as taken:
        fac(rpc, "create_building", {"name": building["name"], "floors": 3})
    assert taken.value.errors == {"name": ["already exists"]}
    room = {"name": f"会议室-{uuid.uuid4().hex[:6]}", "capacity": 20}
    fac(rpc, "create_meeting_room", room)
    with pytest.raises(Conflict) as taken:
        fac(rpc, "create_meeting_room", room)
    assert taken.value.errors == {"name": ["already exists"]}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if r.exc_info and "IntegrityError" in r.getMessage() + str(r.exc_info)]
    assert "duplicate room refused: number" in caplog.text


# dates that say something happened, and the limits of what is recorded -------------------------
def test_a_paper_repair_is_not_completed_before_it_was_started_nor_started_before_reported(facilities, rpc):
    repair = fac(rpc, "report_repair", {"location": "锅炉房", "category": "hvac", "severity": "major",
                                        "reported_at": "2025-04-07T09:00:00+08:00"})
    fac(rpc, "assign_repair", repair["id"], {"technician": "tech-1"})
    with pytest.raises(RuleViolation) as before_report:
        fac(rpc, "start_repair", repair["id"], {"started_at": "2025-04-07T08:00:00+08:00"})
    assert "started_at" in before_report.value.errors
    with pytest.raises(RuleViolation) as ahead:
        fac(rpc, "start_repair", repair["id"], {"started_at": "2099-04-07T08:00:00+08:00"})
    assert "started_at" in ahead.value.errors
    with pytest.raises(Forbidden):  # only staff date a start
        fac(rpc, "start_repair", repair["id"], {"started_at": "2025-04-07T10:00:00+08:00"},
            caller=Caller("tech-1", ("technician",)))
    fac(rpc, "start_repair", repair["id"], {"started_at": "2025-04-07T10:00:00+08:00"})
    with pytest.raises(RuleViolation) as early:
        fac(rpc, "complete_repair", repair["id"], {"completed_at": "2025-04-07T09:30:00+08:00"})
    assert early.value.errors == {"completed_at": ["must not precede started_at"]}
    assert fac(rpc, "get_repair", repair["id"])["status"] == "in_progress"
    done = fac(rpc, "complete_repair", repair["id"], {"completed_at": "2025-04-07T16:00:00+08:00"})
    assert done["status"] == "done"


def test_a_room_lies_on_one_of_its_buildings_floors(facilities, rpc):
    building = fac(rpc, "create_building", {"name": f"楼-{uuid.uuid4().hex[:6]}", "floors": 8, "basement_floors": 1})
    assert building["basement_floors"] == 1
    for floor in (20, 9, 0, -2):
        with pytest.raises(RuleViolation) as outside:
            a_room(rpc, building, f"R{floor}", "20", floor=floor)
        assert outside.value.rule == "facilities.floor_not_in_building"
    assert a_room(rpc, building, "801", "20", floor=8)["floor"] == 8
    assert a_room(rpc, building, "B101", "20", floor=-1)["floor"] == -1
    assert fac(rpc, "list_rooms", {"building_id": building["id"]})["total"] == 2
    plain = a_building(rpc)
    assert plain["basement_floors"] == 0
    with pytest.raises(RuleViolation):
        a_room(rpc, plain, "B1", "20", floor=-1)


def test_an_inspection_in_the_future_is_refused_and_an_older_one_keeps_the_newer_area(facilities, rpc):
    room = a_room(rpc, a_building(rpc), "405", "24", unit())
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).date().isoformat()
    with pytest.raises(RuleViolation) as ahead:
        fac(rpc, "create_inspection", {"room_id": room["id"], "inspected_on": tomorrow, "measured_area_m2": "40"})
    assert "inspected_on" in ahead.value.errors
    assert fac(rpc, "get_room", room["id"])["usable_area_m2"] == 24.0
    assert fac(rpc, "list_inspections", {"room_id": room["id"]})["total"] == 0
    fac(rpc, "create_inspection", {"room_id": room["id"], "inspected_on": "2025-03-03", "measured_area_m2": "26"})
    older = fac(rpc, "create_inspection", {"room_id": room["id"], "inspected_on": "2024-03-03",
                                           "measured_area_m2": "22"})
    assert older["measured_area_m2"] == 22.0  # kept as measured then
    assert fac(rpc, "get_room", room["id"])["usable_area_m2"] == 26.0  # the latest measurement stands


def test_a_series_whose_occurrences_overlap_one_another_is_refused(facilities, rpc):
    room = a_meeting_room(rpc)
    daily = {"meeting_room_id": room["id"], "title": "跨日会", "unit_code": "U1", "start_at": at(2, 9),
             "end_at": at(3, 10), "recurrence": {"frequency": "daily", "count": 3}}
    with pytest.raises(Conflict) as overlapping:
        fac(rpc, "book_meeting_room_series", daily)
    assert "overlap" in overlapping.value.detail and "2031-06-02 and 2031-06-03" in overlapping.value.detail
    assert "recurrence" in overlapping.value.errors
    assert fac(rpc, "list_bookings", {"meeting_room_id": room["id"]})["total"] == 0


def test_a_booking_is_for_a_meeting_to_come_and_lasts_at_most_a_day(facilities, rpc):
    room = a_meeting_room(rpc)
    now = datetime.now(SHANGHAI)
    booking = {"meeting_room_id": room["id"], "title": "会", "unit_code": "U1"}
    with pytest.raises(RuleViolation) as past:
        fac(rpc, "book_meeting_room", {**booking, "start_at": (now - timedelta(days=3)).isoformat(),
                                       "end_at": (now - timedelta(days=3, hours=-1)).isoformat()})
    assert past.value.rule == "facilities.booking_in_past"
    with pytest.raises(RuleViolation) as months:
        fac(rpc, "book_meeting_room", {**booking, "start_at": at(2, 9),
                                       "end_at": datetime(2031, 9, 2, 9, tzinfo=SHANGHAI).isoformat()})
    assert months.value.rule == "facilities.booking_too_long"
    with pytest.raises(RuleViolation):  # every occurrence of a series, too
        fac(rpc, "book_meeting_room_series", {**booking, "start_at": (now - timedelta(days=3)).isoformat(),
                                              "end_at": (now - timedelta(days=3, hours=-1)).isoformat(),
                                              "recurrence": {"frequency": "weekly", "count": 2}})
    started = fac(rpc, "book_meeting_room", {**booking, "start_at": (now - timedelta(minutes=5)).isoformat(),
                                             "end_at": (now + timedelta(hours=1)).isoformat()})
    assert started["status"] == "booked"  # entered as the meeting begins
    assert fac(rpc, "list_bookings", {"meeting_room_id": room["id"]})["total"] == 1


def test_an_allocation_is_not_dated_in_the_future(facilities, rpc):
    room = a_room(rpc, a_building(rpc), "601", "18", type="vacant")
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).date().isoformat()
    with pytest.raises(RuleViolation) as ahead:
        fac(rpc, "allocate_room", {"room_id": room["id"], "unit_code": unit(), "allocated_on": tomorrow})
    assert "allocated_on" in ahead.value.errors
    assert fac(rpc, "get_room", room["id"])["unit_code"] is None


def test_free_busy_shows_every_room_and_hides_who_booked_from_other_units(facilities, rpc):
    room, free_room = a_meeting_room(rpc), a_meeting_room(rpc)
    mine, theirs = unit(), unit()
    clerk = Caller("clerk", ("unit_user",), mine)
    own = fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "科务会", "start_at": at(9, 9),
                                         "end_at": at(9, 10)}, caller=clerk)
    fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "人事调整会", "unit_code": theirs,
                                   "start_at": at(9, 14), "end_at": at(9, 16)})
    day = {"from": at(9, 0), "to": at(10, 0)}
    seen = {r["id"]: r for r in fac(rpc, "meeting_room_availability", day, caller=clerk)["items"]}
    assert seen[free_room["id"]]["busy"] == []
    busy = seen[room["id"]]["busy"]
    assert [(b["start_at"], b["end_at"], b["own"]) for b in busy] == [
        (at(9, 9), at(9, 10), True), (at(9, 14), at(9, 16), False)]
    assert (busy[0]["title"], busy[0]["booking_id"], busy[0]["unit_code"]) == ("科务会", own["id"], mine)
    assert (busy[1]["title"], busy[1]["booking_id"], busy[1]["unit_code"]) == (None, None, None)
    # staff see whose it is; a cancelled booking frees the slot
    staff = {r["id"]: r for r in fac(rpc, "meeting_room_availability", day)["items"]}
    assert [b["title"] for b in staff[room["id"]]["busy"]] == ["科务会", "人事调整会"]
    fac(rpc, "cancel_booking", own["id"], caller=clerk)
    again = {r["id"]: r for r in fac(rpc, "meeting_room_availability", day, caller=clerk)["items"]}
    assert [b["own"] for b in again[room["id"]]["busy"]] == [False]
    # the freed slot books without a clash
    fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "例会", "start_at": at(9, 9),
                                   "end_at": at(9, 10)}, caller=clerk)
    for bad, field in (({"from": at(10, 0), "to": at(9, 0)}, "to"), ({"from": at(1, 0), "to": at(30, 0)}, None),
                       ({"from": at(1, 0)}, "to")):
        if field is None:  # 29 days: within the month allowed
            assert fac(rpc, "meeting_room_availability", bad, caller=clerk)["total"] >= 2
            continue
        with pytest.raises(Invalid) as refused:
            fac(rpc, "meeting_room_availability", bad, caller=clerk)
        assert field in refused.value.errors
    with pytest.raises(Invalid) as refused:
        fac(rpc, "meeting_room_availability", {"from": "2031-05-01T00:00:00+08:00", "to": at(30, 0)})
    assert "to" in refused.value.errors
    with pytest.raises(Forbidden):
        fac(rpc, "meeting_room_availability", day, caller=Caller("g", ("guard",)))


def test_a_clash_names_another_units_meeting_to_staff_only(facilities, rpc):
    room = a_meeting_room(rpc)
    fac(rpc, "book_meeting_room", {"meeting_room_id": room["id"], "title": "人事调整会", "unit_code": unit(),
                                   "start_at": at(11, 9), "end_at": at(11, 10)})
    clash = {"meeting_room_id": room["id"], "title": "例会", "start_at": at(11, 9), "end_at": at(11, 10)}
    with pytest.raises(Conflict) as refused:
        fac(rpc, "book_meeting_room", clash, caller=Caller("clerk", ("unit_user",), unit()))
    assert "人事调整会" not in refused.value.detail and "2031-06-11" in refused.value.detail
    with pytest.raises(Conflict) as refused:
        fac(rpc, "book_meeting_room", {**clash, "unit_code": unit()})
    assert "人事调整会" in refused.value.detail


def test_a_unit_reads_its_repairs_with_technician_and_due_time_and_its_rectifications_not_anothers(facilities, rpc):
    mine, theirs = unit(), unit()
    clerk = Caller("clerk", ("unit_user",), mine)
    own = fac(rpc, "report_repair", {"location": "2楼会议室", "category": "electricity", "severity": "minor",
                                     "reported_at": "2025-05-06T10:00:00+08:00", "unit_code": mine})
    other = fac(rpc, "report_repair", {"location": "1楼大厅", "category": "water", "severity": "major",
                                       "unit_code": theirs})
    fac(rpc, "assign_repair", own["id"], {"technician": "tech-li"})
    repairs = fac(rpc, "list_repairs", {}, caller=clerk)["items"]
    assert [(r["id"], r["technician"], r["due_at"], r["overdue"]) for r in repairs] == [
        (own["id"], "tech-li", "2025-05-06T23:59:59+08:00", True)]  # 小修不过夜: due that day, long past
    with pytest.raises(NotFound):
        fac(rpc, "get_repair", other["id"], caller=clerk)
    with pytest.raises(NotFound):
        fac(rpc, "list_repairs", {"unit_code": theirs}, caller=clerk)
    rooms = {code: a_room(rpc, a_building(rpc), "501", "20", code) for code in (mine, theirs)}
    for code, room in rooms.items():
        fac(rpc, "create_inspection", {"room_id": room["id"], "inspected_on": "2025-03-03", "measured_area_m2": "20",
                                       "findings": [{"finding": f"{code} 堆放杂物", "deadline_on": "2025-03-31"}]})
    seen = fac(rpc, "list_rectifications", {}, caller=clerk)["items"]
    assert [(r["finding"], r["deadline_on"], r["overdue"]) for r in seen] == [(f"{mine} 堆放杂物", "2025-03-31", True)]
    with pytest.raises(NotFound):
        fac(rpc, "list_rectifications", {"unit_code": theirs}, caller=clerk)
