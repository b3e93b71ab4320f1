"""The console's words for codes, fields and errors: all from the gateway's message catalogue
(``gateway/messages.py``), which the API's Chinese answers use too."""
from __future__ import annotations

from gateway.messages import (  # noqa: F401  (the console's views import these from here)
    ENERGY_TYPES, FIELD_NAMES, FLAG_KINDS, GUEST_ORIGINS, INDICATORS, MEALS, REPAIR_CATEGORIES, ROLE_NAMES, SEVERITIES,
    STATUS_NAMES, STATUS_NAMES_IN, VEHICLE_STATUSES, message, rule_reasons,
)


def status_name(code, area: str | None = None) -> str:
    return STATUS_NAMES_IN.get(area, {}).get(code) or STATUS_NAMES.get(code, code or "")
