"""The facilities service's public face: RPC payloads, events, error classes.

Other services and the gateway import this module only.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kit.errors import Conflict, Invalid, NotFound, RuleViolation  # noqa: F401  (raised by this service)
from services.kit.schemas import EventSchema, InputSchema, Instant, Money, PageQuery, SyncQuery, UnitCode, states

# 党政机关办公用房建设标准 (2014): the ranks an office allowance is counted by (m² each: settings.py)
RANKS = ("county_chief", "county_deputy", "section_chief", "section_deputy", "staff")

SERVICE = "facilities"

# Role sets (API.md), declared once: the gateway's routes and the service check the same sets.
MANAGERS = ("facility_manager",)
READERS = ("facility_manager", "technician", "leader", "unit_user")
FIGURE_READERS = ("facility_manager", "leader")
REPORTERS = ("facility_manager", "unit_user")
WORKERS = ("facility_manager", "technician")
BOOKERS = ("facility_manager", "reception_officer", "unit_user")
BOOKING_READERS = READERS + ("reception_officer",)

ROOM_TYPES = ("office", "meeting", "service", "equipment", "vacant")
REPAIR_CATEGORIES = ("water", "electricity", "generator", "hvac", "civil", "other")
SEVERITIES = ("minor", "major")
REPAIR_STATUSES = ("reported", "assigned", "in_progress", "done", "confirmed", "reopened")
RECTIFICATION_STATUSES = ("open", "done", "verified")
BOOKING_STATUSES = ("booked", "cancelled")
ALLOCATION_KINDS = ("allocation", "reallocation", "release")

BUILDING_AREA_CHANGED = "building_area_changed"
ROOM_OVER_STANDARD = "room_over_standard"
REPAIR_COMPLETED = "repair_completed"
REPAIR_ASSIGNED = "repair_assigned"
RECTIFICATION_OVERDUE = "rectification_overdue"
MEETING_ROOM_BOOKED = "meeting_room_booked"


def _text(max_length: int, **kwargs):
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


def _optional_text(max_length: int):
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_length))


AREA = dict(places=2, validate=validate.Range(min=0, min_inclusive=False, max=100000))


class BuildingCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    floors = fields.Integer(required=True, validate=validate.Range(min=1, max=200),
                            metadata={"description": "floors above ground: rooms lie on 1..floors"})
    basement_floors = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10),
                                     metadata={"description": "floors below ground: rooms lie on -1..-basement_floors"})
    unit_code = UnitCode(load_default=None, allow_none=True)


class Building(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String(allow_none=True)
    floors = fields.Integer()
    basement_floors = fields.Integer()
    unit_code = fields.String(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class RoomCreate(InputSchema):
    building_id = fields.Integer(required=True, validate=validate.Range(min=1))
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    floor = fields.Integer(required=True, validate=validate.Range(min=-10, max=200),
                           metadata={"description": "one of the building's floors; negative below ground, no floor 0"})
    usable_area_m2 = fields.Decimal(required=True, places=2, validate=validate.Range(min=0, min_inclusive=False, max=100000))
    type = fields.String(required=True, validate=validate.OneOf(ROOM_TYPES))
    unit_code = UnitCode(load_default=None, allow_none=True)


class RoomUpdate(InputSchema):
    usable_area_m2 = fields.Decimal(places=2, validate=validate.Range(min=0, min_inclusive=False, max=100000))
    type = fields.String(validate=validate.OneOf(ROOM_TYPES))
    unit_code = UnitCode(allow_none=True)


class Room(Schema):
    id = fields.Integer()
    building_id = fields.Integer()
    number = fields.String()
    floor = fields.Integer()
    usable_area_m2 = fields.Float()
    type = fields.String()
    unit_code = fields.String(allow_none=True)
    created_at = Instant()
    updated_at = Instant()
    # the office-area standard, evaluated on every read (only office rooms are judged)
    occupant_count = fields.Integer()
    allowance_m2 = fields.Float()
    excess_m2 = fields.Float()
    over_standard = fields.Boolean()


class BuildingQuery(SyncQuery):
    unit_code = fields.String()


class RoomQuery(SyncQuery):
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


# occupants and the office-area standard ---------------------------------------------
class OccupantCreate(InputSchema):
    name = _text(100, required=True)
    rank = fields.String(required=True, validate=validate.OneOf(RANKS))


class Occupant(Schema):
    id = fields.Integer()
    room_id = fields.Integer()
    name = fields.String()
    rank = fields.String()
    unit_code = fields.String()
    allowance_m2 = fields.Float()
    created_at = Instant()


class OccupantQuery(PageQuery):
    pass


class OccupantPage(Schema):
    items = fields.List(fields.Nested(Occupant))
    total = fields.Integer()


class OverStandardQuery(PageQuery):
    building_id = fields.Integer()
    unit_code = fields.String()


class UnitExcess(Schema):
    """A unit's over-standard rooms, summed."""

    unit_code = fields.String()
    rooms = fields.Integer()
    usable_area_m2 = fields.Float()
    allowance_m2 = fields.Float()
    excess_m2 = fields.Float()


# allocation and vacancies ---------------------------------------------------------
class AllocationCreate(InputSchema):
    room_id = fields.Integer(required=True, validate=validate.Range(min=1))
    unit_code = UnitCode(required=True, allow_none=True)  # null releases the room
    type = fields.String(load_default=None, validate=validate.OneOf(ROOM_TYPES))
    allocated_on = fields.Date(load_default=None)
    reason = _optional_text(500)


class Allocation(Schema):
    id = fields.Integer()
    room_id = fields.Integer()
    kind = fields.String()
    from_unit_code = fields.String(allow_none=True)
    to_unit_code = fields.String(allow_none=True)
    allocated_on = fields.Date()
    reason = fields.String(allow_none=True)
    allocated_by = fields.String()
    created_at = Instant()


class AllocationQuery(PageQuery):
    room_id = fields.Integer()
    unit_code = fields.String()  # given or taken
    kind = fields.String(validate=validate.OneOf(ALLOCATION_KINDS))


HEAD_COUNT = dict(load_default=0, validate=validate.Range(min=0, max=10000))


class VacancyQuery(PageQuery):
    """A unit's need: head count by rank; where: building and floor."""

    building_id = fields.Integer()
    floor = fields.Integer()
    county_chief = fields.Integer(**HEAD_COUNT)
    county_deputy = fields.Integer(**HEAD_COUNT)
    section_chief = fields.Integer(**HEAD_COUNT)
    section_deputy = fields.Integer(**HEAD_COUNT)
    staff = fields.Integer(**HEAD_COUNT)


class Vacancy(Room):
    need_m2 = fields.Float()  # the allowance of the head count asked for
    headroom_m2 = fields.Float(allow_none=True)  # how far the room stays below it


# inspections and rectifications -------------------------------------------------
class FindingCreate(InputSchema):
    finding = _text(1000, required=True)
    deadline_on = fields.Date(required=True)


class InspectionCreate(InputSchema):
    room_id = fields.Integer(required=True, validate=validate.Range(min=1))
    inspected_on = fields.Date(load_default=None)
    measured_area_m2 = fields.Decimal(load_default=None, allow_none=True, **AREA)
    notes = _optional_text(4000)
    findings = fields.List(fields.Nested(FindingCreate), load_default=list, validate=validate.Length(max=50))


class Rectification(Schema):
    id = fields.Integer()
    inspection_id = fields.Integer()
    room_id = fields.Integer()
    unit_code = fields.String(allow_none=True)
    finding = fields.String()
    deadline_on = fields.Date()
    status = fields.String()
    overdue = fields.Boolean()
    done_at = Instant(allow_none=True)
    done_note = fields.String(allow_none=True)
    verified_at = Instant(allow_none=True)
    verified_by = fields.String(allow_none=True)
    created_at = Instant()


class Inspection(Schema):
    id = fields.Integer()
    room_id = fields.Integer()
    unit_code = fields.String(allow_none=True)
    inspected_on = fields.Date()
    inspector = fields.String()
    recorded_area_m2 = fields.Float()
    measured_area_m2 = fields.Float(allow_none=True)
    notes = fields.String(allow_none=True)
    rectifications = fields.List(fields.Nested(Rectification))
    created_at = Instant()


class InspectionQuery(PageQuery):
    room_id = fields.Integer()
    unit_code = fields.String()


class RectificationQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(RECTIFICATION_STATUSES))
    unit_code = fields.String()
    room_id = fields.Integer()
    overdue = fields.Boolean()


class RectificationDone(InputSchema):
    note = _optional_text(1000)


class RectificationVerify(InputSchema):
    accepted = fields.Boolean(load_default=True)  # false sends it back to open
    note = _optional_text(1000)


# repairs --------------------------------------------------------------------------
class RepairCreate(InputSchema):
    location = _text(300, required=True)
    category = fields.String(required=True, validate=validate.OneOf(REPAIR_CATEGORIES))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    description = _optional_text(2000)
    unit_code = UnitCode(load_default=None, allow_none=True)
    building_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    room_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    # staff entering a report taken on paper or by phone give when it was made
    reported_at = Instant(load_default=None)


class RepairAssign(InputSchema):
    technician = _text(100, required=True)  # a gateway username


class RepairStart(InputSchema):
    started_at = Instant(load_default=None)  # staff entering a paper record


class RepairComplete(InputSchema):
    note = _optional_text(2000)
    completed_at = Instant(load_default=None)  # staff entering a paper record


class RepairConfirm(InputSchema):
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))


class RepairReopen(InputSchema):
    complaint = _text(2000, required=True)


class Repair(Schema):
    id = fields.Integer()
    unit_code = fields.String(allow_none=True)
    reporter = fields.String()
    building_id = fields.Integer(allow_none=True)
    room_id = fields.Integer(allow_none=True)
    location = fields.String()
    category = fields.String()
    severity = fields.String()
    description = fields.String(allow_none=True)
    status = fields.String()
    reported_at = Instant()
    due_at = Instant()
    overdue = fields.Boolean()
    on_time = fields.Boolean(allow_none=True)
    technician = fields.String(allow_none=True)
    assigned_at = Instant(allow_none=True)
    started_at = Instant(allow_none=True)
    completed_at = Instant(allow_none=True)
    work_note = fields.String(allow_none=True)
    confirmed_at = Instant(allow_none=True)
    rating = fields.Integer(allow_none=True)
    complaints = fields.Integer()
    last_complaint = fields.String(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class RepairQuery(SyncQuery):
    status = fields.String(validate=validate.OneOf(REPAIR_STATUSES))
    unit_code = fields.String()
    category = fields.String(validate=validate.OneOf(REPAIR_CATEGORIES))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    building_id = fields.Integer()
    technician = fields.String()
    overdue = fields.Boolean()


class PeriodQuery(InputSchema):
    """Local calendar days (Asia/Shanghai), both included: the day a repair was reported, the
    day of an inspection."""

    from_on = fields.Date(required=True, data_key="from")
    to_on = fields.Date(required=True, data_key="to")

    @validates_schema
    @states({"x-ordered": [["from", "to", "<="]]})
    def _ordered(self, data, **kwargs):
        if "from_on" in data and "to_on" in data and data["to_on"] < data["from_on"]:
            raise ValidationError("must not be before from", "to")


class RepairFigures(Schema):
    count = fields.Integer()
    completed = fields.Integer()
    completion_rate = fields.Float(allow_none=True)
    on_time = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)
    mean_hours_to_repair = fields.Float(allow_none=True)
    complaints = fields.Integer()
    mean_rating = fields.Float(allow_none=True)


class CategoryFigures(RepairFigures):
    category = fields.String()


class BuildingFigures(RepairFigures):
    building_id = fields.Integer(allow_none=True)


class RepairStats(Schema):
    period_from = fields.Date()
    period_to = fields.Date()
    total = fields.Nested(RepairFigures)
    by_category = fields.List(fields.Nested(CategoryFigures))
    by_building = fields.List(fields.Nested(BuildingFigures))


class InspectionStats(Schema):
    period_from = fields.Date()
    period_to = fields.Date()
    inspections = fields.Integer(metadata={"description": "inspections made in the period"})
    units_inspected = fields.Integer(metadata={"description": "units whose offices those inspections visited"})
    allocations = fields.Integer(metadata={"description": "rooms allocated to a unit in the period (调配)"})
    reallocations = fields.Integer(metadata={"description": "rooms moved between units in the period (调剂)"})
    rectifications = fields.Integer(metadata={"description": "findings those inspections raised"})
    rectifications_done = fields.Integer(metadata={"description": "of them done or verified"})
    rectification_rate = fields.Float(allow_none=True, metadata={"description": "done / raised"})
    rectifications_overdue = fields.Integer(metadata={"description": "of them past their deadline and not done, today"})


# meeting rooms ----------------------------------------------------------------------
class MeetingRoomCreate(InputSchema):
    name = _text(100, required=True)
    building_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    location = _optional_text(300)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=10000))
    equipment = fields.List(_text(100), load_default=list, validate=validate.Length(max=50))


class MeetingRoom(Schema):
    id = fields.Integer()
    name = fields.String()
    building_id = fields.Integer(allow_none=True)
    location = fields.String(allow_none=True)
    capacity = fields.Integer()
    equipment = fields.List(fields.String())
    created_at = Instant()


class MeetingRoomQuery(PageQuery):
    building_id = fields.Integer()
    min_capacity = fields.Integer(validate=validate.Range(min=1))
    equipment = fields.String()  # rooms that have this item


class BookingCreate(InputSchema):
    """Also the payload of the ``book_meeting_room`` RPC (reception books for meetings)."""

    meeting_room_id = fields.Integer(required=True, validate=validate.Range(min=1))
    title = _text(200, required=True)
    unit_code = UnitCode(load_default=None)
    start_at = Instant(required=True)
    end_at = Instant(required=True)
    attendees = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=100000))
    reference = _optional_text(100)

    @validates_schema
    @states({"x-ordered": [["start_at", "end_at", "<"]]})
    def _ordered(self, data, **kwargs):
        if "start_at" in data and "end_at" in data and data["end_at"] <= data["start_at"]:
            raise ValidationError("must be after start_at", "end_at")


class Recurrence(InputSchema):
    frequency = fields.String(required=True, validate=validate.OneOf(("daily", "weekly")))
    count = fields.Integer(validate=validate.Range(min=1, max=1000))
    until = fields.Date()  # local day of the last occurrence, included

    @validates_schema
    @states({"oneOf": [{"required": ["count"]}, {"required": ["until"]}]})
    def _one_end(self, data, **kwargs):
        if ("count" in data) == ("until" in data):
            raise ValidationError("give exactly one of count and until", "count")


class BookingSeriesCreate(BookingCreate):
    recurrence = fields.Nested(Recurrence, required=True)


class Booking(Schema):
    id = fields.Integer()
    meeting_room_id = fields.Integer()
    title = fields.String()
    unit_code = fields.String()
    start_at = Instant()
    end_at = Instant()
    attendees = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True)
    series_id = fields.String(allow_none=True)
    status = fields.String()
    booked_by = fields.String()
    cancelled_at = Instant(allow_none=True)
    created_at = Instant()


class BookingSeries(Schema):
    series_id = fields.String()
    items = fields.List(fields.Nested(Booking))
    total = fields.Integer()


class BookingQuery(PageQuery):
    meeting_room_id = fields.Integer()
    unit_code = fields.String()
    status = fields.String(validate=validate.OneOf(BOOKING_STATUSES))
    series_id = fields.String()
    reference = fields.String()
    from_at = Instant(data_key="from")  # bookings ending after
    to_at = Instant(data_key="to")  # bookings starting before


# from strictly before to, at most availability_max_days (31 by default) apart: domain.check_availability_span
@states({"x-ordered": [["from", "to", "<", 31]]})
class AvailabilityQuery(InputSchema):
    from_at = Instant(data_key="from", required=True)
    to_at = Instant(data_key="to", required=True, metadata={"description": "at most 31 days after from"})
    building_id = fields.Integer()
    min_capacity = fields.Integer(validate=validate.Range(min=1))


class BusyInterval(Schema):
    start_at = Instant()
    end_at = Instant()
    own = fields.Boolean(metadata={"description": "booked by the caller's own unit"})
    booking_id = fields.Integer(allow_none=True, metadata={"description": "null for another unit's booking"})
    title = fields.String(allow_none=True, metadata={"description": "null for another unit's booking"})
    unit_code = fields.String(allow_none=True, metadata={"description": "null for another unit's booking"})


class RoomAvailability(MeetingRoom):
    busy = fields.List(fields.Nested(BusyInterval))


class Availability(Schema):
    """Free/busy of the meeting rooms: who booked a room stays hidden from other units."""

    from_at = Instant(data_key="from")
    to_at = Instant(data_key="to")
    items = fields.List(fields.Nested(RoomAvailability))
    total = fields.Integer()


# events -----------------------------------------------------------------------------
class RoomOverStandard(EventSchema):
    """An office room became over its occupants' allowance (超标)."""

    room_id = fields.Integer(required=True)
    building_id = fields.Integer(required=True)
    unit_code = fields.String(required=True, allow_none=True)
    usable_area_m2 = fields.Float(required=True)
    allowance_m2 = fields.Float(required=True)
    excess_m2 = fields.Float(required=True)


class RepairAssigned(EventSchema):
    repair_id = fields.Integer(required=True)
    unit_code = fields.String(required=True, allow_none=True)
    technician = fields.String(required=True)
    location = fields.String(required=True)
    category = fields.String(required=True)
    severity = fields.String(required=True)
    due_at = Instant(required=True)


class RepairCompleted(EventSchema):
    repair_id = fields.Integer(required=True)
    unit_code = fields.String(required=True, allow_none=True)
    building_id = fields.Integer(required=True, allow_none=True)
    category = fields.String(required=True)
    severity = fields.String(required=True)
    reported_at = Instant(required=True)
    due_at = Instant(required=True)
    completed_at = Instant(required=True)
    on_time = fields.Boolean(required=True)


class RectificationOverdue(EventSchema):
    rectification_id = fields.Integer(required=True)
    room_id = fields.Integer(required=True)
    unit_code = fields.String(required=True, allow_none=True)
    finding = fields.String(required=True)
    deadline_on = fields.Date(required=True)


class MeetingRoomBooked(EventSchema):
    booking_id = fields.Integer(required=True)
    meeting_room_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    title = fields.String(required=True)
    start_at = Instant(required=True)
    end_at = Instant(required=True)
    reference = fields.String(required=True, allow_none=True)
    series_id = fields.String(required=True, allow_none=True)


# equipment upkeep (设备设施维保) ------------------------------------------------------------
# the roles of upkeep, declared once: the gateway's routes and the service's checks use these
EQUIPMENT_READERS = ("facility_manager", "technician", "leader")
EQUIPMENT_MANAGERS = ("facility_manager",)
UPKEEP_WORKERS = ("facility_manager", "technician")  # read meters, work the orders
UPKEEP_FIGURE_READERS = ("facility_manager", "leader")

EQUIPMENT_KINDS = ("elevator", "fire_system", "extinguisher", "water_tank", "water_pump", "lightning", "generator",
                   "boiler", "hvac", "power")
EQUIPMENT_STATUSES = ("in_service", "retired")
PLAN_KINDS = ("preventive", "statutory")
WORK_ORDER_STATUSES = ("open", "assigned", "in_progress", "done", "cancelled")
CHECK_TYPES = ("tick", "measure")
EXTINGUISHER_AGENTS = ("water", "dry_powder", "clean_agent", "co2")

WORK_ORDER_GENERATED = "work_order_generated"
WORK_ORDER_ASSIGNED = "work_order_assigned"
MAINTENANCE_OVERDUE = "maintenance_overdue"
CERTIFICATE_EXPIRING = "certificate_expiring"


class EquipmentCreate(InputSchema):
    building_id = fields.Integer(required=True, validate=validate.Range(min=1))
    kind = fields.String(required=True, validate=validate.OneOf(EQUIPMENT_KINDS))
    name = _text(200, required=True)
    location = _optional_text(300)
    maker = _optional_text(200)
    model = _optional_text(200)
    serial = _optional_text(100)
    installed_on = fields.Date(load_default=None, allow_none=True)
    warranty_until_on = fields.Date(load_default=None, allow_none=True)
    explosive_site = fields.Boolean(load_default=False, metadata={
        "description": "explosive materials are kept here: lightning protection is tested every six months"})
    extinguisher_agent = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(EXTINGUISHER_AGENTS),
                                       metadata={"description": "an extinguisher's agent: its repair intervals and "
                                                                "service life (GB 50444-2008); installed_on is taken "
                                                                "as the day it left the factory"})
    unit_code = UnitCode(load_default=None, allow_none=True)
    default_plans = fields.Boolean(load_default=True, metadata={
        "description": "make the kind's statutory and customary plans (DOMAIN.md intervals), first due one "
                       "interval from today (a certificate added later sets its inspection's due date)"})


class Equipment(Schema):
    id = fields.Integer()
    building_id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    location = fields.String(allow_none=True)
    maker = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    serial = fields.String(allow_none=True)
    installed_on = fields.Date(allow_none=True)
    warranty_until_on = fields.Date(allow_none=True)
    under_warranty = fields.Boolean()
    explosive_site = fields.Boolean()
    extinguisher_agent = fields.String(allow_none=True)
    scrap_on = fields.Date(allow_none=True, metadata={"description": "an extinguisher's end of service life"})
    past_service_life = fields.Boolean()
    unit_code = fields.String(allow_none=True)
    status = fields.String()
    retired_on = fields.Date(allow_none=True)
    run_hours = fields.Float(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class EquipmentQuery(SyncQuery):
    building_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(EQUIPMENT_KINDS))
    status = fields.String(validate=validate.OneOf(EQUIPMENT_STATUSES))


class CertificateCreate(InputSchema):
    name = _text(200, required=True)
    number = _optional_text(100)
    issuer = _optional_text(200)
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "default: issued_on + the statutory validity (a year)"})


class Certificate(Schema):
    id = fields.Integer()
    equipment_id = fields.Integer()
    name = fields.String()
    number = fields.String(allow_none=True)
    issuer = fields.String(allow_none=True)
    issued_on = fields.Date()
    expires_on = fields.Date()
    work_order_id = fields.Integer(allow_none=True)
    valid = fields.Boolean()
    expiring = fields.Boolean()
    created_at = Instant()


class CertificateQuery(PageQuery):
    equipment_id = fields.Integer()
    expiring = fields.Boolean(metadata={"description": "true: valid still, ending within the warning days"})
    expired = fields.Boolean()


class MeterReadingCreate(InputSchema):
    run_hours = fields.Decimal(required=True, places=1, validate=validate.Range(min=0, max=10_000_000))
    read_at = Instant(load_default=None, allow_none=True)


class MeterReading(Schema):
    id = fields.Integer()
    equipment_id = fields.Integer()
    run_hours = fields.Float()
    read_at = Instant()
    read_on = fields.Date()
    reader = fields.String()


class CheckItem(InputSchema):
    name = _text(100, required=True)
    type = fields.String(load_default="tick", validate=validate.OneOf(CHECK_TYPES))
    unit = _optional_text(20)
    min = fields.Float(load_default=None, allow_none=True)
    max = fields.Float(load_default=None, allow_none=True)


class MaintenancePlanCreate(InputSchema):
    equipment_id = fields.Integer(required=True, validate=validate.Range(min=1))
    name = _text(200, required=True)
    kind = fields.String(load_default="preventive", validate=validate.OneOf(PLAN_KINDS))
    every_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=3660))
    every_months = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=120))
    every_run_hours = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=100000))
    first_due_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "default: one interval from today"})
    checklist = fields.List(fields.Nested(CheckItem), load_default=list, validate=validate.Length(max=50))
    issues_certificate = fields.Boolean(load_default=False)


class MaintenancePlan(Schema):
    id = fields.Integer()
    equipment_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    every_days = fields.Integer(allow_none=True)
    every_months = fields.Integer(allow_none=True)
    every_run_hours = fields.Integer(allow_none=True)
    checklist = fields.List(fields.Dict())
    issues_certificate = fields.Boolean()
    active = fields.Boolean()
    next_due_on = fields.Date(allow_none=True, metadata={"description": "due by time"})
    meter_due_on = fields.Date(allow_none=True, metadata={"description": "due by meter (reached or projected)"})
    due_on = fields.Date(allow_none=True, metadata={"description": "whichever comes first"})
    overdue = fields.Boolean()
    last_done_on = fields.Date(allow_none=True)
    last_done_run_hours = fields.Float(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class MaintenancePlanQuery(SyncQuery):
    equipment_id = fields.Integer()
    overdue = fields.Boolean()


class CheckAnswer(InputSchema):
    name = _text(100, required=True)
    checked = fields.Boolean(load_default=False)
    value = fields.Float(load_default=None, allow_none=True)
    ok = fields.Boolean(load_default=True)


class FindingText(InputSchema):
    description = _text(1000, required=True)
    severity = fields.String(load_default="minor", validate=validate.OneOf(SEVERITIES))


class WorkOrderComplete(InputSchema):
    items = fields.List(fields.Nested(CheckAnswer), load_default=list, validate=validate.Length(max=50))
    run_hours = fields.Decimal(load_default=None, allow_none=True, places=1,
                               validate=validate.Range(min=0, max=10_000_000))
    note = _optional_text(2000)
    findings = fields.List(fields.Nested(FindingText), load_default=list, validate=validate.Length(max=20),
                           metadata={"description": "each opens a repair"})
    certificate = fields.Nested(CertificateCreate, load_default=None, allow_none=True, metadata={
        "description": "the certificate a statutory inspection issued"})


class WorkOrderAssign(InputSchema):
    technician = _text(100, required=True)


class WorkOrder(Schema):
    id = fields.Integer()
    plan_id = fields.Integer()
    equipment_id = fields.Integer()
    building_id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    due_on = fields.Date()
    status = fields.String()
    items = fields.List(fields.Dict())
    technician = fields.String(allow_none=True)
    assigned_at = Instant(allow_none=True)
    started_at = Instant(allow_none=True)
    completed_at = Instant(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    run_hours = fields.Float(allow_none=True)
    note = fields.String(allow_none=True)
    findings = fields.List(fields.Dict(), metadata={"description": "[{description, repair_id}]"})
    overdue = fields.Boolean()
    on_time = fields.Boolean(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class WorkOrderQuery(SyncQuery):
    equipment_id = fields.Integer()
    plan_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(WORK_ORDER_STATUSES))
    technician = fields.String()
    overdue = fields.Boolean()


class GenerationReport(Schema):
    generated = fields.Integer()
    work_order_ids = fields.List(fields.Integer())


class PurchaseCreate(InputSchema):
    building_id = fields.Integer(required=True, validate=validate.Range(min=1))
    kind = fields.String(required=True, validate=validate.OneOf(EQUIPMENT_KINDS))
    description = _text(500, required=True)
    cost_yuan = Money(required=True, validate=validate.Range(min=0, max=1_000_000_000))
    purchased_on = fields.Date(required=True)
    supplier = _optional_text(200)
    equipment_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1),
                                  metadata={"description": "the equipment bought, once registered"})
    replaces_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1),
                                 metadata={"description": "the equipment it replaces: retired, its plans stopped"})


class Purchase(Schema):
    id = fields.Integer()
    building_id = fields.Integer()
    kind = fields.String()
    description = fields.String()
    cost_yuan = Money()
    purchased_on = fields.Date()
    supplier = fields.String(allow_none=True)
    equipment_id = fields.Integer(allow_none=True)
    replaces_id = fields.Integer(allow_none=True)
    created_at = Instant()


class PurchaseQuery(PageQuery):
    building_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(EQUIPMENT_KINDS))


class EquipmentKindFigures(Schema):
    kind = fields.String()
    equipment = fields.Integer()
    orders_due = fields.Integer()
    orders_done_on_time = fields.Integer()
    orders_overdue = fields.Integer()


class EquipmentStats(Schema):
    period_from = fields.Date()
    period_to = fields.Date()
    equipment = fields.Integer()
    orders_due = fields.Integer()
    orders_done = fields.Integer()
    orders_done_on_time = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)
    orders_overdue = fields.Integer()
    plans_overdue = fields.Integer()
    certificates = fields.Integer()
    certificates_valid = fields.Integer()
    certificates_expiring = fields.Integer()
    purchases = fields.Integer()
    purchases_cost_yuan = Money()
    by_kind = fields.List(fields.Nested(EquipmentKindFigures))


class WorkOrderGenerated(EventSchema):
    work_order_id = fields.Integer(required=True)
    equipment_id = fields.Integer(required=True)
    building_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    due_on = fields.Date(required=True)


class WorkOrderAssigned(WorkOrderGenerated):
    technician = fields.String(required=True)


class MaintenanceOverdue(WorkOrderGenerated):
    pass


class CertificateExpiring(EventSchema):
    certificate_id = fields.Integer(required=True)
    equipment_id = fields.Integer(required=True)
    name = fields.String(required=True)
    expires_on = fields.Date(required=True)


# patrols (安全保卫) and training -------------------------------------------------------------
PATROL_READERS = ("facility_manager", "guard", "leader")
PATROL_MANAGERS = ("facility_manager",)
GUARDS = ("guard", "facility_manager")  # walk patrols, report findings
FINDING_READERS = ("facility_manager", "guard", "leader", "unit_user")  # a unit reads its own area's
TRAINING_READERS = ("facility_manager", "guard", "leader")

PATROL_KINDS = ("security", "no_smoking")
PATROL_STATUSES = ("scheduled", "in_progress", "done", "incomplete", "missed", "cancelled")
FINDING_CATEGORIES = ("fire_door_blocked", "fire_equipment", "smoking", "leak", "electrical", "intrusion",
                      "obstruction", "other")
FINDING_OPENS = ("repair", "rectification")
FINDING_STATUSES = ("open", "done", "verified")
TRAINING_CATEGORIES = ("security", "fire", "other")

PATROL_MISSED = "patrol_missed"
PATROL_FINDING_REPORTED = "patrol_finding_reported"


class PatrolRouteCreate(InputSchema):
    name = _text(200, required=True)
    site = _text(200, required=True)
    kind = fields.String(load_default="security", validate=validate.OneOf(PATROL_KINDS))
    building_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class CheckpointCreate(InputSchema):
    name = _text(200, required=True)
    location = _optional_text(300)
    unit_code = UnitCode(load_default=None, allow_none=True)


class Checkpoint(Schema):
    id = fields.Integer()
    route_id = fields.Integer()
    position = fields.Integer()
    name = fields.String()
    location = fields.String(allow_none=True)
    unit_code = fields.String(allow_none=True)
    token = fields.String(metadata={"description": "what the checkpoint's QR label carries: /console/patrol/scan/<token>"})


class PatrolRoute(Schema):
    id = fields.Integer()
    name = fields.String()
    site = fields.String()
    kind = fields.String()
    building_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    checkpoints = fields.List(fields.Nested(Checkpoint))
    created_at = Instant()
    updated_at = Instant()


class PatrolRouteQuery(SyncQuery):
    kind = fields.String(validate=validate.OneOf(PATROL_KINDS))
    site = fields.String()


class PatrolScheduleCreate(InputSchema):
    starts = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"),
                           metadata={"description": "HH:MM local; default 20:00"})
    ends = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"),
                         metadata={"description": "HH:MM local, the next day's when not after starts; default 06:00"})
    every_minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=10, max=1440),
                                   metadata={"description": "default 120"})


class PatrolSchedule(Schema):
    id = fields.Integer()
    route_id = fields.Integer()
    starts = fields.String()
    ends = fields.String()
    every_minutes = fields.Integer()
    active = fields.Boolean()
    created_at = Instant()


class PatrolScan(Schema):
    checkpoint_id = fields.Integer()
    checkpoint = fields.String()
    scanned_at = Instant()
    guard = fields.String()


class Patrol(Schema):
    id = fields.Integer()
    route_id = fields.Integer()
    route = fields.String()
    schedule_id = fields.Integer(allow_none=True)
    kind = fields.String()
    slot_at = Instant()
    window_end_at = Instant()
    status = fields.String()
    guard = fields.String(allow_none=True)
    started_at = Instant(allow_none=True)
    finished_at = Instant(allow_none=True)
    checkpoints = fields.Integer()
    scans = fields.List(fields.Nested(PatrolScan))
    missed = fields.List(fields.Integer(), metadata={"description": "the ids of the checkpoints skipped"})
    missed_names = fields.List(fields.String())
    flagged = fields.Boolean(metadata={"description": "not walked, or checkpoints skipped"})


class PatrolQuery(PageQuery):
    route_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(PATROL_KINDS))
    status = fields.String(validate=validate.OneOf(PATROL_STATUSES))
    guard = fields.String()
    flagged = fields.Boolean()
    from_on = fields.Date(data_key="from")
    to_on = fields.Date(data_key="to")


class ScanResult(Schema):
    patrol = fields.Nested(Patrol)
    checkpoint = fields.Nested(Checkpoint)
    repeated = fields.Boolean(metadata={"description": "this checkpoint was already scanned on this patrol"})


class PlanningReport(Schema):
    planned = fields.Integer()
    flagged = fields.Integer()


class PatrolFindingCreate(InputSchema):
    patrol_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    checkpoint_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PATROL_KINDS),
                         metadata={"description": "default: the patrol's"})
    category = fields.String(required=True, validate=validate.OneOf(FINDING_CATEGORIES))
    unit_code = UnitCode(load_default=None, allow_none=True)
    location = _text(300, required=True)
    description = _text(2000, required=True)
    seen_at = Instant(load_default=None, allow_none=True)
    opens = fields.String(required=True, validate=validate.OneOf(FINDING_OPENS))
    severity = fields.String(load_default="minor", validate=validate.OneOf(SEVERITIES),
                             metadata={"description": "of the repair it opens"})
    repair_category = fields.String(load_default="other", validate=validate.OneOf(REPAIR_CATEGORIES))
    deadline_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "of the rectification it opens"})


class PatrolFinding(Schema):
    id = fields.Integer()
    patrol_id = fields.Integer(allow_none=True)
    checkpoint_id = fields.Integer(allow_none=True)
    kind = fields.String()
    category = fields.String()
    unit_code = fields.String(allow_none=True)
    location = fields.String()
    description = fields.String()
    seen_at = Instant()
    reporter = fields.String()
    opens = fields.String()
    repair_id = fields.Integer(allow_none=True)
    deadline_on = fields.Date(allow_none=True)
    status = fields.String()
    closed = fields.Boolean(metadata={"description": "its repair is done, or its rectification verified"})
    overdue = fields.Boolean()
    done_note = fields.String(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class PatrolFindingQuery(PageQuery):
    kind = fields.String(validate=validate.OneOf(PATROL_KINDS))
    category = fields.String(validate=validate.OneOf(FINDING_CATEGORIES))
    unit_code = fields.String()
    patrol_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(FINDING_STATUSES))
    from_on = fields.Date(data_key="from")
    to_on = fields.Date(data_key="to")


class PatrolFindingDone(InputSchema):
    note = _optional_text(1000)


class PatrolFindingVerify(InputSchema):
    accepted = fields.Boolean(load_default=True)


class TrainingCreate(InputSchema):
    held_on = fields.Date(required=True)
    topic = _text(300, required=True)
    category = fields.String(load_default="security", validate=validate.OneOf(TRAINING_CATEGORIES))
    hours = fields.Decimal(required=True, places=1, validate=validate.Range(min=0, min_inclusive=False, max=100))
    trainer = _optional_text(100)
    attendees = fields.List(_text(100), required=True, validate=validate.Length(min=1, max=1000))


class Training(Schema):
    id = fields.Integer()
    held_on = fields.Date()
    topic = fields.String()
    category = fields.String()
    hours = fields.Float()
    trainer = fields.String(allow_none=True)
    attendees = fields.List(fields.String())
    attendee_count = fields.Integer()
    created_at = Instant()
    updated_at = Instant()


class TrainingQuery(SyncQuery):
    category = fields.String(validate=validate.OneOf(TRAINING_CATEGORIES))
    attendee = fields.String()
    from_on = fields.Date(data_key="from")
    to_on = fields.Date(data_key="to")


class PatrolKindFigures(Schema):
    kind = fields.String()
    patrols_scheduled = fields.Integer()
    patrols_done = fields.Integer()
    patrols_missed = fields.Integer()
    findings = fields.Integer()


class PatrolStats(Schema):
    period_from = fields.Date()
    period_to = fields.Date()
    patrols_scheduled = fields.Integer()
    patrols_done = fields.Integer()
    patrols_incomplete = fields.Integer()
    patrols_missed = fields.Integer()
    on_schedule_rate = fields.Float(allow_none=True)
    checkpoints_missed = fields.Integer()
    findings = fields.Integer()
    findings_closed = fields.Integer()
    by_kind = fields.List(fields.Nested(PatrolKindFigures))


class TrainingCategoryFigures(Schema):
    category = fields.String()
    sessions = fields.Integer()
    hours = fields.Float()
    attendances = fields.Integer()


class TrainingStats(Schema):
    period_from = fields.Date()
    period_to = fields.Date()
    sessions = fields.Integer()
    hours = fields.Float()
    attendances = fields.Integer()
    person_hours = fields.Float()
    by_category = fields.List(fields.Nested(TrainingCategoryFigures))


class PatrolMissed(EventSchema):
    patrol_id = fields.Integer(required=True)
    route_id = fields.Integer(required=True)
    route = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)  # missed | incomplete
    slot_at = Instant(required=True)
    guard = fields.String(required=True, allow_none=True)
    missed_checkpoints = fields.List(fields.String(), required=True)


class PatrolFindingReported(EventSchema):
    finding_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    category = fields.String(required=True)
    unit_code = fields.String(required=True, allow_none=True)
    location = fields.String(required=True)
    opens = fields.String(required=True)
    repair_id = fields.Integer(required=True, allow_none=True)
    deadline_on = fields.Date(required=True, allow_none=True)


EVENTS = {
    BUILDING_AREA_CHANGED: BuildingAreaChanged,
    ROOM_OVER_STANDARD: RoomOverStandard,
    REPAIR_COMPLETED: RepairCompleted,
    REPAIR_ASSIGNED: RepairAssigned,
    RECTIFICATION_OVERDUE: RectificationOverdue,
    MEETING_ROOM_BOOKED: MeetingRoomBooked,
    WORK_ORDER_GENERATED: WorkOrderGenerated,
    WORK_ORDER_ASSIGNED: WorkOrderAssigned,
    MAINTENANCE_OVERDUE: MaintenanceOverdue,
    CERTIFICATE_EXPIRING: CertificateExpiring,
    PATROL_MISSED: PatrolMissed,
    PATROL_FINDING_REPORTED: PatrolFindingReported,
}
