"""Office space, repairs and meeting rooms."""
from gateway.routes import FACILITY_READERS, optional_json, routes
from gateway.routes.resource import Resource
from services.facilities import contract as facilities
from services.kit.errors import RuleViolation

MANAGE = ("facility_manager",)
TAG = "facilities"
REPORTERS = ("facility_manager", "unit_user")
WORKERS = ("facility_manager", "technician")
FIGURE_READERS = ("facility_manager", "leader")
BOOKERS = ("facility_manager", "reception_officer", "unit_user")
BOOKING_READERS = FACILITY_READERS + ("reception_officer",)
UNKNOWN_TECHNICIAN = "facilities.unknown_technician"

# literal paths beside /rooms/<int:item_id>: werkzeug tells them apart by the converter
Resource("/api/v1/buildings", "facilities", "building", "buildings", TAG, FACILITY_READERS, MANAGE,
         facilities.BuildingCreate, facilities.Building, facilities.BuildingQuery).register(routes)
Resource("/api/v1/rooms", "facilities", "room", "rooms", TAG, FACILITY_READERS, MANAGE,
         facilities.RoomCreate, facilities.Room, facilities.RoomQuery).register(routes)
Resource("/api/v1/inspections", "facilities", "inspection", "inspections", TAG, FACILITY_READERS, MANAGE,
         facilities.InspectionCreate, facilities.Inspection, facilities.InspectionQuery).register(routes)
Resource("/api/v1/repairs", "facilities", "repair", "repairs", TAG, FACILITY_READERS, REPORTERS,
         facilities.RepairCreate, facilities.Repair, facilities.RepairQuery,
         create_method="report_repair").register(routes)
Resource("/api/v1/meeting-rooms", "facilities", "meeting_room", "meeting_rooms", TAG, BOOKING_READERS, MANAGE,
         facilities.MeetingRoomCreate, facilities.MeetingRoom, facilities.MeetingRoomQuery).register(routes)
Resource("/api/v1/meeting-rooms/bookings", "facilities", "booking", "bookings", TAG, BOOKING_READERS, BOOKERS,
         facilities.BookingCreate, facilities.Booking, facilities.BookingQuery,
         create_method="book_meeting_room").register(routes)


def _route(verb, path, roles, method, summary, *path_args, body=None, query=None, response=None, many=False,
           status=200, body_optional=False):
    """Registers a handler that calls ``method`` with the path's ids, then the body or the query."""

    def handler(call):
        args = [call.args[name] for name in path_args]
        if body is not None:
            args.append(optional_json(call) if body_optional else call.json())
        if query is not None:
            args.append(call.query())
        return status, call.rpc("facilities", method, *args)

    handler.__name__ = method
    getattr(routes, verb)(path, roles, summary=summary, tag=TAG, body=body, query=query, response=response,
                          many=many, status=status)(handler)


# rooms, occupants, the office-area standard, allocations, vacancies
_route("patch", "/api/v1/rooms/<int:room_id>", MANAGE, "update_room", "Change a room's area, type or unit",
       "room_id", body=facilities.RoomUpdate, response=facilities.Room)
_route("get", "/api/v1/rooms/<int:room_id>/occupants", FACILITY_READERS, "list_occupants",
       "List a room's occupants with their allowances", "room_id", query=facilities.OccupantQuery,
       response=facilities.OccupantPage)
_route("post", "/api/v1/rooms/<int:room_id>/occupants", MANAGE, "add_occupant",
       "Register an occupant (re-judges the room at once)", "room_id", body=facilities.OccupantCreate,
       response=facilities.Occupant, status=201)
_route("delete", "/api/v1/rooms/<int:room_id>/occupants/<int:occupant_id>", MANAGE, "remove_occupant",
       "Remove an occupant (re-judges the room at once)", "room_id", "occupant_id", response=facilities.Occupant)
_route("get", "/api/v1/rooms/over-standard", FACILITY_READERS, "list_over_standard_rooms",
       "Office rooms over their occupants' allowance, largest excess first", query=facilities.OverStandardQuery,
       response=facilities.Room, many=True)
_route("get", "/api/v1/rooms/over-standard/units", FACILITY_READERS, "list_over_standard_units",
       "Units with over-standard rooms and their total excess", query=facilities.OverStandardQuery,
       response=facilities.UnitExcess, many=True)
_route("get", "/api/v1/rooms/allocations", FACILITY_READERS, "list_allocations",
       "The history of allocations and re-allocations", query=facilities.AllocationQuery,
       response=facilities.Allocation, many=True)
_route("post", "/api/v1/rooms/allocations", MANAGE, "allocate_room",
       "Allocate a room to a unit, move it to another, or release it (unit_code null)",
       body=facilities.AllocationCreate, response=facilities.Allocation, status=201)
_route("get", "/api/v1/rooms/vacancies", FACILITY_READERS, "search_vacancies",
       "Vacant rooms that fit a head count by rank without going over the standard",
       query=facilities.VacancyQuery, response=facilities.Vacancy, many=True)

# inspections and rectifications
_route("get", "/api/v1/inspections/stats", FIGURE_READERS, "inspection_stats",
       "Inspection figures for a period: inspections, the rectifications they raised, done, the rate, overdue",
       query=facilities.PeriodQuery, response=facilities.InspectionStats)
_route("get", "/api/v1/rectifications", FACILITY_READERS, "list_rectifications",
       "List rectifications (overdue=true: past their deadline and not done)",
       query=facilities.RectificationQuery, response=facilities.Rectification, many=True)
_route("get", "/api/v1/rectifications/<int:rectification_id>", FACILITY_READERS, "get_rectification",
       "Read one rectification", "rectification_id", response=facilities.Rectification)
_route("post", "/api/v1/rectifications/<int:rectification_id>/complete", REPORTERS, "complete_rectification",
       "Report a rectification done (it waits for verification)", "rectification_id",
       body=facilities.RectificationDone, body_optional=True, response=facilities.Rectification)
_route("post", "/api/v1/rectifications/<int:rectification_id>/verify", MANAGE, "verify_rectification",
       "Verify a done rectification (closes it) or send it back", "rectification_id",
       body=facilities.RectificationVerify, body_optional=True, response=facilities.Rectification)

# repairs
_route("get", "/api/v1/repairs/stats", FIGURE_READERS, "repair_stats",
       "Repair figures for a period: count, completion and on-time rates, mean time to repair, complaints",
       query=facilities.PeriodQuery, response=facilities.RepairStats)


@routes.post("/api/v1/repairs/<int:repair_id>/assign", MANAGE, summary="Assign a technician", tag=TAG,
             body=facilities.RepairAssign, response=facilities.Repair)
def assign_repair(call):
    """The technician is an active user of the gateway with the technician role (the console lists them)."""
    body = call.json()
    name = body.get("technician") if isinstance(body, dict) else None
    if isinstance(name, str) and name not in call.app.accounts.usernames_with_role("technician"):
        raise RuleViolation("the technician is not an active user with the technician role", UNKNOWN_TECHNICIAN,
                            {"technician": ["not an active technician"]})
    return call.rpc("facilities", "assign_repair", call.args["repair_id"], body)


_route("post", "/api/v1/repairs/<int:repair_id>/start", WORKERS, "start_repair", "Start the work",
       "repair_id", body=facilities.RepairStart, body_optional=True, response=facilities.Repair)
_route("post", "/api/v1/repairs/<int:repair_id>/complete", WORKERS, "complete_repair", "Report the work done",
       "repair_id", body=facilities.RepairComplete, body_optional=True, response=facilities.Repair)
_route("post", "/api/v1/repairs/<int:repair_id>/confirm", REPORTERS, "confirm_repair",
       "Confirm the work with a satisfaction rating", "repair_id", body=facilities.RepairConfirm,
       response=facilities.Repair)
_route("post", "/api/v1/repairs/<int:repair_id>/reopen", REPORTERS, "reopen_repair",
       "Reopen with a complaint", "repair_id", body=facilities.RepairReopen, response=facilities.Repair)

# meeting rooms
_route("get", "/api/v1/meeting-rooms/availability", BOOKING_READERS, "meeting_room_availability",
       "Free/busy of every meeting room over a day, a week or a month; another unit's booking shows as busy only",
       query=facilities.AvailabilityQuery, response=facilities.Availability)
_route("post", "/api/v1/meeting-rooms/bookings/series", BOOKERS, "book_meeting_room_series",
       "Book a recurring meeting: all occurrences or none, clashing dates named", body=facilities.BookingSeriesCreate,
       response=facilities.BookingSeries, status=201)
_route("post", "/api/v1/meeting-rooms/bookings/<int:booking_id>/cancel", BOOKERS, "cancel_booking",
       "Cancel a booking (again: answered the same)", "booking_id", response=facilities.Booking)
