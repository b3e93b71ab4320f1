"""Official vehicles (公务用车)."""
from gateway.routes import FLEET_READERS, routes
from gateway.routes.resource import Resource
from services.vehicles import contract as vehicles

DISPATCH = ("dispatcher",)

Resource("/api/v1/vehicles", "vehicles", "vehicle", "vehicles", "vehicles", FLEET_READERS, DISPATCH,
         vehicles.VehicleCreate, vehicles.Vehicle, vehicles.VehicleQuery).register(routes)
