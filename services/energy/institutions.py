"""RPC of the institutions (公共机构) whose energy is recorded, and their floor area kept from
facilities' ``building_area_changed``."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from services.energy import contract, domain, repository
from services.energy.base import EnergyBase
from services.energy.contract import MANAGERS
from services.energy.models import Institution, UnitFloorArea
from services.facilities import contract as facilities
from services.kit.db import get_or_404
from services.kit.entrypoints import event_handler, rpc
from services.kit.errors import Conflict
from services.kit.schemas import load

institution_out = contract.Institution()


class InstitutionsRpc(EnergyBase):
    @rpc
    def create_institution(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.InstitutionCreate(), payload)
        session = self.db.session
        if session.scalar(select(Institution.id).where(Institution.unit_code == data["unit_code"])):
            raise Conflict(f"an institution for unit {data['unit_code']} is already registered",
                           {"unit_code": ["already registered"]})
        known = session.get(UnitFloorArea, data["unit_code"])
        area, source = domain.initial_floor_area(data.pop("floor_area_m2"), known.usable_area_m2 if known else None)
        institution = Institution(**data, floor_area_m2=area, area_source=source)
        session.add(institution)
        session.flush()
        return institution_out.dump(institution)

    @rpc(reads_only=True)
    def list_institutions(self, query=None):
        return self._page(Institution, institution_out, contract.InstitutionQuery(), query, (Institution.id,))

    @rpc(reads_only=True)
    def get_institution(self, institution_id):
        return institution_out.dump(self._one(Institution, institution_id, "institution"))

    @rpc
    def update_institution(self, institution_id, payload):
        self.call.caller.require(*MANAGERS)
        changes = load(contract.InstitutionUpdate(), payload, partial=True)
        institution = get_or_404(self.db.session, Institution, int(institution_id), "institution")
        self.db.audit("correct", institution)
        if "floor_area_m2" in changes:
            entered = changes.pop("floor_area_m2")
            if entered is None:  # back to the figure facilities keep
                known = self.db.session.get(UnitFloorArea, institution.unit_code)
                institution.floor_area_m2 = known.usable_area_m2 if known else None
                institution.area_source = "facilities" if known else None
            else:
                institution.floor_area_m2, institution.area_source = entered, "manual"
        for key, value in changes.items():
            setattr(institution, key, value)
        self.db.session.flush()
        return institution_out.dump(institution)

    @event_handler(facilities.SERVICE, facilities.BUILDING_AREA_CHANGED)
    def on_building_area_changed(self, payload):
        event = facilities.BuildingAreaChanged().load(payload)
        if not self.db.first_delivery(event["event_id"], "energy.on_building_area_changed"):
            return
        session = self.db.session
        area = Decimal(str(event["unit_usable_area_m2"])).quantize(Decimal("0.01"))
        # the first events of a new unit may arrive together: the row is inserted unless another
        # worker did, then locked and compared, so none of them fails on the unit's key
        if not repository.insert_unit_area(session, event["unit_code"], area, event["occurred_at"]):
            known = session.get(UnitFloorArea, event["unit_code"], with_for_update=True, populate_existing=True)
            if not domain.is_newer(event["occurred_at"], known.as_of):
                return
            known.usable_area_m2, known.as_of = area, event["occurred_at"]
        institution = session.scalar(select(Institution).where(Institution.unit_code == event["unit_code"]))
        if institution is not None and domain.floor_area_from_facilities(institution.area_source):
            institution.floor_area_m2, institution.area_source = area, "facilities"
