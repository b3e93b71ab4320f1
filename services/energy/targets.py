"""RPC of the targets (目标) an institution's year is measured against."""
from __future__ import annotations

from sqlalchemy import select

from services.energy import contract, reports, repository
from services.energy.base import EnergyBase
from services.energy.contract import MANAGERS
from services.energy.models import Target
from services.kit.errors import Conflict
from services.kit.entrypoints import rpc
from services.kit.schemas import load

target_out = contract.Target()


class TargetsRpc(EnergyBase):
    @rpc
    def create_target(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.TargetCreate(), payload)
        session = self.db.session
        institution = repository.institution_by_unit(session, data["unit_code"])
        if session.scalar(select(Target.id).where(Target.institution_id == institution.id, Target.year == data["year"])):
            raise Conflict(f"a target for {data['unit_code']} in {data['year']} is already set", {"year": ["already set"]})
        target = Target(institution_id=institution.id, **data)
        session.add(target)
        session.flush()
        reports.evaluate_risk(self.db, institution, data["year"])
        return target_out.dump(target)

    @rpc(reads_only=True)
    def list_targets(self, query=None):
        return self._page(Target, target_out, contract.TargetQuery(), query, (Target.year, Target.unit_code))

    @rpc(reads_only=True)
    def get_target(self, target_id):
        return target_out.dump(self._one(Target, target_id, "target"))
