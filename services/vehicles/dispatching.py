"""RPC of the dispatch workflow (调度): request, decide, assign, depart, return, close, cancel."""
from __future__ import annotations

from sqlalchemy import select

from services.kit.db import get_or_404, utcnow
from services.kit.entrypoints import event_handler, rpc
from services.kit.errors import Conflict
from services.kit.schemas import check_not_future, load
from services.vehicles import contract, domain, repository
from services.vehicles.contract import DISPATCH_READERS, DISPATCHERS, REQUESTERS
from services.vehicles.base import VehiclesBase
from services.reception import contract as reception
from services.vehicles.models import Dispatch, Driver, ReleasedReference, Vehicle


dispatch_out = contract.Dispatch()


class DispatchRpc(VehiclesBase):
    @rpc
    def create_dispatch(self, payload):
        """A unit's request: ``requested`` until a dispatcher decides."""
        caller = self.call.caller
        caller.require(*REQUESTERS)
        data = load(contract.DispatchCreate(), payload)
        data["unit_code"] = caller.unit_for_write(data["unit_code"], required=True)
        domain.check_interval(data["start_at"], data["end_at"])
        if not caller.has_any(DISPATCHERS):  # a request; the dispatcher also enters past trips (补录)
            domain.check_request_start(data["start_at"], self._now())
        if data["reference"] is not None:
            self.db.lock(f"reference:{data['reference']}")  # against on_meeting_abandoned
        dispatch = Dispatch(**data, status="requested", requested_by=caller.name)
        self.db.session.add(dispatch)
        self.db.session.flush()  # then checked: on SQLite the write lock is held from here
        if data["reference"] is not None and self.db.session.get(ReleasedReference, data["reference"]) is not None:
            raise Conflict(f"the meeting of reference {data['reference']} was abandoned", {"reference": ["abandoned"]})
        self._emit_status(dispatch)
        return dispatch_out.dump(dispatch)

    def _emit_status(self, dispatch: Dispatch) -> None:
        self.db.emit(contract.DISPATCH_STATUS_CHANGED, contract.DispatchStatusChanged().dump({
            "dispatch_id": dispatch.id, "unit_code": dispatch.unit_code, "status": dispatch.status,
            "requested_by": dispatch.requested_by, "destination": dispatch.destination,
            "start_at": dispatch.start_at, "reason": dispatch.reject_reason,
        }))

    @event_handler(reception.SERVICE, reception.MEETING_ABANDONED)
    def on_meeting_abandoned(self, payload):
        """Cancels the car requests of a meeting whose request failed (one asked too late is
        refused by ``create_dispatch``); a car already on its way is left to the dispatcher."""
        event = reception.MeetingAbandoned().load(payload)
        if not self.db.first_delivery(event["event_id"], "vehicles.on_meeting_abandoned"):
            return
        self.db.lock(f"reference:{event['reference']}")
        session = self.db.session
        if session.get(ReleasedReference, event["reference"]) is None:
            session.add(ReleasedReference(reference=event["reference"], released_at=utcnow()))
        for dispatch in session.scalars(select(Dispatch).where(Dispatch.reference == event["reference"])
                                        .with_for_update()):
            if domain.allows("cancel", dispatch.status):
                self.db.audit("cancel", dispatch)
                dispatch.status = domain.next_status("cancel", dispatch.status)
                dispatch.cancel_reason = "meeting request failed"

    @rpc(reads_only=True)
    def list_dispatches(self, query=None):
        caller = self.call.caller
        caller.require(*DISPATCH_READERS)
        q = load(contract.DispatchQuery(), query or {})
        statement = repository.where_equal(
            select(Dispatch).order_by(Dispatch.start_at, Dispatch.id), Dispatch,
            unit_code=caller.unit_filter(q.get("unit_code")), status=q.get("status"), vehicle_id=q.get("vehicle_id"))
        if q.get("from_"):
            statement = statement.where(Dispatch.end_at > q["from_"])
        if q.get("to"):
            statement = statement.where(Dispatch.start_at < q["to"])
        return self._page(statement, q, dispatch_out.dump)

    def _dispatch(self, dispatch_id, lock=False) -> Dispatch:
        session = self.db.session
        dispatch = (repository.locked(session, Dispatch, int(dispatch_id)) if lock else None) or get_or_404(
            session, Dispatch, int(dispatch_id), "dispatch")
        self.call.caller.check_visible(dispatch.unit_code, "dispatch")
        return dispatch

    @rpc(reads_only=True)
    def get_dispatch(self, dispatch_id):
        self.call.caller.require(*DISPATCH_READERS)
        return dispatch_out.dump(self._dispatch(dispatch_id))

    def _decide(self, dispatch_id, action: str, reason=None):
        self.call.caller.require(*DISPATCHERS)
        dispatch = self._dispatch(dispatch_id, lock=True)
        self.db.audit(action, dispatch)
        dispatch.status = domain.next_status(action, dispatch.status)
        dispatch.decided_by, dispatch.decided_at, dispatch.reject_reason = self.call.caller.name, utcnow(), reason
        self.db.session.flush()
        self._emit_status(dispatch)
        return dispatch_out.dump(dispatch)

    @rpc
    def approve_dispatch(self, dispatch_id):
        return self._decide(dispatch_id, "approve")

    @rpc
    def reject_dispatch(self, dispatch_id, payload):
        data = load(contract.DispatchReject(), payload)
        return self._decide(dispatch_id, "reject", data["reason"])

    @rpc
    def assign_dispatch(self, dispatch_id, payload):
        """Vehicle and driver for the interval. The dispatch, the vehicle and the driver rows
        are locked in that order before the overlap check, so concurrent assignments of one
        vehicle or driver take turns and the second sees the first (no double booking)."""
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.DispatchAssign(), payload)
        session = self.db.session
        dispatch = self._dispatch(dispatch_id, lock=True)
        self.db.audit("assign", dispatch)
        dispatch.status = domain.next_status("assign", dispatch.status)
        vehicle = repository.locked(session, Vehicle, data["vehicle_id"]) or get_or_404(
            session, Vehicle, data["vehicle_id"], "vehicle")
        driver = repository.locked(session, Driver, data["driver_id"]) or get_or_404(
            session, Driver, data["driver_id"], "driver")
        domain.check_vehicle_assignable(vehicle.status)
        domain.check_seats(vehicle.seats, dispatch.passengers)
        domain.check_assignable(repository.driver_problems(session, driver, domain.local_day(dispatch.start_at)))
        for field, kwargs in (("vehicle_id", {"vehicle_id": vehicle.id}), ("driver_id", {"driver_id": driver.id})):
            clash = repository.holding_dispatches(session, dispatch.start_at, dispatch.end_at, exclude_id=dispatch.id,
                                                  **kwargs)
            if clash:
                what = field.removesuffix("_id")
                raise Conflict(f"the {what} is booked for dispatch {clash[0].id} over an overlapping interval",
                               {field: [f"double booking with dispatch {clash[0].id}"]})
        dispatch.vehicle_id, dispatch.driver_id, dispatch.assigned_at = vehicle.id, driver.id, utcnow()
        session.flush()
        self._emit_status(dispatch)
        return dispatch_out.dump(dispatch)

    @rpc
    def depart_dispatch(self, dispatch_id, payload=None):
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.DispatchDepart(), payload or {})
        session = self.db.session
        dispatch = self._dispatch(dispatch_id, lock=True)
        dispatch.status = domain.next_status("depart", dispatch.status)
        vehicle = repository.locked(session, Vehicle, dispatch.vehicle_id)
        domain.check_vehicle_assignable(vehicle.status)
        check_not_future(self._now(), domain.SHANGHAI, departed_at=data["departed_at"])
        dispatch.departed_at = data["departed_at"] or utcnow()
        dispatch.odometer_start_km = vehicle.odometer_km
        self._set_status(vehicle, "dispatched", f"dispatch {dispatch.id}")
        session.flush()
        return dispatch_out.dump(dispatch)

    @rpc
    def return_dispatch(self, dispatch_id, payload):
        """Back with the odometer reading: a reading below the departure's is refused; an
        implausible jump is kept and flagged."""
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.DispatchReturn(), payload)
        session = self.db.session
        dispatch = self._dispatch(dispatch_id, lock=True)
        dispatch.status = domain.next_status("return", dispatch.status)
        vehicle = repository.locked(session, Vehicle, dispatch.vehicle_id)
        check_not_future(self._now(), domain.SHANGHAI, returned_at=data["returned_at"])
        returned_at = data.pop("returned_at") or utcnow()
        domain.check_interval(dispatch.departed_at, returned_at, "departed_at", "returned_at")
        start_km = dispatch.odometer_start_km
        domain.check_return_odometer(start_km, data["odometer_km"])
        distance = data["odometer_km"] - start_km
        dispatch.returned_at, dispatch.odometer_end_km, dispatch.distance_km = returned_at, data["odometer_km"], distance
        dispatch.fuel_liters, dispatch.tolls_yuan, dispatch.cost_yuan = (
            data["fuel_liters"], data["tolls_yuan"], data["cost_yuan"])
        vehicle.odometer_km = data["odometer_km"]
        self._set_status(vehicle, "available", f"dispatch {dispatch.id} returned")
        session.flush()
        if domain.implausible_distance(distance, dispatch.departed_at, returned_at):
            self._raise_flag(vehicle, "odometer", f"{distance} km on dispatch {dispatch.id} is implausible",
                             dispatch_id=dispatch.id)
        self.db.emit(contract.DISPATCH_COMPLETED, contract.DispatchCompleted().dump({
            "dispatch_id": dispatch.id, "vehicle_id": vehicle.id, "unit_code": dispatch.unit_code,
            "start_at": dispatch.departed_at, "end_at": returned_at, "distance_km": distance,
            "fuel_liters": dispatch.fuel_liters, "cost_yuan": dispatch.cost_yuan,
        }))
        return dispatch_out.dump(dispatch)

    @rpc
    def close_dispatch(self, dispatch_id):
        self.call.caller.require(*DISPATCHERS)
        dispatch = self._dispatch(dispatch_id, lock=True)
        dispatch.status = domain.next_status("close", dispatch.status)
        dispatch.closed_at = utcnow()
        self.db.session.flush()
        return dispatch_out.dump(dispatch)

    @rpc
    def cancel_dispatch(self, dispatch_id, payload=None):
        """Before departure only. Cancelling a cancelled dispatch answers it unchanged, so a
        compensating call (reception's meeting cars) can be retried."""
        self.call.caller.require(*REQUESTERS)
        data = load(contract.DispatchCancel(), payload or {})
        dispatch = self._dispatch(dispatch_id, lock=True)
        if dispatch.status == "cancelled":
            return dispatch_out.dump(dispatch)
        self.db.audit("cancel", dispatch)
        dispatch.status = domain.next_status("cancel", dispatch.status)
        dispatch.cancel_reason = data["reason"]
        self.db.session.flush()
        return dispatch_out.dump(dispatch)
