"""The events the notifications come from: each handler turns one event into the notices of
``domain.py``, once however often the event is delivered (the kit's processed events, in the
same transaction as the notices)."""
from __future__ import annotations

from services.facilities import contract as facilities
from services.kit.entrypoints import event_handler
from services.notifications import domain
from services.notifications.base import NotificationsBase
from services.vehicles import contract as vehicles

CONSUMER = "notifications"


class EventsRpc(NotificationsBase):
    def _on(self, schema, payload, rule) -> None:
        event = schema.load(payload)
        if self.db.first_delivery(event["event_id"], f"{CONSUMER}.{rule.__name__}"):
            self._notify(event["event_id"], rule(event))

    @event_handler(vehicles.SERVICE, vehicles.DISPATCH_STATUS_CHANGED)
    def on_dispatch_status_changed(self, payload):
        self._on(vehicles.DispatchStatusChanged(), payload, domain.dispatch_status_changed)

    @event_handler(vehicles.SERVICE, vehicles.DISPATCH_COMPLETED)
    def on_dispatch_completed(self, payload):
        self._on(vehicles.DispatchCompleted(), payload, domain.dispatch_completed)

    @event_handler(facilities.SERVICE, facilities.REPAIR_ASSIGNED)
    def on_repair_assigned(self, payload):
        self._on(facilities.RepairAssigned(), payload, domain.repair_assigned)

    @event_handler(facilities.SERVICE, facilities.REPAIR_COMPLETED)
    def on_repair_completed(self, payload):
        self._on(facilities.RepairCompleted(), payload, domain.repair_completed)
