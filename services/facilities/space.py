"""Office space: buildings, rooms, occupants, the office-area standard, allocations
and vacancies. A mixin of ``FacilitiesService`` (needs its ``db`` and ``call``)."""
from __future__ import annotations

from collections import defaultdict

from services.facilities import contract, domain, repository
from services.facilities.contract import MANAGERS, READERS
from services.facilities.base import FacilitiesBase, assess, columns
from services.facilities.models import Allocation, Building, Occupant, Room
from services.facilities.settings import SETTINGS
from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.schemas import check_not_future, load, page_of


building_out = contract.Building()
room_out = contract.Room()
occupant_out = contract.Occupant()
allocation_out = contract.Allocation()
vacancy_out = contract.Vacancy()
unit_excess_out = contract.UnitExcess()


def room_view(room: Room, schema=room_out, **extra) -> dict:
    assessment = assess(room)
    return schema.dump({
        **columns(room), "occupant_count": len(room.occupants), "allowance_m2": assessment.allowance_m2,
        "excess_m2": assessment.excess_m2, "over_standard": assessment.over_standard, **extra,
    })


def occupant_view(occupant: Occupant) -> dict:
    return occupant_out.dump({**columns(occupant), "allowance_m2": SETTINGS.allowance_m2[occupant.rank]})


class SpaceRpc(FacilitiesBase):
    # buildings ---------------------------------------------------------------
    @rpc
    def create_building(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.BuildingCreate(), payload)
        building = Building(**data)
        self.db.session.add(building)
        self.db.session.flush()
        return building_out.dump(building)

    @rpc(reads_only=True)
    def list_buildings(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.BuildingQuery(), query or {})
        statement = repository.buildings_query(caller.unit_filter(q.get("unit_code")))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of(building_out.dump(items, many=True), total)

    @rpc(reads_only=True)
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
        building = get_or_404(self.db.session, Building, data["building_id"], "building")
        domain.check_floor(data["floor"], building.floors, building.basement_floors)
        domain.check_room_occupancy(data["type"], data["unit_code"])
        room = Room(**data)
        self.db.session.add(room)
        self.db.session.flush()
        self._room_changed(room, None, None)
        return room_view(room)

    @rpc
    def update_room(self, room_id, payload):
        self.call.caller.require(*MANAGERS)
        changes = load(contract.RoomUpdate(), payload, partial=True)
        room = self._room(room_id)
        occupancy, assessment = self._occupancy(room), assess(room)
        from_unit = room.unit_code
        moved = "unit_code" in changes and changes["unit_code"] != from_unit
        if moved:  # a change of unit is an allocation too, and goes into the history
            domain.check_allocation(from_unit, changes["unit_code"], len(room.occupants))
        self.db.audit("allocate" if moved else "correct", room)
        for key, value in changes.items():
            setattr(room, key, value)
        domain.check_room_occupancy(room.type, room.unit_code)
        if moved:
            self._record_allocation(room, from_unit, None, None)
        self.db.session.flush()
        self._room_changed(room, occupancy, assessment)
        return room_view(room)

    @rpc(reads_only=True)
    def list_rooms(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.RoomQuery(), query or {})
        statement = repository.rooms_query(
            q.get("building_id"), caller.unit_filter(q.get("unit_code")), q.get("type"), q.get("vacant"),
        )
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([room_view(room) for room in items], total)

    @rpc(reads_only=True)
    def get_room(self, room_id):
        self.call.caller.require(*READERS)
        room = self._room(room_id)
        self.call.caller.check_visible(room.unit_code, "room")
        return room_view(room)

    # occupants and the standard ------------------------------------------------
    @rpc(reads_only=True)
    def list_occupants(self, room_id, query=None):
        self.call.caller.require(*READERS)
        q = load(contract.OccupantQuery(), query or {})
        room = self._room(room_id)
        self.call.caller.check_visible(room.unit_code, "room")
        page = room.occupants[q["offset"]:q["offset"] + q["limit"]]
        return page_of([occupant_view(occupant) for occupant in page], len(room.occupants))

    @rpc
    def add_occupant(self, room_id, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.OccupantCreate(), payload)
        room = self._room(room_id)
        domain.check_occupant_room(room.type, room.unit_code)
        assessment = assess(room)
        occupant = Occupant(room=room, unit_code=room.unit_code, **data)
        self.db.session.add(occupant)
        self.db.session.flush()
        self._standard_changed(room, assessment)
        return occupant_view(occupant)

    @rpc
    def remove_occupant(self, room_id, occupant_id):
        self.call.caller.require(*MANAGERS)
        room = self._room(room_id)
        occupant = next((o for o in room.occupants if o.id == int(occupant_id)), None)
        if occupant is None:
            raise contract.NotFound(f"occupant {occupant_id} not found in room {room.id}")
        assessment = assess(room)
        room.occupants.remove(occupant)
        self.db.session.flush()
        self._standard_changed(room, assessment)
        return occupant_view(occupant)

    @rpc(reads_only=True)
    def list_over_standard_rooms(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.OverStandardQuery(), query or {})
        rooms = self._over_standard(q.get("building_id"), caller.unit_filter(q.get("unit_code")))
        page = rooms[q["offset"]:q["offset"] + q["limit"]]
        return page_of([room_view(room) for room, _ in page], len(rooms))

    @rpc(reads_only=True)
    def list_over_standard_units(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.OverStandardQuery(), query or {})
        units = defaultdict(list)
        for room, assessment in self._over_standard(q.get("building_id"), caller.unit_filter(q.get("unit_code"))):
            units[room.unit_code].append((room, assessment))
        rows = sorted((
            {"unit_code": unit, "rooms": len(pairs),
             "usable_area_m2": sum(room.usable_area_m2 for room, _ in pairs),
             "allowance_m2": sum(a.allowance_m2 for _, a in pairs),
             "excess_m2": sum(a.excess_m2 for _, a in pairs)}
            for unit, pairs in units.items()), key=lambda row: (-row["excess_m2"], row["unit_code"]))
        return page_of(unit_excess_out.dump(rows[q["offset"]:q["offset"] + q["limit"]], many=True), len(rows))

    # allocation and vacancies ---------------------------------------------------
    @rpc
    def allocate_room(self, payload):
        caller = self.call.caller
        caller.require(*MANAGERS)
        data = load(contract.AllocationCreate(), payload)
        check_not_future(self._now(), SETTINGS.timezone, allocated_on=data["allocated_on"])  # it takes effect now
        room = self._room(data["room_id"])
        occupancy, assessment = self._occupancy(room), assess(room)
        from_unit, to_unit = room.unit_code, data["unit_code"]
        domain.check_allocation(from_unit, to_unit, len(room.occupants))
        kind = domain.allocation_kind(from_unit, to_unit)
        self.db.audit("allocate", room)
        room.type = domain.room_type_after_allocation(room.type, kind, data["type"])
        room.unit_code = to_unit
        domain.check_room_occupancy(room.type, room.unit_code)
        allocation = self._record_allocation(room, from_unit, data["allocated_on"], data["reason"])
        self.db.session.flush()
        self._room_changed(room, occupancy, assessment)
        return allocation_out.dump(allocation)

    @rpc(reads_only=True)
    def list_allocations(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.AllocationQuery(), query or {})
        statement = repository.allocations_query(q.get("room_id"), caller.unit_filter(q.get("unit_code")), q.get("kind"))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of(allocation_out.dump(items, many=True), total)

    @rpc(reads_only=True)
    def search_vacancies(self, query=None):
        self.call.caller.require(*READERS)
        q = load(contract.VacancyQuery(), query or {})
        need = domain.need_m2({rank: q[rank] for rank in contract.RANKS}, SETTINGS)
        statement = repository.vacancies_query(q.get("building_id"), q.get("floor"), domain.vacancy_area_cap(need))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of([
            room_view(room, vacancy_out, need_m2=need, headroom_m2=(need - room.usable_area_m2) if need else None)
            for room in items
        ], total)

    # helpers --------------------------------------------------------------------
    def _record_allocation(self, room: Room, from_unit: str | None, allocated_on, reason) -> Allocation:
        allocation = Allocation(
            room_id=room.id, kind=domain.allocation_kind(from_unit, room.unit_code), from_unit_code=from_unit,
            to_unit_code=room.unit_code, allocated_on=allocated_on or self._today(), reason=reason,
            allocated_by=self.call.caller.name,
        )
        self.db.session.add(allocation)
        return allocation

    def _over_standard(self, building_id, unit_code) -> list[tuple[Room, domain.Assessment]]:
        judged = ((room, assess(room)) for room in repository.judged_rooms(self.db.session, building_id, unit_code))
        return sorted(((room, a) for room, a in judged if a.over_standard), key=lambda pair: (-pair[1].excess_m2, pair[0].id))
