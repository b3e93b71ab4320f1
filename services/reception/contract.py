"""The reception service's public face: RPC payloads, events, error classes.

JSON lists of a record (guests, meals, activities...) are answered in the shape their
input schema describes, with dates and datetimes as ISO strings and money as numbers.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kit.schemas import EventSchema, InputSchema, Instant, Money, PageQuery, SyncQuery, UnitCode, states

GUEST_ORIGINS = ("out_of_county", "in_county")
MEALS = ("breakfast", "lunch", "dinner")

SERVICE = "reception"

# Role sets (API.md), declared once: the gateway's routes and the service check the same sets.
OFFICERS = ("reception_officer",)
SUBMITTERS = ("reception_officer", "unit_user")
READERS = ("reception_officer", "leader", "unit_user")

RECEPTION_APPROVED = "reception_approved"
RECEPTION_COMPLETED = "reception_completed"
RECEPTION_REJECTED = "reception_rejected"
MEETING_SCHEDULED = "meeting_scheduled"
MEETING_ABANDONED = "meeting_abandoned"
VISITOR_CHECKED_IN = "visitor_checked_in"

RECEPTION_STATUSES = ("submitted", "approved", "rejected", "cancelled", "completed")
RESERVATION_STATUSES = ("active", "released")
MEETING_STATUSES = ("scheduled", "failed", "cancelled")
VISITOR_KINDS = ("visitor", "petitioner")
# A meeting's room booking (facilities) and car requests (vehicles) carry its reference: this
# prefix and a UUID, made before the first step, never reused (a meeting's id is).
MEETING_REFERENCE_PREFIX = "meeting-"


def _text(max_length: int, **kwargs):
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


def _money(**kwargs):
    return Money(validate=validate.Range(min=0, max=10_000_000), **kwargs)


def _list(schema, **kwargs):
    return fields.List(fields.Nested(schema), load_default=list, validate=validate.Length(max=500), **kwargs)


class _Period(InputSchema):
    from_on = fields.Date(data_key="from")
    to_on = fields.Date(data_key="to")

    @validates_schema
    @states({"x-ordered": [["from", "to", "<="]]})
    def _ordered(self, data, **kwargs):
        if data.get("from_on") and data.get("to_on") and data["to_on"] < data["from_on"]:
            raise ValidationError("must not be before from", "to")


# --- official receptions ------------------------------------------------------------------
class OfficialLetter(InputSchema):
    """The sending unit's official letter (公函)."""

    number = _text(100, required=True)
    issuer = _text(200, required=True)
    dated_on = fields.Date(required=True)


class Guest(InputSchema):
    unit = _text(200, required=True)
    name = _text(100, required=True)
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class StaffMember(InputSchema):
    name = _text(100, required=True)
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class Activity(InputSchema):
    description = _text(500, required=True)
    place = _text(200, required=True)
    start_at = Instant(required=True)
    end_at = Instant(required=True)


class Lodging(InputSchema):
    place = _text(200, required=True)
    nights = fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    rooms = fields.Integer(required=True, validate=validate.Range(min=1, max=500))


class MealPlan(InputSchema):
    """A working meal (工作餐); the price is per person."""

    meal = fields.String(required=True, validate=validate.OneOf(MEALS))
    served_on = fields.Date(required=True)
    price_per_person_yuan = _money(required=True)
    accompanying_diners = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1000))
    home_style = fields.Boolean(load_default=True)
    alcohol = fields.Boolean(load_default=False)
    cigarettes = fields.Boolean(load_default=False)
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    canteen_slot_id = fields.Integer(load_default=None, allow_none=True)


@states({"x-ordered": [["starts_on", "ends_on", "<="], ["starts_on", "meals.*.served_on", "<="],
                       ["meals.*.served_on", "ends_on", "<="],
                       # an activity's instants on the reception's days (Asia/Shanghai), ending after it starts
                       ["activities.*.start_at", "activities.*.end_at", "<"],
                       ["starts_on", "activities.*.start_at", "<="], ["activities.*.end_at", "ends_on", "<="]]})
# domain.check_reception_dates
class ReceptionCreate(InputSchema):
    """A request from the inviting unit (``unit_code``; a unit user's own by default)."""

    unit_code = UnitCode(load_default=None)
    title = _text(200, required=True)
    official_letter = fields.Nested(OfficialLetter, load_default=None, allow_none=True)
    guest_origin = fields.String(required=True, validate=validate.OneOf(GUEST_ORIGINS))
    guests = fields.List(fields.Nested(Guest), required=True, validate=validate.Length(min=1, max=500))
    accompanying = _list(StaffMember)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    activities = _list(Activity)
    meals = _list(MealPlan)
    lodging = _list(Lodging)


class Reception(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    title = fields.String()
    official_letter = fields.Dict(allow_none=True)
    guest_origin = fields.String()
    guests = fields.List(fields.Dict())
    accompanying = fields.List(fields.Dict())
    starts_on = fields.Date()
    ends_on = fields.Date()
    activities = fields.List(fields.Dict())
    meals = fields.List(fields.Dict())
    lodging = fields.List(fields.Dict())
    status = fields.String()
    reason = fields.String(allow_none=True)
    submitted_by = fields.String()
    decided_by = fields.String(allow_none=True)
    approved_at = Instant(allow_none=True)
    decided_at = Instant(allow_none=True)
    completed_at = Instant(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class ReceptionQuery(SyncQuery, _Period):
    unit_code = fields.String()
    status = fields.String(validate=validate.OneOf(RECEPTION_STATUSES))


class ReceptionApprove(InputSchema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class ReceptionReject(InputSchema):
    reason = _text(1000, required=True)


class ReceptionCancel(InputSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


# --- reception list (接待清单) ---------------------------------------------------------------
class ListedMeal(InputSchema):
    meal = fields.String(required=True, validate=validate.OneOf(MEALS))
    served_on = fields.Date(required=True)
    place = _text(200, required=True)
    guests = fields.Integer(required=True, validate=validate.Range(min=0, max=1000))
    accompanying_diners = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1000))
    cost_yuan = _money(required=True)
    alcohol = fields.Boolean(load_default=False)
    cigarettes = fields.Boolean(load_default=False)


class Cost(InputSchema):
    item = _text(200, required=True)
    amount_yuan = _money(required=True)


class SupportStaff(InputSchema):
    name = _text(100, required=True)
    role = _text(100, required=True)


@states({"x-ordered": [["activities.*.start_at", "activities.*.end_at", "<"]]})  # domain.check_list_dates
class ReceptionListCreate(InputSchema):
    """What actually happened: the reimbursement voucher, kept for audit."""

    guests = fields.List(fields.Nested(Guest), required=True, validate=validate.Length(min=1, max=500))
    accompanying = _list(StaffMember)
    support_staff = _list(SupportStaff)
    activities = _list(Activity)
    meals = _list(ListedMeal)
    costs = _list(Cost)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class Difference(Schema):
    kind = fields.String()  # not_approved | absent | changed | not_on_letter | outside_dates | over | not_allowed
    field = fields.String()
    detail = fields.String()
    approved = fields.Raw(allow_none=True)
    actual = fields.Raw(allow_none=True)


class ReceptionList(Schema):
    reception_id = fields.Integer()
    guests = fields.List(fields.Dict())
    accompanying = fields.List(fields.Dict())
    support_staff = fields.List(fields.Dict())
    activities = fields.List(fields.Dict())
    meals = fields.List(fields.Dict())
    costs = fields.List(fields.Dict())
    note = fields.String(allow_none=True)
    total_cost_yuan = Money()
    differences = fields.List(fields.Nested(Difference))
    locked_at = Instant()
    recorded_by = fields.String()


# --- canteen (机关食堂) ----------------------------------------------------------------------
class CanteenSlotCreate(InputSchema):
    served_on = fields.Date(required=True)
    meal = fields.String(required=True, validate=validate.OneOf(MEALS))
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))


class CanteenSlot(Schema):
    id = fields.Integer()
    served_on = fields.Date()
    meal = fields.String()
    capacity = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()
    created_at = Instant()
    updated_at = Instant()


class CanteenSlotQuery(SyncQuery, _Period):
    meal = fields.String(validate=validate.OneOf(MEALS))


class CanteenReservationCreate(InputSchema):
    """A batch (批) eating in one slot, for exactly one reception or one meeting."""

    slot_id = fields.Integer(required=True)
    head_count = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))
    batch = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    reception_id = fields.Integer(load_default=None, allow_none=True)
    meeting_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    @states({"oneOf": [{"required": [name], "properties": {name: {"type": "integer"}}}
                       for name in ("reception_id", "meeting_id")]})
    def _one_owner(self, data, **kwargs):
        if (data.get("reception_id") is None) == (data.get("meeting_id") is None):
            raise ValidationError("give exactly one of reception_id and meeting_id", "reception_id")


class CanteenReservation(Schema):
    id = fields.Integer()
    slot_id = fields.Integer()
    served_on = fields.Date(attribute="slot.served_on")
    meal = fields.String(attribute="slot.meal")
    batch = fields.String()
    head_count = fields.Integer()
    unit_code = fields.String()
    reception_id = fields.Integer(allow_none=True)
    meeting_id = fields.Integer(allow_none=True)
    status = fields.String()
    released_at = Instant(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class CanteenReservationQuery(SyncQuery):
    slot_id = fields.Integer()
    reception_id = fields.Integer()
    meeting_id = fields.Integer()
    unit_code = fields.String()
    status = fields.String(validate=validate.OneOf(RESERVATION_STATUSES))


# --- meetings (会务) ---------------------------------------------------------------------------
class CarRequest(InputSchema):
    """A car asked of vehicles; times default to the meeting's, purpose to its title."""

    passengers = fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    origin = _text(200, required=True)
    destination = _text(200, required=True)
    start_at = Instant(load_default=None, allow_none=True)
    end_at = Instant(load_default=None, allow_none=True)
    purpose = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=500))


@states({"x-ordered": [["start_at", "end_at", "<"], ["cars.*.start_at", "cars.*.end_at", "<"]]})
class MeetingCreate(InputSchema):  # the order: domain.check_meeting_times
    title = _text(200, required=True)
    unit_code = UnitCode(load_default=None)
    meeting_room_id = fields.Integer(required=True)
    attendees = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))
    start_at = Instant(required=True)
    end_at = Instant(required=True)
    services = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list,
                           validate=validate.Length(max=50))
    cars = _list(CarRequest)


class Meeting(Schema):
    id = fields.Integer()
    reference = fields.String(allow_none=True)
    title = fields.String()
    unit_code = fields.String()
    meeting_room_id = fields.Integer()
    attendees = fields.Integer()
    start_at = Instant()
    end_at = Instant()
    services = fields.List(fields.String())
    cars = fields.List(fields.Dict())
    status = fields.String()
    room_booking_id = fields.Integer(allow_none=True)
    dispatch_ids = fields.List(fields.Integer())
    compensation_pending = fields.List(fields.Dict())
    failure_reason = fields.String(allow_none=True)
    checked_in = fields.Integer()
    created_at = Instant()
    updated_at = Instant()


class MeetingQuery(SyncQuery, _Period):
    unit_code = fields.String()
    status = fields.String(validate=validate.OneOf(MEETING_STATUSES))


class MeetingReferences(InputSchema):
    """The ``meeting_statuses`` RPC: facilities' reconciler asks which meetings exist."""

    references = fields.List(fields.String(validate=validate.Length(min=1, max=100)), required=True,
                             validate=validate.Length(max=500))


class MeetingCheckIn(InputSchema):
    name = _text(100, required=True)
    unit_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class MeetingAttendance(Schema):
    id = fields.Integer()
    meeting_id = fields.Integer()
    name = fields.String()
    unit_code = fields.String(allow_none=True)
    checked_in_at = Instant()
    checked_in = fields.Integer()  # how many attendees have checked in so far


class MeetingCancel(ReceptionCancel):
    pass


class VisitorCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    id_number = fields.String(required=True, load_only=True, validate=validate.Length(equal=18), metadata={
        "format": "cn-resident-id", "description": "18 characters (GB 11643) whose last is the check character"})
    company = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    host_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    host_unit_code = UnitCode(required=True)
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=500))
    kind = fields.String(load_default="visitor", validate=validate.OneOf(VISITOR_KINDS))
    party_size = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))


class Visitor(Schema):
    id = fields.Integer()
    name = fields.String()
    id_number = fields.String(attribute="id_number_masked")  # always masked on the way out
    company = fields.String(allow_none=True)
    host_name = fields.String()
    host_unit_code = fields.String()
    purpose = fields.String()
    kind = fields.String()
    party_size = fields.Integer()  # the persons of this batch (批), the registered visitor included
    checked_in_at = Instant()
    checked_out_at = Instant(allow_none=True)
    erased_at = Instant(allow_none=True, metadata={
        "description": "when the visitor's personal data (name, ID number, company, purpose) was erased after "
                       "RETENTION_VISITOR_PERSONAL_DATA_DAYS; the visit still counts in the figures"})
    created_at = Instant()
    updated_at = Instant()


class VisitorQuery(SyncQuery, _Period):
    host_unit_code = fields.String()
    on_site = fields.Boolean()
    kind = fields.String(validate=validate.OneOf(VISITOR_KINDS))


class OpenVisitQuery(PageQuery):
    host_unit_code = fields.String()


class VisitorCheckedIn(EventSchema):
    visitor_id = fields.Integer(required=True)
    name = fields.String(required=True)
    host_name = fields.String(required=True)
    host_unit_code = fields.String(required=True)
    purpose = fields.String(required=True)
    checked_in_at = Instant(required=True)


class ReceptionApproved(EventSchema):
    reception_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    title = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    guests = fields.Integer(required=True)
    approved_at = Instant(required=True)


class ReceptionRejected(EventSchema):
    reception_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    title = fields.String(required=True)
    reason = fields.String(required=True)
    rejected_at = Instant(required=True)


class ReceptionCompleted(EventSchema):
    reception_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    guests = fields.Integer(required=True)
    total_cost_yuan = Money(required=True)
    differences = fields.Integer(required=True)
    in_canteen = fields.Boolean(required=True)
    completed_at = Instant(required=True)


class MeetingScheduled(EventSchema):
    meeting_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    unit_code = fields.String(required=True)
    meeting_room_id = fields.Integer(required=True)
    room_booking_id = fields.Integer(required=True)
    dispatch_ids = fields.List(fields.Integer(), required=True)
    attendees = fields.Integer(required=True)
    start_at = Instant(required=True)
    end_at = Instant(required=True)


class MeetingAbandoned(EventSchema):
    """A meeting request failed after its first step was sent: whatever facilities and vehicles
    hold under ``reference`` is to be released, including a booking whose answer came too late."""

    reference = fields.String(required=True)
    unit_code = fields.String(required=True)
    meeting_room_id = fields.Integer(required=True)
    reason = fields.String(required=True)


EVENTS = {
    RECEPTION_APPROVED: ReceptionApproved, RECEPTION_COMPLETED: ReceptionCompleted,
    RECEPTION_REJECTED: ReceptionRejected,
    MEETING_SCHEDULED: MeetingScheduled, MEETING_ABANDONED: MeetingAbandoned, VISITOR_CHECKED_IN: VisitorCheckedIn,
}


# --- figures ------------------------------------------------------------------------------
class StatsQuery(_Period):
    from_on = fields.Date(data_key="from", required=True)
    to_on = fields.Date(data_key="to", required=True)
    unit_code = fields.String()


class ReceptionFigures(Schema):
    batches = fields.Integer()  # approved or completed receptions starting in the period
    guests = fields.Integer()
    completed = fields.Integer()
    refused = fields.Integer()  # rejected in the period's receptions
    cost_yuan = Money()  # from the locked reception lists


class CanteenFigures(Schema):
    batches = fields.Integer()
    persons = fields.Integer()
    reception_persons = fields.Integer(metadata={"description": "of them reserved for receptions' guests"})
    meeting_persons = fields.Integer(metadata={"description": "of them reserved for meetings' meals"})
    receptions_in_canteen = fields.Integer()
    reception_share = fields.Float()  # receptions hosted in the canteen / receptions


class MeetingFigures(Schema):
    meetings = fields.Integer()
    attendees = fields.Integer()
    checked_in = fields.Integer()


class VisitorFigures(Schema):
    batches = fields.Integer()
    persons = fields.Integer()
    petitioner_batches = fields.Integer()
    petitioner_persons = fields.Integer()


class ReceptionStats(Schema):
    from_on = fields.Date(data_key="from")
    to_on = fields.Date(data_key="to")
    unit_code = fields.String(allow_none=True)
    receptions = fields.Nested(ReceptionFigures)
    canteen = fields.Nested(CanteenFigures)
    meetings = fields.Nested(MeetingFigures)
    visitors = fields.Nested(VisitorFigures)
