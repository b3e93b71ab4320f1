"""Official receptions, canteen, meetings and visitors."""
from gateway.routes import RECEPTION_READERS, routes
from gateway.routes.resource import Resource
from services.reception import contract as reception

RECEIVE = ("reception_officer",)

Resource("/api/v1/visitors", "reception", "visitor", "visitors", "reception", RECEPTION_READERS, RECEIVE,
         reception.VisitorCreate, reception.Visitor, reception.VisitorQuery,
         create_method="register_visitor").register(routes)


@routes.post("/api/v1/visitors/<int:visitor_id>/check-out", RECEIVE, summary="Check a visitor out",
             tag="reception", response=reception.Visitor)
def check_out_visitor(call):
    return call.rpc("reception", "check_out_visitor", call.args["visitor_id"])
