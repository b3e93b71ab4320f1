"""What every area of the integrations service shares: the clock, paging, the admin check, a
subscription and its view."""
from __future__ import annotations

from sqlalchemy import func, select

from services.integrations.models import Delivery, Subscription
from services.integrations.contract import ADMINS
from services.kit.db import get_or_404, page, utcnow



class IntegrationsBase:
    """The base of each area class (``EventsRpc``, ``ClientsRpc``, ``SubscriptionsRpc``,
    ``DeliveriesRpc``, ``HostsRpc``); needs the service's ``db``, ``call`` and ``dispatcher``."""

    @staticmethod
    def _now():
        return utcnow()

    def _page(self, statement, q: dict, dump, **equal_columns) -> dict:
        """One page of ``statement``, each row through ``dump``, with the unpaged total."""
        return page(self.db.session, statement, q, dump, **equal_columns)

    def _admin(self):
        caller = self.call.caller
        caller.require(*ADMINS)
        return caller

    def _subscription(self, subscription_id) -> Subscription:
        return get_or_404(self.db.session, Subscription, int(subscription_id), "subscription")

    def _subscription_view(self, subscription: Subscription) -> Subscription:
        subscription.pending_deliveries = self.db.session.scalar(
            select(func.count(Delivery.id)).where(Delivery.subscription_id == subscription.id,
                                                  Delivery.status == "pending"))
        return subscription
