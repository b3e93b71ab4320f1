"""Every facilities rule of DOMAIN.md, without a broker or a database."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.facilities import domain
from services.facilities.domain import (
    Occupancy, check_room_occupancy, inspection_figures, units_with_changed_area,
)
from services.facilities.settings import SETTINGS, Settings
from services.kit.errors import Conflict, RuleViolation
from services.kit.schemas import check_not_future

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = Decimal


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


# the office-area standard ----------------------------------------------------------
def test_the_2014_county_allowances_are_the_default():
    assert {rank: int(value) for rank, value in SETTINGS.allowance_m2.items()} == {
        "county_chief": 30, "county_deputy": 24, "section_chief": 18, "section_deputy": 12, "staff": 9}


def test_the_allowance_table_is_configuration(monkeypatch):
    monkeypatch.setenv("FACILITIES_ALLOWANCE_STAFF_M2", "6")
    settings = Settings.from_env()
    assert settings.allowance_m2["staff"] == D("6") and settings.allowance_m2["county_chief"] == D("30")


def test_a_rooms_allowance_is_the_sum_of_its_occupants():
    assert domain.allowance_m2(["section_chief", "staff", "staff"], SETTINGS) == D("36")
    assert domain.allowance_m2([], SETTINGS) == D("0")


def test_an_office_over_its_allowance_is_over_standard_by_the_excess():
    judged = domain.assess_room("office", "U1", D("40"), ["section_chief", "staff"], SETTINGS)
    assert (judged.allowance_m2, judged.excess_m2, judged.over_standard) == (D("27"), D("13"), True)
    within = domain.assess_room("office", "U1", D("27"), ["section_chief", "staff"], SETTINGS)
    assert (within.excess_m2, within.over_standard) == (D("0"), False)


def test_only_office_rooms_held_by_a_unit_are_judged():
    assert not domain.assess_room("meeting", "U1", D("120"), [], SETTINGS).over_standard
    assert not domain.assess_room("office", None, D("40"), [], SETTINGS).over_standard
    assert domain.assess_room("office", "U1", D("40"), [], SETTINGS).excess_m2 == D("40")


def test_becoming_over_standard_is_noticed_once():
    over = domain.Assessment(D("9"), D("11"))
    fine = domain.Assessment(D("24"), D("0"))
    assert domain.became_over_standard(fine, over)
    assert domain.became_over_standard(None, over)
    assert not domain.became_over_standard(over, domain.Assessment(D("9"), D("5")))
    assert not domain.became_over_standard(over, fine)


def test_occupants_sit_only_in_a_room_a_unit_holds():
    domain.check_occupant_room("office", "U1")
    for room_type, unit in (("vacant", None), ("office", None)):
        with pytest.raises(RuleViolation) as refused:
            domain.check_occupant_room(room_type, unit)
        assert refused.value.rule == "facilities.room_not_allocated"


# allocation and vacancies ---------------------------------------------------------
def test_a_need_is_the_head_count_times_the_allowance():
    assert domain.need_m2({"section_chief": 1, "staff": 3, "county_chief": 0}, SETTINGS) == D("45")
    assert domain.vacancy_area_cap(D("45")) == D("45")
    assert domain.vacancy_area_cap(D("0")) is None


def test_allocation_kinds():
    assert domain.allocation_kind(None, "U1") == "allocation"
    assert domain.allocation_kind("U1", "U2") == "reallocation"
    assert domain.allocation_kind("U1", None) == "release"


def test_an_allocation_must_change_something_and_leaves_no_one_behind():
    domain.check_allocation("U1", "U2", 0)
    with pytest.raises(Conflict):
        domain.check_allocation("U1", "U1", 0)
    with pytest.raises(RuleViolation) as refused:
        domain.check_allocation("U1", "U2", 2)
    assert refused.value.rule == "facilities.room_has_occupants"


def test_room_type_follows_allocation():
    assert domain.room_type_after_allocation("vacant", "allocation", None) == "office"
    assert domain.room_type_after_allocation("office", "release", None) == "vacant"
    assert domain.room_type_after_allocation("meeting", "release", None) == "meeting"
    assert domain.room_type_after_allocation("vacant", "allocation", "service") == "service"


# inspections and rectifications ----------------------------------------------------
def test_a_deadline_cannot_precede_the_inspection():
    domain.check_deadline(date(2025, 5, 1), date(2025, 5, 1))
    with pytest.raises(RuleViolation) as refused:  # well formed; inspected_on may be today's date
        domain.check_deadline(date(2025, 4, 30), date(2025, 5, 1))
    assert refused.value.rule == "facilities.deadline_before_inspection"


def test_a_rectification_is_overdue_when_open_past_its_deadline_day():
    assert not domain.rectification_overdue("open", date(2025, 5, 1), date(2025, 5, 1))
    assert domain.rectification_overdue("open", date(2025, 5, 1), date(2025, 5, 2))
    assert not domain.rectification_overdue("done", date(2025, 5, 1), date(2025, 5, 9))
    assert not domain.rectification_overdue("verified", date(2025, 5, 1), date(2025, 5, 9))


def test_a_rectification_is_closed_only_when_verified_after_done():
    domain.check_transition("rectification", "open", "complete", domain.RECTIFICATION_ACTIONS)
    domain.check_transition("rectification", "done", "verify", domain.RECTIFICATION_ACTIONS)
    with pytest.raises(Conflict):
        domain.check_transition("rectification", "open", "verify", domain.RECTIFICATION_ACTIONS)
    with pytest.raises(Conflict):
        domain.check_transition("rectification", "verified", "complete", domain.RECTIFICATION_ACTIONS)


# repairs --------------------------------------------------------------------------
def test_a_minor_repair_is_due_by_the_end_of_the_day_reported():
    assert domain.repair_due_at(local(2025, 5, 6, 10, 0), "minor", SETTINGS) == local(2025, 5, 6, 23, 59, 59)


def test_a_major_repair_is_due_by_the_end_of_the_next_day():
    assert domain.repair_due_at(local(2025, 5, 6, 23, 30), "major", SETTINGS) == local(2025, 5, 7, 23, 59, 59)


def test_the_day_is_a_shanghai_day_not_a_utc_day():
    reported = datetime(2025, 5, 6, 17, 0, tzinfo=timezone.utc)  # 01:00 on the 7th in Shanghai
    assert domain.repair_due_at(reported, "minor", SETTINGS) == local(2025, 5, 7, 23, 59, 59)


def test_the_pledge_is_configuration(monkeypatch):
    monkeypatch.setenv("FACILITIES_MINOR_REPAIR_DUE_DAYS", "1")
    monkeypatch.setenv("FACILITIES_MAJOR_REPAIR_DUE_DAYS", "3")
    settings = Settings.from_env()
    assert domain.repair_due_at(local(2025, 5, 6, 10), "minor", settings) == local(2025, 5, 7, 23, 59, 59)
    assert domain.repair_due_at(local(2025, 5, 6, 10), "major", settings) == local(2025, 5, 9, 23, 59, 59)


def test_the_repair_workflow_refuses_steps_out_of_order():
    path = [("assign", "reported"), ("start", "assigned"), ("complete", "in_progress"), ("confirm", "done")]
    for action, status in path:
        domain.check_transition("repair", status, action, domain.REPAIR_ACTIONS)
    domain.check_transition("repair", "done", "reopen", domain.REPAIR_ACTIONS)
    domain.check_transition("repair", "reopened", "assign", domain.REPAIR_ACTIONS)
    for action, status in (("start", "reported"), ("complete", "assigned"), ("confirm", "in_progress"),
                           ("reopen", "confirmed"), ("assign", "done")):
        with pytest.raises(Conflict):
            domain.check_transition("repair", status, action, domain.REPAIR_ACTIONS)


def test_a_repair_is_overdue_while_unfinished_past_its_due_time():
    due = local(2025, 5, 6, 23, 59, 59)
    after = due + timedelta(seconds=1)
    assert domain.repair_overdue("in_progress", due, after)
    assert domain.repair_overdue("reopened", due, after)
    assert not domain.repair_overdue("done", due, after)
    assert not domain.repair_overdue("assigned", due, due - timedelta(hours=1))


def test_times_given_for_paper_records_are_checked():
    now = local(2025, 5, 6, 12)
    check_not_future(now, SHANGHAI, reported_at=now)
    with pytest.raises(RuleViolation) as future:
        check_not_future(now, SHANGHAI, reported_at=now + timedelta(minutes=1))
    assert "reported_at" in future.value.errors
    with pytest.raises(RuleViolation):
        domain.check_completed_after(now, None, now - timedelta(minutes=1))


def test_a_repair_is_not_completed_before_it_was_started():
    reported = local(2025, 5, 6, 9)
    started = local(2025, 5, 6, 11)
    domain.check_completed_after(reported, started, started)
    with pytest.raises(RuleViolation) as early:
        domain.check_completed_after(reported, started, started - timedelta(minutes=1))
    assert early.value.errors == {"completed_at": ["must not precede started_at"]}


def test_an_inspection_day_is_judged_in_local_days():
    now = local(2025, 5, 6, 0, 30)  # 2025-05-05 16:30 UTC: already the 6th in the county
    check_not_future(now, SHANGHAI, inspected_on=date(2025, 5, 6))
    with pytest.raises(RuleViolation) as ahead:
        check_not_future(now, SHANGHAI, inspected_on=date(2025, 5, 7))
    assert list(ahead.value.errors) == ["inspected_on"]


@pytest.mark.parametrize("floor, ok", [(1, True), (8, True), (9, False), (20, False), (0, False), (-1, True),
                                       (-2, True), (-3, False)])
def test_a_room_lies_on_one_of_its_buildings_floors(floor, ok):
    if ok:
        domain.check_floor(floor, 8, 2)
    else:
        with pytest.raises(RuleViolation) as outside:
            domain.check_floor(floor, 8, 2)
        assert outside.value.rule == "facilities.floor_not_in_building" and "floor" in outside.value.errors


def test_a_building_without_basements_has_no_negative_floors():
    with pytest.raises(RuleViolation):
        domain.check_floor(-1, 8, 0)


def test_a_booking_starts_no_earlier_than_a_short_grace_and_lasts_at_most_a_day():
    now = local(2025, 5, 6, 9)
    grace = timedelta(minutes=SETTINGS.booking_past_grace_minutes)
    domain.check_booking_window(now - grace, now + timedelta(hours=1), now, SETTINGS)
    domain.check_booking_window(now, now + timedelta(hours=SETTINGS.booking_max_hours), now, SETTINGS)
    with pytest.raises(RuleViolation) as past:
        domain.check_booking_window(now - grace - timedelta(seconds=1), now + timedelta(hours=1), now, SETTINGS)
    assert past.value.rule == "facilities.booking_in_past"
    with pytest.raises(RuleViolation) as months:
        domain.check_booking_window(now, now + timedelta(days=90), now, SETTINGS)
    assert months.value.rule == "facilities.booking_too_long"
    with pytest.raises(RuleViolation):  # the limit is a setting
        domain.check_booking_window(now, now + timedelta(hours=3), now, Settings(booking_max_hours=2))


def test_the_occurrences_of_a_series_do_not_overlap_one_another():
    settings = Settings(booking_max_hours=48)
    wanted = domain.occurrences(local(2031, 6, 2, 9), local(2031, 6, 3, 10), "daily", settings, count=3)
    with pytest.raises(Conflict) as overlapping:
        domain.check_occurrences_apart(wanted, settings)
    assert "2031-06-02 and 2031-06-03" in overlapping.value.detail and "recurrence" in overlapping.value.errors
    whole_days = domain.occurrences(local(2031, 6, 2, 9), local(2031, 6, 3, 9), "daily", settings, count=3)
    domain.check_occurrences_apart(whole_days, settings)  # one ends as the next begins


def facts(status, reported, due, completed=None, complaints=0, rating=None, category="water", building_id=1):
    return domain.RepairFacts(status, reported, due, completed, complaints, rating, category, building_id)


def test_the_repair_figures_match_a_hand_count():
    day = local(2025, 5, 6, 9)
    minor_due = domain.repair_due_at(day, "minor", SETTINGS)
    major_due = domain.repair_due_at(day, "major", SETTINGS)
    repairs = [
        facts("confirmed", day, minor_due, day + timedelta(hours=3), rating=5),  # on time, 3 h
        facts("done", day, major_due, major_due + timedelta(hours=9), category="hvac", building_id=2),  # late
        facts("reopened", day, minor_due, None, complaints=1, rating=None),  # not finished
        facts("assigned", day, major_due),
    ]
    figures = domain.repair_figures(repairs)
    late_hours = (major_due + timedelta(hours=9) - day).total_seconds() / 3600
    assert figures == {
        "count": 4, "completed": 2, "completion_rate": 0.5, "on_time": 1, "on_time_rate": 0.5,
        "mean_hours_to_repair": round((3 + late_hours) / 2, 2), "complaints": 1, "mean_rating": 5.0,
    }
    by_category = {row["category"]: row for row in domain.repair_figures_by(repairs, "category")}
    assert by_category["hvac"]["count"] == 1 and by_category["hvac"]["on_time_rate"] == 0.0
    assert by_category["water"]["completion_rate"] == round(1 / 3, 4)
    assert [row["building_id"] for row in domain.repair_figures_by(repairs, "building_id")] == [1, 2]


def test_figures_of_an_empty_period_have_no_rates():
    assert domain.repair_figures([])["completion_rate"] is None


# meeting rooms ----------------------------------------------------------------------
def test_bookings_overlap_only_when_they_share_time():
    nine, ten, eleven = local(2025, 5, 6, 9), local(2025, 5, 6, 10), local(2025, 5, 6, 11)
    assert domain.overlaps(nine, eleven, ten, eleven)
    assert not domain.overlaps(nine, ten, ten, eleven)  # back to back is fine
    assert domain.find_clashes([(nine, ten), (ten, eleven)], [(local(2025, 5, 6, 10, 30), eleven, "党委会")]) == [
        (ten, "党委会")]


def test_attendees_must_fit_the_room():
    domain.check_capacity(20, 20)
    domain.check_capacity(None, 20)
    with pytest.raises(RuleViolation) as refused:
        domain.check_capacity(21, 20)
    assert refused.value.rule == "facilities.capacity_exceeded"


def test_weekly_occurrences_keep_the_local_time():
    start = datetime(2025, 5, 6, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
    weekly = domain.occurrences(start, start + timedelta(hours=2), "weekly", SETTINGS, count=3)
    assert [(s.date().isoformat(), s.hour, (e - s).seconds) for s, e in weekly] == [
        ("2025-05-06", 9, 7200), ("2025-05-13", 9, 7200), ("2025-05-20", 9, 7200)]
    daily = domain.occurrences(start, start + timedelta(hours=1), "daily", SETTINGS, until=date(2025, 5, 8))
    assert [s.day for s, _ in daily] == [6, 7, 8]


def test_a_recurrence_has_a_bound():
    start = local(2025, 5, 6, 9)
    with pytest.raises(RuleViolation) as refused:
        domain.occurrences(start, start + timedelta(hours=1), "daily", SETTINGS, until=date(2026, 5, 6))
    assert refused.value.rule == "facilities.too_many_occurrences"


def test_a_refusal_names_every_clashing_date():
    detail, errors = domain.clash_detail([(local(2025, 5, 13, 9), "党委会"), (local(2025, 5, 27, 9), "例会")], SETTINGS)
    assert "2025-05-13 (党委会)" in detail and "2025-05-27 (例会)" in detail
    assert errors["start_at"] == ["clashes with an existing booking on 2025-05-13",
                                  "clashes with an existing booking on 2025-05-27"]


def test_a_vacant_room_cannot_have_an_occupying_unit():
    check_room_occupancy("vacant", None)
    check_room_occupancy("office", "U1")
    with pytest.raises(RuleViolation) as caught:
        check_room_occupancy("vacant", "U1")
    assert caught.value.rule == "facilities.vacant_room_occupied"


def test_a_new_room_changes_its_units_area():
    after = Occupancy(1, "U1", Decimal("18"))
    assert units_with_changed_area(None, after) == {(1, "U1")}


def test_moving_a_room_between_units_changes_both():
    before = Occupancy(1, "U1", Decimal("18"))
    after = Occupancy(1, "U2", Decimal("18"))
    assert units_with_changed_area(before, after) == {(1, "U1"), (1, "U2")}


def test_an_unchanged_room_or_an_unoccupied_one_changes_nothing():
    same = Occupancy(1, "U1", Decimal("18"))
    assert units_with_changed_area(same, Occupancy(1, "U1", Decimal("18"))) == set()
    assert units_with_changed_area(None, Occupancy(1, None, Decimal("18"))) == set()


def test_inspection_figures_count_findings_done_and_overdue_today():
    raised = [("verified", date(2025, 3, 31)), ("done", date(2025, 3, 1)), ("open", date(2025, 3, 31)),
              ("open", date(2025, 4, 30))]
    assert inspection_figures(3, raised, date(2025, 4, 1)) == {
        "inspections": 3, "units_inspected": 0, "allocations": 0, "reallocations": 0, "rectifications": 4,
        "rectifications_done": 2, "rectification_rate": 0.5, "rectifications_overdue": 1}
    assert inspection_figures(1, [], date(2025, 4, 1))["rectification_rate"] is None


def test_units_inspected_count_each_unit_once_and_releases_are_no_allocation():
    figures = inspection_figures(4, [], date(2025, 4, 1), ["U1", "U1", "U2", None],
                                 ["allocation", "reallocation", "release", "allocation"])
    assert (figures["inspections"], figures["units_inspected"]) == (4, 2)
    assert (figures["allocations"], figures["reallocations"]) == (2, 1)
