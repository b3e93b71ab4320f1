"""Who reads which section, the composition of the sections over periods, and the annual report."""
from __future__ import annotations

import logging
from datetime import datetime

from gateway.report.fetch import Unavailable, reason_of, run_all
from gateway.report.figures import BUILDERS, with_change
from gateway.report.periods import SETTINGS, Period, ReportSettings, local_today, period_of
from services.kit.context import SYSTEM_ADMIN
from services.kit.errors import ServiceError

log = logging.getLogger("gateway.report")

SECTIONS = ("vehicles", "facilities", "reception", "energy", "upkeep", "security", "campaigns")
SECTION_TITLES = {
    "vehicles": "公务用车", "facilities": "办公用房与维修", "upkeep": "设备设施维保与更新", "security": "安全保卫",
    "reception": "公务接待与会务", "energy": "节能与垃圾分类", "campaigns": "创建活动",
}
OFFICER_OF = {
    "vehicles": "dispatcher", "facilities": "facility_manager", "upkeep": "facility_manager",
    "security": "facility_manager", "reception": "reception_officer", "energy": "energy_officer",
    "campaigns": "energy_officer",
}
SECTION_SERVICES = {"vehicles": "vehicles", "facilities": "facilities", "upkeep": "facilities", "security": "facilities",
                    "reception": "reception", "energy": "energy", "campaigns": "energy"}  # the service each reads
READERS = ("leader",) + tuple(sorted(set(OFFICER_OF.values())))  # the system administrator passes every gate
FULL_READERS = (SYSTEM_ADMIN, "leader")


def sections_for(caller) -> tuple[str, ...]:
    """The sections a caller may read (the module docstring says why)."""
    if caller is None or set(caller.roles) & set(FULL_READERS):
        return SECTIONS
    return tuple(name for name in SECTIONS if OFFICER_OF[name] in caller.roles)



def compose(call, sections, periods: dict[str, Period], builders=BUILDERS,
            settings: ReportSettings = SETTINGS) -> list[dict]:
    """Fetches every section for every period in one parallel round, then builds the figures.

    ``periods`` names the periods (``current`` first, then e.g. ``previous``); a section's
    figures carry the other periods' values beside them.
    """
    planned = {(name, label): builders[name][0](period) for name in sections for label, period in periods.items()}
    results = run_all(call, {(name, label, key): fetch for (name, label), fetches in planned.items()
                             for key, fetch in fetches.items()}, settings)
    out = []
    for name in sections:
        section = {"name": name, "title": SECTION_TITLES[name], "status": "ok", "reason": None, "figures": []}
        try:
            built = {}
            for label in periods:
                answers = {key: results[(name, label, key)] for key in planned[(name, label)]}
                failed = next((value for value in answers.values() if isinstance(value, BaseException)), None)
                if failed is not None:
                    raise failed
                try:
                    built[label] = builders[name][1](answers)
                except (KeyError, TypeError, AttributeError) as exc:  # an answer not of the shape expected
                    log.warning("report: %s answered another shape (%s)", name, type(exc).__name__)
                    raise Unavailable("答复的格式与预期不符") from None
            labels = list(periods)
            section["figures"] = with_change(built[labels[0]], built.get("previous"))
        except (ServiceError, Unavailable) as exc:
            section.update(status="unavailable", reason=reason_of(exc, name, settings), figures=[])
        out.append(section)
    return out


def status_of(sections: list[dict]) -> str:
    return "partial" if any(s["status"] != "ok" for s in sections) else "complete"


def annual_report(call, query: dict, settings: ReportSettings = SETTINGS) -> dict:
    period = period_of(query, local_today(settings))
    previous = period.a_year_earlier()
    sections = compose(call, sections_for(call.caller), {"current": period, "previous": previous},
                       settings=settings)
    return {
        "from_on": period.first, "to_on": period.last, "previous_from": previous.first, "previous_to": previous.last,
        "status": status_of(sections), "generated_at": datetime.now(settings.timezone), "sections": sections,
    }
