"""The facilities service: office space, inspections, repairs and meeting rooms. One nameko
class, its RPC grouped by area, each area class subclassing ``FacilitiesBase``:

- ``base.py``: what every area shares (clock, today, paging, a room and what follows its change)
- ``space.py``: buildings, rooms, occupants, the office-area standard, allocations, vacancies
- ``inspections.py``: inspections, rectifications, the watch over overdue rectifications
- ``repairs.py``: repair orders
- ``meetings.py``: meeting rooms and their bookings
- ``availability.py``: free meeting rooms
- ``reports.py``: the figures (inspections, repairs)
- ``equipment.py``, ``maintenance.py``: the equipment register, its plans and work orders (docs/equipment.md)
- ``patrols.py``, ``training.py``: patrol routes, schedules, scans, findings; training records (docs/patrols.md)
- ``upkeep_reports.py``: the figures of upkeep, patrols and training

The rules are in ``domain.py`` and, for upkeep and patrols, ``upkeep_rules.py``.
"""
from __future__ import annotations

from services.facilities import contract
from services.facilities.availability import AvailabilityRpc
from services.facilities.equipment import EquipmentRpc
from services.facilities.inspections import InspectionRpc
from services.facilities.maintenance import MaintenanceRpc
from services.facilities.meetings import MeetingRpc
from services.facilities.models import AuditEntry, OutboxEvent, ProcessedEvent
from services.facilities.patrols import PatrolRpc
from services.facilities.repairs import RepairRpc
from services.facilities.reports import ReportsRpc
from services.facilities.space import SpaceRpc
from services.facilities.training import TrainingRpc
from services.facilities.unit_codes import UnitCodesRpc
from services.facilities.upkeep_reports import UpkeepReportsRpc
from services.kit.audit import AuditTrail
from services.kit.context import CallContext
from services.kit.db import Database
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.kit.rpc_client import ServiceRpc


class FacilitiesService(UnitCodesRpc, SpaceRpc, InspectionRpc, RepairRpc, MeetingRpc, AvailabilityRpc, ReportsRpc,
                        EquipmentRpc, MaintenanceRpc, PatrolRpc, TrainingRpc, UpkeepReportsRpc,
                        HealthMixin, OutboxRelayMixin, AuditTrail):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent, AuditEntry)
    call = CallContext()
    reception = ServiceRpc("reception")  # asked about meeting bookings (meetings.py)

