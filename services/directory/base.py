"""What every area of the directory service shares: the clock, today, paging, a unit's change
under the rules and the event that tells it."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from services.directory import contract, domain, repository
from services.directory.models import Unit
from services.directory.settings import SETTINGS
from services.kit.db import page, utcnow


EVENT_FIELDS = ("name", "short_name", "kind", "parent_code", "status", "staffing", "headcount_on_staff",
                "headcount_off_staff")
# every write of the register holds this lock: the cycle and uniqueness rules read the whole register
REGISTER_LOCK = "directory.register"


def unit_event(unit: Unit) -> dict:
    return {"unit_code": unit.code, **{key: getattr(unit, key) for key in EVENT_FIELDS}}


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

    def _change(self, unit: Unit, changes: dict, announce: bool = True) -> bool:
        """Apply loaded ``UnitUpdate`` changes to ``unit`` after the rules, announced unless
        ``announce`` is false (the caller announces). True when something changed."""
        session = self.db.session
        changed = {key: value for key, value in changes.items() if getattr(unit, key) != value}
        if not changed:
            return False
        if unit.status == "merged":
            raise contract.RuleViolation("a merged unit is kept as it was; change its successor", "units.merged",
                                         {next(iter(changed)): ["the unit was merged"]})
        if "name" in changed:
            domain.check_unique("name", repository.name_taken(session, changed["name"], other_than=unit.code))
        if "parent_code" in changed:
            parent = changed["parent_code"]
            domain.check_parent(unit.code, parent, repository.status_of(session, parent), repository.parents(session))
        if "status" in changed:
            domain.check_status_change(unit.status, changed["status"], repository.active_children(session, unit.code))
            if changed["status"] == "active" and "parent_code" not in changed:  # restored under a parent still there
                domain.check_parent(unit.code, unit.parent_code, repository.status_of(session, unit.parent_code),
                                    repository.parents(session))
        for key, value in changed.items():
            setattr(unit, key, value)
        unit.initials = domain.initials(unit.name, unit.short_name)
        session.flush()
        if announce:
            self.db.emit(contract.UNIT_CHANGED, unit_event(unit))
        return True
