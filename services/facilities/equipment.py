"""The equipment register (设备设施) per building: kinds, makers, serials, warranty, certificates
with their expiry, run-hour meter readings, and equipment bought or replaced (设备更新添置).
A mixin of ``FacilitiesService``."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from services.facilities import contract, domain
from services.facilities import upkeep_rules as rules
from services.facilities.maintenance import add_certificate, certificate_view, default_plans_for, record_meter_reading
from services.facilities.models import Building, Certificate, Equipment, EquipmentPurchase, MaintenancePlan, MeterReading
from services.facilities.settings import UPKEEP
from services.facilities.base import FacilitiesBase, columns
from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.errors import RuleViolation
from services.kit.schemas import check_not_future, load, page_of

READERS, MANAGERS, WORKERS = contract.EQUIPMENT_READERS, contract.EQUIPMENT_MANAGERS, contract.UPKEEP_WORKERS

equipment_out = contract.Equipment()
reading_out = contract.MeterReading()
purchase_out = contract.Purchase()


def equipment_view(equipment: Equipment, today) -> dict:
    under = equipment.warranty_until_on is not None and today <= equipment.warranty_until_on
    scrap_on = rules.extinguisher_scrap_on(equipment.extinguisher_agent, equipment.installed_on, UPKEEP)
    return equipment_out.dump({**columns(equipment), "under_warranty": under, "scrap_on": scrap_on,
                               "past_service_life": scrap_on is not None and today >= scrap_on})


class EquipmentRpc(FacilitiesBase):
    @rpc
    def create_equipment(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.EquipmentCreate(), payload)
        with_plans = data.pop("default_plans")
        if data["extinguisher_agent"] is not None and data["kind"] != "extinguisher":
            raise RuleViolation("only an extinguisher has an agent", "facilities.agent_not_extinguisher",
                                {"extinguisher_agent": ["only for kind extinguisher"]})
        get_or_404(self.db.session, Building, data["building_id"], "building")
        check_not_future(self._now(), UPKEEP.timezone, installed_on=data["installed_on"])
        equipment = Equipment(**data, status="in_service")
        self.db.session.add(equipment)
        self.db.audit("create", equipment)
        self.db.session.flush()
        if with_plans:
            for plan in default_plans_for(equipment, self._today()):
                self.db.session.add(plan)
                self.db.audit("create", plan)
            self.db.session.flush()
        return equipment_view(equipment, self._today())

    @rpc(reads_only=True)
    def list_equipment(self, query=None):
        self.call.caller.require(*READERS)
        q = load(contract.EquipmentQuery(), query or {})
        statement = select(Equipment).order_by(Equipment.building_id, Equipment.kind, Equipment.id)
        for key in ("building_id", "kind", "status"):
            if q.get(key):
                statement = statement.where(getattr(Equipment, key) == q[key])
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        today = self._today()
        return page_of([equipment_view(item, today) for item in items], total)

    @rpc(reads_only=True)
    def get_equipment(self, equipment_id):
        self.call.caller.require(*READERS)
        return equipment_view(self._equipment(equipment_id), self._today())

    # certificates ----------------------------------------------------------------------
    @rpc
    def add_certificate(self, equipment_id, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.CertificateCreate(), payload)
        check_not_future(self._now(), UPKEEP.timezone, issued_on=data["issued_on"])
        certificate = add_certificate(self.db, self._equipment(equipment_id), data)
        return certificate_view(certificate, self._today())

    @rpc(reads_only=True)
    def list_certificates(self, query=None):
        """Certificates, newest first; ``expiring``: valid still and ending within the warning days."""
        self.call.caller.require(*READERS)
        q = load(contract.CertificateQuery(), query or {})
        today = self._today()
        statement = select(Certificate).order_by(Certificate.expires_on, Certificate.id)
        if q.get("equipment_id"):
            statement = statement.where(Certificate.equipment_id == q["equipment_id"])
        if q.get("expiring"):
            horizon = today + timedelta(days=UPKEEP.certificate_warning_days)
            statement = statement.where(Certificate.expires_on >= today, Certificate.expires_on <= horizon)
        if q.get("expired") is not None:
            statement = statement.where(Certificate.expires_on < today if q["expired"] else Certificate.expires_on >= today)
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of([certificate_view(item, today) for item in items], total)

    # meters ------------------------------------------------------------------------------
    @rpc
    def record_meter_reading(self, equipment_id, payload):
        """A technician reads the run hours at each run (a generator's test run)."""
        caller = self.call.caller
        caller.require(*WORKERS)
        data = load(contract.MeterReadingCreate(), payload)
        now = self._now()
        read_at = now
        if data["read_at"] is not None:
            check_not_future(now, UPKEEP.timezone, read_at=data["read_at"])
            read_at = domain.utc(data["read_at"])
        equipment = self._equipment(equipment_id)
        reading = record_meter_reading(self.db, equipment, data["run_hours"], read_at,
                                       read_at.astimezone(UPKEEP.timezone).date(), caller.name)
        return reading_out.dump(columns(reading))

    @rpc(reads_only=True)
    def list_meter_readings(self, equipment_id, query=None):
        self.call.caller.require(*READERS)
        q = load(contract.OccupantQuery(), query or {})
        self._equipment(equipment_id)
        statement = (select(MeterReading).where(MeterReading.equipment_id == int(equipment_id))
                     .order_by(MeterReading.read_at.desc(), MeterReading.id.desc()))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of([reading_out.dump(columns(item)) for item in items], total)

    # 更新添置 ------------------------------------------------------------------------------
    @rpc
    def create_equipment_purchase(self, payload):
        """Equipment bought, with its cost; one that replaces another retires the old one and stops its plans."""
        self.call.caller.require(*MANAGERS)
        data = load(contract.PurchaseCreate(), payload)
        session = self.db.session
        get_or_404(session, Building, data["building_id"], "building")
        check_not_future(self._now(), UPKEEP.timezone, purchased_on=data["purchased_on"])
        if data["equipment_id"] is not None:
            get_or_404(session, Equipment, data["equipment_id"], "equipment")
        if data["replaces_id"] is not None:
            old = get_or_404(session, Equipment, data["replaces_id"], "equipment")
            if old.status != "in_service":
                raise RuleViolation("the equipment replaced is already retired", "equipment.retired",
                                    {"replaces_id": ["retired"]})
            self.db.audit("retire", old)
            old.status, old.retired_on = "retired", data["purchased_on"]
            for plan in session.scalars(select(MaintenancePlan).where(MaintenancePlan.equipment_id == old.id)):
                plan.active = False
        purchase = EquipmentPurchase(**data)
        session.add(purchase)
        self.db.audit("create", purchase)
        session.flush()
        return purchase_out.dump(columns(purchase))

    @rpc(reads_only=True)
    def list_equipment_purchases(self, query=None):
        self.call.caller.require(*READERS)
        q = load(contract.PurchaseQuery(), query or {})
        statement = select(EquipmentPurchase).order_by(EquipmentPurchase.purchased_on.desc(), EquipmentPurchase.id)
        for key in ("building_id", "kind"):
            if q.get(key):
                statement = statement.where(getattr(EquipmentPurchase, key) == q[key])
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of([purchase_out.dump(columns(item)) for item in items], total)

    def _equipment(self, equipment_id) -> Equipment:
        return get_or_404(self.db.session, Equipment, int(equipment_id), "equipment")

