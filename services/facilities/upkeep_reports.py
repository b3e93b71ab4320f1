"""The figures of equipment upkeep, patrols and training for a period (the annual summary reads
them): plans done on time, overdue, certificates valid; patrols done on schedule, missed,
findings closed; training sessions, hours and attendance. A mixin of ``FacilitiesService``."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from services.facilities import contract
from services.facilities import upkeep_repository as repository
from services.facilities import upkeep_rules as rules
from services.facilities.maintenance import plan_overdue
from services.facilities.base import FacilitiesBase
from services.facilities.settings import UPKEEP
from services.kit.entrypoints import rpc
from services.kit.schemas import load

FIGURE_READERS = contract.UPKEEP_FIGURE_READERS


class UpkeepReportsRpc(FacilitiesBase):
    @rpc(reads_only=True)
    def equipment_stats(self, query):
        self.call.caller.require(*FIGURE_READERS)
        q = load(contract.PeriodQuery(), query or {})
        session, today = self.db.session, self._today()
        as_of = min(today, q["to_on"])
        orders = [rules.OrderFacts(*row) for row in repository.orders_due_between(session, q["from_on"], q["to_on"])]
        in_service = dict(repository.equipment_in_service_on(session, q["to_on"]))
        certificates = repository.latest_certificates(session)
        purchases, cost = repository.purchases_between(session, q["from_on"], q["to_on"])
        by_kind = defaultdict(list)
        for order in orders:
            by_kind[order.kind].append(order)
        plans_overdue = sum(plan_overdue(session, plan, today) for plan in repository.active_plans(session))
        return contract.EquipmentStats().dump({
            "period_from": q["from_on"], "period_to": q["to_on"], "equipment": sum(in_service.values()),
            **rules.order_figures(orders, today), "plans_overdue": plans_overdue,
            "certificates": len(certificates),
            "certificates_valid": sum(rules.certificate_valid(c.expires_on, as_of) for c in certificates),
            "certificates_expiring": sum(rules.certificate_expiring(c.expires_on, as_of, UPKEEP) for c in certificates),
            "purchases": purchases, "purchases_cost_yuan": cost,
            "by_kind": [{"kind": kind, "equipment": in_service.get(kind, 0),
                         **rules.order_figures(by_kind.get(kind, []), today)}
                        for kind in contract.EQUIPMENT_KINDS if in_service.get(kind) or by_kind.get(kind)],
        })

    @rpc(reads_only=True)
    def patrol_stats(self, query):
        self.call.caller.require(*FIGURE_READERS)
        q = load(contract.PeriodQuery(), query or {})
        start, end = self._period_instants(q)
        session = self.db.session
        patrols = [rules.PatrolFacts(kind, status, len(missed or [])) for kind, status, missed
                   in repository.patrols_between(session, start, end)]
        findings = repository.findings_between(session, start, end)
        by_kind = []
        for kind in contract.PATROL_KINDS:
            figures = rules.patrol_figures(p for p in patrols if p.kind == kind)
            by_kind.append({"kind": kind, **figures, "findings": sum(f[0] == kind for f in findings)})
        return contract.PatrolStats().dump({
            "period_from": q["from_on"], "period_to": q["to_on"], **rules.patrol_figures(patrols),
            "findings": len(findings),
            "findings_closed": sum(rules.finding_closed(opens, status, repair_status)
                                   for _, opens, status, repair_status in findings),
            "by_kind": by_kind})

    @rpc(reads_only=True)
    def training_stats(self, query):
        self.call.caller.require(*FIGURE_READERS)
        q = load(contract.PeriodQuery(), query or {})
        rows = [tuple(row) for row in repository.trainings_between(self.db.session, q["from_on"], q["to_on"])]
        by_category = []
        for category in contract.TRAINING_CATEGORIES:
            figures = rules.training_figures(row for row in rows if row[0] == category)
            if figures["sessions"]:
                by_category.append({"category": category, **figures})
        return contract.TrainingStats().dump({"period_from": q["from_on"], "period_to": q["to_on"],
                                              **rules.training_figures(rows), "by_category": by_category})

    @staticmethod
    def _period_instants(q: dict) -> tuple[datetime, datetime]:
        return (datetime.combine(q["from_on"], time(0), UPKEEP.timezone),
                datetime.combine(q["to_on"] + timedelta(days=1), time(0), UPKEEP.timezone))
