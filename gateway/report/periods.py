"""The report's settings and its periods: a year, a span of days, the same span a year earlier."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.kit.config import settings_from_env


@dataclass(frozen=True)
class ReportSettings:
    rpc_timeout: float = 15.0  # seconds one statistics call may take
    timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")

    @classmethod
    def from_env(cls) -> "ReportSettings":
        return settings_from_env(cls, "REPORT")


SETTINGS = ReportSettings.from_env()


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def a_year_earlier(self) -> "Period":
        return Period(_year_back(self.first), _year_back(self.last))

    @property
    def query(self) -> dict:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    @property
    def energy_months(self) -> dict:
        """Energy is kept by month: the months the period touches, across a new year too."""
        return {"from": f"{self.first:%Y-%m}", "to": f"{self.last:%Y-%m}"}

    @property
    def assessment_year(self) -> int:
        """节约型机关 is assessed by calendar year: the last year that ends within the period, else
        the period's own year (a July-to-June period reads the year that ended in December)."""
        if self.first.year == self.last.year or (self.last.month, self.last.day) == (12, 31):
            return self.last.year
        return self.last.year - 1


def _year_back(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def period_of(q: dict, today: date) -> Period:
    if "from_on" in q:
        return Period(q["from_on"], q["to_on"])
    year = q.get("year", today.year)
    return Period(date(year, 1, 1), date(year, 12, 31))


def local_today(settings: ReportSettings = SETTINGS) -> date:
    return datetime.now(settings.timezone).date()
