"""The reception service's numbers, each with the default of DOMAIN.md (Reception).

Every value can be overridden by an environment variable ``RECEPTION_<NAME>``; the
meal price table by ``RECEPTION_MEAL_PRICE_<ORIGIN>_<MEAL>`` (e.g.
``RECEPTION_MEAL_PRICE_OUT_OF_COUNTY_DINNER=90``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import time
from decimal import Decimal
from types import MappingProxyType

from services.kit.config import env, settings_from_env

# 元 per person and meal. Out of county: DOMAIN.md's example standard. In county: the
# local practice chosen here (a guest from inside the county eats at home in the
# evening and is usually served in the canteen): breakfast 30, lunch 60, dinner 60.
DEFAULT_MEAL_PRICES = {
    ("out_of_county", "breakfast"): "50", ("out_of_county", "lunch"): "90", ("out_of_county", "dinner"): "90",
    ("in_county", "breakfast"): "30", ("in_county", "lunch"): "60", ("in_county", "dinner"): "60",
}


def _meal_prices() -> MappingProxyType:
    return MappingProxyType({
        key: Decimal(env(f"RECEPTION_MEAL_PRICE_{key[0].upper()}_{key[1].upper()}", default))
        for key, default in DEFAULT_MEAL_PRICES.items()
    })


@dataclass(frozen=True)
class Settings:
    # 党政机关国内公务接待管理规定: one working meal at most.
    working_meal_limit: int = 1
    # Accompanying diners: at most this many when the guests are at most ``small_group_guests``...
    accompany_small_group_guests: int = 10
    accompany_small_group_limit: int = 3
    # ...otherwise at most one per ``accompany_guests_per_diner`` guests (a third).
    accompany_guests_per_diner: int = 3
    meal_prices: MappingProxyType = field(default_factory=lambda: MappingProxyType(
        {key: Decimal(value) for key, value in DEFAULT_MEAL_PRICES.items()}))
    # The gate closes at this local time; a visit still open after it is listed.
    visitor_closing_time: time = time(17, 30)
    # Seconds between retries of a failed saga compensation (room/car release).
    compensation_retry_seconds: float = 10.0

    @classmethod
    def from_env(cls) -> "Settings":
        return replace(settings_from_env(cls, "RECEPTION"), meal_prices=_meal_prices())


SETTINGS = Settings.from_env()
