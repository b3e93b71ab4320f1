"""The numbers of the facilities rules (DOMAIN.md), each with its DOMAIN default.

Every one can be changed through an environment variable ``FACILITIES_<NAME>``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import time
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


@dataclass(frozen=True)
class UpkeepSettings:
    """The numbers of equipment upkeep and patrols (DOMAIN.md "Equipment", "Patrols"), each
    configurable through ``FACILITIES_<NAME>``: the statutory intervals are the defaults a new
    piece of equipment's plans are made with (a plan may then be given its own)."""

    # elevators: maintenance at least every 15 days (TSG T5002-2017); inspection every year (TSG T7001)
    elevator_maintenance_days: int = 15
    elevator_inspection_months: int = 12
    # fire protection: a full test by a qualified body every year (GB 25201-2010);
    # extinguishers checked every month (GB 50444-2008)
    fire_system_test_months: int = 12
    extinguisher_check_months: int = 1
    # extinguishers sent for repair (GB 50444-2008 5.3): water-based 3 years after leaving the factory then
    # every year; dry powder, clean agent and CO2 5 years then every 2; scrapped (5.4) after water-based 6,
    # dry powder 10, clean agent 10, CO2 12 years
    extinguisher_water_first_repair_years: int = 3
    extinguisher_water_repair_every_years: int = 1
    extinguisher_other_first_repair_years: int = 5
    extinguisher_other_repair_every_years: int = 2
    extinguisher_water_scrap_years: int = 6
    extinguisher_dry_powder_scrap_years: int = 10
    extinguisher_clean_agent_scrap_years: int = 10
    extinguisher_co2_scrap_years: int = 12
    # secondary water supply tanks: cleaned and disinfected every six months (GB 17051; provinces)
    water_tank_cleaning_months: int = 6
    # water pumps (local practice): serviced every three months
    water_pump_service_months: int = 3
    # lightning protection: tested every year, every six months where explosive materials are kept
    lightning_test_months: int = 12
    lightning_explosive_test_months: int = 6
    # generators (local practice): a no-load test run every month, a load test every year
    generator_no_load_months: int = 1
    generator_load_months: int = 12
    # boilers and pressure vessels: the yearly periodic inspection (TSG 08-2017 / TSG 21-2016)
    boiler_inspection_months: int = 12
    # HVAC and power distribution (local practice): before each season of heavy use
    hvac_service_months: int = 6
    power_test_months: int = 6
    # a statutory inspection's certificate is valid this long unless the body says otherwise
    certificate_valid_months: int = 12
    # a work order is generated this many days ahead of its plan's due date
    work_order_lead_days: int = 7
    # a certificate is "expiring" (listed and notified) this many days before it ends
    certificate_warning_days: int = 30
    # patrol schedules (local practice): every 2 h from 20:00 to 06:00
    patrol_every_minutes: int = 120
    patrol_from: time = time(20, 0)
    patrol_to: time = time(6, 0)
    # patrols are planned this many days ahead; the timers run this often (seconds)
    patrol_plan_days: int = 1
    upkeep_check_interval: int = 300
    timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")

    @classmethod
    def from_env(cls) -> "UpkeepSettings":
        return settings_from_env(cls, "FACILITIES", apart=("timezone",))


UPKEEP = UpkeepSettings.from_env()
