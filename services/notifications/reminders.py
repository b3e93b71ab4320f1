"""Reminders no event announces: a timer asks the owning services over RPC for cars overdue
back, repairs about to break the pledge, missing monthly energy reports and the week's figures
for the leaders' digest. Each due item has its own source key, so it is said once however often
the timer runs (and whichever replica runs it)."""
from __future__ import annotations

import logging
from datetime import timedelta

from nameko.timer import timer

from services.kit.context import SYSTEM_ADMIN
from services.kit.entrypoints import rpc
from services.kit.rpc_client import ServiceRpc
from services.notifications import domain
from services.notifications.base import NotificationsBase
from services.notifications.settings import SETTINGS, current

log = logging.getLogger(__name__)
MAX_PAGE = 500


class RemindersRpc(NotificationsBase):
    vehicles = ServiceRpc("vehicles")
    facilities = ServiceRpc("facilities")
    reception = ServiceRpc("reception")
    energy = ServiceRpc("energy")

    @timer(interval=SETTINGS.reminder_interval_seconds)
    def remind(self):
        self._remind()

    @rpc
    def run_reminders(self):
        """Now rather than at the timer's next round (ops, and the tests): the reminders made."""
        self.call.caller.require(SYSTEM_ADMIN)
        return self._remind()

    def _remind(self) -> dict:
        settings, now = current(), self._now()
        made = {}
        for name, check in (("car_overdue", self._cars_overdue), ("repair_pledge_at_risk", self._pledges),
                            ("energy_report_missing", self._energy_reports), ("weekly_digest", self._digest)):
            try:
                found = check(now, settings)
            except Exception as error:  # one owner away leaves the others' reminders to be made
                log.warning("reminders %s: %s; tried again next round", name, type(error).__name__)
                continue
            made[name] = sum(len(self._notify(key, [notice])) for key, notice in found)
        return made

    def _all(self, proxy, method: str, query: dict) -> list:
        items, offset = [], 0
        while True:
            page = getattr(proxy, method)({**query, "limit": MAX_PAGE, "offset": offset})
            items += page["items"]
            offset += MAX_PAGE
            if offset >= page["total"]:
                return items

    def _cars_overdue(self, now, settings):
        departed = self._all(self.vehicles, "list_dispatches", {"status": "departed"})
        return domain.cars_overdue(departed, now, timedelta(minutes=settings.car_overdue_grace_minutes))

    def _pledges(self, now, settings):
        open_repairs = [r for status in domain.OPEN_REPAIRS
                        for r in self._all(self.facilities, "list_repairs", {"status": status})]
        return domain.repairs_about_to_break_the_pledge(open_repairs, now,
                                                        timedelta(minutes=settings.pledge_warning_minutes))

    def _energy_reports(self, now, settings):
        month = domain.report_month(now, settings.energy_report_remind_from_day)
        if month is None:
            return []
        units = [i["unit_code"] for i in self._all(self.energy, "list_institutions", {})]
        reported = {r["unit_code"] for r in self._all(self.energy, "list_readings", {"period": month})}
        return domain.energy_reports_missing(units, reported, month, settings.energy_report_due_day)

    def _digest(self, now, settings):
        weeks = domain.digest_weeks(now, settings.digest_weekday, settings.digest_hour)
        if weeks is None:
            return []
        last_week, week_before, _ = weeks
        figures = [self._week_figures(start) for start in (last_week, week_before)]
        return [domain.weekly_digest(last_week, *figures)]

    def _week_figures(self, start) -> dict:
        period = {"from": start.isoformat(), "to": (start + timedelta(days=6)).isoformat()}
        cars = self.vehicles.vehicle_stats({**period, "by_vehicle": False})["totals"]
        repairs = self.facilities.repair_stats(period)["total"]
        receptions = self.reception.reception_stats(period)["receptions"]
        return {"dispatches": cars["dispatches"], "distance_km": cars["distance_km"] or 0,
                "repairs": repairs["count"], "repairs_completed": repairs["completed"],
                "receptions": receptions["batches"], "guests": receptions["guests"]}
