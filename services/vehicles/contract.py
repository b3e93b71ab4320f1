"""The vehicles service's public face: RPC payloads, events, error classes."""
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kit.schemas import EventSchema, InputSchema, Instant, Money, PageQuery, SyncQuery, UnitCode, states

SERVICE = "vehicles"

# Role sets (API.md), declared once: the gateway's routes and the service check the same sets.
DISPATCHERS = ("dispatcher",)
STAFF = ("dispatcher", "leader")
FLEET_READERS = ("dispatcher", "leader", "unit_user")  # a unit user reads its own cars, their fuel and upkeep
# units request cars; reception asks for meeting cars on behalf of a unit
REQUESTERS = ("dispatcher", "unit_user", "reception_officer")
DISPATCH_READERS = FLEET_READERS + ("reception_officer",)
FLAG_EXPLAINERS = ("unit_user",) + DISPATCHERS  # a unit explains a flag on its car; the dispatcher for it

CATEGORIES = ("sedan", "suv", "minibus", "special", "confidential_comms")
FUEL_TYPES = ("gasoline", "diesel", "electric", "hybrid")
STATUSES = ("available", "dispatched", "maintenance", "sealed", "disposed")


DRIVER_STATUSES = ("active", "suspended", "left")
LICENCE_CLASSES = ("A1", "A2", "A3", "B1", "B2", "C1", "C2")
DISPATCH_STATUSES = ("requested", "approved", "rejected", "assigned", "departed", "returned", "closed", "cancelled")
FLAG_KINDS = ("no_dispatch", "sealed_moved", "non_designated_vendor", "odometer", "fuel_consumption")
FLAG_STATUSES = ("open", "explained", "resolved", "violation")
VENDOR_KINDS = ("fuel", "repair", "insurance")
DISPOSAL_METHODS = ("auction", "take_back", "scrap")

_name = validate.Length(min=1, max=120)
_text = validate.Length(min=1, max=300)
_km = validate.Range(min=0, max=5_000_000)
_yuan = validate.Range(min=0, max=100_000_000)


def _decimal(places=2, **kwargs):
    return fields.Decimal(places=places, **kwargs)


class _LastServiceTogether(InputSchema):
    """A fleet's service history comes as a day and an odometer reading together: a request
    gives both (or clears both with nulls) or neither, on registration and on a change."""

    @validates_schema
    @states({"anyOf": [
        {"required": ["last_service_on", "last_service_odometer_km"],
         "properties": {"last_service_on": {"type": "string"}, "last_service_odometer_km": {"type": "number"}}},
        {"properties": {"last_service_on": {"enum": [None]}, "last_service_odometer_km": {"enum": [None]}}}]})
    def _last_service_together(self, data, **kwargs):
        day, km = data.get("last_service_on"), data.get("last_service_odometer_km")
        if (day is None) != (km is None):
            raise ValidationError("required with the other last_service field",
                                  "last_service_odometer_km" if km is None else "last_service_on")


class VehicleCreate(_LastServiceTogether):
    plate = fields.String(required=True, validate=validate.Length(min=6, max=16), metadata={
        "format": "cn-plate", "description": "a plate number (GA 36), e.g. 浙A12345; spaces, dots and dashes are dropped"})
    vin = fields.String(required=True, validate=validate.Length(equal=17), metadata={
        "format": "vin", "description": "17 characters (ISO 3779) whose 9th is the check digit"})
    make = fields.String(required=True, validate=validate.Length(min=1, max=60))
    model = fields.String(required=True, validate=validate.Length(min=1, max=60))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    seats = fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    fuel_type = fields.String(required=True, validate=validate.OneOf(FUEL_TYPES))
    unit_code = UnitCode(required=True)
    purchased_on = fields.Date(load_default=None, allow_none=True)
    purchase_price_yuan = Money(
        load_default=None, allow_none=True, places=2, validate=validate.Range(min=0, max=100_000_000)
    )
    odometer_km = fields.Decimal(load_default=0, places=1, validate=validate.Range(min=0, max=5_000_000))
    fuel_norm_l_per_100km = _decimal(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100))
    insurance_expires_on = fields.Date(load_default=None, allow_none=True)
    inspection_due_on = fields.Date(load_default=None, allow_none=True)
    service_interval_km = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=500, max=100_000))
    service_interval_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=7, max=1000))
    replaces_vehicle_id = fields.Integer(load_default=None, allow_none=True)
    # a fleet taken over with its service history: the last service before registration (both or neither)
    last_service_on = fields.Date(load_default=None, allow_none=True)
    last_service_odometer_km = fields.Decimal(load_default=None, allow_none=True, places=1,
                                              validate=validate.Range(min=0, max=5_000_000))


class VehicleUpdate(_LastServiceTogether):
    """A status change (with its reason) and an odometer correction (reason required) are audited."""

    make = fields.String(validate=validate.Length(min=1, max=60))
    model = fields.String(validate=validate.Length(min=1, max=60))
    seats = fields.Integer(validate=validate.Range(min=1, max=60))
    unit_code = UnitCode()
    status = fields.String(validate=validate.OneOf(STATUSES))
    odometer_km = fields.Decimal(places=1, validate=_km)
    reason = fields.String(validate=validate.Length(min=1, max=200))
    fuel_norm_l_per_100km = _decimal(allow_none=True, validate=validate.Range(min=0, max=100))
    insurance_expires_on = fields.Date(allow_none=True)
    inspection_due_on = fields.Date(allow_none=True)
    service_interval_km = fields.Integer(allow_none=True, validate=validate.Range(min=500, max=100_000))
    service_interval_days = fields.Integer(allow_none=True, validate=validate.Range(min=7, max=1000))
    last_service_on = fields.Date(allow_none=True)
    last_service_odometer_km = fields.Decimal(allow_none=True, places=1, validate=validate.Range(min=0, max=5_000_000))


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
    purchase_price_yuan = Money(allow_none=True)
    odometer_km = fields.Float()
    status = fields.String()
    fuel_norm_l_per_100km = fields.Float(allow_none=True)
    insurance_expires_on = fields.Date(allow_none=True)
    inspection_due_on = fields.Date(allow_none=True)
    service_interval_km = fields.Integer(allow_none=True)
    service_interval_days = fields.Integer(allow_none=True)
    replaces_vehicle_id = fields.Integer(allow_none=True)
    last_service_on = fields.Date(allow_none=True)
    last_service_odometer_km = fields.Float(allow_none=True)
    renewal_eligible_on = fields.Date(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class VehicleQuery(SyncQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    unit_code = fields.String()


class StatusChange(Schema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    reason = fields.String(allow_none=True)
    changed_by = fields.String()
    changed_at = Instant()


class OdometerCorrection(Schema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    old_km = fields.Float()
    new_km = fields.Float()
    reason = fields.String()
    corrected_by = fields.String()
    corrected_at = Instant()


class VehicleHistory(Schema):
    status_changes = fields.List(fields.Nested(StatusChange))
    odometer_corrections = fields.List(fields.Nested(OdometerCorrection))


@states({"x-ordered": [["start", "end", "<"]]})  # domain.check_interval
class AvailableQuery(PageQuery):
    start = Instant(required=True)
    end = Instant(required=True)
    seats = fields.Integer(load_default=1, validate=validate.Range(min=1, max=60))


class AvailableVehicle(Vehicle):
    spare_seats = fields.Integer()


class AvailableVehicles(Schema):
    items = fields.List(fields.Nested(AvailableVehicle))
    total = fields.Integer()


# Quota (编制): total slots per unit ----------------------------------------------------
class QuotaSet(InputSchema):
    unit_code = UnitCode(required=True)
    slots = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000))


class Quota(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    slots = fields.Integer()
    occupied = fields.Integer()
    free = fields.Integer()
    updated_at = Instant()


class QuotaQuery(SyncQuery):
    unit_code = fields.String()


# Drivers -----------------------------------------------------------------------------
class DriverCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    staff_number = fields.String(required=True, validate=validate.Length(min=1, max=30))
    licence_class = fields.String(required=True, validate=validate.OneOf(LICENCE_CLASSES))
    licence_expires_on = fields.Date(required=True)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))


class DriverUpdate(InputSchema):
    name = fields.String(validate=validate.Length(min=1, max=60))
    licence_class = fields.String(validate=validate.OneOf(LICENCE_CLASSES))
    licence_expires_on = fields.Date()
    phone = fields.String(allow_none=True, validate=validate.Length(max=30))
    status = fields.String(validate=validate.OneOf(DRIVER_STATUSES))


class Driver(Schema):
    id = fields.Integer()
    name = fields.String()
    staff_number = fields.String()
    licence_class = fields.String()
    licence_expires_on = fields.Date()
    phone = fields.String(allow_none=True, metadata={
        "description": "masked (138****8000) except when one driver is read, which the audit trail records"})
    status = fields.String()
    assignable = fields.Boolean(metadata={"description": "today, by the configured rules"})
    not_assignable_because = fields.List(fields.String())
    created_at = Instant()
    updated_at = Instant()


class DriverQuery(SyncQuery):
    status = fields.String(validate=validate.OneOf(DRIVER_STATUSES))


class SafetyMeetingCreate(InputSchema):
    held_on = fields.Date(required=True)
    topic = fields.String(required=True, validate=validate.Length(min=1, max=200))
    attendee_ids = fields.List(fields.Integer(), required=True)


class SafetyMeeting(Schema):
    id = fields.Integer()
    held_on = fields.Date()
    topic = fields.String()
    attendee_ids = fields.List(fields.Integer())
    created_at = Instant()


class AssessmentCreate(InputSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("violation", "commendation")))
    occurred_on = fields.Date(required=True)
    description = fields.String(required=True, validate=_text)
    points = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100))


class Assessment(Schema):
    id = fields.Integer()
    driver_id = fields.Integer()
    kind = fields.String()
    occurred_on = fields.Date()
    description = fields.String()
    points = fields.Integer()
    recorded_by = fields.String()
    created_at = Instant()


class AssessmentPage(Schema):
    items = fields.List(fields.Nested(Assessment))
    total = fields.Integer()


# Dispatch (调度) ---------------------------------------------------------------------
@states({"x-ordered": [["start_at", "end_at", "<"]]})  # domain.check_interval
class DispatchCreate(InputSchema):
    """A unit's request; a unit user's own unit is taken when ``unit_code`` is left out."""

    unit_code = UnitCode(load_default=None)
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=200))
    passengers = fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    origin = fields.String(required=True, validate=_name)
    destination = fields.String(required=True, validate=_name)
    start_at = Instant(required=True)
    end_at = Instant(required=True)
    # the caller's own reference (reception: its meeting's); cancelled with it when abandoned
    reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))


class DispatchReject(InputSchema):
    reason = fields.String(required=True, validate=_text)


class DispatchAssign(InputSchema):
    vehicle_id = fields.Integer(required=True)
    driver_id = fields.Integer(required=True)


class DispatchDepart(InputSchema):
    departed_at = Instant(load_default=None)


class DispatchReturn(InputSchema):
    odometer_km = fields.Decimal(required=True, places=1, validate=_km)
    returned_at = Instant(load_default=None)
    fuel_liters = _decimal(load_default=None, allow_none=True, validate=validate.Range(min=0, max=1000))
    tolls_yuan = Money(load_default=None, allow_none=True, validate=_yuan)
    cost_yuan = Money(load_default=None, allow_none=True, validate=_yuan)


class DispatchCancel(InputSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=_text)


class Dispatch(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    purpose = fields.String()
    passengers = fields.Integer()
    origin = fields.String()
    destination = fields.String()
    start_at = Instant()
    end_at = Instant()
    status = fields.String()
    requested_by = fields.String()
    decided_by = fields.String(allow_none=True)
    decided_at = Instant(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    vehicle_id = fields.Integer(allow_none=True)
    driver_id = fields.Integer(allow_none=True)
    assigned_at = Instant(allow_none=True)
    departed_at = Instant(allow_none=True)
    returned_at = Instant(allow_none=True)
    closed_at = Instant(allow_none=True)
    odometer_start_km = fields.Float(allow_none=True)
    odometer_end_km = fields.Float(allow_none=True)
    distance_km = fields.Float(allow_none=True)
    fuel_liters = fields.Float(allow_none=True)
    tolls_yuan = Money(allow_none=True)
    cost_yuan = Money(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class DispatchQuery(SyncQuery):
    status = fields.String(validate=validate.OneOf(DISPATCH_STATUSES))
    unit_code = fields.String()
    vehicle_id = fields.Integer()
    from_ = Instant(data_key="from", metadata={"description": "dispatches ending after this"})
    to = Instant(metadata={"description": "dispatches starting before this"})


# GPS trips and flags -----------------------------------------------------------------
class GpsTripIn(InputSchema):
    trip_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    plate = fields.String(load_default=None, validate=validate.Length(min=6, max=16))
    vehicle_id = fields.Integer(load_default=None)
    start_at = Instant(required=True)
    end_at = Instant(required=True)
    distance_km = fields.Decimal(required=True, places=1, validate=validate.Range(min=0, max=5000))


class GpsBatch(InputSchema):
    trips = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1, max=1000))


class GpsTrip(Schema):
    id = fields.Integer()
    trip_id = fields.String()
    vehicle_id = fields.Integer()
    start_at = Instant()
    end_at = Instant()
    distance_km = fields.Float()
    dispatch_id = fields.Integer(allow_none=True)
    received_at = Instant()


class RowError(Schema):
    index = fields.Integer()
    trip_id = fields.String(allow_none=True)
    errors = fields.Dict()


class GpsBatchResult(Schema):
    stored = fields.Integer()
    duplicates = fields.Integer()
    flagged = fields.Integer()
    rejected = fields.Integer()
    items = fields.List(fields.Nested(GpsTrip))
    errors = fields.List(fields.Nested(RowError))


class GpsTripQuery(PageQuery):
    vehicle_id = fields.Integer()
    matched = fields.Boolean()


class VehicleFlag(Schema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    unit_code = fields.String()
    kind = fields.String()
    status = fields.String()
    detail = fields.String()
    trip_id = fields.String(allow_none=True)
    fuel_transaction_id = fields.Integer(allow_none=True)
    service_record_id = fields.Integer(allow_none=True)
    dispatch_id = fields.Integer(allow_none=True)
    explanation = fields.String(allow_none=True)
    explained_by = fields.String(allow_none=True)
    explained_at = Instant(allow_none=True)
    resolution = fields.String(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolved_at = Instant(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class FlagQuery(SyncQuery):
    status = fields.String(validate=validate.OneOf(FLAG_STATUSES))
    kind = fields.String(validate=validate.OneOf(FLAG_KINDS))
    unit_code = fields.String()
    vehicle_id = fields.Integer()


class FlagExplain(InputSchema):
    explanation = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class FlagResolve(InputSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(("resolved", "violation")))
    resolution = fields.String(required=True, validate=validate.Length(min=1, max=2000))


# Vendors, fuel, service records ------------------------------------------------------
class VendorCreate(InputSchema):
    name = fields.String(required=True, validate=_name)
    kind = fields.String(required=True, validate=validate.OneOf(VENDOR_KINDS))
    designated = fields.Boolean(required=True)


class VendorUpdate(InputSchema):
    name = fields.String(validate=_name)
    designated = fields.Boolean()


class Vendor(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    designated = fields.Boolean()
    created_at = Instant()
    updated_at = Instant()


class VendorQuery(SyncQuery):
    kind = fields.String(validate=validate.OneOf(VENDOR_KINDS))
    designated = fields.Boolean()


@states({"anyOf": [{"required": [name], "properties": {name: {"type": "number"}}}
                   for name in ("liters", "kwh")]})  # domain.check_fuel_quantity
class FuelTransactionCreate(InputSchema):
    vehicle_id = fields.Integer(required=True)
    vendor_id = fields.Integer(required=True)
    card_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    filled_at = Instant(required=True)
    # a Decimal bound: 0.01 as a float is a hair above Decimal("0.01"), which it refused
    liters = _decimal(load_default=None, allow_none=True, validate=validate.Range(min=Decimal("0.01"), max=1000))
    kwh = _decimal(load_default=None, allow_none=True, validate=validate.Range(min=Decimal("0.01"), max=1000))
    amount_yuan = Money(required=True, validate=_yuan)
    odometer_km = fields.Decimal(required=True, places=1, validate=_km)


class FuelTransaction(Schema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    vendor_id = fields.Integer()
    card_number = fields.String(allow_none=True)
    filled_at = Instant()
    liters = fields.Float(allow_none=True)
    kwh = fields.Float(allow_none=True)
    amount_yuan = Money()
    odometer_km = fields.Float()
    distance_km = fields.Float(allow_none=True)
    l_per_100km = fields.Float(allow_none=True)
    flags = fields.List(fields.String(), metadata={"description": "kinds of the flags this transaction raised"})
    recorded_by = fields.String()
    created_at = Instant()


class FuelQuery(PageQuery):
    vehicle_id = fields.Integer()
    card_number = fields.String()
    from_ = Instant(data_key="from")
    to = Instant()


class ServiceRecordCreate(InputSchema):
    vendor_id = fields.Integer(required=True)
    # insurance: a policy bought or renewed, which must come from a designated insurer
    kind = fields.String(load_default="service", validate=validate.OneOf(("service", "repair", "insurance")))
    serviced_on = fields.Date(required=True)
    odometer_km = fields.Decimal(required=True, places=1, validate=_km)
    description = fields.String(required=True, validate=_text)
    cost_yuan = Money(required=True, validate=_yuan)


class ServiceRecord(Schema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    vendor_id = fields.Integer()
    kind = fields.String()
    serviced_on = fields.Date()
    odometer_km = fields.Float()
    description = fields.String()
    cost_yuan = Money()
    recorded_by = fields.String()
    created_at = Instant()


class ServiceRecordPage(Schema):
    items = fields.List(fields.Nested(ServiceRecord))
    total = fields.Integer()


class Reminder(Schema):
    vehicle_id = fields.Integer()
    plate = fields.String()
    unit_code = fields.String()
    kind = fields.String(metadata={"description": "service | insurance | inspection"})
    state = fields.String(metadata={"description": "overdue | due_soon"})
    due_on = fields.Date(allow_none=True)
    due_km = fields.Float(allow_none=True)


class ReminderQuery(PageQuery):
    on = fields.Date(metadata={"description": "the day to judge (default today, Asia/Shanghai)"})
    unit_code = fields.String()


# Renewal and disposal ----------------------------------------------------------------
class DisposalCreate(InputSchema):
    method = fields.String(required=True, validate=validate.OneOf(DISPOSAL_METHODS))
    disposed_on = fields.Date(required=True)
    proceeds_yuan = Money(load_default=None, allow_none=True, validate=_yuan)
    early_reason = fields.String(load_default=None, allow_none=True, validate=_text)


class Disposal(Schema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    unit_code = fields.String()
    method = fields.String()
    disposed_on = fields.Date()
    proceeds_yuan = Money(allow_none=True)
    early_reason = fields.String(allow_none=True)
    recorded_by = fields.String()
    created_at = Instant()


# Statistics and the annual report ----------------------------------------------------
@states({"oneOf": [{"required": ["year"], "not": {"anyOf": [{"required": ["from"]}, {"required": ["to"]}]}},
                   {"required": ["from", "to"], "not": {"required": ["year"]}}],
         "x-ordered": [["from", "to", "<="]]})  # reporting.period_of
class StatsQuery(InputSchema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    from_ = fields.Date(data_key="from")
    to = fields.Date(metadata={"description": "inclusive"})
    unit_code = fields.String()
    by_vehicle = fields.Boolean(load_default=True, metadata={
        "description": "false leaves out the rows of each vehicle (totals, units and flags only)"})


class ReportQuery(InputSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "xlsx")))


class Figures(Schema):
    dispatches = fields.Integer()
    distance_km = fields.Float()
    fuel_liters = fields.Float()
    fuel_kwh = fields.Float()
    fuel_yuan = Money()
    dispatch_cost_yuan = Money()
    service_yuan = Money()
    cost_yuan = Money()
    l_per_100km = fields.Float(allow_none=True)


class VehicleFigures(Figures):
    vehicle_id = fields.Integer()
    plate = fields.String()
    unit_code = fields.String()


class UnitFigures(Figures):
    unit_code = fields.String()


class FlagFigures(Schema):
    raised = fields.Integer()
    resolved = fields.Integer()
    violations = fields.Integer()
    open = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())


class RenewalFigures(Schema):
    disposed = fields.Integer(metadata={"description": "vehicles disposed of in the period, each freeing its slot (销编)"})
    by_method = fields.Dict(keys=fields.String(), values=fields.Integer(),
                            metadata={"description": "auction (拍卖) | take_back | scrap, every method answered"})
    registered = fields.Integer(metadata={"description": "vehicles registered into a quota slot in the period (定编)"})
    proceeds_yuan = Money(metadata={"description": "the disposals' proceeds"})


class SafetyMeetingFigures(Schema):
    held = fields.Integer(metadata={"description": "drivers' safety meetings held in the period"})
    months_with_meeting = fields.Integer(metadata={"description": "months of the period with at least one"})
    attendances = fields.Integer(metadata={"description": "drivers' attendances at them"})


class Stats(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    totals = fields.Nested(Figures)
    by_vehicle = fields.List(fields.Nested(VehicleFigures))
    by_unit = fields.List(fields.Nested(UnitFigures))
    flags = fields.Nested(FlagFigures)
    renewal = fields.Nested(RenewalFigures)
    safety_meetings = fields.Nested(SafetyMeetingFigures)


class FleetFigures(Schema):
    vehicles_at_year_end = fields.Integer()
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    quota_slots = fields.Integer()
    purchased = fields.Integer()
    disposed = fields.Integer()
    disposal_proceeds_yuan = Money()
    eligible_for_renewal = fields.Integer()


class AnnualReport(Schema):
    year = fields.Integer()
    fleet = fields.Nested(FleetFigures)
    stats = fields.Nested(Stats)


class ReportFile(Schema):
    filename = fields.String()
    content_type = fields.String()
    content_base64 = fields.String()




# Events (published through the outbox; consumers load with unknown=EXCLUDE) -----------
DISPATCH_COMPLETED = "dispatch_completed"
DISPATCH_STATUS_CHANGED = "dispatch_status_changed"
FUEL_RECORDED = "fuel_recorded"
TRIP_FLAGGED = "trip_flagged"
VEHICLE_DISPOSED = "vehicle_disposed"


class DispatchCompleted(EventSchema):
    dispatch_id = fields.Integer(required=True)
    vehicle_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    start_at = Instant(required=True)
    end_at = Instant(required=True)
    distance_km = fields.Float(required=True)
    fuel_liters = fields.Float(allow_none=True)
    cost_yuan = Money(allow_none=True)


class DispatchStatusChanged(EventSchema):
    """A car request was made (requested), approved, rejected or given its car (assigned)."""

    dispatch_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    status = fields.String(required=True)  # requested | approved | rejected | assigned
    requested_by = fields.String(required=True)
    destination = fields.String(required=True)
    start_at = Instant(required=True)
    reason = fields.String(allow_none=True)  # a rejection's


class FuelRecorded(EventSchema):
    """A fuel (or charging) transaction of a fleet vehicle; energy keeps the transport ledger."""

    transaction_id = fields.Integer(required=True)
    vehicle_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    fuel_type = fields.String(required=True)  # gasoline | diesel | electric | hybrid
    liters = fields.Float(allow_none=True)  # gasoline and diesel
    kwh = fields.Float(allow_none=True)  # electric charging
    amount_yuan = Money(allow_none=True)
    filled_at = Instant(required=True)


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
    proceeds_yuan = Money(allow_none=True)


EVENTS = {
    DISPATCH_COMPLETED: DispatchCompleted,
    DISPATCH_STATUS_CHANGED: DispatchStatusChanged,
    FUEL_RECORDED: FuelRecorded,
    TRIP_FLAGGED: TripFlagged,
    VEHICLE_DISPOSED: VehicleDisposed,
}
