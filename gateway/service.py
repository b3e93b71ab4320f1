"""Every route of the gateway, registered area by area (``gateway/routes/``)."""
from gateway.routes import routes
from gateway.routes import accounts, energy, facilities, integrations, reception, system, vehicles  # noqa: F401,E501  (they register)

__all__ = ["routes"]
