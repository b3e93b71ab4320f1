"""What every area of the vehicles service shares: the clock, today, paging, the caller's own
vehicles, a vehicle's status change and the flags raised against it."""
from __future__ import annotations

from datetime import date

from services.kit.db import page, utcnow
from services.vehicles import contract, domain
from services.vehicles.models import StatusChange, Vehicle, VehicleFlag


class VehiclesBase:
    """The base of each area class (``FleetRpc``, ``DispatchRpc``, ``MonitoringRpc``,
    ``UpkeepRpc``, ``ReportsRpc``)."""

    @staticmethod
    def _now():
        return utcnow()

    def _today(self) -> date:
        return domain.local_day(self._now())

    def _page(self, statement, q: dict, dump, **equal_columns) -> dict:
        """One page of ``statement``, each row through ``dump``, with the unpaged total."""
        return page(self.db.session, statement, q, dump, **equal_columns)

    def _own_vehicles(self, vehicle_id=None) -> str | None:
        """The unit a unit user's fleet reads are restricted to (None for staff); a vehicle it
        names that is not its own answers 404, as another unit's record does everywhere."""
        caller = self.call.caller
        if not caller.unit_scoped:
            return None
        if vehicle_id is not None:
            vehicle = self.db.session.get(Vehicle, int(vehicle_id))
            caller.check_visible(vehicle.unit_code if vehicle else None, "vehicle")
        return caller.unit_code

    def _record_status(self, vehicle: Vehicle, from_status, reason=None) -> None:
        self.db.session.add(StatusChange(vehicle_id=vehicle.id, from_status=from_status, to_status=vehicle.status,
                                         reason=reason, changed_by=self.call.caller.name))

    def _set_status(self, vehicle: Vehicle, status: str, reason=None) -> None:
        if vehicle.status != status:
            before, vehicle.status = vehicle.status, status
            self._record_status(vehicle, before, reason)

    def _raise_flag(self, vehicle: Vehicle, kind: str, detail: str, **refs) -> VehicleFlag:
        """A flag against the vehicle's unit; ``trip_flagged`` tells the unit's side."""
        flag = VehicleFlag(vehicle_id=vehicle.id, unit_code=vehicle.unit_code, kind=kind, status="open",
                           detail=detail[:300], **refs)
        self.db.session.add(flag)
        self.db.session.flush()
        self.db.emit(contract.TRIP_FLAGGED, contract.TripFlagged().dump({
            "flag_id": flag.id, "vehicle_id": vehicle.id, "unit_code": vehicle.unit_code, "kind": kind,
            "trip_id": flag.trip_id,
        }))
        return flag
