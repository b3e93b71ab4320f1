"""The numbers of the register (单位名录), each with its default.

Each field reads ``DIRECTORY_<FIELD NAME IN CAPITALS>`` from the environment.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.kit.config import settings_from_env


@dataclass(frozen=True)
class Settings:
    # the register is small (hundreds of units); a sheet of more rows is refused (units.import_limit)
    import_max_rows: int = 5000
    # the day a merge takes effect is a day in this zone (DOMAIN.md: Asia/Shanghai)
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_env(cls) -> "Settings":
        return settings_from_env(cls, "DIRECTORY")


SETTINGS = Settings.from_env()
