"""Official receptions, canteen, meetings and visitors."""
from gateway.routes import RECEPTION_READERS, optional_json, routes
from gateway.routes.resource import Resource
from services.reception import contract as reception

RECEIVE = ("reception_officer",)
SUBMIT = ("reception_officer", "unit_user")


# official receptions (公务接待) ----------------------------------------------------------------
Resource("/api/v1/receptions", "reception", "reception", "receptions", "reception", RECEPTION_READERS, SUBMIT,
         reception.ReceptionCreate, reception.Reception, reception.ReceptionQuery,
         create_method="submit_reception").register(routes)


@routes.get("/api/v1/receptions/stats", RECEPTION_READERS, summary="Reception, canteen, meeting and visitor figures",
            tag="reception", query=reception.StatsQuery, response=reception.ReceptionStats)
def reception_stats(call):
    return call.rpc("reception", "reception_stats", call.query())


@routes.post("/api/v1/receptions/<int:reception_id>/approve", RECEIVE, summary="Approve a reception (rules checked again)",
             tag="reception", body=reception.ReceptionApprove, response=reception.Reception,
             extra={"body_optional": True})
def approve_reception(call):
    return call.rpc("reception", "approve_reception", call.args["reception_id"], optional_json(call))


@routes.post("/api/v1/receptions/<int:reception_id>/reject", RECEIVE, summary="Reject a reception with a reason",
             tag="reception", body=reception.ReceptionReject, response=reception.Reception)
def reject_reception(call):
    return call.rpc("reception", "reject_reception", call.args["reception_id"], call.json())


@routes.post("/api/v1/receptions/<int:reception_id>/cancel", SUBMIT, summary="Cancel a reception",
             tag="reception", body=reception.ReceptionCancel, response=reception.Reception,
             extra={"body_optional": True})
def cancel_reception(call):
    return call.rpc("reception", "cancel_reception", call.args["reception_id"], optional_json(call))


@routes.post("/api/v1/receptions/<int:reception_id>/complete", RECEIVE,
             summary="Complete a reception with its reception list (compared, then locked)", tag="reception",
             body=reception.ReceptionListCreate, response=reception.ReceptionList)
def complete_reception(call):
    return call.rpc("reception", "complete_reception", call.args["reception_id"], call.json())


@routes.get("/api/v1/receptions/<int:reception_id>/list", RECEPTION_READERS, summary="Read a reception list",
            tag="reception", response=reception.ReceptionList)
def get_reception_list(call):
    return call.rpc("reception", "get_reception_list", call.args["reception_id"])


# canteen (机关食堂) ------------------------------------------------------------------------------
Resource("/api/v1/canteen/slots", "reception", "canteen_slot", "canteen_slots", "reception", RECEPTION_READERS,
         RECEIVE, reception.CanteenSlotCreate, reception.CanteenSlot, reception.CanteenSlotQuery).register(routes)
Resource("/api/v1/canteen/reservations", "reception", "canteen_reservation", "canteen_reservations", "reception",
         RECEPTION_READERS, RECEIVE, reception.CanteenReservationCreate, reception.CanteenReservation,
         reception.CanteenReservationQuery).register(routes)


@routes.post("/api/v1/canteen/reservations/<int:reservation_id>/cancel", RECEIVE, summary="Release a reservation",
             tag="reception", response=reception.CanteenReservation)
def cancel_canteen_reservation(call):
    return call.rpc("reception", "cancel_canteen_reservation", call.args["reservation_id"])


# meetings (会务) ---------------------------------------------------------------------------------
Resource("/api/v1/meetings", "reception", "meeting", "meetings", "reception", RECEPTION_READERS, SUBMIT,
         reception.MeetingCreate, reception.Meeting, reception.MeetingQuery,
         create_method="request_meeting").register(routes)


@routes.post("/api/v1/meetings/<int:meeting_id>/check-in", RECEIVE, summary="Check an attendee in",
             tag="reception", body=reception.MeetingCheckIn, response=reception.MeetingAttendance, status=201)
def check_in_meeting(call):
    return 201, call.rpc("reception", "check_in_meeting", call.args["meeting_id"], call.json())


@routes.post("/api/v1/meetings/<int:meeting_id>/cancel", SUBMIT, summary="Cancel a meeting (room and cars released)",
             tag="reception", body=reception.MeetingCancel, response=reception.Meeting,
             extra={"body_optional": True})
def cancel_meeting(call):
    return call.rpc("reception", "cancel_meeting", call.args["meeting_id"], optional_json(call))


# visitors and petitioners (来访群众) ------------------------------------------------------------------
Resource("/api/v1/visitors", "reception", "visitor", "visitors", "reception", RECEPTION_READERS, RECEIVE,
         reception.VisitorCreate, reception.Visitor, reception.VisitorQuery,
         create_method="register_visitor").register(routes)


@routes.get("/api/v1/visitors/open-past-closing", RECEPTION_READERS, summary="Visits still open past closing time",
            tag="reception", query=reception.OpenVisitQuery, response=reception.Visitor, many=True)
def list_open_visits(call):
    return call.rpc("reception", "list_open_visits", call.query())


@routes.post("/api/v1/visitors/<int:visitor_id>/check-out", RECEIVE, summary="Check a visitor out",
             tag="reception", response=reception.Visitor)
def check_out_visitor(call):
    return call.rpc("reception", "check_out_visitor", call.args["visitor_id"])
