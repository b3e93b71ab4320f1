"""The reception service: official receptions, the canteen, meetings and the gate.

Thin: each area's entrypoints live in their own module (``receptions``, ``canteen``,
``meetings``, ``visitors``, ``reports``), each subclassing ``ReceptionBase`` (``base``: clock, today,
paging), and its rules in ``domain``.
"""
from __future__ import annotations

from services.kit.audit import AuditTrail
from services.kit.context import CallContext
from services.kit.db import Database
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.kit.rpc_client import ServiceRpc
from services.reception import contract
from services.reception.canteen import CanteenRpc
from services.reception.meetings import MeetingRpc
from services.reception.models import AuditEntry, OutboxEvent, ProcessedEvent
from services.reception.receptions import ReceptionRpc
from services.reception.reports import ReportsRpc
from services.reception.unit_codes import UnitCodesRpc
from services.reception.visitors import VisitorRpc


class ReceptionService(UnitCodesRpc, ReceptionRpc, CanteenRpc, MeetingRpc, VisitorRpc,
                       ReportsRpc, HealthMixin, OutboxRelayMixin, AuditTrail):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent, AuditEntry)
    call = CallContext()
    facilities = ServiceRpc("facilities")
    vehicles = ServiceRpc("vehicles")
