"""The integrations service's public face: clients, webhook subscriptions, deliveries,
the admin's allow-list of internal hosts, and the events it emits."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.directory import contract as directory
from services.energy import contract as energy
from services.facilities import contract as facilities
from services.kit.context import SECURITY_ADMIN
from services.kit.schemas import Email, EventSchema, ID, InputSchema, Instant, PageQuery, SyncQuery, UnitCode, states  # noqa: F401,E501  (PageQuery: the paging of its reads)
from services.notifications import contract as notifications
from services.reception import contract as reception
from services.vehicles import contract as vehicles

SERVICE = "integrations"

# Role sets (API.md), declared once: the gateway's routes and the service check the same sets.

# Every service whose events can be subscribed to, with its contract.
SOURCES = {c.SERVICE: c for c in (vehicles, facilities, reception, energy, directory, notifications)}
EVENT_TYPES = tuple(sorted(event_type for c in SOURCES.values() for event_type in c.EVENTS))

# who keeps the integrations (clients, subscriptions, deliveries, the allowed hosts): the trust
# between this suite and other systems is the security administrator's (三员分立)
ADMINS = (SECURITY_ADMIN,)
SUBSCRIPTION_STATUSES = ("active", "paused", "disabled")
DELIVERY_STATUSES = ("pending", "delivered", "parked")


# -- clients ----------------------------------------------------------------------------------
class ClientCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    department = fields.String(required=True, validate=validate.Length(min=1, max=200))
    contact_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    contact_phone = fields.String(validate=validate.Length(max=40), allow_none=True)
    contact_email = Email(validate=validate.Length(max=200), allow_none=True)


class Client(ClientCreate):
    id = fields.Integer()
    created_by = fields.String()
    created_at = Instant()
    updated_at = Instant()


class ClientQuery(SyncQuery):
    pass


# -- subscriptions ----------------------------------------------------------------------------
class SubscriptionCreate(InputSchema):
    client_id = fields.Integer(required=True, validate=ID)
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=2000))
    event_types = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)), required=True,
                              validate=validate.Length(min=1, max=len(EVENT_TYPES)))
    unit_codes = fields.List(UnitCode(), allow_none=True, validate=validate.Length(max=200))


class SubscriptionUpdate(InputSchema):
    url = fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2000))
    event_types = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)),
                              validate=validate.Length(min=1, max=len(EVENT_TYPES)))
    unit_codes = fields.List(UnitCode(), allow_none=True, validate=validate.Length(max=200))
    status = fields.String(validate=validate.OneOf(SUBSCRIPTION_STATUSES))


class Subscription(SubscriptionCreate):
    id = fields.Integer()
    status = fields.String()
    paused_reason = fields.String(allow_none=True)
    consecutive_failures = fields.Integer()
    retry_at = Instant(allow_none=True)
    pending_deliveries = fields.Integer()
    created_by = fields.String()
    created_at = Instant()
    updated_at = Instant()
    # only in the answer to the creation: the receiver keeps it to verify signatures
    secret = fields.String(metadata={"description": "the HMAC key of the signatures; shown once, at creation"})


class SubscriptionQuery(SyncQuery):
    client_id = fields.Integer(validate=ID)
    status = fields.String(validate=validate.OneOf(SUBSCRIPTION_STATUSES))


# -- deliveries -------------------------------------------------------------------------------
class Attempt(Schema):
    attempted_at = Instant()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class Delivery(Schema):
    id = fields.Integer()
    subscription_id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = Instant(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = Instant(allow_none=True)
    replay_of = fields.Integer(allow_none=True)
    created_at = Instant()
    updated_at = Instant()
    log = fields.List(fields.Nested(Attempt))


class DeliveryQuery(SyncQuery):
    subscription_id = fields.Integer(validate=ID)
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    event_type = fields.String(validate=validate.OneOf(EVENT_TYPES))


@states({"x-ordered": [["since", "until", "<"]]})  # checked by replay_subscription
class ReplayRange(InputSchema):
    since = Instant(required=True)
    until = Instant(required=True)


class Replayed(Schema):
    deliveries = fields.Integer()


# -- the allow-list ---------------------------------------------------------------------------
class AllowedHostCreate(InputSchema):
    host = fields.String(required=True, validate=[validate.Length(min=1, max=255),
                                                  validate.Regexp(r"^[A-Za-z0-9.\-:\[\]]+$")])


class AllowedHost(AllowedHostCreate):
    id = fields.Integer()
    created_by = fields.String()
    created_at = Instant()


# -- events -----------------------------------------------------------------------------------
SUBSCRIPTION_PAUSED = "subscription_paused"


class SubscriptionPaused(EventSchema):
    """A subscription kept failing and was paused: an admin looks at it and resumes it."""

    subscription_id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    reason = fields.String(required=True)


EVENTS = {SUBSCRIPTION_PAUSED: SubscriptionPaused}
