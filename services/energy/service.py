"""The energy service (公共机构节能): one nameko class, its RPC grouped by area.

- ``base.py``: what every area shares (clock, writes for a unit, paging, one record, risk after writes)
- ``institutions.py``: the institutions and their floor area
- ``readings.py``: the monthly readings
- ``imports.py``: the statistics-form sheets, imported as jobs
- ``targets.py``: the targets
- ``programmes.py``: audits, retrofits, assessments, waste sorting, demonstration sites
- ``fleet.py``: the fleet ledger kept from vehicles' fuel transactions
- ``reports.py``: indicators, benchmarking, a unit's overview
- ``campaigns.py``: creation campaigns (节约型机关, 健康促进机关, 无烟机关, 垃圾分类示范点)
"""
from __future__ import annotations

from services.energy import contract
from services.energy.campaigns import CampaignsRpc
from services.energy.fleet import FleetRpc
from services.energy.imports import ImportsRpc
from services.energy.institutions import InstitutionsRpc
from services.energy.models import AuditEntry, OutboxEvent, ProcessedEvent
from services.energy.programmes import ProgrammesRpc
from services.energy.readings import ReadingsRpc
from services.energy.reports import ReportsRpc
from services.energy.targets import TargetsRpc
from services.energy.unit_codes import UnitCodesRpc
from services.kit.audit import AuditTrail
from services.kit.context import CallContext
from services.kit.db import Database
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin


class EnergyService(CampaignsRpc, UnitCodesRpc, InstitutionsRpc, ReadingsRpc, TargetsRpc, ImportsRpc, ProgrammesRpc, FleetRpc,
                    ReportsRpc, HealthMixin, OutboxRelayMixin, AuditTrail):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent, AuditEntry)
    call = CallContext()
