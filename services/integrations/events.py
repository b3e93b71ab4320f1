"""Events in: every service's events, kept once and addressed to each subscription that wants
them. One handler per event type, written out so that grepping an event's name finds it here;
a test checks that every event the contracts publish (``contract.SOURCES``) has its handler."""
from __future__ import annotations

from sqlalchemy import select

from services.directory import contract as directory
from services.energy import contract as energy
from services.facilities import contract as facilities
from services.integrations import contract, domain
from services.integrations.base import IntegrationsBase
from services.integrations.models import Delivery, Event, Subscription
from services.kit import tracing
from services.kit.entrypoints import event_handler
from services.notifications import contract as notifications
from services.reception import contract as reception
from services.vehicles import contract as vehicles


class EventsRpc(IntegrationsBase):
    def receive_event(self, source: str, event_type: str, payload: dict) -> None:
        event = contract.SOURCES[source].EVENTS[event_type]().load(payload)
        if not self.db.first_delivery(event["event_id"], "integrations.receive_event"):
            return
        session = self.db.session
        unit_code = domain.unit_of(payload)
        session.add(Event(event_id=event["event_id"], event_type=event_type, source=source, unit_code=unit_code,
                          occurred_at=event["occurred_at"], payload=payload, request_id=self.call.request_id[:120],
                          traceparent=tracing.current_traceparent()))
        session.flush()
        # in one order, as each new delivery touches its subscription's row (pending_deliveries)
        subscriptions = session.scalars(select(Subscription).where(Subscription.status != "disabled")
                                        .order_by(Subscription.id)).all()
        for subscription in subscriptions:
            if domain.wanted(subscription.event_types, subscription.unit_codes, event_type, unit_code):
                session.add(Delivery(subscription_id=subscription.id, event_id=event["event_id"]))
        self.dispatcher.wake()

    # vehicles -----------------------------------------------------------------------------
    @event_handler(vehicles.SERVICE, vehicles.DISPATCH_COMPLETED)
    def on_vehicles_dispatch_completed(self, payload):
        self.receive_event(vehicles.SERVICE, vehicles.DISPATCH_COMPLETED, payload)

    @event_handler(vehicles.SERVICE, vehicles.DISPATCH_STATUS_CHANGED)
    def on_vehicles_dispatch_status_changed(self, payload):
        self.receive_event(vehicles.SERVICE, vehicles.DISPATCH_STATUS_CHANGED, payload)

    @event_handler(vehicles.SERVICE, vehicles.FUEL_RECORDED)
    def on_vehicles_fuel_recorded(self, payload):
        self.receive_event(vehicles.SERVICE, vehicles.FUEL_RECORDED, payload)

    @event_handler(vehicles.SERVICE, vehicles.TRIP_FLAGGED)
    def on_vehicles_trip_flagged(self, payload):
        self.receive_event(vehicles.SERVICE, vehicles.TRIP_FLAGGED, payload)

    @event_handler(vehicles.SERVICE, vehicles.VEHICLE_DISPOSED)
    def on_vehicles_vehicle_disposed(self, payload):
        self.receive_event(vehicles.SERVICE, vehicles.VEHICLE_DISPOSED, payload)

    # facilities ---------------------------------------------------------------------------
    @event_handler(facilities.SERVICE, facilities.BUILDING_AREA_CHANGED)
    def on_facilities_building_area_changed(self, payload):
        self.receive_event(facilities.SERVICE, facilities.BUILDING_AREA_CHANGED, payload)

    @event_handler(facilities.SERVICE, facilities.ROOM_OVER_STANDARD)
    def on_facilities_room_over_standard(self, payload):
        self.receive_event(facilities.SERVICE, facilities.ROOM_OVER_STANDARD, payload)

    @event_handler(facilities.SERVICE, facilities.REPAIR_COMPLETED)
    def on_facilities_repair_completed(self, payload):
        self.receive_event(facilities.SERVICE, facilities.REPAIR_COMPLETED, payload)

    @event_handler(facilities.SERVICE, facilities.REPAIR_ASSIGNED)
    def on_facilities_repair_assigned(self, payload):
        self.receive_event(facilities.SERVICE, facilities.REPAIR_ASSIGNED, payload)

    @event_handler(facilities.SERVICE, facilities.RECTIFICATION_OVERDUE)
    def on_facilities_rectification_overdue(self, payload):
        self.receive_event(facilities.SERVICE, facilities.RECTIFICATION_OVERDUE, payload)

    @event_handler(facilities.SERVICE, facilities.MEETING_ROOM_BOOKED)
    def on_facilities_meeting_room_booked(self, payload):
        self.receive_event(facilities.SERVICE, facilities.MEETING_ROOM_BOOKED, payload)

    # reception ----------------------------------------------------------------------------
    @event_handler(reception.SERVICE, reception.RECEPTION_APPROVED)
    def on_reception_reception_approved(self, payload):
        self.receive_event(reception.SERVICE, reception.RECEPTION_APPROVED, payload)

    @event_handler(reception.SERVICE, reception.RECEPTION_COMPLETED)
    def on_reception_reception_completed(self, payload):
        self.receive_event(reception.SERVICE, reception.RECEPTION_COMPLETED, payload)

    @event_handler(reception.SERVICE, reception.RECEPTION_REJECTED)
    def on_reception_reception_rejected(self, payload):
        self.receive_event(reception.SERVICE, reception.RECEPTION_REJECTED, payload)

    @event_handler(reception.SERVICE, reception.MEETING_SCHEDULED)
    def on_reception_meeting_scheduled(self, payload):
        self.receive_event(reception.SERVICE, reception.MEETING_SCHEDULED, payload)

    @event_handler(reception.SERVICE, reception.MEETING_ABANDONED)
    def on_reception_meeting_abandoned(self, payload):
        self.receive_event(reception.SERVICE, reception.MEETING_ABANDONED, payload)

    @event_handler(reception.SERVICE, reception.VISITOR_CHECKED_IN)
    def on_reception_visitor_checked_in(self, payload):
        self.receive_event(reception.SERVICE, reception.VISITOR_CHECKED_IN, payload)

    # energy -------------------------------------------------------------------------------
    @event_handler(energy.SERVICE, energy.TARGET_AT_RISK)
    def on_energy_target_at_risk(self, payload):
        self.receive_event(energy.SERVICE, energy.TARGET_AT_RISK, payload)

    @event_handler(energy.SERVICE, energy.ASSESSMENT_COMPLETED)
    def on_energy_assessment_completed(self, payload):
        self.receive_event(energy.SERVICE, energy.ASSESSMENT_COMPLETED, payload)

    # directory ----------------------------------------------------------------------------
    @event_handler(directory.SERVICE, directory.UNIT_REGISTERED)
    def on_directory_unit_registered(self, payload):
        self.receive_event(directory.SERVICE, directory.UNIT_REGISTERED, payload)

    @event_handler(directory.SERVICE, directory.UNIT_CHANGED)
    def on_directory_unit_changed(self, payload):
        self.receive_event(directory.SERVICE, directory.UNIT_CHANGED, payload)

    @event_handler(directory.SERVICE, directory.UNIT_MERGED)
    def on_directory_unit_merged(self, payload):
        self.receive_event(directory.SERVICE, directory.UNIT_MERGED, payload)

    # notifications ------------------------------------------------------------------------
    @event_handler(notifications.SERVICE, notifications.NOTIFICATION_CREATED)
    def on_notifications_notification_created(self, payload):
        self.receive_event(notifications.SERVICE, notifications.NOTIFICATION_CREATED, payload)

    @event_handler(facilities.SERVICE, facilities.WORK_ORDER_GENERATED)
    def on_facilities_work_order_generated(self, payload):
        self.receive_event(facilities.SERVICE, facilities.WORK_ORDER_GENERATED, payload)

    @event_handler(facilities.SERVICE, facilities.WORK_ORDER_ASSIGNED)
    def on_facilities_work_order_assigned(self, payload):
        self.receive_event(facilities.SERVICE, facilities.WORK_ORDER_ASSIGNED, payload)

    @event_handler(facilities.SERVICE, facilities.MAINTENANCE_OVERDUE)
    def on_facilities_maintenance_overdue(self, payload):
        self.receive_event(facilities.SERVICE, facilities.MAINTENANCE_OVERDUE, payload)

    @event_handler(facilities.SERVICE, facilities.CERTIFICATE_EXPIRING)
    def on_facilities_certificate_expiring(self, payload):
        self.receive_event(facilities.SERVICE, facilities.CERTIFICATE_EXPIRING, payload)

    @event_handler(facilities.SERVICE, facilities.PATROL_MISSED)
    def on_facilities_patrol_missed(self, payload):
        self.receive_event(facilities.SERVICE, facilities.PATROL_MISSED, payload)

    @event_handler(facilities.SERVICE, facilities.PATROL_FINDING_REPORTED)
    def on_facilities_patrol_finding_reported(self, payload):
        self.receive_event(facilities.SERVICE, facilities.PATROL_FINDING_REPORTED, payload)

    @event_handler(energy.SERVICE, energy.CAMPAIGN_EVALUATED)
    def on_energy_campaign_evaluated(self, payload):
        self.receive_event(energy.SERVICE, energy.CAMPAIGN_EVALUATED, payload)
