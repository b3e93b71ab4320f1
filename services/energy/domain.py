"""Energy rules as plain Python: no nameko, no database."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal


def floor_area_from_facilities(current_source: str | None) -> bool:
    """A figure someone entered by hand is kept until they clear it."""
    return current_source != "manual"


def is_newer(occurred_at: datetime, as_of: datetime | None) -> bool:
    """Area events carry totals, so only the latest one counts, whatever the arrival order."""
    return as_of is None or occurred_at > as_of


def initial_floor_area(entered: Decimal | None, known_from_facilities: Decimal | None):
    """(floor_area_m2, area_source) of a new institution."""
    if entered is not None:
        return entered, "manual"
    if known_from_facilities is not None:
        return known_from_facilities, "facilities"
    return None, None
