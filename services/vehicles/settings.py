"""Every number of the vehicle rules, in one place, with the DOMAIN.md default.

Each field reads ``VEHICLES_<FIELD NAME IN CAPITALS>`` from the environment.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.kit.config import settings_from_env


@dataclass(frozen=True)
class Settings:
    # Quota (编制): a unit without a quota record may register no vehicle when true;
    # when false such a unit is not limited (only units with a quota are counted).
    quota_required: bool = False
    # Drivers: who may not be assigned (DOMAIN: configurable).
    block_expired_licence: bool = True
    block_missed_safety_meeting: bool = True
    # A driver registered on or after a meeting's day is bound only by the meetings held after
    # that day (assignable until the next one); false: a meeting held the day they joined binds too.
    new_driver_bound_from_next_day: bool = True
    # A unit's or reception's car request starts no earlier than this many minutes ago (a car
    # asked for as it leaves); the dispatcher enters past trips (补录) without this limit.
    request_past_grace_minutes: int = 60
    # GPS: a trip is covered by a dispatch whose window, widened by this, contains it.
    gps_match_tolerance_minutes: int = 30
    # Fuel and odometer plausibility.
    odometer_max_km_per_day: float = 1000.0  # more than this per elapsed day is a jump
    consumption_factor: float = 1.5  # flagged above norm x factor
    consumption_min_samples: int = 3  # fill-ups before a vehicle's own norm is trusted
    # Maintenance reminders: whichever of distance or time comes first.
    service_interval_km: int = 5000
    service_interval_days: int = 180
    service_due_soon_km: int = 500
    due_soon_days: int = 30  # service, insurance and annual inspection
    # Renewal (更新): allowed after this many years of service.
    renewal_years: int = 8

    @classmethod
    def from_env(cls) -> "Settings":
        return settings_from_env(cls, "VEHICLES")


SETTINGS = Settings.from_env()
