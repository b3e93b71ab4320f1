"""What every area of the facilities service shares: the clock, today, paging, one room, a
room's occupancy and what follows any change of a room (the units' areas, the standard)."""
from __future__ import annotations

from datetime import date, datetime

from services.facilities import contract, domain, repository
from services.facilities.models import Room
from services.facilities.settings import SETTINGS
from services.kit.db import get_or_404, page, utcnow


def columns(record) -> dict:
    """A model's column values as a dict, to dump beside computed fields."""
    return {column.key: getattr(record, column.key) for column in record.__table__.columns}


def assess(room: Room) -> domain.Assessment:
    return domain.assess_room(room.type, room.unit_code, room.usable_area_m2,
                              [occupant.rank for occupant in room.occupants], SETTINGS)


class FacilitiesBase:
    """The base of each area class (``SpaceRpc``, ``InspectionRpc``, ``RepairRpc``,
    ``MeetingRpc``, ``AvailabilityRpc``, ``ReportsRpc``); needs the service's ``db`` and ``call``."""

    def _now(self) -> datetime:
        """The clock of every rule (domain functions take it as ``now``)."""
        return utcnow()

    def _today(self) -> date:
        return domain.local_date(self._now(), SETTINGS)

    def _page(self, statement, q: dict, dump, **equal_columns) -> dict:
        """One page of ``statement``, each row through ``dump``, with the unpaged total."""
        return page(self.db.session, statement, q, dump, **equal_columns)

    def _room(self, room_id) -> Room:
        return get_or_404(self.db.session, Room, int(room_id), "room")

    @staticmethod
    def _occupancy(room: Room) -> domain.Occupancy:
        return domain.Occupancy(room.building_id, room.unit_code, room.usable_area_m2)

    def _room_changed(self, room: Room, occupancy, assessment) -> None:
        """After any change of a room: publish the units' areas and re-judge the standard."""
        session = self.db.session
        changed = sorted(domain.units_with_changed_area(occupancy, self._occupancy(room)))
        # one writer per unit from here to commit: each event carries the total as committed
        self.db.lock(*(f"unit-area:{unit_code}" for _, unit_code in changed))
        for building_id, unit_code in changed:
            self.db.emit(contract.BUILDING_AREA_CHANGED, contract.BuildingAreaChanged().dump({
                "building_id": building_id,
                "unit_code": unit_code,
                "building_usable_area_m2": repository.unit_area(session, unit_code, building_id),
                "unit_usable_area_m2": repository.unit_area(session, unit_code),
            }))
        self._standard_changed(room, assessment)

    def _standard_changed(self, room: Room, before: domain.Assessment | None) -> None:
        after = assess(room)
        if domain.became_over_standard(before, after):
            self.db.emit(contract.ROOM_OVER_STANDARD, contract.RoomOverStandard().dump({
                "room_id": room.id, "building_id": room.building_id, "unit_code": room.unit_code,
                "usable_area_m2": room.usable_area_m2, "allowance_m2": after.allowance_m2,
                "excess_m2": after.excess_m2,
            }))
