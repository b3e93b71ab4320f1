from decimal import Decimal

import pytest

from services.facilities.domain import Occupancy, check_room_occupancy, units_with_changed_area
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
