"""Every route of the gateway, registered area by area (``gateway/routes/``)."""
from gateway.routes import routes
from gateway.routes import accounts, energy, facilities, reception, report, system, vehicles  # noqa: F401  (they register)

__all__ = ["routes"]
