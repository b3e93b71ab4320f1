"""Page handlers, area by area (each module registers its pages and menu items)."""
from gateway.console.views import account, campaigns, vehicles, reception, energy, facilities, dashboard, unit, notifications, upkeep, patrols  # noqa: F401,E501
