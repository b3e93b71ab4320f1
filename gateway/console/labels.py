"""The console's words for codes, fields and errors: all from the gateway's message catalogue
(``gateway/messages.py``), which the API's Chinese answers use too."""
from __future__ import annotations

from gateway.messages import (  # noqa: F401  (the console's views import these from here)
    ENERGY_TYPES, EQUIPMENT_KINDS, FIELD_NAMES, FINDING_CATEGORIES, FLAG_KINDS, GUEST_ORIGINS, INDICATORS, MEALS,
    PATROL_KINDS, PLAN_KINDS, REPAIR_CATEGORIES, ROLE_NAMES, SEVERITIES, STATUS_NAMES, STATUS_NAMES_IN,
    TRAINING_CATEGORIES, VEHICLE_STATUSES, message, rule_reasons,
)


def status_name(code, area: str | None = None) -> str:
    return STATUS_NAMES_IN.get(area, {}).get(code) or STATUS_NAMES.get(code, code or "")
