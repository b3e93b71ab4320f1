"""Public-institution energy and resource conservation."""
from gateway.routes import ENERGY_READERS, routes
from gateway.routes.resource import Resource
from services.energy import contract as energy

CONSERVE = ("energy_officer",)

Resource("/api/v1/institutions", "energy", "institution", "institutions", "energy", ENERGY_READERS, CONSERVE,
         energy.InstitutionCreate, energy.Institution, energy.InstitutionQuery).register(routes)
