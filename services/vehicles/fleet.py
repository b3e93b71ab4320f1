"""RPC of the register: vehicles, quotas (编制), drivers, safety meetings, assessments."""
from __future__ import annotations

from sqlalchemy import select

from services.kit.crypto import mask_phone
from services.kit.db import get_or_404
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict, NotFound
from services.kit.schemas import check_not_future, load, page_of
from services.vehicles import contract, domain, repository
from services.vehicles.contract import DISPATCHERS, FLEET_READERS, STAFF
from services.vehicles.base import VehiclesBase
from services.vehicles.models import (
    Assessment, Dispatch, Driver, MeetingAttendance, OdometerCorrection, Quota, SafetyMeeting, StatusChange, Vehicle,
)


vehicle_out = contract.Vehicle()
driver_out = contract.Driver()
quota_out = contract.Quota()


class FleetRpc(VehiclesBase):
    # vehicles ----------------------------------------------------------------------
    @rpc
    def create_vehicle(self, payload):
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.VehicleCreate(), payload)
        data["plate"] = domain.normalise_plate(data["plate"])
        data["vin"] = domain.normalise_vin(data["vin"])
        session = self.db.session
        for field in ("plate", "vin"):
            if session.scalar(select(Vehicle.id).where(getattr(Vehicle, field) == data[field])):
                raise Conflict(f"a vehicle with this {field} is already registered", {field: ["already registered"]})
        if data["replaces_vehicle_id"] is not None:
            get_or_404(session, Vehicle, data["replaces_vehicle_id"], "vehicle")
        check_not_future(self._now(), domain.SHANGHAI, purchased_on=data["purchased_on"],
                         last_service_on=data["last_service_on"])
        domain.check_last_service(data["last_service_on"], data["last_service_odometer_km"], data["odometer_km"])
        self._take_slot(data["unit_code"])
        vehicle = Vehicle(**data, registered_odometer_km=data["odometer_km"], status="available")
        session.add(vehicle)
        session.flush()
        self._record_status(vehicle, None, "registered")
        return vehicle_out.dump(vehicle)

    def _take_slot(self, unit_code: str) -> None:
        session = self.db.session
        quota = repository.quota_locked(session, unit_code)
        domain.check_quota(unit_code, quota.slots if quota else None, repository.occupied_slots(session, unit_code))

    @rpc(reads_only=True)
    def list_vehicles(self, query=None):
        caller = self.call.caller
        caller.require(*FLEET_READERS)
        q = load(contract.VehicleQuery(), query or {})
        statement = repository.where_equal(select(Vehicle).order_by(Vehicle.id), Vehicle,
                                           unit_code=caller.unit_filter(q.get("unit_code")), status=q.get("status"))
        return self._page(statement, q, vehicle_out.dump)

    def _visible_vehicle(self, vehicle_id) -> Vehicle:
        self.call.caller.require(*FLEET_READERS)
        vehicle = get_or_404(self.db.session, Vehicle, int(vehicle_id), "vehicle")
        self.call.caller.check_visible(vehicle.unit_code, "vehicle")
        return vehicle

    @rpc(reads_only=True)
    def get_vehicle(self, vehicle_id):
        return vehicle_out.dump(self._visible_vehicle(vehicle_id))

    @rpc
    def update_vehicle(self, vehicle_id, payload):
        self.call.caller.require(*DISPATCHERS)
        changes = load(contract.VehicleUpdate(), payload, partial=True)
        session = self.db.session
        vehicle = repository.locked(session, Vehicle, int(vehicle_id)) or get_or_404(
            session, Vehicle, int(vehicle_id), "vehicle")
        if vehicle.status == "disposed":
            raise Conflict("a disposed vehicle is no longer changed")
        reason = changes.pop("reason", None)
        if "status" in changes:
            status = changes.pop("status")
            if status != vehicle.status:
                on_a_trip = session.scalar(select(Dispatch.id).where(
                    Dispatch.vehicle_id == vehicle.id, Dispatch.status == "departed")) is not None
                domain.check_status_change(vehicle.status, status, on_a_trip)
                self._set_status(vehicle, status, reason)
        if "odometer_km" in changes:
            new_km = changes.pop("odometer_km")
            if new_km != vehicle.odometer_km:
                domain.check_odometer_correction(reason)
                session.add(OdometerCorrection(vehicle_id=vehicle.id, old_km=vehicle.odometer_km, new_km=new_km,
                                               reason=reason, corrected_by=self.call.caller.name))
                vehicle.odometer_km = new_km
                if vehicle.registered_odometer_km is not None and new_km < vehicle.registered_odometer_km:
                    vehicle.registered_odometer_km = new_km  # the reading it was registered with was wrong
        if "unit_code" in changes and changes["unit_code"] != vehicle.unit_code:
            self._take_slot(changes["unit_code"])
        if "last_service_on" in changes or "last_service_odometer_km" in changes:
            last_on = changes.get("last_service_on", vehicle.last_service_on)
            check_not_future(self._now(), domain.SHANGHAI, last_service_on=last_on)
            last_km = changes.get("last_service_odometer_km", vehicle.last_service_odometer_km)
            domain.check_last_service(last_on, last_km, vehicle.odometer_km)
        for key, value in changes.items():
            setattr(vehicle, key, value)
        session.flush()
        return vehicle_out.dump(vehicle)

    @rpc(reads_only=True)
    def vehicle_history(self, vehicle_id):
        vehicle = self._visible_vehicle(vehicle_id)
        session = self.db.session
        changes = session.scalars(select(StatusChange).where(StatusChange.vehicle_id == vehicle.id)
                                  .order_by(StatusChange.id)).all()
        corrections = session.scalars(select(OdometerCorrection).where(OdometerCorrection.vehicle_id == vehicle.id)
                                      .order_by(OdometerCorrection.id)).all()
        return contract.VehicleHistory().dump({"status_changes": changes, "odometer_corrections": corrections})

    @rpc(reads_only=True)
    def available_vehicles(self, query):
        """Vehicles free over [start, end) with enough seats, best fit first."""
        self.call.caller.require(*FLEET_READERS)
        q = load(contract.AvailableQuery(), query or {})
        domain.check_interval(q["start"], q["end"], "start", "end")
        session = self.db.session
        busy = repository.busy_vehicle_ids(session, q["start"], q["end"])
        statement = repository.where_equal(select(Vehicle).where(Vehicle.status.in_(domain.ASSIGNABLE_VEHICLE_STATUSES)),
                                           Vehicle, unit_code=self._own_vehicles())
        vehicles = {v.id: v for v in session.scalars(statement) if v.id not in busy}
        ranked = domain.best_fit([domain.Candidate(v.id, v.seats, v.odometer_km) for v in vehicles.values()],
                                 q["seats"])
        page = ranked[q["offset"]:q["offset"] + q["limit"]]
        items = [{**vehicle_out.dump(vehicles[c.vehicle_id]), "spare_seats": c.seats - q["seats"]} for c in page]
        return page_of(items, len(ranked))

    # quotas ------------------------------------------------------------------------
    def _quota_dump(self, quota: Quota) -> dict:
        occupied = repository.occupied_slots(self.db.session, quota.unit_code)
        return quota_out.dump({"id": quota.id, "unit_code": quota.unit_code, "slots": quota.slots,
                               "occupied": occupied, "free": max(0, quota.slots - occupied),
                               "updated_at": quota.updated_at})

    @rpc
    def set_quota(self, payload):
        """Sets a unit's slots (定编), creating its quota the first time."""
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.QuotaSet(), payload)
        session = self.db.session
        quota = repository.quota_locked(session, data["unit_code"])
        domain.check_quota_shrink(data["slots"], repository.occupied_slots(session, data["unit_code"]))
        if quota is None:
            quota = Quota(unit_code=data["unit_code"], slots=data["slots"])
            session.add(quota)
        self.db.audit("allocate", quota)
        quota.slots = data["slots"]
        session.flush()
        return self._quota_dump(quota)

    @rpc(reads_only=True)
    def list_quotas(self, query=None):
        caller = self.call.caller
        caller.require(*FLEET_READERS)
        q = load(contract.QuotaQuery(), query or {})
        statement = repository.where_equal(select(Quota).order_by(Quota.unit_code), Quota,
                                           unit_code=caller.unit_filter(q.get("unit_code")))
        return self._page(statement, q, self._quota_dump)

    # drivers -----------------------------------------------------------------------
    def _driver_dump(self, driver: Driver, full_phone: bool = False) -> dict:
        """The phone is masked except where one driver is read (``get_driver``), which is audited."""
        problems = repository.driver_problems(self.db.session, driver, domain.local_day(self._now()))
        values = {c.key: getattr(driver, c.key) for c in Driver.__table__.columns}
        values["phone"] = values["phone"] if full_phone else mask_phone(values["phone"])
        return driver_out.dump({**values, "assignable": not problems, "not_assignable_because": list(problems.values())})

    @rpc
    def create_driver(self, payload):
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.DriverCreate(), payload)
        session = self.db.session
        if session.scalar(select(Driver.id).where(Driver.staff_number == data["staff_number"])):
            raise Conflict("a driver with this staff number exists", {"staff_number": ["already registered"]})
        driver = Driver(**data, status="active")
        session.add(driver)
        self.db.audit("create", driver)  # a person's data: the trail keeps the phone masked
        session.flush()
        return self._driver_dump(driver)

    @rpc(reads_only=True)
    def list_drivers(self, query=None):
        self.call.caller.require(*STAFF)
        q = load(contract.DriverQuery(), query or {})
        statement = repository.where_equal(select(Driver).order_by(Driver.id), Driver, status=q.get("status"))
        return self._page(statement, q, self._driver_dump)

    @rpc(reads_only=True)
    def get_driver(self, driver_id, full_phone=True):
        """One driver, with the full phone number unless ``full_phone`` is false (a page that
        shows only the name); who read a full number is in the trail."""
        self.call.caller.require(*STAFF)
        driver = get_or_404(self.db.session, Driver, int(driver_id), "driver")
        if full_phone is True and driver.phone:
            self.db.record("read_phone", "driver", driver.id)
        return self._driver_dump(driver, full_phone=full_phone is True)

    @rpc
    def update_driver(self, driver_id, payload):
        self.call.caller.require(*DISPATCHERS)
        changes = load(contract.DriverUpdate(), payload, partial=True)
        driver = get_or_404(self.db.session, Driver, int(driver_id), "driver")
        self.db.audit("update", driver)
        for key, value in changes.items():
            setattr(driver, key, value)
        self.db.session.flush()
        return self._driver_dump(driver)

    @rpc
    def create_safety_meeting(self, payload):
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.SafetyMeetingCreate(), payload)
        check_not_future(self._now(), domain.SHANGHAI, held_on=data["held_on"])
        session = self.db.session
        attendee_ids = sorted(set(data.pop("attendee_ids")))
        known = set(session.scalars(select(Driver.id).where(Driver.id.in_(attendee_ids)))) if attendee_ids else set()
        unknown = [i for i in attendee_ids if i not in known]
        if unknown:
            raise NotFound("unknown drivers among the attendees", {"attendee_ids": [f"no driver {i}" for i in unknown]})
        meeting = SafetyMeeting(**data)
        session.add(meeting)
        session.flush()
        session.add_all(MeetingAttendance(meeting_id=meeting.id, driver_id=i) for i in attendee_ids)
        session.flush()
        return self._meeting_dump(meeting)

    def _meeting_dump(self, meeting: SafetyMeeting) -> dict:
        attendees = sorted(self.db.session.scalars(select(MeetingAttendance.driver_id)
                                                   .where(MeetingAttendance.meeting_id == meeting.id)))
        return contract.SafetyMeeting().dump({"id": meeting.id, "held_on": meeting.held_on, "topic": meeting.topic,
                                              "attendee_ids": attendees, "created_at": meeting.created_at})

    @rpc(reads_only=True)
    def list_safety_meetings(self, query=None):
        self.call.caller.require(*STAFF)
        q = load(contract.PageQuery(), query or {})
        statement = select(SafetyMeeting).order_by(SafetyMeeting.held_on.desc(), SafetyMeeting.id.desc())
        return self._page(statement, q, self._meeting_dump)

    @rpc
    def add_assessment(self, driver_id, payload):
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.AssessmentCreate(), payload)
        check_not_future(self._now(), domain.SHANGHAI, occurred_on=data["occurred_on"])
        driver = get_or_404(self.db.session, Driver, int(driver_id), "driver")
        entry = Assessment(driver_id=driver.id, recorded_by=self.call.caller.name, **data)
        self.db.session.add(entry)
        self.db.session.flush()
        return contract.Assessment().dump(entry)

    @rpc(reads_only=True)
    def list_assessments(self, driver_id, query=None):
        self.call.caller.require(*STAFF)
        q = load(contract.PageQuery(), query or {})
        driver = get_or_404(self.db.session, Driver, int(driver_id), "driver")
        statement = select(Assessment).where(Assessment.driver_id == driver.id).order_by(Assessment.occurred_on,
                                                                                         Assessment.id)
        return self._page(statement, q, contract.Assessment().dump)
