"""The energy service's public face: RPC payloads, events, error classes."""
from marshmallow import Schema, fields, validate

from services.kit.schemas import InputSchema, PageQuery

SERVICE = "energy"

AREA_SOURCES = ("facilities", "manual")


class InstitutionCreate(InputSchema):
    unit_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    headcount = fields.Integer(required=True, validate=validate.Range(min=0, max=1_000_000))
    floor_area_m2 = fields.Decimal(
        load_default=None, allow_none=True, places=2, validate=validate.Range(min=0, min_inclusive=False, max=10_000_000)
    )


class Institution(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    name = fields.String()
    headcount = fields.Integer()
    floor_area_m2 = fields.Float(allow_none=True)
    area_source = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class InstitutionQuery(PageQuery):
    unit_code = fields.String()


EVENTS: dict = {}
