"""The vehicles service (公务用车): one nameko class, its RPC grouped by area.

- ``fleet.py``: vehicles, quotas, drivers, safety meetings, assessments
- ``dispatching.py``: the dispatch workflow and its double-booking guard
- ``monitoring.py``: GPS trips and flags
- ``upkeep.py``: vendors, fuel, service records, reminders, disposal
- ``reporting.py``: statistics and the annual report
"""
from __future__ import annotations

from services.kit.audit import AuditTrail
from services.kit.context import CallContext
from services.kit.db import Database, paginate, utcnow
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.kit.schemas import page_of
from services.vehicles import contract
from services.vehicles.dispatching import DispatchRpc
from services.vehicles.fleet import FleetRpc
from services.vehicles.models import AuditEntry, OutboxEvent, ProcessedEvent, Vehicle
from services.vehicles.monitoring import MonitoringRpc
from services.vehicles.reporting import ReportingRpc
from services.vehicles.unit_codes import UnitCodesRpc
from services.vehicles.upkeep import UpkeepRpc


class VehiclesService(UnitCodesRpc, FleetRpc, DispatchRpc, MonitoringRpc, UpkeepRpc, ReportingRpc, HealthMixin, OutboxRelayMixin, AuditTrail):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent, AuditEntry)
    call = CallContext()

    @staticmethod
    def _now():
        return utcnow()

    def _own_vehicles(self, vehicle_id=None) -> str | None:
        """The unit a unit user's fleet reads are restricted to (None for staff); a vehicle it
        names that is not its own answers 404, as another unit's record does everywhere."""
        caller = self.call.caller
        if not caller.unit_scoped:
            return None
        if vehicle_id is not None:
            vehicle = self.db.session.get(Vehicle, int(vehicle_id))
            caller.check_visible(vehicle.unit_code if vehicle else None, "vehicle")
        return caller.unit_code

    def _page(self, statement, q: dict, dump) -> dict:
        """One page of ``statement``, each row through ``dump``, with the unpaged total."""
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([dump(item) for item in items], total)
