"""RPC of the webhook subscriptions: a client's URL, the event types and units it wants."""
from __future__ import annotations

from sqlalchemy import select, update

from services.integrations import contract, domain
from services.integrations.base import IntegrationsBase
from services.integrations.delivery import allowed_hosts
from services.integrations.models import Client, Delivery, Subscription
from services.kit.db import utcnow
from services.kit.entrypoints import rpc
from services.kit.errors import NotFound
from services.kit.schemas import load

subscription_out = contract.Subscription(exclude=("secret",))
subscription_created = contract.Subscription()


class SubscriptionsRpc(IntegrationsBase):
    @rpc
    def create_subscription(self, payload):
        caller = self._admin()
        data = load(contract.SubscriptionCreate(), payload)
        session = self.db.session
        if session.get(Client, data["client_id"]) is None:
            raise NotFound("no such client", {"client_id": ["no such client"]})
        domain.refuse_url(data["url"], allowed_hosts(session))
        subscription = Subscription(**data, secret=domain.new_secret(), status="active", consecutive_failures=0,
                                    created_by=caller.name)
        session.add(subscription)
        self.db.audit("create", subscription)
        session.flush()
        return subscription_created.dump(self._subscription_view(subscription))

    @rpc(reads_only=True)
    def list_subscriptions(self, query=None):
        self._admin()
        params = load(contract.SubscriptionQuery(), query or {})
        statement = select(Subscription).order_by(Subscription.id)
        for name in ("client_id", "status"):
            if name in params:
                statement = statement.where(getattr(Subscription, name) == params[name])
        return self._page(statement, params, lambda subscription: subscription_out.dump(
            self._subscription_view(subscription)))

    @rpc(reads_only=True)
    def get_subscription(self, subscription_id):
        self._admin()
        return subscription_out.dump(self._subscription_view(self._subscription(subscription_id)))

    @rpc
    def update_subscription(self, subscription_id, payload):
        """Change the URL, the event types, or the status: ``active`` resumes a paused one."""
        self._admin()
        changes = load(contract.SubscriptionUpdate(), payload, partial=True)
        subscription = self._subscription(subscription_id)
        if "url" in changes:
            domain.refuse_url(changes["url"], allowed_hosts(self.db.session))
        resumed = subscription.status == "paused" and changes.get("status") == "active"
        self.db.audit("resume" if resumed else "update", subscription)
        for key, value in changes.items():
            setattr(subscription, key, value)
        if changes.get("status") == "active":
            subscription.paused_reason, subscription.consecutive_failures, subscription.retry_at = None, 0, None
            # what waited out a backoff before the pause goes now (the loop is woken after the commit)
            self.db.session.execute(update(Delivery).where(
                Delivery.subscription_id == subscription.id, Delivery.status == "pending",
                Delivery.next_attempt_at > utcnow()).values(next_attempt_at=utcnow()))
        self.db.session.flush()
        self.dispatcher.wake()
        return subscription_out.dump(self._subscription_view(subscription))
