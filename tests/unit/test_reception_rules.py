"""Every reception rule of DOMAIN.md, with its rule code, and the saga's compensation."""
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from services.kit.errors import Conflict, Invalid, NotFound, RuleViolation, ServiceTimeout, ServiceUnavailable
from services.reception import domain
from services.reception.settings import SETTINGS, Settings

TODAY = date(2026, 3, 2)
LETTER = {"number": "杭财函〔2026〕12号", "issuer": "杭州市财政局", "dated_on": date(2026, 2, 25)}


def guests(n):
    return [{"unit": "杭州市财政局", "name": f"客人{i}", "title": "科员"} for i in range(n)]


def meal(**changes):
    return {"meal": "lunch", "served_on": date(2026, 3, 5), "price_per_person_yuan": Decimal("80"),
            "accompanying_diners": 2, "home_style": True, "alcohol": False, "cigarettes": False, **changes}


def plan(**changes):
    return {"official_letter": LETTER, "starts_on": date(2026, 3, 5), "ends_on": date(2026, 3, 6),
            "guest_origin": "out_of_county", "guests": guests(4), "accompanying": [], "meals": [meal()], **changes}


def refusal(reception, today=TODAY, settings=SETTINGS):
    with pytest.raises(RuleViolation) as caught:
        domain.check_reception(reception, today, settings)
    return caught.value


def test_a_reception_within_every_rule_passes():
    domain.check_reception(plan(), TODAY)
    assert domain.reception_violations(plan(), TODAY) == {}


@pytest.mark.parametrize("letter", [None, {}])
def test_no_letter_no_reception(letter):
    refused = refusal(plan(official_letter=letter))
    assert refused.rule == "reception.no_letter" and list(refused.errors) == ["reception.no_letter"]


@pytest.mark.parametrize("today", [date(2026, 3, 5), date(2026, 3, 6)])
def test_approval_must_come_before_the_first_day(today):
    assert refusal(plan(), today=today).rule == "reception.approval_before_date"
    domain.check_reception(plan(), today - timedelta(days=(today - date(2026, 3, 4)).days))  # the day before passes


def test_at_most_one_working_meal():
    refused = refusal(plan(meals=[meal(), meal(meal="dinner")]))
    assert refused.rule == "reception.working_meal_limit"
    two_allowed = replace(SETTINGS, working_meal_limit=2)
    domain.check_reception(plan(meals=[meal(), meal(meal="dinner")]), TODAY, two_allowed)


@pytest.mark.parametrize("guest_count, allowed", [(1, 3), (9, 3), (10, 3), (11, 3), (12, 4), (15, 5), (30, 10)])
def test_accompanying_diners_are_limited_by_the_guests(guest_count, allowed):
    assert domain.accompany_limit(guest_count) == allowed
    domain.check_reception(plan(guests=guests(guest_count), meals=[meal(accompanying_diners=allowed)]), TODAY)
    refused = refusal(plan(guests=guests(guest_count), meals=[meal(accompanying_diners=allowed + 1)]))
    assert refused.rule == "reception.accompany_limit"


def test_home_style_food_only():
    assert refusal(plan(meals=[meal(home_style=False)])).rule == "reception.home_style_only"


def test_no_alcohol():
    assert refusal(plan(meals=[meal(alcohol=True)])).rule == "reception.no_alcohol"


def test_no_cigarettes():
    assert refusal(plan(meals=[meal(cigarettes=True)])).rule == "reception.no_cigarettes"


@pytest.mark.parametrize("origin, kind, standard", [
    ("out_of_county", "breakfast", "50"), ("out_of_county", "lunch", "90"), ("out_of_county", "dinner", "90"),
    ("in_county", "breakfast", "30"), ("in_county", "lunch", "60"), ("in_county", "dinner", "60"),
])
def test_the_meal_price_stays_within_the_standard_of_the_guests_origin(origin, kind, standard):
    at_standard = plan(guest_origin=origin, meals=[meal(meal=kind, price_per_person_yuan=Decimal(standard))])
    domain.check_reception(at_standard, TODAY)
    above = plan(guest_origin=origin, meals=[meal(meal=kind, price_per_person_yuan=Decimal(standard) + Decimal("0.01"))])
    assert refusal(above).rule == "reception.meal_price"


def test_the_meal_price_table_is_configuration(monkeypatch):
    monkeypatch.setenv("RECEPTION_MEAL_PRICE_OUT_OF_COUNTY_LUNCH", "120")
    monkeypatch.setenv("RECEPTION_ACCOMPANY_SMALL_GROUP_LIMIT", "2")
    settings = Settings.from_env()
    assert settings.meal_prices[("out_of_county", "lunch")] == Decimal("120")
    assert settings.meal_prices[("out_of_county", "dinner")] == Decimal("90")
    domain.check_reception(plan(meals=[meal(price_per_person_yuan=Decimal("110"), accompanying_diners=2)]), TODAY, settings)
    assert refusal(plan(meals=[meal(accompanying_diners=3)]), settings=settings).rule == "reception.accompany_limit"


def test_several_broken_rules_name_the_first_and_list_all():
    refused = refusal(plan(official_letter=None, meals=[meal(alcohol=True, cigarettes=True, accompanying_diners=9)]))
    assert refused.rule == "reception.no_letter"
    assert list(refused.errors) == ["reception.no_letter", "reception.accompany_limit", "reception.no_alcohol",
                                    "reception.no_cigarettes"]
    assert all(refused.errors[code] for code in refused.errors)


def test_dates_that_do_not_fit_are_bad_input():
    with pytest.raises(Invalid) as caught:
        domain.check_reception_dates(plan(ends_on=date(2026, 3, 4), meals=[meal(served_on=date(2026, 3, 9))]))
    assert set(caught.value.errors) == {"ends_on", "meals.0.served_on"}


@pytest.mark.parametrize("status, action, allowed", [
    ("submitted", "approve", True), ("approved", "approve", False), ("rejected", "approve", False),
    ("submitted", "reject", True), ("approved", "reject", False),
    ("submitted", "cancel", True), ("approved", "cancel", True), ("completed", "cancel", False),
    ("approved", "complete", True), ("submitted", "complete", False), ("completed", "complete", False),
])
def test_reception_actions_follow_the_status(status, action, allowed):
    if allowed:
        domain.check_reception_action(status, action)
    else:
        with pytest.raises(Conflict):
            domain.check_reception_action(status, action)


# --- reception list ------------------------------------------------------------------------
def test_the_reception_list_lists_every_difference_from_the_letter_and_the_approval():
    approved = plan(guests=guests(3), accompanying=[{"name": "陪同甲", "title": "科长"}])
    shanghai = timezone(timedelta(hours=8))
    actual = {
        "guests": guests(2) + [{"unit": "别的单位", "name": "陌生人", "title": None}],
        "accompanying": [{"name": "陪同甲", "title": "副局长"}],
        "activities": [{"description": "调研", "place": "县政府", "start_at": datetime(2026, 3, 7, 9, tzinfo=shanghai),
                        "end_at": datetime(2026, 3, 7, 11, tzinfo=shanghai)}],
        "meals": [{"meal": "lunch", "served_on": date(2026, 3, 5), "place": "食堂", "guests": 3,
                   "accompanying_diners": 3, "cost_yuan": Decimal("600"), "alcohol": True, "cigarettes": False}],
        "costs": [{"item": "住宿", "amount_yuan": Decimal("400")}],
    }
    found = {(item["kind"], item["field"]) for item in domain.compare_reception_list(approved, actual)}
    assert found == {
        ("not_approved", "guests"), ("absent", "guests"), ("not_on_letter", "guests.unit"),
        ("changed", "accompanying.title"), ("outside_dates", "activities.start_at"),
        ("outside_dates", "activities.end_at"), ("over", "meals.accompanying_diners"), ("over", "meals.cost_yuan"),
        ("not_allowed", "meals.alcohol"),
    }
    assert domain.reception_list_cost(actual) == Decimal("1000.00")


def test_a_list_that_matches_the_approval_has_no_differences():
    approved = plan()
    actual = {"guests": guests(4), "accompanying": [], "activities": [], "costs": [],
              "meals": [{"meal": "lunch", "served_on": date(2026, 3, 5), "place": "食堂", "guests": 4,
                         "accompanying_diners": 2, "cost_yuan": Decimal("480")}]}
    assert domain.compare_reception_list(approved, actual) == []


# --- canteen -------------------------------------------------------------------------------
def test_a_canteen_slot_never_seats_more_than_its_capacity():
    domain.check_canteen_capacity(capacity=40, reserved=30, head_count=10)
    with pytest.raises(RuleViolation) as caught:
        domain.check_canteen_capacity(capacity=40, reserved=30, head_count=11)
    assert caught.value.rule == "canteen.capacity"


def test_a_meal_takes_a_slot_of_its_own_kind_and_day():
    domain.check_slot_fits_meal("lunch", date(2026, 3, 5), meal(), "meals.0.canteen_slot_id")
    with pytest.raises(Invalid) as caught:
        domain.check_slot_fits_meal("dinner", date(2026, 3, 5), meal(), "meals.0.canteen_slot_id")
    assert "meals.0.canteen_slot_id" in caught.value.errors
    assert domain.diners(12, meal(accompanying_diners=4)) == 16
    assert domain.share(1, 3) == 0.3333 and domain.share(0, 0) == 0.0


# --- the meeting saga ----------------------------------------------------------------------
class FakeServices:
    """Steps that book or fail on demand, and a release that records or fails."""

    def __init__(self, fail_step=None, fail_release=()):
        self.fail_step = fail_step
        self.fail_release = set(fail_release)
        self.released = []
        self.next_id = 100

    def step(self, name):
        def run():
            if name == self.fail_step:
                raise Conflict(f"{name} is taken")
            self.next_id += 1
            return self.next_id
        return run

    def release(self, reservation):
        if reservation.id in self.fail_release:
            raise ServiceUnavailable("down")
        self.released.append(reservation.id)


def steps(fake, names=("room", "car1", "car2")):
    return [("room_booking" if name == "room" else "dispatch", fake.step(name)) for name in names]


def test_a_saga_that_succeeds_keeps_everything_and_releases_nothing():
    fake = FakeServices()
    outcome = domain.reserve_all(steps(fake), fake.release)
    assert not outcome.failed and [r.id for r in outcome.reserved] == [101, 102, 103]
    assert [r.kind for r in outcome.reserved] == ["room_booking", "dispatch", "dispatch"]
    assert fake.released == []


def test_a_failed_step_releases_what_was_reserved_in_reverse_order_and_keeps_the_reason():
    fake = FakeServices(fail_step="car2")
    outcome = domain.reserve_all(steps(fake), fake.release)
    assert isinstance(outcome.error, Conflict) and outcome.failed_step == "dispatch"
    assert fake.released == [102, 101] and outcome.reserved == [] and outcome.compensation_pending == []


def test_a_failed_first_step_has_nothing_to_release():
    fake = FakeServices(fail_step="room")
    outcome = domain.reserve_all(steps(fake), fake.release)
    assert outcome.failed_step == "room_booking" and fake.released == [] and outcome.compensation_pending == []


def test_a_release_that_fails_is_kept_and_the_others_still_happen():
    fake = FakeServices(fail_step="car2", fail_release={101})
    outcome = domain.reserve_all(steps(fake), fake.release)
    assert fake.released == [102]
    assert outcome.compensation_pending == [domain.Reservation("room_booking", 101)]
    # the retry releases what is left, in reverse order of reservation again
    fake.fail_release.clear()
    assert domain.release_all(outcome.compensation_pending, fake.release) == []
    assert fake.released == [102, 101]


def test_retried_releases_keep_reservation_order():
    fake = FakeServices(fail_release={1, 2})
    held = [domain.Reservation("room_booking", 1), domain.Reservation("dispatch", 2), domain.Reservation("dispatch", 3)]
    pending = domain.release_all(held, fake.release)
    assert [r.id for r in pending] == [1, 2] and fake.released == [3]
    fake.fail_release.clear()
    domain.release_all(pending, fake.release)
    assert fake.released == [3, 2, 1]


@pytest.mark.parametrize("error, expected", [
    (Conflict("taken"), Conflict), (RuleViolation("too many", "facilities.capacity"), RuleViolation),
    (ServiceTimeout("slow"), ServiceTimeout), (NotFound("no room"), NotFound), (KeyError("id"), ServiceUnavailable),
])
def test_the_caller_hears_the_failing_steps_own_reason(error, expected):
    told = domain.caller_error(error, "room_booking")
    assert type(told) is expected
    if isinstance(error, RuleViolation):
        assert told.rule == "facilities.capacity"


def test_meeting_times_must_be_ordered():
    start = datetime(2026, 3, 5, 1, tzinfo=timezone.utc)
    with pytest.raises(Invalid) as caught:
        domain.check_meeting_times(start, start, [{"start_at": start, "end_at": start - timedelta(hours=1)}])
    assert set(caught.value.errors) == {"end_at", "cars.0.end_at"}


# --- visitors ------------------------------------------------------------------------------
def test_visits_open_past_the_closing_time_of_their_day():
    closing = SETTINGS.visitor_closing_time
    assert closing == time(17, 30)
    before_closing = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # 17:00 in Shanghai
    after_closing = datetime(2026, 3, 2, 9, 45, tzinfo=timezone.utc)  # 17:45 in Shanghai
    # before today's closing, only earlier days' open visits are late; after it, today's too
    assert domain.open_past_closing_cutoff(before_closing) == datetime(2026, 3, 1, 16, 0, tzinfo=timezone.utc)
    assert domain.open_past_closing_cutoff(after_closing) == datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)


def test_a_day_is_a_calendar_day_in_shanghai():
    assert domain.local_day(datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc)) == date(2026, 3, 2)


def activity(start, end):
    return {"description": "座谈", "place": "县政府", "start_at": start, "end_at": end}


def at(day, hour):
    return datetime(2026, 3, day, hour, tzinfo=domain.LOCAL_TZ)


def test_activities_end_after_they_start_and_fall_within_the_reception_dates():
    domain.check_reception_dates(plan(activities=[activity(at(5, 9), at(6, 17))]))
    for activities, field in (([activity(at(5, 11), at(5, 9))], "activities.0.end_at"),
                              ([activity(at(5, 9), at(5, 9))], "activities.0.end_at"),
                              ([activity(at(4, 9), at(5, 9))], "activities.0.start_at"),
                              ([activity(at(6, 20), at(7, 1))], "activities.0.end_at")):
        with pytest.raises(Invalid) as caught:
            domain.check_reception_dates(plan(activities=activities))
        assert field in caught.value.errors


def test_the_letter_comes_no_later_than_the_reception_s_first_day():
    domain.check_reception_dates(plan(official_letter={**LETTER, "dated_on": date(2026, 3, 5)}))
    with pytest.raises(Invalid) as caught:
        domain.check_reception_dates(plan(official_letter={**LETTER, "dated_on": date(2026, 3, 6)}))
    assert "official_letter.dated_on" in caught.value.errors


def test_the_reception_list_is_made_from_the_reception_s_last_day_and_records_the_past():
    domain.check_list_after_event(date(2026, 3, 6), date(2026, 3, 6))
    with pytest.raises(RuleViolation) as early:
        domain.check_list_after_event(date(2026, 3, 6), date(2026, 3, 5))
    assert early.value.rule == "reception.list_before_event"
    now = at(6, 18)
    domain.check_list_dates({"activities": [activity(at(6, 9), at(6, 17))],
                             "meals": [{"served_on": date(2026, 3, 6)}]}, now)
    with pytest.raises(Invalid) as caught:  # an activity ending before it starts: bad input, as the document says
        domain.check_list_dates({"activities": [activity(at(6, 17), at(6, 19)), activity(at(6, 10), at(6, 9))],
                                 "meals": [{"served_on": date(2026, 3, 7)}]}, now)
    assert set(caught.value.errors) == {"activities.1.end_at"}
    with pytest.raises(RuleViolation) as ahead:  # well formed, refused for the clock
        domain.check_list_dates({"activities": [activity(at(6, 17), at(6, 19))],
                                 "meals": [{"served_on": date(2026, 3, 7)}]}, now)
    assert ahead.value.rule == "dates.in_future"
    assert set(ahead.value.errors) == {"activities.0.end_at", "meals.0.served_on"}


VALID = "11010519491231002X"  # the GB 11643 standard's own example


def test_the_check_character_follows_gb_11643():
    assert domain.id_check_character(VALID[:17]) == "X"
    assert domain.validate_id_number(VALID.lower()) == VALID


@pytest.mark.parametrize("raw", ["110105194912310021", "11010519491231002", "1101051949123100XX", "A1010519491231002X"])
def test_a_wrong_id_number_is_refused_without_echoing_it(raw):
    with pytest.raises(Invalid) as caught:
        domain.validate_id_number(raw)
    rendered = str(caught.value.args) + str(caught.value.errors)
    assert raw not in rendered and raw[:17] not in rendered


def test_the_id_number_is_masked_to_region_and_last_four():
    assert domain.mask_id_number("330106198001011234") == "3301**********1234"


def test_the_id_hash_depends_on_the_key():
    assert domain.hash_id_number(VALID, b"a") == domain.hash_id_number(VALID, b"a")
    assert domain.hash_id_number(VALID, b"a") != domain.hash_id_number(VALID, b"b")
    assert VALID not in domain.hash_id_number(VALID, b"a")


def test_a_visitor_checks_out_once():
    domain.check_can_check_out(None)
    with pytest.raises(Conflict):
        domain.check_can_check_out("2026-01-01T00:00:00Z")


def test_a_meals_cost_listed_again_among_the_costs_is_refused_not_counted_twice():
    meal = {"meal": "lunch", "cost_yuan": 200}
    doubled = {"meals": [meal], "costs": [{"item": "住宿费", "amount_yuan": 300}, {"item": "餐费", "amount_yuan": 200}]}
    with pytest.raises(Invalid) as refused:
        domain.check_list_costs(doubled)
    assert list(refused.value.errors) == ["costs.1.item"]
    for item in ("午餐", "工作餐费", " 用餐 "):
        with pytest.raises(Invalid):
            domain.check_list_costs({"meals": [meal], "costs": [{"item": item, "amount_yuan": 200}]})
    # counted once: the meals' cost plus the other costs
    once = {"meals": [meal], "costs": [{"item": "住宿费", "amount_yuan": 300}]}
    domain.check_list_costs(once)
    assert domain.reception_list_cost(once) == 500
    # a meal cost entered only among the costs (no meal carries one) is counted once as it is
    domain.check_list_costs({"meals": [{"meal": "lunch", "cost_yuan": 0}], "costs": [{"item": "餐费", "amount_yuan": 200}]})
    domain.check_list_costs({"costs": [{"item": "餐费", "amount_yuan": 200}]})
