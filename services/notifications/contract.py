"""The notifications service's public face: the inbox, a user's preferences, the kinds of
notification with who hears them (docs/notifications.md), and the event it emits for the
county's message gateway (SMS, enterprise WeChat/DingTalk) through integrations' webhooks."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.kit.schemas import Email, EventSchema, InputSchema, Instant, PageQuery

SERVICE = "notifications"

# kind -> who hears it by default (an audience: a unit's clerks, a role, one user)
KINDS = {
    "dispatch_requested": "dispatcher",
    "dispatch_approved": "unit",
    "dispatch_rejected": "unit",
    "dispatch_assigned": "unit",
    "dispatch_returned": "unit",
    "repair_assigned": "unit, technician",
    "repair_completed": "unit",
    "flag_explanation_due": "unit",
    "rectification_due": "unit",
    "reception_approved": "unit",
    "reception_rejected": "unit",
    "target_at_risk": "energy_officer",
    "car_overdue": "dispatcher",
    "repair_pledge_at_risk": "facility_manager",
    "energy_report_missing": "unit",
    "weekly_digest": "leader",
}
CHANNELS = ("inbox", "email", "webhook")
DELIVERY_STATES = ("pending", "sent", "failed", "withdrawn")  # withdrawn: its addressee was disabled or deleted


class Delivery(Schema):
    """How one notification went out to the caller by a channel other than the inbox."""

    channel = fields.String(metadata={"enum": list(CHANNELS)})
    status = fields.String(metadata={"enum": list(DELIVERY_STATES)})
    attempts = fields.Integer()
    sent_at = Instant(allow_none=True)


class Notification(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(KINDS)})
    title = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True, metadata={"description": "the console page of the record"})
    unit_code = fields.String(allow_none=True)
    urgent = fields.Boolean()
    created_at = Instant()
    read = fields.Boolean()
    read_at = Instant(allow_none=True)
    deliveries = fields.List(fields.Nested(Delivery))


class InboxQuery(PageQuery):
    unread = fields.Boolean(load_default=None, allow_none=True, metadata={"description": "true: only unread"})
    kind = fields.String(validate=validate.OneOf(list(KINDS)))


class UnreadCount(Schema):
    unread = fields.Integer()


class MarkedRead(Schema):
    marked = fields.Integer()


class Preferences(Schema):
    email = fields.Email(allow_none=True)
    muted_kinds = fields.List(fields.String())


class Standing(InputSchema):
    """What the gateway vouches for of one user: their roles and unit, and whether the account is
    active (a disabled or deleted account hears nothing more by mail)."""
    username = fields.String(required=True, validate=validate.Length(min=1, max=120))
    roles = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list, validate=validate.Length(max=20))
    unit_code = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=40))
    active = fields.Boolean(required=True)


class PreferencesUpdate(InputSchema):
    email = Email(allow_none=True)
    muted_kinds = fields.List(fields.String(validate=validate.OneOf(list(KINDS))), validate=validate.Length(max=50))


# Events ----------------------------------------------------------------------------------
NOTIFICATION_CREATED = "notification_created"


class NotificationCreated(EventSchema):
    """A notification for an audience: what a message gateway sends as SMS or WeChat."""

    notification_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    audience = fields.String(required=True, metadata={"description": (
        "who hears it: unit:<unit_code> (the unit's clerks), role:<role>, user:<username>")})
    unit_code = fields.String(allow_none=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    link = fields.String(allow_none=True)
    urgent = fields.Boolean(required=True)


EVENTS = {NOTIFICATION_CREATED: NotificationCreated}
