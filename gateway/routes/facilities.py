"""Office space, repairs and meeting rooms."""
from gateway.routes import FACILITY_READERS, routes
from gateway.routes.resource import Resource
from services.facilities import contract as facilities

MANAGE = ("facility_manager",)

Resource("/api/v1/buildings", "facilities", "building", "buildings", "facilities", FACILITY_READERS, MANAGE,
         facilities.BuildingCreate, facilities.Building, facilities.BuildingQuery).register(routes)
Resource("/api/v1/rooms", "facilities", "room", "rooms", "facilities", FACILITY_READERS, MANAGE,
         facilities.RoomCreate, facilities.Room, facilities.RoomQuery).register(routes)


@routes.patch("/api/v1/rooms/<int:room_id>", MANAGE, summary="Change a room's area, type or unit",
              tag="facilities", body=facilities.RoomUpdate, response=facilities.Room)
def update_room(call):
    return call.rpc("facilities", "update_room", call.args["room_id"], call.json())
