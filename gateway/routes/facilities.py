"""Office space, repairs and meeting rooms."""
from gateway.routes import optional_json, routes
from services.facilities import contract as facilities
from services.kit.errors import RuleViolation

TAG = "facilities"
UNKNOWN_TECHNICIAN = "facilities.unknown_technician"

# literal paths beside /rooms/<int:item_id>: werkzeug tells them apart by the converter

@routes.get("/api/v1/buildings", facilities.READERS, summary="List buildings", tag=TAG, query=facilities.BuildingQuery,
            response=facilities.Building, many=True)
def list_buildings(call):
    return call.rpc("facilities", "list_buildings", call.query())


@routes.post("/api/v1/buildings", facilities.MANAGERS, summary="Register a building", tag=TAG, body=facilities.BuildingCreate,
             response=facilities.Building, status=201)
def create_building(call):
    return 201, call.rpc("facilities", "create_building", call.json())


@routes.get("/api/v1/buildings/<int:item_id>", facilities.READERS, summary="Read one building", tag=TAG,
            response=facilities.Building)
def get_building(call):
    return call.rpc("facilities", "get_building", call.args["item_id"])


@routes.get("/api/v1/rooms", facilities.READERS, summary="List rooms", tag=TAG, query=facilities.RoomQuery,
            response=facilities.Room, many=True)
def list_rooms(call):
    return call.rpc("facilities", "list_rooms", call.query())


@routes.post("/api/v1/rooms", facilities.MANAGERS, summary="Register a room", tag=TAG, body=facilities.RoomCreate,
             response=facilities.Room, status=201)
def create_room(call):
    return 201, call.rpc("facilities", "create_room", call.json())


@routes.get("/api/v1/rooms/<int:item_id>", facilities.READERS, summary="Read one room", tag=TAG, response=facilities.Room)
def get_room(call):
    return call.rpc("facilities", "get_room", call.args["item_id"])


@routes.get("/api/v1/inspections", facilities.READERS, summary="List inspections", tag=TAG,
            query=facilities.InspectionQuery, response=facilities.Inspection, many=True)
def list_inspections(call):
    return call.rpc("facilities", "list_inspections", call.query())


@routes.post("/api/v1/inspections", facilities.MANAGERS, summary="Register a inspection", tag=TAG, body=facilities.InspectionCreate,
             response=facilities.Inspection, status=201)
def create_inspection(call):
    return 201, call.rpc("facilities", "create_inspection", call.json())


@routes.get("/api/v1/inspections/<int:item_id>", facilities.READERS, summary="Read one inspection", tag=TAG,
            response=facilities.Inspection)
def get_inspection(call):
    return call.rpc("facilities", "get_inspection", call.args["item_id"])


@routes.get("/api/v1/repairs", facilities.READERS, summary="List repairs", tag=TAG, query=facilities.RepairQuery,
            response=facilities.Repair, many=True)
def list_repairs(call):
    return call.rpc("facilities", "list_repairs", call.query())


@routes.post("/api/v1/repairs", facilities.REPORTERS, summary="Register a repair", tag=TAG, body=facilities.RepairCreate,
             response=facilities.Repair, status=201)
def create_repair(call):
    return 201, call.rpc("facilities", "report_repair", call.json())


@routes.get("/api/v1/repairs/<int:item_id>", facilities.READERS, summary="Read one repair", tag=TAG,
            response=facilities.Repair)
def get_repair(call):
    return call.rpc("facilities", "get_repair", call.args["item_id"])


@routes.get("/api/v1/meeting-rooms", facilities.BOOKING_READERS, summary="List meeting rooms", tag=TAG,
            query=facilities.MeetingRoomQuery, response=facilities.MeetingRoom, many=True)
def list_meeting_rooms(call):
    return call.rpc("facilities", "list_meeting_rooms", call.query())


@routes.post("/api/v1/meeting-rooms", facilities.MANAGERS, summary="Register a meeting room", tag=TAG,
             body=facilities.MeetingRoomCreate, response=facilities.MeetingRoom, status=201)
def create_meeting_room(call):
    return 201, call.rpc("facilities", "create_meeting_room", call.json())


@routes.get("/api/v1/meeting-rooms/<int:item_id>", facilities.BOOKING_READERS, summary="Read one meeting room", tag=TAG,
            response=facilities.MeetingRoom)
def get_meeting_room(call):
    return call.rpc("facilities", "get_meeting_room", call.args["item_id"])


@routes.get("/api/v1/meeting-rooms/bookings", facilities.BOOKING_READERS, summary="List bookings", tag=TAG,
            query=facilities.BookingQuery, response=facilities.Booking, many=True)
def list_bookings(call):
    return call.rpc("facilities", "list_bookings", call.query())


@routes.post("/api/v1/meeting-rooms/bookings", facilities.BOOKERS, summary="Register a booking", tag=TAG,
             body=facilities.BookingCreate, response=facilities.Booking, status=201)
def create_booking(call):
    return 201, call.rpc("facilities", "book_meeting_room", call.json())


@routes.get("/api/v1/meeting-rooms/bookings/<int:item_id>", facilities.BOOKING_READERS, summary="Read one booking", tag=TAG,
            response=facilities.Booking)
def get_booking(call):
    return call.rpc("facilities", "get_booking", call.args["item_id"])


# rooms, occupants, the office-area standard, allocations, vacancies

@routes.patch("/api/v1/rooms/<int:room_id>", facilities.MANAGERS, summary="Change a room's area, type or unit", tag=TAG,
              body=facilities.RoomUpdate, response=facilities.Room)
def update_room(call):
    return call.rpc("facilities", "update_room", call.args["room_id"], call.json())


@routes.get("/api/v1/rooms/<int:room_id>/occupants", facilities.READERS,
            summary="List a room's occupants with their allowances", tag=TAG, query=facilities.OccupantQuery,
            response=facilities.OccupantPage)
def list_occupants(call):
    return call.rpc("facilities", "list_occupants", call.args["room_id"], call.query())


@routes.post("/api/v1/rooms/<int:room_id>/occupants", facilities.MANAGERS,
             summary="Register an occupant (re-judges the room at once)", tag=TAG, body=facilities.OccupantCreate,
             response=facilities.Occupant, status=201)
def add_occupant(call):
    return 201, call.rpc("facilities", "add_occupant", call.args["room_id"], call.json())


@routes.delete("/api/v1/rooms/<int:room_id>/occupants/<int:occupant_id>", facilities.MANAGERS,
               summary="Remove an occupant (re-judges the room at once)", tag=TAG, response=facilities.Occupant)
def remove_occupant(call):
    return call.rpc("facilities", "remove_occupant", call.args["room_id"], call.args["occupant_id"])


@routes.get("/api/v1/rooms/over-standard", facilities.READERS,
            summary="Office rooms over their occupants' allowance, largest excess first", tag=TAG,
            query=facilities.OverStandardQuery, response=facilities.Room, many=True)
def list_over_standard_rooms(call):
    return call.rpc("facilities", "list_over_standard_rooms", call.query())


@routes.get("/api/v1/rooms/over-standard/units", facilities.READERS,
            summary="Units with over-standard rooms and their total excess", tag=TAG,
            query=facilities.OverStandardQuery, response=facilities.UnitExcess, many=True)
def list_over_standard_units(call):
    return call.rpc("facilities", "list_over_standard_units", call.query())


@routes.get("/api/v1/rooms/allocations", facilities.READERS, summary="The history of allocations and re-allocations",
            tag=TAG, query=facilities.AllocationQuery, response=facilities.Allocation, many=True)
def list_allocations(call):
    return call.rpc("facilities", "list_allocations", call.query())


@routes.post("/api/v1/rooms/allocations", facilities.MANAGERS,
             summary="Allocate a room to a unit, move it to another, or release it (unit_code null)", tag=TAG,
             body=facilities.AllocationCreate, response=facilities.Allocation, status=201)
def allocate_room(call):
    return 201, call.rpc("facilities", "allocate_room", call.json())


@routes.get("/api/v1/rooms/vacancies", facilities.READERS,
            summary="Vacant rooms that fit a head count by rank without going over the standard", tag=TAG,
            query=facilities.VacancyQuery, response=facilities.Vacancy, many=True)
def search_vacancies(call):
    return call.rpc("facilities", "search_vacancies", call.query())


# inspections and rectifications

@routes.get("/api/v1/inspections/stats", facilities.FIGURE_READERS,
            summary="Inspection figures for a period: inspections, the rectifications they raised, done, the rate, overdue",
            tag=TAG, query=facilities.PeriodQuery, response=facilities.InspectionStats)
def inspection_stats(call):
    return call.rpc("facilities", "inspection_stats", call.query())


@routes.get("/api/v1/rectifications", facilities.READERS,
            summary="List rectifications (overdue=true: past their deadline and not done)", tag=TAG,
            query=facilities.RectificationQuery, response=facilities.Rectification, many=True)
def list_rectifications(call):
    return call.rpc("facilities", "list_rectifications", call.query())


@routes.get("/api/v1/rectifications/<int:rectification_id>", facilities.READERS, summary="Read one rectification",
            tag=TAG, response=facilities.Rectification)
def get_rectification(call):
    return call.rpc("facilities", "get_rectification", call.args["rectification_id"])


@routes.post("/api/v1/rectifications/<int:rectification_id>/complete", facilities.REPORTERS,
             summary="Report a rectification done (it waits for verification)", tag=TAG,
             body=facilities.RectificationDone, response=facilities.Rectification)
def complete_rectification(call):
    return call.rpc("facilities", "complete_rectification", call.args["rectification_id"], optional_json(call))


@routes.post("/api/v1/rectifications/<int:rectification_id>/verify", facilities.MANAGERS,
             summary="Verify a done rectification (closes it) or send it back", tag=TAG,
             body=facilities.RectificationVerify, response=facilities.Rectification)
def verify_rectification(call):
    return call.rpc("facilities", "verify_rectification", call.args["rectification_id"], optional_json(call))


# repairs

@routes.get("/api/v1/repairs/stats", facilities.FIGURE_READERS,
            summary="Repair figures for a period: count, completion and on-time rates, mean time to repair, complaints",
            tag=TAG, query=facilities.PeriodQuery, response=facilities.RepairStats)
def repair_stats(call):
    return call.rpc("facilities", "repair_stats", call.query())


@routes.post("/api/v1/repairs/<int:repair_id>/assign", facilities.MANAGERS, summary="Assign a technician", tag=TAG,
             body=facilities.RepairAssign, response=facilities.Repair)
def assign_repair(call):
    return call.rpc("facilities", "assign_repair", call.args["repair_id"], technician_checked(call))


def technician_checked(call):
    """The body of an assignment, whose technician is an active user of the gateway with the
    technician role (the console lists them): a repair's, or a maintenance work order's."""
    body = call.json()
    name = body.get("technician") if isinstance(body, dict) else None
    if isinstance(name, str) and name not in call.app.accounts.usernames_with_role("technician"):
        raise RuleViolation("the technician is not an active user with the technician role", UNKNOWN_TECHNICIAN,
                            {"technician": ["not an active technician"]})
    return body


@routes.post("/api/v1/repairs/<int:repair_id>/start", facilities.WORKERS, summary="Start the work", tag=TAG,
             body=facilities.RepairStart, response=facilities.Repair)
def start_repair(call):
    return call.rpc("facilities", "start_repair", call.args["repair_id"], optional_json(call))


@routes.post("/api/v1/repairs/<int:repair_id>/complete", facilities.WORKERS, summary="Report the work done", tag=TAG,
             body=facilities.RepairComplete, response=facilities.Repair)
def complete_repair(call):
    return call.rpc("facilities", "complete_repair", call.args["repair_id"], optional_json(call))


@routes.post("/api/v1/repairs/<int:repair_id>/confirm", facilities.REPORTERS,
             summary="Confirm the work with a satisfaction rating", tag=TAG, body=facilities.RepairConfirm,
             response=facilities.Repair)
def confirm_repair(call):
    return call.rpc("facilities", "confirm_repair", call.args["repair_id"], call.json())


@routes.post("/api/v1/repairs/<int:repair_id>/reopen", facilities.REPORTERS, summary="Reopen with a complaint", tag=TAG,
             body=facilities.RepairReopen, response=facilities.Repair)
def reopen_repair(call):
    return call.rpc("facilities", "reopen_repair", call.args["repair_id"], call.json())


# meeting rooms

@routes.get("/api/v1/meeting-rooms/availability", facilities.BOOKING_READERS,
            summary="Free/busy of every meeting room over a day, a week or a month; another unit's booking shows as busy only",
            tag=TAG, query=facilities.AvailabilityQuery, response=facilities.Availability)
def meeting_room_availability(call):
    return call.rpc("facilities", "meeting_room_availability", call.query())


@routes.post("/api/v1/meeting-rooms/bookings/series", facilities.BOOKERS,
             summary="Book a recurring meeting: all occurrences or none, clashing dates named", tag=TAG,
             body=facilities.BookingSeriesCreate, response=facilities.BookingSeries, status=201)
def book_meeting_room_series(call):
    return 201, call.rpc("facilities", "book_meeting_room_series", call.json())


@routes.post("/api/v1/meeting-rooms/bookings/<int:booking_id>/cancel", facilities.BOOKERS,
             summary="Cancel a booking (again: answered the same)", tag=TAG, response=facilities.Booking)
def cancel_booking(call):
    return call.rpc("facilities", "cancel_booking", call.args["booking_id"])

