from datetime import date
from decimal import Decimal

import pytest

from services.facilities.domain import (
    Occupancy, check_room_occupancy, inspection_figures, units_with_changed_area,
)
from services.kit.errors import RuleViolation


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
        "inspections": 3, "rectifications": 4, "rectifications_done": 2, "rectification_rate": 0.5,
        "rectifications_overdue": 1}
    assert inspection_figures(1, [], date(2025, 4, 1))["rectification_rate"] is None
