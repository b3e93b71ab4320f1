"""The vehicles service (公务用车): one nameko class, its RPC grouped by area.

- ``base.py``: what every area shares (clock, today, paging, status changes, flags)
- ``fleet.py``: vehicles, quotas, drivers, safety meetings, assessments
- ``dispatching.py``: the dispatch workflow and its double-booking guard
- ``monitoring.py``: GPS trips and flags
- ``upkeep.py``: vendors, fuel, service records, reminders, disposal
- ``reports.py``: statistics and the annual report
"""
from __future__ import annotations

from services.kit.audit import AuditTrail
from services.kit.context import CallContext
from services.kit.db import Database
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.vehicles import contract
from services.vehicles.dispatching import DispatchRpc
from services.vehicles.fleet import FleetRpc
from services.vehicles.models import AuditEntry, OutboxEvent, ProcessedEvent
from services.vehicles.monitoring import MonitoringRpc
from services.vehicles.reports import ReportsRpc
from services.vehicles.unit_codes import UnitCodesRpc
from services.vehicles.upkeep import UpkeepRpc


class VehiclesService(UnitCodesRpc, FleetRpc, DispatchRpc, MonitoringRpc, UpkeepRpc, ReportsRpc, HealthMixin, OutboxRelayMixin, AuditTrail):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent, AuditEntry)
    call = CallContext()
