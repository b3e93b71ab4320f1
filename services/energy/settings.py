"""Every number of the energy rules (DOMAIN.md, Energy), with its default, in one place.

Each can be set by an environment variable ``ENERGY_<NAME>``; the coefficient table
itself lives in ``coefficients.py`` because it is versioned, not tuned, and the CO₂
emission factors beside it (one table, each set by ``ENERGY_KGCO2_<TYPE>``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from decimal import Decimal

from services.energy.contract import SCORE_SHEET as DEFAULT_SCORE_SHEET
from services.kit.config import env, settings_from_env



@dataclass(frozen=True)
class Settings:
    # 14th five-year plan, target year against base year (reductions as fractions)
    plan_base_year: int = 2020
    plan_target_year: int = 2025
    plan_per_area_reduction: Decimal = Decimal("0.05")
    plan_per_person_reduction: Decimal = Decimal("0.06")
    plan_water_per_person_reduction: Decimal = Decimal("0.06")
    plan_per_area_co2_reduction: Decimal = Decimal("0.07")
    # at-risk flag: evaluated once this many months of the year are reported
    risk_min_months: int = 3
    # retrofit measurement: at most this many full months after completion
    retrofit_comparison_months: int = 12
    # 节约型机关
    assessment_pass_score: int = 80
    score_sheet: tuple = DEFAULT_SCORE_SHEET
    # creation campaigns (local practice): each no-smoking patrol finding of a unit in the
    # campaign's years takes this many points off its no_smoking_patrol criteria (not below 0)
    campaign_smoking_deduction: int = 2
    campaign_evidence_max_bytes: int = 5 * 1024 * 1024  # one evidence file, decoded
    # imports and batches: a sheet past a limit is refused (rule energy.import_limit)
    import_max_rows: int = 20_000  # data rows (the header is row 1)
    import_max_columns: int = 40
    import_max_uncompressed_bytes: int = 32 * 1024 * 1024  # an .xlsx unpacked, or a CSV's text
    import_max_compression_ratio: int = 100  # unpacked / packed size of an .xlsx and of each of its parts
    import_poll_seconds: float = 1.0  # how often the service looks for queued imports
    import_lease_seconds: int = 300  # a running import not renewed for this long was interrupted: run again
    import_max_attempts: int = 3  # interrupted this often, an import fails
    readings_batch_max: int = 500
    # a month's figures are due by this day of the next month (local practice); later, missing
    report_due_day: int = 10

    @classmethod
    def from_env(cls) -> "Settings":
        sheet = env("ENERGY_SCORE_SHEET", "")  # JSON, read here
        settings = settings_from_env(cls, "ENERGY", apart=("score_sheet",))
        return replace(settings, score_sheet=tuple(json.loads(sheet))) if sheet else settings

    @property
    def plan_reductions(self) -> dict:
        """Indicator -> reduction over the plan."""
        return {
            "per_area_kgce_m2": self.plan_per_area_reduction,
            "per_person_kgce": self.plan_per_person_reduction,
            "water_per_person_m3": self.plan_water_per_person_reduction,
            "per_area_kgco2_m2": self.plan_per_area_co2_reduction,
        }


SETTINGS = Settings.from_env()
