"""RPC of upkeep: designated vendors (定点), fuel card ledger, service records and
reminders, renewal and disposal."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict, NotFound
from services.kit.schemas import check_not_future, load, page_of
from services.vehicles import contract, domain, repository
from services.vehicles.contract import DISPATCHERS, FLEET_READERS, STAFF
from services.vehicles.base import VehiclesBase
from services.vehicles.models import Dispatch, Disposal, FuelTransaction, ServiceRecord, Vehicle, VehicleFlag, Vendor


vendor_out = contract.Vendor()
fuel_out = contract.FuelTransaction()
service_out = contract.ServiceRecord()
fuel_recorded_out = contract.FuelRecorded()  # built once: a schema's construction cost as much as its dump


class UpkeepRpc(VehiclesBase):
    # vendors -------------------------------------------------------------------------
    @rpc
    def create_vendor(self, payload):
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.VendorCreate(), payload)
        session = self.db.session
        if session.scalar(select(Vendor.id).where(Vendor.name == data["name"], Vendor.kind == data["kind"])):
            raise Conflict("this vendor is registered", {"name": ["already registered for this kind"]})
        vendor = Vendor(**data)
        session.add(vendor)
        session.flush()
        return vendor_out.dump(vendor)

    @rpc(reads_only=True)
    def list_vendors(self, query=None):
        self.call.caller.require(*STAFF)
        q = load(contract.VendorQuery(), query or {})
        statement = repository.where_equal(select(Vendor).order_by(Vendor.id), Vendor, kind=q.get("kind"),
                                           designated=q.get("designated"))
        return self._page(statement, q, vendor_out.dump)

    @rpc(reads_only=True)
    def get_vendor(self, vendor_id):
        self.call.caller.require(*STAFF)
        return vendor_out.dump(get_or_404(self.db.session, Vendor, int(vendor_id), "vendor"))

    @rpc
    def update_vendor(self, vendor_id, payload):
        self.call.caller.require(*DISPATCHERS)
        changes = load(contract.VendorUpdate(), payload, partial=True)
        vendor = get_or_404(self.db.session, Vendor, int(vendor_id), "vendor")
        for key, value in changes.items():
            setattr(vendor, key, value)
        self.db.session.flush()
        return vendor_out.dump(vendor)

    def _known(self, model, ident, field: str):
        record = self.db.session.get(model, ident)
        if record is None:
            raise NotFound(f"unknown {field.removesuffix('_id')}", {field: [f"no {field.removesuffix('_id')} {ident}"]})
        return record

    # fuel ----------------------------------------------------------------------------
    @rpc
    def create_fuel_transaction(self, payload):
        """Every transaction is kept and told to energy (``fuel_recorded``); what is implausible
        (another vendor, an odometer going back or jumping, consumption far above the
        vehicle's norm) is flagged."""
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.FuelTransactionCreate(), payload)
        check_not_future(self._now(), domain.SHANGHAI, filled_at=data["filled_at"])
        session = self.db.session
        vehicle = repository.locked(session, Vehicle, data["vehicle_id"]) or self._known(
            Vehicle, data["vehicle_id"], "vehicle_id")
        vendor = self._known(Vendor, data["vendor_id"], "vendor_id")
        if vehicle.status == "disposed":
            raise Conflict("the vehicle is disposed")
        domain.check_fuel_quantity(vehicle.fuel_type, data["liters"], data["kwh"])
        previous = repository.previous_fuel(session, vehicle.id, data["filled_at"])
        history = repository.consumption_history(session, vehicle.id, data["filled_at"])
        check = domain.check_fuel(
            previous.odometer_km if previous else None, previous.filled_at if previous else None,
            data["odometer_km"], data["filled_at"], data["liters"],
            domain.own_norm(vehicle.fuel_norm_l_per_100km, history), vendor.designated, vendor.kind,
            registered=(vehicle.registered_odometer_km, vehicle.created_at)
            if vehicle.registered_odometer_km is not None else None)
        transaction = FuelTransaction(**data, distance_km=check.distance_km, l_per_100km=check.l_per_100km,
                                      recorded_by=self.call.caller.name)
        session.add(transaction)
        session.flush()
        for kind, detail in check.flags:
            self._raise_flag(vehicle, kind, detail, fuel_transaction_id=transaction.id)
        if not any(kind == "odometer" for kind, _ in check.flags) and data["odometer_km"] > vehicle.odometer_km:
            vehicle.odometer_km = data["odometer_km"]
        self.db.emit(contract.FUEL_RECORDED, fuel_recorded_out.dump({
            "transaction_id": transaction.id, "vehicle_id": vehicle.id, "unit_code": vehicle.unit_code,
            "fuel_type": vehicle.fuel_type, "liters": transaction.liters, "kwh": transaction.kwh,
            "amount_yuan": transaction.amount_yuan, "filled_at": transaction.filled_at,
        }))
        return self._fuel_dump(transaction, [kind for kind, _ in check.flags])  # the flags just raised

    def _fuel_flags(self, transactions) -> dict[int, list[str]]:
        """Flag kinds of each transaction, in the order raised: one query for a whole page."""
        kinds = defaultdict(list)
        for transaction_id, kind in self.db.session.execute(
                select(VehicleFlag.fuel_transaction_id, VehicleFlag.kind)
                .where(VehicleFlag.fuel_transaction_id.in_([t.id for t in transactions])).order_by(VehicleFlag.id)):
            kinds[transaction_id].append(kind)
        return kinds

    @staticmethod
    def _fuel_dump(transaction: FuelTransaction, kinds: list[str]) -> dict:
        return fuel_out.dump({**{c.key: getattr(transaction, c.key) for c in FuelTransaction.__table__.columns},
                              "flags": list(kinds)})

    @rpc(reads_only=True)
    def list_fuel_transactions(self, query=None):
        self.call.caller.require(*FLEET_READERS)
        q = load(contract.FuelQuery(), query or {})
        statement = repository.where_equal(
            select(FuelTransaction).order_by(FuelTransaction.filled_at.desc(), FuelTransaction.id.desc()),
            FuelTransaction, vehicle_id=q.get("vehicle_id"), card_number=q.get("card_number"))
        statement = repository.of_unit_vehicles(statement, FuelTransaction, self._own_vehicles(q.get("vehicle_id")))
        if q.get("from_"):
            statement = statement.where(FuelTransaction.filled_at >= q["from_"])
        if q.get("to"):
            statement = statement.where(FuelTransaction.filled_at < q["to"])
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        flags = self._fuel_flags(items)
        return page_of([self._fuel_dump(item, flags[item.id]) for item in items], total)

    # service records and reminders ---------------------------------------------------
    @rpc
    def add_service_record(self, vehicle_id, payload):
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.ServiceRecordCreate(), payload)
        check_not_future(self._now(), domain.SHANGHAI, serviced_on=data["serviced_on"])
        session = self.db.session
        vehicle = get_or_404(session, Vehicle, int(vehicle_id), "vehicle")
        vendor = self._known(Vendor, data["vendor_id"], "vendor_id")
        record = ServiceRecord(vehicle_id=vehicle.id, recorded_by=self.call.caller.name, **data)
        session.add(record)
        session.flush()
        # 定点保险/维修: an insurance policy only from a designated insurer, work only at a designated shop
        flag = domain.vendor_flag(vendor.designated, vendor.kind, domain.vendor_kind_for_record(data["kind"]))
        if flag:
            self._raise_flag(vehicle, *flag, service_record_id=record.id)
        if data["odometer_km"] > vehicle.odometer_km:
            vehicle.odometer_km = data["odometer_km"]
        return service_out.dump(record)

    @rpc(reads_only=True)
    def list_service_records(self, vehicle_id, query=None):
        self.call.caller.require(*FLEET_READERS)
        q = load(contract.PageQuery(), query or {})
        vehicle = get_or_404(self.db.session, Vehicle, int(vehicle_id), "vehicle")
        self.call.caller.check_visible(vehicle.unit_code, "vehicle")
        statement = select(ServiceRecord).where(ServiceRecord.vehicle_id == vehicle.id).order_by(
            ServiceRecord.serviced_on.desc(), ServiceRecord.id.desc())
        return self._page(statement, q, service_out.dump)

    @rpc(reads_only=True)
    def list_reminders(self, query=None):
        """Service (by distance or time, whichever first), insurance and annual inspection
        that are overdue or due soon."""
        caller = self.call.caller
        caller.require(*STAFF, "unit_user")
        q = load(contract.ReminderQuery(), query or {})
        session = self.db.session
        today = q.get("on") or self._today()
        statement = select(Vehicle).where(Vehicle.status != "disposed").order_by(Vehicle.id)
        unit_code = caller.unit_filter(q.get("unit_code"))
        if unit_code:
            statement = statement.where(Vehicle.unit_code == unit_code)
        reminders = []
        for vehicle in session.scalars(statement):
            last = session.scalar(select(ServiceRecord).where(
                ServiceRecord.vehicle_id == vehicle.id, ServiceRecord.kind == "service",
            ).order_by(ServiceRecord.serviced_on.desc(), ServiceRecord.id.desc()).limit(1))
            last_on, last_km = domain.last_service(
                (last.serviced_on, last.odometer_km) if last else None,
                (vehicle.last_service_on, vehicle.last_service_odometer_km) if vehicle.last_service_on else None,
                vehicle.purchased_on, domain.local_day(vehicle.created_at))
            found = [
                domain.service_reminder(last_on, last_km, vehicle.odometer_km, today, vehicle.service_interval_km,
                                        vehicle.service_interval_days),
                domain.expiry_reminder("insurance", vehicle.insurance_expires_on, today),
                domain.expiry_reminder("inspection", vehicle.inspection_due_on, today),
            ]
            reminders += [{"vehicle_id": vehicle.id, "plate": vehicle.plate, "unit_code": vehicle.unit_code,
                           "kind": r.kind, "state": r.state, "due_on": r.due_on, "due_km": r.due_km}
                          for r in found if r is not None]
        page = reminders[q["offset"]:q["offset"] + q["limit"]]
        return page_of(contract.Reminder(many=True).dump(page), len(reminders))

    # renewal and disposal ------------------------------------------------------------
    @rpc
    def dispose_vehicle(self, vehicle_id, payload):
        """Auction, take-back or scrapping after the renewal age (earlier only with a
        reason); the quota slot is freed (销编)."""
        self.call.caller.require(*DISPATCHERS)
        data = load(contract.DisposalCreate(), payload)
        check_not_future(self._now(), domain.SHANGHAI, disposed_on=data["disposed_on"])
        session = self.db.session
        vehicle = repository.locked(session, Vehicle, int(vehicle_id)) or get_or_404(
            session, Vehicle, int(vehicle_id), "vehicle")
        domain.check_disposal(vehicle.status, vehicle.purchased_on, data["disposed_on"], data["early_reason"])
        booked = session.scalar(select(Dispatch.id).where(
            Dispatch.vehicle_id == vehicle.id, Dispatch.status.in_(domain.HOLDING)).limit(1))
        if booked is not None:
            raise Conflict(f"the vehicle is booked for dispatch {booked}; reassign or cancel it first")
        disposal = Disposal(vehicle_id=vehicle.id, unit_code=vehicle.unit_code, recorded_by=self.call.caller.name,
                            **data)
        session.add(disposal)
        self.db.audit("dispose", vehicle)
        self._set_status(vehicle, "disposed", f"disposal by {data['method']}")
        session.flush()
        self.db.emit(contract.VEHICLE_DISPOSED, contract.VehicleDisposed().dump({
            "vehicle_id": vehicle.id, "unit_code": vehicle.unit_code, "method": disposal.method,
            "proceeds_yuan": disposal.proceeds_yuan,
        }))
        return contract.Disposal().dump(disposal)
