"""The facilities service's public face: RPC payloads, events, error classes.

Other services and the gateway import this module only.
"""
from marshmallow import Schema, fields, validate

from services.kit.errors import Conflict, Invalid, NotFound, RuleViolation  # noqa: F401  (raised by this service)
from services.kit.schemas import EventSchema, InputSchema, PageQuery

SERVICE = "facilities"

ROOM_TYPES = ("office", "meeting", "service", "equipment", "vacant")

UNIT_CODE = fields.String(validate=validate.Length(min=1, max=40))

BUILDING_AREA_CHANGED = "building_area_changed"


class BuildingCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    floors = fields.Integer(required=True, validate=validate.Range(min=1, max=200))
    unit_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))


class Building(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String(allow_none=True)
    floors = fields.Integer()
    unit_code = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class RoomCreate(InputSchema):
    building_id = fields.Integer(required=True, validate=validate.Range(min=1))
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    floor = fields.Integer(required=True, validate=validate.Range(min=-5, max=200))
    usable_area_m2 = fields.Decimal(required=True, places=2, validate=validate.Range(min=0, min_inclusive=False, max=100000))
    type = fields.String(required=True, validate=validate.OneOf(ROOM_TYPES))
    unit_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))


class RoomUpdate(InputSchema):
    usable_area_m2 = fields.Decimal(places=2, validate=validate.Range(min=0, min_inclusive=False, max=100000))
    type = fields.String(validate=validate.OneOf(ROOM_TYPES))
    unit_code = fields.String(allow_none=True, validate=validate.Length(min=1, max=40))


class Room(Schema):
    id = fields.Integer()
    building_id = fields.Integer()
    number = fields.String()
    floor = fields.Integer()
    usable_area_m2 = fields.Float()
    type = fields.String()
    unit_code = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class BuildingQuery(PageQuery):
    unit_code = fields.String()


class RoomQuery(PageQuery):
    building_id = fields.Integer()
    unit_code = fields.String()
    type = fields.String(validate=validate.OneOf(ROOM_TYPES))
    vacant = fields.Boolean()


class BuildingAreaChanged(EventSchema):
    """A unit's usable area in a building changed; totals, not deltas."""

    building_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    building_usable_area_m2 = fields.Float(required=True)  # the unit's area in this building
    unit_usable_area_m2 = fields.Float(required=True)  # the unit's area over all buildings


EVENTS = {BUILDING_AREA_CHANGED: BuildingAreaChanged}
