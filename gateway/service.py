"""Every route of the gateway, registered area by area (``gateway/routes/``)."""
from gateway.routes import routes
from gateway.routes import (  # noqa: F401  (they register)
    accounts, campaigns, energy, facilities, integrations, notifications, patrols, reception, report, system, units,
    upkeep, vehicles,
)

__all__ = ["routes"]
