"""Official receptions, canteen, meetings and visitors."""
from gateway.routes import optional_json, routes
from services.reception import contract as reception



# official receptions (公务接待) ----------------------------------------------------------------
@routes.get("/api/v1/receptions", reception.READERS, summary="List receptions", tag="reception",
            query=reception.ReceptionQuery, response=reception.Reception, many=True)
def list_receptions(call):
    return call.rpc("reception", "list_receptions", call.query())


@routes.post("/api/v1/receptions", reception.SUBMITTERS, summary="Register a reception", tag="reception",
             body=reception.ReceptionCreate, response=reception.Reception, status=201)
def create_reception(call):
    return 201, call.rpc("reception", "submit_reception", call.json())


@routes.get("/api/v1/receptions/<int:item_id>", reception.READERS, summary="Read one reception", tag="reception",
            response=reception.Reception)
def get_reception(call):
    return call.rpc("reception", "get_reception", call.args["item_id"])


@routes.get("/api/v1/receptions/stats", reception.READERS, summary="Reception, canteen, meeting and visitor figures",
            tag="reception", query=reception.StatsQuery, response=reception.ReceptionStats)
def reception_stats(call):
    return call.rpc("reception", "reception_stats", call.query())


@routes.post("/api/v1/receptions/<int:reception_id>/approve", reception.OFFICERS,
             summary="Approve a reception (rules checked again)", tag="reception", body=reception.ReceptionApprove,
             response=reception.Reception, extra={"body_optional": True})
def approve_reception(call):
    return call.rpc("reception", "approve_reception", call.args["reception_id"], optional_json(call))


@routes.post("/api/v1/receptions/<int:reception_id>/reject", reception.OFFICERS, summary="Reject a reception with a reason",
             tag="reception", body=reception.ReceptionReject, response=reception.Reception)
def reject_reception(call):
    return call.rpc("reception", "reject_reception", call.args["reception_id"], call.json())


@routes.post("/api/v1/receptions/<int:reception_id>/cancel", reception.SUBMITTERS, summary="Cancel a reception",
             tag="reception", body=reception.ReceptionCancel, response=reception.Reception,
             extra={"body_optional": True})
def cancel_reception(call):
    return call.rpc("reception", "cancel_reception", call.args["reception_id"], optional_json(call))


@routes.post("/api/v1/receptions/<int:reception_id>/complete", reception.OFFICERS,
             summary="Complete a reception with its reception list (compared, then locked)", tag="reception",
             body=reception.ReceptionListCreate, response=reception.ReceptionList)
def complete_reception(call):
    return call.rpc("reception", "complete_reception", call.args["reception_id"], call.json())


@routes.get("/api/v1/receptions/<int:reception_id>/list", reception.READERS, summary="Read a reception list",
            tag="reception", response=reception.ReceptionList)
def get_reception_list(call):
    return call.rpc("reception", "get_reception_list", call.args["reception_id"])


# canteen (机关食堂) ------------------------------------------------------------------------------
@routes.get("/api/v1/canteen/slots", reception.READERS, summary="List canteen slots", tag="reception",
            query=reception.CanteenSlotQuery, response=reception.CanteenSlot, many=True)
def list_canteen_slots(call):
    return call.rpc("reception", "list_canteen_slots", call.query())


@routes.post("/api/v1/canteen/slots", reception.OFFICERS, summary="Register a canteen slot", tag="reception",
             body=reception.CanteenSlotCreate, response=reception.CanteenSlot, status=201)
def create_canteen_slot(call):
    return 201, call.rpc("reception", "create_canteen_slot", call.json())


@routes.get("/api/v1/canteen/slots/<int:item_id>", reception.READERS, summary="Read one canteen slot", tag="reception",
            response=reception.CanteenSlot)
def get_canteen_slot(call):
    return call.rpc("reception", "get_canteen_slot", call.args["item_id"])


@routes.get("/api/v1/canteen/reservations", reception.READERS, summary="List canteen reservations", tag="reception",
            query=reception.CanteenReservationQuery, response=reception.CanteenReservation, many=True)
def list_canteen_reservations(call):
    return call.rpc("reception", "list_canteen_reservations", call.query())


@routes.post("/api/v1/canteen/reservations", reception.OFFICERS, summary="Register a canteen reservation", tag="reception",
             body=reception.CanteenReservationCreate, response=reception.CanteenReservation, status=201)
def create_canteen_reservation(call):
    return 201, call.rpc("reception", "create_canteen_reservation", call.json())


@routes.get("/api/v1/canteen/reservations/<int:item_id>", reception.READERS, summary="Read one canteen reservation",
            tag="reception", response=reception.CanteenReservation)
def get_canteen_reservation(call):
    return call.rpc("reception", "get_canteen_reservation", call.args["item_id"])


@routes.post("/api/v1/canteen/reservations/<int:reservation_id>/cancel", reception.OFFICERS, summary="Release a reservation",
             tag="reception", response=reception.CanteenReservation)
def cancel_canteen_reservation(call):
    return call.rpc("reception", "cancel_canteen_reservation", call.args["reservation_id"])


# meetings (会务) ---------------------------------------------------------------------------------
@routes.get("/api/v1/meetings", reception.READERS, summary="List meetings", tag="reception",
            query=reception.MeetingQuery, response=reception.Meeting, many=True)
def list_meetings(call):
    return call.rpc("reception", "list_meetings", call.query())


@routes.post("/api/v1/meetings", reception.SUBMITTERS, summary="Register a meeting", tag="reception", body=reception.MeetingCreate,
             response=reception.Meeting, status=201)
def create_meeting(call):
    return 201, call.rpc("reception", "request_meeting", call.json())


@routes.get("/api/v1/meetings/<int:item_id>", reception.READERS, summary="Read one meeting", tag="reception",
            response=reception.Meeting)
def get_meeting(call):
    return call.rpc("reception", "get_meeting", call.args["item_id"])


@routes.post("/api/v1/meetings/<int:meeting_id>/check-in", reception.OFFICERS, summary="Check an attendee in",
             tag="reception", body=reception.MeetingCheckIn, response=reception.MeetingAttendance, status=201)
def check_in_meeting(call):
    return 201, call.rpc("reception", "check_in_meeting", call.args["meeting_id"], call.json())


@routes.post("/api/v1/meetings/<int:meeting_id>/cancel", reception.SUBMITTERS, summary="Cancel a meeting (room and cars released)",
             tag="reception", body=reception.MeetingCancel, response=reception.Meeting,
             extra={"body_optional": True})
def cancel_meeting(call):
    return call.rpc("reception", "cancel_meeting", call.args["meeting_id"], optional_json(call))


# visitors and petitioners (来访群众) ------------------------------------------------------------------
@routes.get("/api/v1/visitors", reception.READERS, summary="List visitors", tag="reception",
            query=reception.VisitorQuery, response=reception.Visitor, many=True)
def list_visitors(call):
    return call.rpc("reception", "list_visitors", call.query())


@routes.post("/api/v1/visitors", reception.OFFICERS, summary="Register a visitor", tag="reception", body=reception.VisitorCreate,
             response=reception.Visitor, status=201)
def create_visitor(call):
    return 201, call.rpc("reception", "register_visitor", call.json())


@routes.get("/api/v1/visitors/<int:item_id>", reception.READERS, summary="Read one visitor", tag="reception",
            response=reception.Visitor)
def get_visitor(call):
    return call.rpc("reception", "get_visitor", call.args["item_id"])


@routes.get("/api/v1/visitors/open-past-closing", reception.READERS, summary="Visits still open past closing time",
            tag="reception", query=reception.OpenVisitQuery, response=reception.Visitor, many=True)
def list_open_visits(call):
    return call.rpc("reception", "list_open_visits", call.query())


@routes.post("/api/v1/visitors/<int:visitor_id>/check-out", reception.OFFICERS, summary="Check a visitor out",
             tag="reception", response=reception.Visitor)
def check_out_visitor(call):
    return call.rpc("reception", "check_out_visitor", call.args["visitor_id"])
