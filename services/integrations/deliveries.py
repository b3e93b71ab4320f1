"""RPC of the delivery log: each delivery with its attempts, and replays (one delivery, or every
event of a time range). The sending itself is ``delivery.py``'s ``Dispatcher``."""
from __future__ import annotations

from sqlalchemy import select

from services.integrations import contract, domain
from services.integrations.base import IntegrationsBase
from services.integrations.models import Delivery, DeliveryAttempt, Event
from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.errors import Invalid
from services.kit.schemas import load, page_of

delivery_out = contract.Delivery()


class DeliveriesRpc(IntegrationsBase):
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

    def _delivery_view(self, delivery: Delivery, event_type: str) -> dict:
        attempts = self.db.session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery.id)
            .order_by(DeliveryAttempt.id)).all()
        view = delivery_out.dump(delivery)
        view.update(event_type=event_type, log=contract.Attempt(many=True).dump(attempts),
                    next_attempt_at=view["next_attempt_at"] if delivery.status == "pending" else None)
        return view
