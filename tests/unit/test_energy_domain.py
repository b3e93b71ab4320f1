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
