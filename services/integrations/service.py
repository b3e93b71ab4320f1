"""The integrations service: other departments' systems as clients, webhook
subscriptions fed by every service's events, deliveries with their log and replay."""
from __future__ import annotations

from sqlalchemy import func, select, update

from services.integrations import contract, domain
from services.integrations.delivery import Dispatcher, allowed_hosts
from services.integrations.models import (
    AllowedHost, AuditEntry, Client, Delivery, DeliveryAttempt, Event, OutboxEvent, ProcessedEvent, Subscription,
)
from services.kit.audit import AuditTrail
from services.kit.context import CallContext
from services.kit.db import Database, get_or_404, paginate, utcnow
from services.kit.entrypoints import event_handler, rpc
from services.kit.errors import Conflict, Invalid, NotFound
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.kit.schemas import load, page_of

client_out = contract.Client()
subscription_out = contract.Subscription(exclude=("secret",))
subscription_created = contract.Subscription()
delivery_out = contract.Delivery()
host_out = contract.AllowedHost()


def _receive(source: str, event_type: str):
    """An event handler keeping one event type of one service and addressing it to
    every subscription that wants it."""

    def handle(self, payload):
        self.receive_event(source, event_type, payload)

    handle.__name__ = f"on_{source}_{event_type}"
    return event_handler(source, event_type)(handle)


class IntegrationsService(HealthMixin, OutboxRelayMixin, AuditTrail):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent, AuditEntry)
    call = CallContext()
    dispatcher = Dispatcher()

    # -- events in ----------------------------------------------------------------------
    def receive_event(self, source: str, event_type: str, payload: dict) -> None:
        event = contract.SOURCES[source].EVENTS[event_type]().load(payload)
        if not self.db.first_delivery(event["event_id"], "integrations.receive_event"):
            return
        session = self.db.session
        unit_code = domain.unit_of(payload)
        session.add(Event(event_id=event["event_id"], event_type=event_type, source=source, unit_code=unit_code,
                          occurred_at=event["occurred_at"], payload=payload))
        session.flush()
        # in one order, as each new delivery touches its subscription's row (pending_deliveries)
        subscriptions = session.scalars(select(Subscription).where(Subscription.status != "disabled")
                                        .order_by(Subscription.id)).all()
        for subscription in subscriptions:
            if domain.wanted(subscription.event_types, subscription.unit_codes, event_type, unit_code):
                session.add(Delivery(subscription_id=subscription.id, event_id=event["event_id"]))
        self.dispatcher.wake()

    # -- clients ------------------------------------------------------------------------
    @rpc
    def create_client(self, payload):
        caller = self._admin()
        data = load(contract.ClientCreate(), payload)
        if self.db.session.scalar(select(Client.id).where(Client.name == data["name"])):
            raise Conflict(f"a client named {data['name']} is already registered", {"name": ["already registered"]})
        client = Client(**data, created_by=caller.name)
        self.db.session.add(client)
        self.db.session.flush()
        return client_out.dump(client)

    @rpc(reads_only=True)
    def list_clients(self, query=None):
        self._admin()
        params = load(contract.ClientQuery(), query or {})
        items, total = paginate(self.db.session, select(Client).order_by(Client.id), params["limit"],
                                params["offset"], params.get("updated_since"))
        return page_of(client_out.dump(items, many=True), total)

    @rpc(reads_only=True)
    def get_client(self, client_id):
        self._admin()
        return client_out.dump(get_or_404(self.db.session, Client, int(client_id), "client"))

    # -- subscriptions ------------------------------------------------------------------
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
        items, total = paginate(self.db.session, statement, params["limit"], params["offset"],
                                params.get("updated_since"))
        return page_of(subscription_out.dump([self._subscription_view(s) for s in items], many=True), total)

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
        if resumed:
            self.db.audit("resume", subscription)
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

    # -- deliveries ---------------------------------------------------------------------
    @rpc(reads_only=True)
    def list_deliveries(self, query=None):
        """The delivery log, of one subscription with ``subscription_id``."""
        self._admin()
        params = load(contract.DeliveryQuery(), query or {})
        statement = select(Delivery).join(Event, Event.event_id == Delivery.event_id).order_by(Delivery.id)
        for name in ("subscription_id", "status"):
            if name in params:
                statement = statement.where(getattr(Delivery, name) == params[name])
        if "event_type" in params:
            statement = statement.where(Event.event_type == params["event_type"])
        session = self.db.session
        items, total = paginate(session, statement, params["limit"], params["offset"], params.get("updated_since"))
        event_types = dict(session.execute(select(Event.event_id, Event.event_type).where(
            Event.event_id.in_({delivery.event_id for delivery in items}))).all())
        return page_of([self._delivery_view(delivery, event_types[delivery.event_id]) for delivery in items], total)

    @rpc(reads_only=True)
    def get_delivery(self, delivery_id):
        self._admin()
        delivery = get_or_404(self.db.session, Delivery, int(delivery_id), "delivery")
        return self._delivery_view(delivery, self.db.session.get(Event, delivery.event_id).event_type)

    @rpc
    def replay_delivery(self, delivery_id):
        """Send one delivery's event again, as a new delivery of the same subscription."""
        self._admin()
        original = get_or_404(self.db.session, Delivery, int(delivery_id), "delivery")
        replay = Delivery(subscription_id=original.subscription_id, event_id=original.event_id, replay_of=original.id)
        self.db.session.add(replay)
        self.db.session.flush()
        self.dispatcher.wake()
        return self._delivery_view(replay, self.db.session.get(Event, original.event_id).event_type)

    @rpc
    def replay_deliveries(self, subscription_id, payload):
        """Send again every event the subscription wants that occurred in [since, until)."""
        self._admin()
        span = load(contract.ReplayRange(), payload)
        if span["until"] <= span["since"]:
            raise Invalid("the range is empty", {"until": ["must be after since"]})
        subscription = self._subscription(subscription_id)
        events = self.db.session.execute(
            select(Event.event_id, Event.event_type, Event.unit_code)
            .where(Event.occurred_at >= span["since"], Event.occurred_at < span["until"])
            .order_by(Event.occurred_at)).all()
        count = 0
        for event_id, event_type, unit_code in events:
            if domain.wanted(subscription.event_types, subscription.unit_codes, event_type, unit_code):
                self.db.session.add(Delivery(subscription_id=subscription.id, event_id=event_id))
                count += 1
        self.db.session.flush()
        self.dispatcher.wake()
        return {"deliveries": count}

    # -- the allow-list -----------------------------------------------------------------
    @rpc
    def allow_host(self, payload):
        caller = self._admin()
        data = load(contract.AllowedHostCreate(), payload)
        host = data["host"].lower().strip("[]")
        if self.db.session.scalar(select(AllowedHost.id).where(AllowedHost.host == host)):
            raise Conflict(f"{host} is already allowed", {"host": ["already allowed"]})
        row = AllowedHost(host=host, created_by=caller.name)
        self.db.session.add(row)
        self.db.session.flush()
        return host_out.dump(row)

    @rpc(reads_only=True)
    def list_allowed_hosts(self, query=None):
        self._admin()
        params = load(contract.PageQuery(), query or {})
        items, total = paginate(self.db.session, select(AllowedHost).order_by(AllowedHost.id),
                                params["limit"], params["offset"])
        return page_of(host_out.dump(items, many=True), total)

    @rpc
    def remove_allowed_host(self, host_id):
        self._admin()
        row = get_or_404(self.db.session, AllowedHost, int(host_id), "allowed host")
        removed = host_out.dump(row)
        self.db.session.delete(row)
        return removed

    # -- helpers ------------------------------------------------------------------------
    def _admin(self):
        caller = self.call.caller
        caller.require(*contract.ADMINS)
        return caller

    def _subscription(self, subscription_id) -> Subscription:
        return get_or_404(self.db.session, Subscription, int(subscription_id), "subscription")

    def _subscription_view(self, subscription: Subscription) -> Subscription:
        subscription.pending_deliveries = self.db.session.scalar(
            select(func.count(Delivery.id)).where(Delivery.subscription_id == subscription.id,
                                                  Delivery.status == "pending"))
        return subscription

    def _delivery_view(self, delivery: Delivery, event_type: str) -> dict:
        attempts = self.db.session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery.id)
            .order_by(DeliveryAttempt.id)).all()
        view = delivery_out.dump(delivery)
        view.update(event_type=event_type, log=contract.Attempt(many=True).dump(attempts),
                    next_attempt_at=view["next_attempt_at"] if delivery.status == "pending" else None)
        return view


# one handler per event type of every service (nameko finds entrypoints on the class)
for _source, _contract in contract.SOURCES.items():
    for _event_type in _contract.EVENTS:
        setattr(IntegrationsService, f"on_{_source}_{_event_type}", _receive(_source, _event_type))
