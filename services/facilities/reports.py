"""The figures of facilities: inspections and rectifications, repairs, over a period."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from services.facilities import contract, domain, repository
from services.facilities.contract import FIGURE_READERS
from services.facilities.base import FacilitiesBase
from services.facilities.models import Allocation, Inspection
from services.facilities.settings import SETTINGS
from services.kit.entrypoints import rpc
from services.kit.schemas import load


class ReportsRpc(FacilitiesBase):
    @rpc(reads_only=True)
    def inspection_stats(self, query):
        self.call.caller.require(*FIGURE_READERS)
        q = load(contract.PeriodQuery(), query or {})
        inspections = self.db.session.scalars(repository.inspections_query().where(
            Inspection.inspected_on.between(q["from_on"], q["to_on"]))).all()
        raised = [(r.status, r.deadline_on) for inspection in inspections for r in inspection.rectifications]
        kinds = self.db.session.scalars(select(Allocation.kind).where(
            Allocation.allocated_on.between(q["from_on"], q["to_on"]))).all()
        return contract.InspectionStats().dump({"period_from": q["from_on"], "period_to": q["to_on"], **domain.inspection_figures(
            len(inspections), raised, self._today(), [i.unit_code for i in inspections], kinds)})

    @rpc(reads_only=True)
    def repair_stats(self, query):
        self.call.caller.require(*FIGURE_READERS)
        q = load(contract.PeriodQuery(), query or {})
        start = datetime.combine(q["from_on"], time(0), SETTINGS.timezone)
        end = datetime.combine(q["to_on"] + timedelta(days=1), time(0), SETTINGS.timezone)
        facts = repository.repair_facts_between(self.db.session, start, end)
        return contract.RepairStats().dump({
            "period_from": q["from_on"], "period_to": q["to_on"],
            "total": domain.repair_figures(facts),
            "by_category": domain.repair_figures_by(facts, "category"),
            "by_building": domain.repair_figures_by(facts, "building_id"),
        })
