"""What every area of the directory service shares: the clock, today, paging."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from services.directory.settings import SETTINGS
from services.kit.db import paginate, utcnow
from services.kit.schemas import page_of


class DirectoryRpc:
    """The base of each area class (``UnitsRpc``, ``SheetsRpc``)."""

    @staticmethod
    def _now():
        return utcnow()

    def _today(self) -> date:
        return self._now().astimezone(ZoneInfo(SETTINGS.timezone)).date()

    def _page(self, statement, q: dict, dump) -> dict:
        """One page of ``statement``, each row through ``dump``, with the unpaged total."""
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([dump(item) for item in items], total)
