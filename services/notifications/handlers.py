"""The events the notifications come from: each handler turns one event into the notices of
``domain.py``, once however often the event is delivered (the kit's processed events, in the
same transaction as the notices)."""
from __future__ import annotations

from datetime import timedelta

from services.energy import contract as energy
from services.facilities import contract as facilities
from services.kit.entrypoints import event_handler
from services.notifications import domain
from services.notifications.base import NotificationsBase
from services.notifications.settings import current
from services.reception import contract as reception
from services.vehicles import contract as vehicles

CONSUMER = "notifications"


class EventsRpc(NotificationsBase):
    def _on(self, schema, payload, rule, **settings) -> None:
        event = schema.load(payload)
        if self.db.first_delivery(event["event_id"], f"{CONSUMER}.{rule.__name__}"):
            self._notify(event["event_id"], rule(event, **settings))

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

    @event_handler(vehicles.SERVICE, vehicles.TRIP_FLAGGED)
    def on_trip_flagged(self, payload):
        self._on(vehicles.TripFlagged(), payload, domain.trip_flagged,
                 explain_within=timedelta(hours=current().flag_explanation_hours))

    @event_handler(facilities.SERVICE, facilities.RECTIFICATION_OVERDUE)
    def on_rectification_overdue(self, payload):
        self._on(facilities.RectificationOverdue(), payload, domain.rectification_overdue)

    @event_handler(reception.SERVICE, reception.RECEPTION_APPROVED)
    def on_reception_approved(self, payload):
        self._on(reception.ReceptionApproved(), payload, domain.reception_approved)

    @event_handler(reception.SERVICE, reception.RECEPTION_REJECTED)
    def on_reception_rejected(self, payload):
        self._on(reception.ReceptionRejected(), payload, domain.reception_rejected)

    @event_handler(energy.SERVICE, energy.TARGET_AT_RISK)
    def on_target_at_risk(self, payload):
        self._on(energy.TargetAtRisk(), payload, domain.target_at_risk)
