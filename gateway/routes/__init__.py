"""The gateway's routes, one module per area, all on one table.

Each route is a role check (the coarse gate of API.md) and one RPC; the services
check the caller again and scope a unit user to its own unit.
"""
from gateway.http import Routes

routes = Routes()

# Role sets of the areas (API.md): leader reads everything and changes nothing.
FLEET_READERS = ("dispatcher", "leader", "unit_user")
FACILITY_READERS = ("facility_manager", "technician", "leader", "unit_user")
RECEPTION_READERS = ("reception_officer", "leader", "unit_user")
ENERGY_READERS = ("energy_officer", "leader", "unit_user")
