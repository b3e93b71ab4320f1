"""RPC of monitoring: GPS/Beidou trips pushed by the platform, and the flags (无任务出车 and
the others) tracked to closure."""
from __future__ import annotations

from sqlalchemy import select

from services.kit.db import get_or_404, utcnow
from services.kit.entrypoints import rpc
from services.kit.errors import Invalid, RuleViolation
from services.kit.schemas import check_not_future, load
from services.vehicles import contract, domain, repository
from services.vehicles.contract import DISPATCHERS, FLAG_EXPLAINERS, FLEET_READERS
from services.vehicles.base import VehiclesBase
from services.vehicles.models import GpsTrip, Vehicle, VehicleFlag


flag_out = contract.VehicleFlag()
trip_out = contract.GpsTrip()


class MonitoringRpc(VehiclesBase):
    # GPS trips -----------------------------------------------------------------------
    @rpc
    def record_gps_trips(self, payload):
        """A batch from the platform: idempotent by ``trip_id``; good rows are stored and
        matched, each bad row is reported with its index and field errors."""
        self.call.caller.require(*DISPATCHERS)
        batch = load(contract.GpsBatch(), payload)
        session = self.db.session
        result = {"stored": 0, "duplicates": 0, "flagged": 0, "rejected": 0, "items": [], "errors": []}
        seen = set()
        row_schema = contract.GpsTripIn()
        for index, raw in enumerate(batch["trips"]):
            trip_id = raw.get("trip_id") if isinstance(raw, dict) else None
            try:
                row = self._load_trip(row_schema, raw)
            except (Invalid, RuleViolation) as exc:  # a bad row (a future time: dates.in_future) is reported alone
                result["rejected"] += 1
                result["errors"].append({"index": index, "trip_id": str(trip_id) if trip_id else None,
                                         "errors": exc.errors})
                continue
            if row["trip_id"] in seen or session.scalar(select(GpsTrip.id).where(GpsTrip.trip_id == row["trip_id"])):
                result["duplicates"] += 1
                continue
            seen.add(row["trip_id"])
            trip, flagged = self._store_trip(row)
            result["stored"] += 1
            result["flagged"] += flagged
            result["items"].append(trip)
        return contract.GpsBatchResult().dump(result)

    def _load_trip(self, schema, raw) -> dict:
        row = load(schema, raw)
        domain.check_interval(row["start_at"], row["end_at"])
        check_not_future(self._now(), domain.SHANGHAI, start_at=row["start_at"], end_at=row["end_at"])
        session = self.db.session
        if row["vehicle_id"] is not None:
            vehicle = session.get(Vehicle, row["vehicle_id"])
            field = "vehicle_id"
        elif row["plate"] is not None:
            try:
                plate = domain.normalise_plate(row["plate"])
            except Invalid:
                plate = None
            vehicle = session.scalar(select(Vehicle).where(Vehicle.plate == plate)) if plate else None
            field = "plate"
        else:
            raise Invalid("the trip names no vehicle", {"plate": ["plate or vehicle_id required"]})
        if vehicle is None:
            raise Invalid("unknown vehicle", {field: ["no such vehicle in the register"]})
        row["vehicle"] = vehicle
        return row

    def _store_trip(self, row: dict):
        session = self.db.session
        vehicle = row.pop("vehicle")
        windows = repository.covering_windows(session, vehicle.id, row["start_at"], row["end_at"])
        dispatch_id = domain.covering_dispatch(row["start_at"], row["end_at"], windows)
        trip = GpsTrip(trip_id=row["trip_id"], vehicle_id=vehicle.id, start_at=row["start_at"], end_at=row["end_at"],
                       distance_km=row["distance_km"], dispatch_id=dispatch_id)
        session.add(trip)
        session.flush()
        kind = domain.trip_flag_kind(repository.status_at(session, vehicle, row["start_at"]), row["distance_km"],
                                     dispatch_id)
        if kind is not None:
            what = "a sealed vehicle moved" if kind == "sealed_moved" else "no approved dispatch covers the trip"
            local = row["start_at"].astimezone(domain.SHANGHAI).strftime("%Y-%m-%d %H:%M")
            self._raise_flag(vehicle, kind, f"{what}: trip {row['trip_id']} from {local}, {row['distance_km']} km",
                             trip_id=row["trip_id"])
        return trip, int(kind is not None)

    @rpc(reads_only=True)
    def list_gps_trips(self, query=None):
        self.call.caller.require(*FLEET_READERS)
        q = load(contract.GpsTripQuery(), query or {})
        statement = repository.where_equal(select(GpsTrip).order_by(GpsTrip.start_at.desc(), GpsTrip.id.desc()),
                                           GpsTrip, vehicle_id=q.get("vehicle_id"))
        statement = repository.of_unit_vehicles(statement, GpsTrip, self._own_vehicles(q.get("vehicle_id")))
        if q.get("matched") is True:
            statement = statement.where(GpsTrip.dispatch_id.is_not(None))
        elif q.get("matched") is False:
            statement = statement.where(GpsTrip.dispatch_id.is_(None))
        return self._page(statement, q, trip_out.dump)

    # flags ---------------------------------------------------------------------------
    @rpc(reads_only=True)
    def list_vehicle_flags(self, query=None):
        caller = self.call.caller
        caller.require(*FLEET_READERS)
        q = load(contract.FlagQuery(), query or {})
        statement = repository.where_equal(
            select(VehicleFlag).order_by(VehicleFlag.id.desc()), VehicleFlag,
            unit_code=caller.unit_filter(q.get("unit_code")), status=q.get("status"), kind=q.get("kind"),
            vehicle_id=q.get("vehicle_id"))
        return self._page(statement, q, flag_out.dump)

    def _flag(self, flag_id) -> VehicleFlag:
        flag = repository.locked(self.db.session, VehicleFlag, int(flag_id)) or get_or_404(
            self.db.session, VehicleFlag, int(flag_id), "vehicle flag")
        self.call.caller.check_visible(flag.unit_code, "vehicle flag")
        return flag

    @rpc(reads_only=True)
    def get_vehicle_flag(self, flag_id):
        self.call.caller.require(*FLEET_READERS)
        return flag_out.dump(self._flag(flag_id))

    @rpc
    def explain_vehicle_flag(self, flag_id, payload):
        """The unit explains (or the dispatcher records the unit's explanation)."""
        self.call.caller.require(*FLAG_EXPLAINERS)
        data = load(contract.FlagExplain(), payload)
        flag = self._flag(flag_id)
        domain.check_flag_action("explain", flag.status)
        flag.status, flag.explanation = "explained", data["explanation"]
        flag.explained_by, flag.explained_at = self.call.caller.name, utcnow()
        self.db.session.flush()
        return flag_out.dump(flag)

    @rpc
    def resolve_vehicle_flag(self, flag_id, payload):
        """The dispatcher closes the flag: resolved, or confirmed as a violation."""
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.FlagResolve(), payload)
        flag = self._flag(flag_id)
        domain.check_flag_action("resolve", flag.status)
        self.db.audit("resolve", flag)
        flag.status, flag.resolution = data["outcome"], data["resolution"]
        flag.resolved_by, flag.resolved_at = self.call.caller.name, utcnow()
        self.db.session.flush()
        return flag_out.dump(flag)
