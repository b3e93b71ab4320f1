"""Facilities rules as plain Python: no nameko, no database."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.kit.errors import RuleViolation


@dataclass(frozen=True)
class Occupancy:
    """What decides a unit's area: which unit holds a room, in which building, how large."""

    building_id: int
    unit_code: str | None
    usable_area_m2: Decimal


def check_room_occupancy(room_type: str, unit_code: str | None) -> None:
    if room_type == "vacant" and unit_code:
        raise RuleViolation(
            "a vacant room has no occupying unit", "facilities.vacant_room_occupied",
            {"unit_code": ["must be empty for a vacant room"]},
        )


def units_with_changed_area(before: Occupancy | None, after: Occupancy) -> set[tuple[int, str]]:
    """(building, unit) pairs whose usable area a room change alters."""
    if before == after:
        return set()
    pairs = set()
    for occupancy in (before, after):
        if occupancy is not None and occupancy.unit_code:
            pairs.add((occupancy.building_id, occupancy.unit_code))
    return pairs
