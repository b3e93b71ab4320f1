"""The numbers of the facilities rules (DOMAIN.md), each with its DOMAIN default.

Every one can be changed through an environment variable ``FACILITIES_<NAME>``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping
from zoneinfo import ZoneInfo

from services.kit.config import env, settings_from_env

# 党政机关办公用房建设标准 (2014), county organs, usable m² per person, by rank.
ALLOWANCE_2014_M2 = {"county_chief": "30", "county_deputy": "24", "section_chief": "18",
                     "section_deputy": "12", "staff": "9"}


@dataclass(frozen=True)
class Settings:
    allowance_m2: Mapping[str, Decimal] = field(
        default_factory=lambda: MappingProxyType({rank: Decimal(v) for rank, v in ALLOWANCE_2014_M2.items()}))
    # the pledge 小修不过夜，大修不隔天 (local practice): due by the end of the day reported + N days
    minor_repair_due_days: int = 0
    major_repair_due_days: int = 1
    timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")
    # a recurring booking is refused beyond this many occurrences (one request, one transaction)
    max_occurrences: int = 100
    # how often the service looks for newly overdue rectifications (seconds)
    overdue_check_interval: int = 600
    # a booking starts no earlier than this many minutes ago (a meeting entered as it begins)
    booking_past_grace_minutes: int = 15
    # and each occurrence lasts at most this many hours (a room is booked for a meeting, not a season)
    booking_max_hours: int = 24
    # a booking made for a reception meeting that reception does not hold this long after it was
    # made is released (the meeting's request failed and its answer was lost; seconds, well
    # above a meeting request's longest run), checked this often (seconds)
    meeting_booking_grace: int = 300
    meeting_booking_check_interval: int = 60
    # the free/busy read covers at most this many days (a month view; a room's bookings beyond)
    availability_max_days: int = 31

    @classmethod
    def from_env(cls) -> "Settings":
        allowance = {rank: Decimal(env(f"FACILITIES_ALLOWANCE_{rank.upper()}_M2", default))
                     for rank, default in ALLOWANCE_2014_M2.items()}
        return replace(settings_from_env(cls, "FACILITIES"), allowance_m2=MappingProxyType(allowance))


SETTINGS = Settings.from_env()
