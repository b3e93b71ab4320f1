"""The facilities service: office space, inspections, repairs and meeting rooms.

The class is thin and composed of one mixin per area (``space``, ``inspections``,
``repairs``, ``meetings``); the rules are in ``domain.py``.
"""
from __future__ import annotations

from nameko.timer import timer

from services.facilities import contract
from services.facilities.availability import AvailabilityRpc
from services.facilities.inspections import InspectionRpc
from services.facilities.meetings import MeetingRpc
from services.facilities.models import AuditEntry, OutboxEvent, ProcessedEvent
from services.facilities.repairs import RepairRpc
from services.facilities.settings import SETTINGS
from services.facilities.space import SpaceRpc
from services.facilities.unit_codes import UnitCodesRpc
from services.kit.audit import AuditTrail
from services.kit.context import CallContext
from services.kit.db import Database
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.kit.rpc_client import ServiceRpc


class FacilitiesService(UnitCodesRpc, SpaceRpc, InspectionRpc, RepairRpc, MeetingRpc, AvailabilityRpc, HealthMixin, OutboxRelayMixin, AuditTrail):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent, AuditEntry)
    call = CallContext()
    reception = ServiceRpc("reception")  # asked about meeting bookings (meetings.py)

    @timer(interval=SETTINGS.overdue_check_interval)
    def watch_overdue_rectifications(self):
        self._flag_overdue_rectifications()
