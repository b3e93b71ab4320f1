"""The energy service: institutions and their floor area (more to come)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from services.energy import contract, domain
from services.energy.models import Institution, OutboxEvent, ProcessedEvent, UnitFloorArea
from services.facilities import contract as facilities
from services.kit.context import CallContext
from services.kit.db import Database, get_or_404, paginate
from services.kit.entrypoints import event_handler, rpc
from services.kit.errors import Conflict
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.kit.schemas import load, page_of

MANAGERS = ("energy_officer",)
READERS = ("energy_officer", "leader", "unit_user")

institution_out = contract.Institution()


class EnergyService(HealthMixin, OutboxRelayMixin):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent)
    call = CallContext()

    @rpc
    def create_institution(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.InstitutionCreate(), payload)
        session = self.db.session
        if session.scalar(select(Institution.id).where(Institution.unit_code == data["unit_code"])):
            raise Conflict(f"an institution for unit {data['unit_code']} is already registered")
        known = session.get(UnitFloorArea, data["unit_code"])
        area, source = domain.initial_floor_area(data.pop("floor_area_m2"), known.usable_area_m2 if known else None)
        institution = Institution(**data, floor_area_m2=area, area_source=source)
        session.add(institution)
        session.flush()
        return institution_out.dump(institution)

    @rpc
    def list_institutions(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.InstitutionQuery(), query or {})
        statement = select(Institution).order_by(Institution.id)
        unit_code = caller.unit_filter(q.get("unit_code"))
        if unit_code:
            statement = statement.where(Institution.unit_code == unit_code)
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of(institution_out.dump(items, many=True), total)

    @rpc
    def get_institution(self, institution_id):
        self.call.caller.require(*READERS)
        institution = get_or_404(self.db.session, Institution, int(institution_id), "institution")
        self.call.caller.check_visible(institution.unit_code, "institution")
        return institution_out.dump(institution)

    @event_handler(facilities.SERVICE, facilities.BUILDING_AREA_CHANGED)
    def on_building_area_changed(self, payload):
        event = facilities.BuildingAreaChanged().load(payload)
        if not self.db.first_delivery(event["event_id"], "energy.on_building_area_changed"):
            return
        session = self.db.session
        area = Decimal(str(event["unit_usable_area_m2"])).quantize(Decimal("0.01"))
        known = session.get(UnitFloorArea, event["unit_code"])
        if known is None:
            known = UnitFloorArea(unit_code=event["unit_code"], usable_area_m2=area, as_of=event["occurred_at"])
            session.add(known)
        elif domain.is_newer(event["occurred_at"], known.as_of):
            known.usable_area_m2, known.as_of = area, event["occurred_at"]
        else:
            return
        institution = session.scalar(select(Institution).where(Institution.unit_code == event["unit_code"]))
        if institution is not None and domain.floor_area_from_facilities(institution.area_source):
            institution.floor_area_m2, institution.area_source = area, "facilities"
