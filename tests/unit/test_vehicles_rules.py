"""The vehicle rules of DOMAIN.md, one by one, without a broker."""
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from services.kit.errors import Conflict, Invalid, RuleViolation
from services.vehicles import domain
from services.vehicles.settings import SETTINGS, Settings

T = datetime(2026, 5, 1, 1, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)


def test_a_unit_cannot_register_beyond_its_quota():
    domain.check_quota("U1", 2, 1)
    with pytest.raises(RuleViolation) as full:
        domain.check_quota("U1", 2, 2)
    assert full.value.rule == "vehicles.quota_exceeded"


def test_a_unit_without_a_quota_is_refused_only_when_quotas_are_required():
    domain.check_quota("U1", None, 5, replace(SETTINGS, quota_required=False))
    with pytest.raises(RuleViolation):
        domain.check_quota("U1", None, 0, replace(SETTINGS, quota_required=True))


def test_a_quota_cannot_shrink_below_the_fleet():
    with pytest.raises(RuleViolation):
        domain.check_quota_shrink(1, 2)


def test_status_changes_by_hand_are_limited_and_audited_reasons_needed_for_odometer():
    domain.check_status_change("available", "sealed", on_a_trip=False)
    for wanted in ("dispatched", "disposed"):
        with pytest.raises(RuleViolation):
            domain.check_status_change("available", wanted, on_a_trip=False)
    with pytest.raises(Conflict):
        domain.check_status_change("dispatched", "maintenance", on_a_trip=True)
    with pytest.raises(RuleViolation):
        domain.check_odometer_correction("  ")


def test_an_expired_licence_or_a_missed_meeting_makes_a_driver_unassignable():
    day = date(2026, 5, 1)
    assert domain.assignability_problems(date(2026, 5, 1), "active", day, None) == {}
    expired = domain.assignability_problems(date(2026, 4, 30), "active", day, None)
    assert list(expired) == ["vehicles.licence_expired"]
    missed = domain.assignability_problems(date(2030, 1, 1), "active", day, domain.LastMeeting(date(2026, 4, 1), False))
    assert list(missed) == ["vehicles.missed_safety_meeting"]
    assert domain.assignability_problems(date(2030, 1, 1), "active", day,
                                         domain.LastMeeting(date(2026, 4, 1), True)) == {}


def test_the_assignability_rules_are_configurable():
    relaxed = replace(SETTINGS, block_expired_licence=False, block_missed_safety_meeting=False)
    assert domain.assignability_problems(date(2020, 1, 1), "active", date(2026, 5, 1),
                                         domain.LastMeeting(date(2026, 4, 1), False), relaxed) == {}


def test_check_assignable_names_the_rule():
    with pytest.raises(RuleViolation) as refused:
        domain.check_assignable({"vehicles.licence_expired": "expired"})
    assert refused.value.rule == "vehicles.licence_expired"


@pytest.mark.parametrize("action, start, target", [
    ("approve", "requested", "approved"), ("reject", "requested", "rejected"), ("assign", "approved", "assigned"),
    ("assign", "assigned", "assigned"), ("depart", "assigned", "departed"), ("return", "departed", "returned"),
    ("close", "returned", "closed"), ("cancel", "requested", "cancelled"), ("cancel", "assigned", "cancelled"),
])
def test_legal_transitions(action, start, target):
    assert domain.next_status(action, start) == target


@pytest.mark.parametrize("action, start", [
    ("approve", "approved"), ("assign", "requested"), ("depart", "approved"), ("return", "assigned"),
    ("close", "departed"), ("cancel", "departed"), ("cancel", "returned"), ("reject", "assigned"),
])
def test_illegal_transitions_are_conflicts(action, start):
    with pytest.raises(Conflict):
        domain.next_status(action, start)


def test_overlap_is_strict_on_both_ends():
    assert domain.overlaps(T, T + 2 * H, T + H, T + 3 * H)
    assert not domain.overlaps(T, T + H, T + H, T + 2 * H)
    assert not domain.overlaps(T + H, T + 2 * H, T, T + H)
    assert domain.overlaps(T, T + 3 * H, T + H, T + 2 * H)


def test_an_interval_must_end_after_it_starts():
    with pytest.raises(Invalid) as caught:
        domain.check_interval(T, T)
    assert "end_at" in caught.value.errors


def test_seats_and_vehicle_status_gate_the_assignment():
    domain.check_seats(5, 5)
    with pytest.raises(RuleViolation):
        domain.check_seats(4, 5)
    for status in ("maintenance", "sealed", "disposed"):
        with pytest.raises(RuleViolation):
            domain.check_vehicle_assignable(status)


def test_suggestions_fit_best_first():
    candidates = [domain.Candidate(1, 19, Decimal(0)), domain.Candidate(2, 5, Decimal(900)),
                  domain.Candidate(3, 5, Decimal(100)), domain.Candidate(4, 2, Decimal(0))]
    assert [c.vehicle_id for c in domain.best_fit(candidates, 4)] == [3, 2, 1]


def test_a_return_odometer_below_the_departure_is_refused():
    with pytest.raises(RuleViolation) as refused:
        domain.check_return_odometer(Decimal(100), Decimal(99))
    assert refused.value.rule == "vehicles.odometer_backwards"


def test_an_implausible_distance_depends_on_the_days_between():
    assert not domain.implausible_distance(Decimal(900), T, T + H)
    assert domain.implausible_distance(Decimal(1200), T, T + H)
    assert not domain.implausible_distance(Decimal(1800), T, T + 48 * H)


def test_a_trip_is_covered_by_a_dispatch_window_with_tolerance():
    window = domain.dispatch_window(7, T, T + 2 * H, settings=replace(SETTINGS, gps_match_tolerance_minutes=30))
    assert domain.covering_dispatch(T - timedelta(minutes=20), T + H, [window]) == 7
    assert domain.covering_dispatch(T - H, T + H, [window]) is None
    late = domain.dispatch_window(8, T, T + H, T, T + 3 * H)  # returned later than planned
    assert domain.covering_dispatch(T, T + 3 * H, [late]) == 8


def test_unmatched_trips_and_sealed_vehicles_that_move_are_flagged():
    assert domain.trip_flag_kind("available", Decimal(5), None) == "no_dispatch"
    assert domain.trip_flag_kind("available", Decimal(5), 3) is None
    assert domain.trip_flag_kind("sealed", Decimal("0.1"), None) == "sealed_moved"
    assert domain.trip_flag_kind("sealed", Decimal(0), None) == "no_dispatch"


def test_flags_are_explained_then_resolved_not_after():
    domain.check_flag_action("explain", "open")
    domain.check_flag_action("resolve", "explained")
    for status in ("resolved", "violation"):
        with pytest.raises(Conflict):
            domain.check_flag_action("explain", status)
        with pytest.raises(Conflict):
            domain.check_flag_action("resolve", status)


def fuel(previous_km=1000, odometer=1500, liters=40, norm=None, designated=True, kind="fuel", hours=24 * 5):
    return domain.check_fuel(Decimal(previous_km) if previous_km is not None else None, T, Decimal(odometer),
                             T + hours * H, Decimal(liters), Decimal(norm) if norm else None, designated, kind)


def test_fuel_consumption_per_100_km_by_the_full_tank_method():
    check = fuel()
    assert (check.distance_km, check.l_per_100km, check.flags) == (Decimal(500), Decimal("8.00"), [])
    assert fuel(previous_km=None).l_per_100km is None


def test_a_non_designated_or_wrong_kind_of_vendor_is_flagged():
    assert [k for k, _ in fuel(designated=False).flags] == ["non_designated_vendor"]
    assert [k for k, _ in fuel(kind="repair").flags] == ["non_designated_vendor"]
    assert domain.vendor_flag(True, "repair", "repair") is None
    assert domain.vendor_flag(False, "repair", "repair")[0] == "non_designated_vendor"


def test_an_odometer_going_back_or_jumping_is_flagged():
    assert [k for k, _ in fuel(odometer=900).flags] == ["odometer"]
    assert [k for k, _ in fuel(odometer=8000, hours=24).flags] == ["odometer"]


def test_consumption_far_above_the_vehicles_norm_is_flagged_with_a_configurable_factor():
    assert [k for k, _ in fuel(liters=61, norm=8).flags] == ["fuel_consumption"]  # 12.2 > 8 x 1.5
    assert fuel(liters=59, norm=8).flags == []
    strict = domain.check_fuel(Decimal(1000), T, Decimal(1500), T + 100 * H, Decimal(45), Decimal(8), True, "fuel",
                               replace(SETTINGS, consumption_factor=1.1))
    assert [k for k, _ in strict.flags] == ["fuel_consumption"]


def test_the_own_norm_is_the_fixed_one_or_the_median_of_enough_history():
    assert domain.own_norm(Decimal("7.5"), []) == Decimal("7.5")
    assert domain.own_norm(None, [Decimal(8), Decimal(9)]) is None
    assert domain.own_norm(None, [Decimal(8), Decimal(9), Decimal(20)]) == Decimal(9)


def test_fuel_quantity_fits_the_fuel_type():
    with pytest.raises(RuleViolation) as diesel:  # the vehicle's fuel decides: a rule, not bad input
        domain.check_fuel_quantity("diesel", None, Decimal(10))
    assert diesel.value.rule == "vehicles.fuel_quantity"
    with pytest.raises(RuleViolation):
        domain.check_fuel_quantity("electric", Decimal(10), None)
    with pytest.raises(Invalid):
        domain.check_fuel_quantity("hybrid", None, None)
    domain.check_fuel_quantity("hybrid", None, Decimal(10))


def test_service_is_due_by_distance_or_time_whichever_comes_first():
    last = date(2026, 1, 1)
    assert domain.service_reminder(last, Decimal(0), Decimal(1000), date(2026, 2, 1), None, None) is None
    by_km = domain.service_reminder(last, Decimal(0), Decimal(5000), date(2026, 2, 1), None, None)
    assert (by_km.state, by_km.due_km) == ("overdue", Decimal(5000))
    by_time = domain.service_reminder(last, Decimal(0), Decimal(100), date(2026, 6, 30), None, None)
    assert by_time.state == "overdue" and by_time.due_on == date(2026, 6, 30)
    assert domain.service_reminder(last, Decimal(0), Decimal(4600), date(2026, 2, 1), None, None).state == "due_soon"
    assert domain.service_reminder(last, Decimal(0), Decimal(100), date(2026, 6, 1), None, None).state == "due_soon"
    assert domain.service_reminder(last, Decimal(0), Decimal(4600), date(2026, 2, 1), 10000, None) is None


def test_insurance_and_inspection_expiry_reminders():
    today = date(2026, 5, 1)
    assert domain.expiry_reminder("insurance", date(2026, 4, 30), today).state == "overdue"
    assert domain.expiry_reminder("inspection", date(2026, 5, 20), today).state == "due_soon"
    assert domain.expiry_reminder("insurance", date(2026, 8, 1), today) is None
    assert domain.expiry_reminder("insurance", None, today) is None


def test_renewal_after_eight_years_configurable_and_early_disposal_needs_a_reason():
    assert domain.renewal_eligible_on(date(2016, 2, 29)) == date(2024, 2, 29)
    assert domain.renewal_eligible_on(date(2016, 2, 29), replace(SETTINGS, renewal_years=9)) == date(2025, 2, 28)
    assert domain.renewal_eligible_on(date(2018, 3, 1), replace(SETTINGS, renewal_years=10)) == date(2028, 3, 1)
    domain.check_disposal("available", date(2018, 3, 1), date(2026, 3, 1), None)
    with pytest.raises(RuleViolation) as early:
        domain.check_disposal("available", date(2018, 3, 1), date(2026, 2, 28), None)
    assert early.value.rule == "vehicles.renewal_too_early"
    domain.check_disposal("available", date(2018, 3, 1), date(2020, 1, 1), "事故报废")
    with pytest.raises(Conflict):
        domain.check_disposal("disposed", date(2010, 1, 1), date(2026, 1, 1), None)


def test_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("VEHICLES_RENEWAL_YEARS", "10")
    monkeypatch.setenv("VEHICLES_BLOCK_EXPIRED_LICENCE", "false")
    monkeypatch.setenv("VEHICLES_CONSUMPTION_FACTOR", "1.3")
    settings = Settings.from_env()
    assert (settings.renewal_years, settings.block_expired_licence, settings.consumption_factor) == (10, False, 1.3)
    assert Settings().renewal_years == 8


def test_a_day_is_a_day_in_shanghai():
    assert domain.local_day(datetime(2026, 4, 30, 17, 0, tzinfo=timezone.utc)) == date(2026, 5, 1)


def test_insurance_must_come_from_a_designated_insurer_and_work_from_a_designated_shop():
    from services.vehicles.domain import vendor_flag, vendor_kind_for_record

    assert vendor_kind_for_record("insurance") == "insurance"
    assert vendor_kind_for_record("repair") == vendor_kind_for_record("service") == "repair"
    assert vendor_flag(True, "insurance", vendor_kind_for_record("insurance")) is None
    assert vendor_flag(True, "repair", vendor_kind_for_record("insurance"))[0] == "non_designated_vendor"
    assert vendor_flag(False, "insurance", vendor_kind_for_record("insurance"))[0] == "non_designated_vendor"


# dates, a fleet taken over, new drivers -------------------------------------------------------
def test_a_car_request_starts_no_earlier_than_a_short_grace_before_now():
    grace = timedelta(minutes=SETTINGS.request_past_grace_minutes)
    domain.check_request_start(T - grace, T)
    domain.check_request_start(T + 48 * H, T)
    with pytest.raises(RuleViolation) as past:
        domain.check_request_start(T - grace - timedelta(seconds=1), T)
    assert past.value.rule == "vehicles.request_in_past"
    with pytest.raises(RuleViolation):
        domain.check_request_start(T - timedelta(days=30), T)


def test_a_driver_is_bound_by_the_meetings_held_after_the_day_they_joined():
    joined = date(2026, 5, 6)
    assert domain.first_binding_meeting_day(joined) == date(2026, 5, 7)
    strict = replace(SETTINGS, new_driver_bound_from_next_day=False)
    assert domain.first_binding_meeting_day(joined, strict) == joined


def test_the_first_fill_is_held_to_the_registered_odometer():
    registered = (Decimal(50000), T)
    below = domain.check_fuel(None, None, Decimal(30000), T + H, Decimal(40), None, True, "fuel", registered=registered)
    assert [kind for kind, _ in below.flags] == ["odometer"] and below.l_per_100km is None
    fine = domain.check_fuel(None, None, Decimal(50100), T + H, Decimal(40), None, True, "fuel", registered=registered)
    assert fine.flags == [] and fine.distance_km is None  # no consumption from an unknown tank
    jump = domain.check_fuel(None, None, Decimal(90000), T + H, Decimal(40), None, True, "fuel", registered=registered)
    assert [kind for kind, _ in jump.flags] == ["odometer"]
    history = domain.check_fuel(None, None, Decimal(30000), T - 48 * H, Decimal(40), None, True, "fuel",
                                registered=registered)
    assert history.flags == []  # a fill from before registration


def test_reminders_count_from_the_latest_known_service():
    taken_over = (date(2026, 4, 1), Decimal(58000))
    assert domain.last_service(None, taken_over, date(2018, 5, 1), date(2026, 5, 1)) == taken_over
    later = (date(2026, 6, 1), Decimal(60000))
    assert domain.last_service(later, taken_over, None, date(2026, 5, 1)) == later
    assert domain.last_service(None, None, date(2018, 5, 1), date(2026, 5, 1)) == (date(2018, 5, 1), 0)
    assert domain.last_service(None, None, None, date(2026, 5, 1)) == (date(2026, 5, 1), 0)


def test_a_last_service_comes_with_its_day_and_reading_within_the_odometer():
    domain.check_last_service(None, None, Decimal(100))
    domain.check_last_service(date(2026, 4, 1), Decimal(100), Decimal(100))
    for day, km, field in ((date(2026, 4, 1), None, "last_service_odometer_km"),
                           (None, Decimal(5), "last_service_on")):
        with pytest.raises(Invalid) as refused:
            domain.check_last_service(day, km, Decimal(100))
        assert field in refused.value.errors
    # well formed, refused for the vehicle's own reading: a rule (422), not bad input
    with pytest.raises(RuleViolation) as refused:
        domain.check_last_service(date(2026, 4, 1), Decimal(101), Decimal(100))
    assert refused.value.rule == "vehicles.last_service_above_odometer"
    assert "last_service_odometer_km" in refused.value.errors


def test_a_last_service_is_given_as_a_day_and_a_reading_together_as_the_document_says():
    """Both or neither in one request, registering a vehicle or changing it (the document
    states it as anyOf); a null clears both."""
    import jsonschema

    from gateway.openapi import schema_rules
    from services.kit.schemas import load
    from services.vehicles.contract import VehicleCreate, VehicleUpdate

    for schema in (VehicleCreate, VehicleUpdate):
        stated = schema_rules(schema)
        for body, accepted in (({}, True), ({"last_service_on": "2026-04-01", "last_service_odometer_km": 5}, True),
                               ({"last_service_on": None, "last_service_odometer_km": None}, True),
                               ({"last_service_on": "2026-04-01"}, False),
                               ({"last_service_on": "2026-04-01", "last_service_odometer_km": None}, False),
                               ({"last_service_odometer_km": 5}, False)):
            assert jsonschema.Draft4Validator(stated).is_valid(body) is accepted, (schema, body)
            if schema is VehicleUpdate:
                if accepted:
                    load(VehicleUpdate(), body)
                else:
                    with pytest.raises(Invalid):
                        load(VehicleUpdate(), body)


def test_a_valid_vin_passes_and_is_upper_cased():
    assert domain.normalise_vin(" 1m8gdm9axkp042788 ") == "1M8GDM9AXKP042788"


def test_the_vin_check_digit_is_computed_by_iso_3779():
    assert domain.vin_check_digit("1M8GDM9AXKP042788") == "X"
    assert domain.vin_check_digit("1HGCM82633A004352") == "3"


@pytest.mark.parametrize("vin, reason", [
    ("1M8GDM9A1KP042788", "check digit"),
    ("1M8GDM9AXKP04278", "17 characters"),
    ("1M8GDM9AXKP04278O", "17 characters"),  # O is never used
])
def test_a_wrong_vin_names_the_field(vin, reason):
    with pytest.raises(Invalid) as caught:
        domain.normalise_vin(vin)
    assert reason in caught.value.errors["vin"][0]


@pytest.mark.parametrize("raw, plate", [("浙A12345", "浙A12345"), ("浙a·12345", "浙A12345"), ("京AD12345", "京AD12345")])
def test_plates_are_normalised(raw, plate):
    assert domain.normalise_plate(raw) == plate


@pytest.mark.parametrize("raw", ["ZA12345", "浙A1234", "浙I12345", "浙A1234567", "浙AO2345"])
def test_a_malformed_plate_is_refused(raw):
    with pytest.raises(Invalid) as caught:
        domain.normalise_plate(raw)
    assert "plate" in caught.value.errors


def test_the_annual_vehicle_workbook_writes_a_formula_like_unit_code_as_text():
    import io

    from openpyxl import load_workbook

    from services.vehicles.reports import workbook_bytes

    figures = {"dispatches": 1, "distance_km": 10.0, "fuel_liters": 1.0, "fuel_kwh": 0.0, "fuel_yuan": 8.0,
               "dispatch_cost_yuan": 0.0, "service_yuan": 0.0, "cost_yuan": 8.0, "l_per_100km": 10.0}
    report = {"year": 2026, "fleet": {"vehicles_at_year_end": 1, "quota_slots": 2, "purchased": 0, "disposed": 0,
                                      "disposal_proceeds_yuan": 0.0, "eligible_for_renewal": 0, "by_category": {}},
              "stats": {"by_vehicle": [{**figures, "plate": "@A1", "unit_code": "=1+2"}],
                        "by_unit": [{**figures, "unit_code": "=1+2"}], "totals": figures,
                        "flags": {"raised": 0, "resolved": 0, "violations": 0, "open": 0, "by_kind": {}}}}
    book = load_workbook(io.BytesIO(workbook_bytes(report)))
    by_vehicle, by_unit = book["按车辆"], book["按单位"]
    assert [(c.value, c.data_type) for c in by_vehicle[2][:2]] == [("@A1", "s"), ("=1+2", "s")]
    assert (by_unit["A2"].value, by_unit["A2"].data_type) == ("=1+2", "s")
