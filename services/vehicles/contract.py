"""The vehicles service's public face: RPC payloads, events, error classes."""
from marshmallow import Schema, fields, validate

from services.kit.schemas import EventSchema, InputSchema, PageQuery

SERVICE = "vehicles"

CATEGORIES = ("sedan", "suv", "minibus", "special", "confidential_comms")
FUEL_TYPES = ("gasoline", "diesel", "electric", "hybrid")
STATUSES = ("available", "dispatched", "maintenance", "sealed", "disposed")


class VehicleCreate(InputSchema):
    plate = fields.String(required=True, validate=validate.Length(min=6, max=16))
    vin = fields.String(required=True, validate=validate.Length(equal=17))
    make = fields.String(required=True, validate=validate.Length(min=1, max=60))
    model = fields.String(required=True, validate=validate.Length(min=1, max=60))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    seats = fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    fuel_type = fields.String(required=True, validate=validate.OneOf(FUEL_TYPES))
    unit_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    purchased_on = fields.Date(load_default=None, allow_none=True)
    purchase_price_yuan = fields.Decimal(
        load_default=None, allow_none=True, places=2, validate=validate.Range(min=0, max=100_000_000)
    )
    odometer_km = fields.Decimal(load_default=0, places=1, validate=validate.Range(min=0, max=5_000_000))


class Vehicle(Schema):
    id = fields.Integer()
    plate = fields.String()
    vin = fields.String()
    make = fields.String()
    model = fields.String()
    category = fields.String()
    seats = fields.Integer()
    fuel_type = fields.String()
    unit_code = fields.String()
    purchased_on = fields.Date(allow_none=True)
    purchase_price_yuan = fields.Float(allow_none=True)
    odometer_km = fields.Float()
    status = fields.String()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class VehicleQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    unit_code = fields.String()


# Events (published through the outbox; consumers load with unknown=EXCLUDE) -----------
DISPATCH_COMPLETED = "dispatch_completed"
FUEL_RECORDED = "fuel_recorded"
TRIP_FLAGGED = "trip_flagged"
VEHICLE_DISPOSED = "vehicle_disposed"


class DispatchCompleted(EventSchema):
    dispatch_id = fields.Integer(required=True)
    vehicle_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    start_at = fields.AwareDateTime(required=True)
    end_at = fields.AwareDateTime(required=True)
    distance_km = fields.Float(required=True)
    fuel_liters = fields.Float(allow_none=True)
    cost_yuan = fields.Float(allow_none=True)


class FuelRecorded(EventSchema):
    """A fuel (or charging) transaction of a fleet vehicle; energy keeps the transport ledger."""

    transaction_id = fields.Integer(required=True)
    vehicle_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    fuel_type = fields.String(required=True)  # gasoline | diesel | electric | hybrid
    liters = fields.Float(allow_none=True)  # gasoline and diesel
    kwh = fields.Float(allow_none=True)  # electric charging
    amount_yuan = fields.Float(allow_none=True)
    filled_at = fields.AwareDateTime(required=True)


class TripFlagged(EventSchema):
    flag_id = fields.Integer(required=True)
    vehicle_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    kind = fields.String(required=True)  # no_dispatch | sealed_moved | non_designated_vendor | odometer | fuel_consumption
    trip_id = fields.String(allow_none=True)


class VehicleDisposed(EventSchema):
    vehicle_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    method = fields.String(required=True)  # auction | take_back | scrap
    proceeds_yuan = fields.Float(allow_none=True)


EVENTS = {
    DISPATCH_COMPLETED: DispatchCompleted,
    FUEL_RECORDED: FuelRecorded,
    TRIP_FLAGGED: TripFlagged,
    VEHICLE_DISPOSED: VehicleDisposed,
}
