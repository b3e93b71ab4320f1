"""The directory service (单位名录): the one register of the county's units.

The class is thin and composed of one area class per area:

- ``units.py``: list and search, read, register, change, merge, history, names
- ``sheets.py``: the register as an .xlsx sheet, exported and imported
"""
from __future__ import annotations

from services.directory import contract
from services.directory.models import AuditEntry, OutboxEvent, ProcessedEvent
from services.directory.sheets import SheetsRpc
from services.directory.units import UnitsRpc
from services.kit.audit import AuditTrail
from services.kit.context import CallContext
from services.kit.db import Database
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin


class DirectoryService(UnitsRpc, SheetsRpc, HealthMixin, OutboxRelayMixin, AuditTrail):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent, AuditEntry)
    call = CallContext()
