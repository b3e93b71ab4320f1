"""The reception service's public face: RPC payloads, events, error classes."""
from marshmallow import Schema, fields, validate

from services.kit.schemas import EventSchema, InputSchema, PageQuery

SERVICE = "reception"

VISITOR_CHECKED_IN = "visitor_checked_in"


class VisitorCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    id_number = fields.String(required=True, load_only=True, validate=validate.Length(equal=18))
    company = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    host_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    host_unit_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=500))


class Visitor(Schema):
    id = fields.Integer()
    name = fields.String()
    id_number = fields.String(attribute="id_number_masked")  # always masked on the way out
    company = fields.String(allow_none=True)
    host_name = fields.String()
    host_unit_code = fields.String()
    purpose = fields.String()
    checked_in_at = fields.AwareDateTime()
    checked_out_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class VisitorQuery(PageQuery):
    host_unit_code = fields.String()
    on_site = fields.Boolean()


class VisitorCheckedIn(EventSchema):
    visitor_id = fields.Integer(required=True)
    name = fields.String(required=True)
    host_name = fields.String(required=True)
    host_unit_code = fields.String(required=True)
    purpose = fields.String(required=True)
    checked_in_at = fields.AwareDateTime(required=True)


EVENTS = {VISITOR_CHECKED_IN: VisitorCheckedIn}
