"""What every area class of the energy service shares: the clock, today, and the records'
helpers (``records.py``: who may write for which unit, paging, one visible record)."""
from __future__ import annotations

from datetime import date

from services.energy import domain
from services.energy.records import RecordsMixin
from services.kit.db import utcnow


class EnergyRpc(RecordsMixin):
    """The base of each area class (``CampaignsRpc``); needs the service's ``db`` and ``call``."""

    @staticmethod
    def _now():
        return utcnow()

    def _today(self) -> date:
        return self._now().astimezone(domain.LOCAL).date()
