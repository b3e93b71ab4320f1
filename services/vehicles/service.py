"""The vehicles service: the fleet register (dispatch and the rest to come)."""
from __future__ import annotations

from sqlalchemy import select

from services.kit.context import CallContext
from services.kit.db import Database, get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.kit.schemas import load, page_of
from services.vehicles import contract, domain
from services.vehicles.models import OutboxEvent, ProcessedEvent, Vehicle

MANAGERS = ("dispatcher",)
READERS = ("dispatcher", "leader", "unit_user")

vehicle_out = contract.Vehicle()


class VehiclesService(HealthMixin, OutboxRelayMixin):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent)
    call = CallContext()

    @rpc
    def create_vehicle(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.VehicleCreate(), payload)
        data["plate"] = domain.normalise_plate(data["plate"])
        data["vin"] = domain.normalise_vin(data["vin"])
        session = self.db.session
        for field in ("plate", "vin"):
            if session.scalar(select(Vehicle.id).where(getattr(Vehicle, field) == data[field])):
                raise Conflict(f"a vehicle with this {field} is already registered", {field: ["already registered"]})
        vehicle = Vehicle(**data)
        session.add(vehicle)
        session.flush()
        return vehicle_out.dump(vehicle)

    @rpc
    def list_vehicles(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.VehicleQuery(), query or {})
        statement = select(Vehicle).order_by(Vehicle.id)
        unit_code = caller.unit_filter(q.get("unit_code"))
        if unit_code:
            statement = statement.where(Vehicle.unit_code == unit_code)
        if q.get("status"):
            statement = statement.where(Vehicle.status == q["status"])
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of(vehicle_out.dump(items, many=True), total)

    @rpc
    def get_vehicle(self, vehicle_id):
        self.call.caller.require(*READERS)
        vehicle = get_or_404(self.db.session, Vehicle, int(vehicle_id), "vehicle")
        self.call.caller.check_visible(vehicle.unit_code, "vehicle")
        return vehicle_out.dump(vehicle)
