"""The facilities service's public face: RPC payloads, events, error classes.

Other services and the gateway import this module only.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kit.errors import Conflict, Invalid, NotFound, RuleViolation  # noqa: F401  (raised by this service)
from services.kit.schemas import EventSchema, InputSchema, Instant, PageQuery, SyncQuery, UnitCode, states

# 党政机关办公用房建设标准 (2014): the ranks an office allowance is counted by (m² each: settings.py)
RANKS = ("county_chief", "county_deputy", "section_chief", "section_deputy", "staff")

SERVICE = "facilities"

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


EVENTS = {
    BUILDING_AREA_CHANGED: BuildingAreaChanged,
    ROOM_OVER_STANDARD: RoomOverStandard,
    REPAIR_COMPLETED: RepairCompleted,
    REPAIR_ASSIGNED: RepairAssigned,
    RECTIFICATION_OVERDUE: RectificationOverdue,
    MEETING_ROOM_BOOKED: MeetingRoomBooked,
}
