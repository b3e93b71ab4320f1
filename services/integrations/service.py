"""The integrations service: other departments' systems as clients, webhook subscriptions fed
by every service's events, deliveries with their log and replay. One nameko class, its RPC
grouped by area:

- ``base.py``: what every area shares (clock, paging, the admin check, a subscription's view)
- ``events.py``: every service's events in, one handler per event type
- ``clients.py``, ``subscriptions.py``, ``deliveries.py``, ``hosts.py``: the admin's RPC
- ``delivery.py``: the ``Dispatcher`` that sends the deliveries
"""
from __future__ import annotations

from services.integrations import contract
from services.integrations.clients import ClientsRpc
from services.integrations.deliveries import DeliveriesRpc
from services.integrations.delivery import Dispatcher
from services.integrations.events import EventsRpc
from services.integrations.hosts import HostsRpc
from services.integrations.models import AuditEntry, OutboxEvent, ProcessedEvent
from services.integrations.subscriptions import SubscriptionsRpc
from services.kit.audit import AuditTrail
from services.kit.context import CallContext
from services.kit.db import Database
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin


class IntegrationsService(EventsRpc, ClientsRpc, SubscriptionsRpc, DeliveriesRpc, HostsRpc, HealthMixin,
                          OutboxRelayMixin, AuditTrail):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent, AuditEntry)
    call = CallContext()
    dispatcher = Dispatcher()
