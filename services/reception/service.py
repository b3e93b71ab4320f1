"""The reception service: official receptions, the canteen, meetings and the gate.

Thin: each area's entrypoints live in their own module (``receptions``, ``canteen``,
``meetings``, ``visitors``, ``stats``) and its rules in ``domain``.
"""
from __future__ import annotations

from services.kit.audit import AuditTrail
from services.kit.context import CallContext
from services.kit.db import Database
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.kit.rpc_client import ServiceRpc
from services.reception import contract
from services.reception.canteen import CanteenEntrypoints
from services.reception.meetings import MeetingEntrypoints
from services.reception.models import AuditEntry, OutboxEvent, ProcessedEvent
from services.reception.receptions import ReceptionEntrypoints
from services.reception.stats import StatsEntrypoints
from services.reception.unit_codes import UnitCodesRpc
from services.reception.visitors import VisitorEntrypoints


class ReceptionService(UnitCodesRpc, ReceptionEntrypoints, CanteenEntrypoints, MeetingEntrypoints, VisitorEntrypoints,
                       StatsEntrypoints, HealthMixin, OutboxRelayMixin, AuditTrail):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent, AuditEntry)
    call = CallContext()
    facilities = ServiceRpc("facilities")
    vehicles = ServiceRpc("vehicles")
