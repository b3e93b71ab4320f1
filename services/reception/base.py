"""What every area of the reception service shares: the clock, today, paging."""
from __future__ import annotations

from datetime import date

from services.kit.db import page, utcnow
from services.reception import domain


class ReceptionBase:
    """The base of each area class (``ReceptionRpc``, ``CanteenRpc``, ``MeetingRpc``,
    ``VisitorRpc``, ``ReportsRpc``); needs the service's ``db`` and ``call``."""

    @staticmethod
    def _now():
        return utcnow()

    def _today(self) -> date:
        return domain.local_day(self._now())

    def _page(self, statement, q: dict, dump, **equal_columns) -> dict:
        """One page of ``statement``, each row through ``dump``, with the unpaged total; each
        ``key=column`` whose key the query ``q`` carries narrows it (a unit user's listing is
        narrowed to its unit before)."""
        return page(self.db.session, statement, q, dump, **equal_columns)
