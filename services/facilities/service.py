"""The facilities service: buildings, rooms, and who occupies them."""
from __future__ import annotations

from services.facilities import contract, domain, repository
from services.facilities.models import Building, OutboxEvent, ProcessedEvent, Room
from services.kit.context import CallContext
from services.kit.db import Database, get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.kit.schemas import load, page_of

MANAGERS = ("facility_manager",)
READERS = ("facility_manager", "technician", "leader", "unit_user")

building_out = contract.Building()
room_out = contract.Room()


class FacilitiesService(HealthMixin, OutboxRelayMixin):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent)
    call = CallContext()

    # buildings ---------------------------------------------------------------
    @rpc
    def create_building(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.BuildingCreate(), payload)
        building = Building(**data)
        self.db.session.add(building)
        self.db.session.flush()
        return building_out.dump(building)

    @rpc
    def list_buildings(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.BuildingQuery(), query or {})
        statement = repository.buildings_query(caller.unit_filter(q.get("unit_code")))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of(building_out.dump(items, many=True), total)

    @rpc
    def get_building(self, building_id):
        self.call.caller.require(*READERS)
        building = get_or_404(self.db.session, Building, int(building_id), "building")
        self.call.caller.check_visible(building.unit_code, "building")
        return building_out.dump(building)

    # rooms -------------------------------------------------------------------
    @rpc
    def create_room(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.RoomCreate(), payload)
        get_or_404(self.db.session, Building, data["building_id"], "building")
        domain.check_room_occupancy(data["type"], data["unit_code"])
        room = Room(**data)
        self.db.session.add(room)
        self.db.session.flush()
        self._area_changed(None, room)
        return room_out.dump(room)

    @rpc
    def update_room(self, room_id, payload):
        self.call.caller.require(*MANAGERS)
        changes = load(contract.RoomUpdate(), payload, partial=True)
        room = get_or_404(self.db.session, Room, int(room_id), "room")
        before = self._occupancy(room)
        for key, value in changes.items():
            setattr(room, key, value)
        domain.check_room_occupancy(room.type, room.unit_code)
        self.db.session.flush()
        self._area_changed(before, room)
        return room_out.dump(room)

    @rpc
    def list_rooms(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.RoomQuery(), query or {})
        statement = repository.rooms_query(
            q.get("building_id"), caller.unit_filter(q.get("unit_code")), q.get("type"), q.get("vacant"),
        )
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of(room_out.dump(items, many=True), total)

    @rpc
    def get_room(self, room_id):
        self.call.caller.require(*READERS)
        room = get_or_404(self.db.session, Room, int(room_id), "room")
        self.call.caller.check_visible(room.unit_code, "room")
        return room_out.dump(room)

    # events ------------------------------------------------------------------
    @staticmethod
    def _occupancy(room: Room) -> domain.Occupancy:
        return domain.Occupancy(room.building_id, room.unit_code, room.usable_area_m2)

    def _area_changed(self, before, room: Room) -> None:
        session = self.db.session
        for building_id, unit_code in sorted(domain.units_with_changed_area(before, self._occupancy(room))):
            self.db.emit(contract.BUILDING_AREA_CHANGED, contract.BuildingAreaChanged().dump({
                "building_id": building_id,
                "unit_code": unit_code,
                "building_usable_area_m2": repository.unit_area(session, unit_code, building_id),
                "unit_usable_area_m2": repository.unit_area(session, unit_code),
            }))
