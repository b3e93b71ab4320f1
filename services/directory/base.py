"""What every area of the directory service shares: the clock, today, paging."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from services.directory.settings import SETTINGS
from services.kit.db import page, utcnow


class DirectoryBase:
    """The base of each area class (``UnitsRpc``, ``SheetsRpc``)."""

    @staticmethod
    def _now():
        return utcnow()

    def _today(self) -> date:
        return self._now().astimezone(ZoneInfo(SETTINGS.timezone)).date()

    def _page(self, statement, q: dict, dump, **equal_columns) -> dict:
        """One page of ``statement``, each row through ``dump``, with the unpaged total."""
        return page(self.db.session, statement, q, dump, **equal_columns)
