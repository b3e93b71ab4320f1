from datetime import datetime, timedelta, timezone
from decimal import Decimal

from services.energy import domain

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_an_entered_area_is_manual_and_wins_over_facilities():
    assert domain.initial_floor_area(Decimal("500"), Decimal("300")) == (Decimal("500"), "manual")
    assert domain.initial_floor_area(None, Decimal("300")) == (Decimal("300"), "facilities")
    assert domain.initial_floor_area(None, None) == (None, None)


def test_a_manual_area_is_not_overwritten_by_events():
    assert domain.floor_area_from_facilities("facilities")
    assert domain.floor_area_from_facilities(None)
    assert not domain.floor_area_from_facilities("manual")


def test_only_a_newer_area_event_counts():
    assert domain.is_newer(T0, None)
    assert domain.is_newer(T0 + timedelta(seconds=1), T0)
    assert not domain.is_newer(T0, T0)
    assert not domain.is_newer(T0 - timedelta(seconds=1), T0)


def test_retrofit_summary_averages_only_measured_rates():
    projects = [{"investment_yuan": Decimal("20000.50"), "measured_saving_rate": 0.2},
                {"investment_yuan": Decimal("1000"), "measured_saving_rate": 0.3},
                {"investment_yuan": Decimal("500"), "measured_saving_rate": None}]
    assert domain.retrofit_summary(projects) == {
        "completed": 3, "investment_yuan": 21500.5, "measured": 2, "mean_measured_saving_rate": 0.25}
    assert domain.retrofit_summary([])["mean_measured_saving_rate"] is None


def test_fuel_events_of_a_batch_enter_the_ledger_once_per_event_and_per_transaction():
    def event(event_id, transaction_id):
        return {"event_id": event_id, "transaction_id": transaction_id}

    batch = [event("a", 1), event("b", 2), event("a", 1), event("c", 2), event("d", 3), event("e", 4)]
    # "a" and "b" are first deliveries; "c" is transaction 2 again under another id; "d" was
    # applied before; transaction 4 is in the ledger already
    chosen = domain.new_fuel_transactions(batch, {"a", "b", "c", "e"}, known_transactions={4})
    assert [e["event_id"] for e in chosen] == ["a", "b"]


def test_a_fleet_fuel_entry_keeps_the_ledgers_places_and_the_local_month():
    entry = domain.fleet_fuel_entry({
        "event_id": "x", "transaction_id": 7, "vehicle_id": 3, "unit_code": "U1", "fuel_type": "diesel",
        "liters": 40.12345, "kwh": None, "amount_yuan": 300.456,
        "filled_at": datetime(2025, 3, 31, 17, 0, tzinfo=timezone.utc)})
    assert (entry["liters"], entry["kwh"], entry["amount_yuan"], entry["period"]) == (
        Decimal("40.123"), None, Decimal("300.46"), "2025-04")


def test_a_months_report_is_missing_only_once_the_due_day_of_the_next_month_is_over():
    on_the_10th = datetime(2025, 3, 10, 15, 59, tzinfo=timezone.utc)  # 23:59 on 10 March in Shanghai
    assert domain.due_periods(2025, on_the_10th, 10) == ["2025-01"]
    assert domain.due_periods(2025, datetime(2025, 3, 10, 16, 0, tzinfo=timezone.utc), 10) == ["2025-01", "2025-02"]
    assert domain.due_periods(2025, datetime(2026, 1, 11, 0, 0, tzinfo=timezone.utc), 10)[-1] == "2025-12"
    assert domain.due_periods(2025, datetime(2026, 1, 10, 0, 0, tzinfo=timezone.utc), 10)[-1] == "2025-11"
    assert domain.due_periods(2027, datetime(2026, 1, 11, tzinfo=timezone.utc), 10) == []
