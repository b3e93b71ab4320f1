"""Preventive maintenance and statutory inspections: plans due by time or by meter, work orders
generated ahead of the due date (once per plan and due date), assigned and worked like repairs
with a checklist; findings open repairs; overdue orders notified. A mixin of ``FacilitiesService``."""
from __future__ import annotations

from datetime import date, timedelta

from nameko.timer import timer
from sqlalchemy import select

from services.facilities import contract, domain
from services.facilities import upkeep_repository as repository
from services.facilities import upkeep_rules as rules
from services.facilities.models import Certificate, Equipment, MaintenancePlan, MeterReading, Repair, WorkOrder
from services.facilities.settings import SETTINGS, UPKEEP
from services.facilities.base import FacilitiesBase, columns
from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.errors import NotFound, RuleViolation
from services.kit.schemas import load, page_of

READERS, MANAGERS, WORKERS = contract.EQUIPMENT_READERS, contract.EQUIPMENT_MANAGERS, contract.UPKEEP_WORKERS

plan_out = contract.MaintenancePlan()
order_out = contract.WorkOrder()
certificate_out = contract.Certificate()


def new_plan(equipment: Equipment, today: date, *, name: str, kind: str, every_days=None, every_months=None,
             every_run_hours=None, first_due_on=None, checklist=(), issues_certificate=False) -> MaintenancePlan:
    """A plan, first due on ``first_due_on`` or one interval from today (by time), or by meter only."""
    rules.check_plan_interval(every_days, every_months, every_run_hours)
    return MaintenancePlan(
        equipment_id=equipment.id, name=name, kind=kind, every_days=every_days, every_months=every_months,
        every_run_hours=every_run_hours, checklist=[dict(item) for item in checklist],
        issues_certificate=issues_certificate, active=True,
        next_due_on=first_due_on or rules.after_interval(today, every_days, every_months),
        last_done_run_hours=equipment.run_hours if every_run_hours else None)


def default_plans_for(equipment: Equipment, today: date) -> list[MaintenancePlan]:
    """The kind's plans; one counted from the installation (an extinguisher's first repair) starts there."""
    def first_due(spec):
        if spec.first_after_install_months and equipment.installed_on:
            return rules.add_months(equipment.installed_on, spec.first_after_install_months)
        return None

    return [new_plan(equipment, today, name=spec.name, kind=spec.kind, every_days=spec.every_days,
                     every_months=spec.every_months, every_run_hours=spec.every_run_hours, first_due_on=first_due(spec),
                     checklist=spec.checklist, issues_certificate=spec.certificate)
            for spec in rules.default_plans(equipment.kind, UPKEEP, equipment.explosive_site,
                                            equipment.extinguisher_agent)]


def add_certificate(db, equipment: Equipment, data: dict, order_id: int | None = None) -> Certificate:
    """A certificate (its expiry defaults to the statutory validity); the inspection that renews
    it falls due when it ends, unless an order for it is already under way."""
    expires_on = data.get("expires_on") or rules.certificate_expires_on(data["issued_on"], UPKEEP)
    if expires_on < data["issued_on"]:
        raise RuleViolation("a certificate expires after it is issued", "equipment.certificate_dates",
                            {"expires_on": ["before issued_on"]})
    certificate = Certificate(equipment_id=equipment.id, work_order_id=order_id, **{**data, "expires_on": expires_on})
    db.session.add(certificate)
    db.audit("create", certificate)
    db.session.flush()
    if order_id is None:
        for plan in db.session.scalars(select(MaintenancePlan).where(
                MaintenancePlan.equipment_id == equipment.id, MaintenancePlan.issues_certificate.is_(True),
                MaintenancePlan.active.is_(True))):
            if repository.open_order(db.session, plan.id) is None:
                plan.next_due_on = expires_on
    return certificate


def record_meter_reading(db, equipment: Equipment, run_hours, now, today, reader: str) -> MeterReading:
    """A run-hour reading (never below the last one); the equipment keeps the latest."""
    rules.check_meter_reading(equipment.run_hours, run_hours)
    reading = MeterReading(equipment_id=equipment.id, run_hours=run_hours, read_at=now, read_on=today, reader=reader)
    db.session.add(reading)
    db.audit("create", reading)
    equipment.run_hours = run_hours
    db.session.flush()
    return reading


def plan_due(session, plan: MaintenancePlan) -> tuple[date | None, date | None]:
    """The day a plan falls due by meter, and by time or meter whichever comes first."""
    meter_due = rules.meter_due_on(plan.last_done_run_hours, plan.every_run_hours,
                                   repository.readings_since(session, plan.equipment_id, plan.last_done_on))
    return meter_due, rules.plan_due_on(plan.next_due_on, meter_due)


def plan_overdue(session, plan: MaintenancePlan, today: date) -> bool:
    return plan.active and rules.plan_overdue(plan_due(session, plan)[1], today)


def certificate_view(certificate: Certificate, today: date) -> dict:
    return certificate_out.dump({
        **columns(certificate), "valid": rules.certificate_valid(certificate.expires_on, today),
        "expiring": rules.certificate_expiring(certificate.expires_on, today, UPKEEP)})


def order_view(order: WorkOrder, today: date) -> dict:
    return order_out.dump({**columns(order), "overdue": rules.order_overdue(order.status, order.due_on, today),
                           "on_time": rules.done_on_time(order.due_on, order.completed_on)})


def technician_only(caller) -> bool:
    """A technician (and nothing more) sees and works only the orders assigned to them."""
    return "technician" in caller.roles and not caller.has_any(("facility_manager", "leader"))


class MaintenanceRpc(FacilitiesBase):
    @timer(interval=UPKEEP.upkeep_check_interval)
    def keep_up_maintenance(self):
        """Work orders ahead of their plans' due dates (once per due date, whichever process runs
        this), overdue orders and expiring certificates notified once."""
        self._generate_work_orders()
        self._flag_overdue_work_orders()
        self._flag_expiring_certificates()

    # plans ----------------------------------------------------------------------------
    @rpc
    def create_maintenance_plan(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.MaintenancePlanCreate(), payload)
        equipment = get_or_404(self.db.session, Equipment, data.pop("equipment_id"), "equipment")
        if equipment.status != "in_service":
            raise RuleViolation("retired equipment is not maintained", "equipment.retired",
                                {"equipment_id": ["retired"]})
        plan = new_plan(equipment, self._today(), **data)
        self.db.session.add(plan)
        self.db.audit("create", plan)
        self.db.session.flush()
        return self._plan_view(plan)

    @rpc(reads_only=True)
    def list_maintenance_plans(self, query=None):
        self.call.caller.require(*READERS)
        q = load(contract.MaintenancePlanQuery(), query or {})
        statement = select(MaintenancePlan).order_by(MaintenancePlan.id)
        if q.get("equipment_id"):
            statement = statement.where(MaintenancePlan.equipment_id == q["equipment_id"])
        if q.get("overdue") is not None:  # judged with the meter too: read each active plan
            statement = statement.where(MaintenancePlan.active.is_(True))
            views = [self._plan_view(plan) for plan in self.db.session.scalars(statement)]
            views = [view for view in views if view["overdue"] is q["overdue"]]
            return page_of(views[q["offset"]:q["offset"] + q["limit"]], len(views))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([self._plan_view(plan) for plan in items], total)

    @rpc(reads_only=True)
    def get_maintenance_plan(self, plan_id):
        self.call.caller.require(*READERS)
        return self._plan_view(get_or_404(self.db.session, MaintenancePlan, int(plan_id), "maintenance plan"))

    # work orders --------------------------------------------------------------------
    @rpc
    def generate_work_orders(self, payload=None):
        """Generate the orders of every plan falling due within the lead days (the timer does this;
        staff may run it at once). Safe to run twice, or in two processes at the same moment."""
        self.call.caller.require(*MANAGERS)
        made = self._generate_work_orders()
        return contract.GenerationReport().dump({"generated": len(made), "work_order_ids": made})

    @rpc(reads_only=True)
    def list_work_orders(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.WorkOrderQuery(), query or {})
        today = self._today()
        statement = select(WorkOrder).order_by(WorkOrder.due_on, WorkOrder.id)
        for key in ("equipment_id", "plan_id", "status", "technician"):
            if q.get(key):
                statement = statement.where(getattr(WorkOrder, key) == q[key])
        if technician_only(caller):
            statement = statement.where(WorkOrder.technician == caller.name)
        late = WorkOrder.status.not_in(rules.ORDER_FINISHED) & (WorkOrder.due_on < today)
        if q.get("overdue") is not None:
            statement = statement.where(late if q["overdue"] else ~late)
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([order_view(order, today) for order in items], total)

    @rpc(reads_only=True)
    def get_work_order(self, order_id):
        self.call.caller.require(*READERS)
        return order_view(self._work_order(order_id), self._today())

    @rpc
    def assign_work_order(self, order_id, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.WorkOrderAssign(), payload)
        order = self._work_order(order_id, "assign")
        self.db.audit("assign", order)
        order.technician, order.assigned_at, order.status = data["technician"], self._now(), "assigned"
        self.db.emit(contract.WORK_ORDER_ASSIGNED, contract.WorkOrderAssigned().dump({
            **self._work_order_event(order), "technician": data["technician"]}))
        self.db.session.flush()
        return order_view(order, self._today())

    @rpc
    def start_work_order(self, order_id, payload=None):
        self.call.caller.require(*WORKERS)
        order = self._work_order(order_id, "start")
        self.db.audit("start", order)
        order.status, order.started_at = "in_progress", self._now()
        self.db.session.flush()
        return order_view(order, self._today())

    @rpc
    def complete_work_order(self, order_id, payload=None):
        """Every checklist item ticked or measured; a measurement out of range and each finding
        reported open a repair; the plan's next due date counts from today; a statutory
        inspection may record the certificate it issued."""
        caller = self.call.caller
        caller.require(*WORKERS)
        data = load(contract.WorkOrderComplete(), payload or {})
        order = self._work_order(order_id, "complete")
        plan = self.db.session.get(MaintenancePlan, order.plan_id)
        equipment = self.db.session.get(Equipment, order.equipment_id)
        items, measured = rules.fill_checklist(order.items or [], data["items"])
        rules.check_run_hours_read(equipment.kind, data["run_hours"])
        now, today = self._now(), self._today()
        if data["run_hours"] is not None:
            record_meter_reading(self.db, equipment, data["run_hours"], now, today, caller.name)
        self.db.audit("complete", order)
        findings = [{"description": text, "severity": "minor"} for text in measured] + data["findings"]
        opened = [{"description": finding["description"],
                   "repair_id": self._repair_for_finding(equipment, order, finding, now).id} for finding in findings]
        order.items, order.findings, order.note = items, opened, data["note"]
        order.status, order.completed_at, order.completed_on = "done", now, today
        order.run_hours = equipment.run_hours
        plan.last_done_on, plan.last_done_run_hours = today, equipment.run_hours
        plan.next_due_on = rules.next_due_after(today, order.due_on, plan.every_days, plan.every_months)
        if data["certificate"] is not None:
            add_certificate(self.db, equipment, data["certificate"], order.id)
        self.db.session.flush()
        return order_view(order, today)

    # the timer's work -------------------------------------------------------------------
    def _generate_work_orders(self) -> list[int]:
        session, today = self.db.session, self._today()
        made = []
        for plan in repository.active_plans(session):
            _, due_on = plan_due(session, plan)
            if not rules.order_wanted(due_on, today, UPKEEP) or repository.open_order(session, plan.id):
                continue
            equipment = session.get(Equipment, plan.equipment_id)
            order_id = repository.insert_once(session, WorkOrder, {
                "plan_id": plan.id, "equipment_id": equipment.id, "building_id": equipment.building_id,
                "kind": plan.kind, "title": f"{equipment.name}：{plan.name}", "due_on": due_on, "status": "open",
                "items": [dict(item) for item in plan.checklist or []], "findings": [],
                "created_at": self._now(), "updated_at": self._now()}, ("plan_id", "due_on"))
            if order_id is None:  # another generator made it
                continue
            made.append(order_id)
            order = session.get(WorkOrder, order_id)
            self.db.emit(contract.WORK_ORDER_GENERATED, contract.WorkOrderGenerated().dump(self._work_order_event(order)))
        return made

    def _flag_overdue_work_orders(self) -> int:
        session, today = self.db.session, self._today()
        late = session.scalars(select(WorkOrder).where(
            WorkOrder.status.not_in(rules.ORDER_FINISHED), WorkOrder.due_on < today,
            WorkOrder.overdue_notified_at.is_(None)).order_by(WorkOrder.id).with_for_update(skip_locked=True)).all()
        for order in late:
            order.overdue_notified_at = self._now()
            self.db.emit(contract.MAINTENANCE_OVERDUE, contract.MaintenanceOverdue().dump(self._work_order_event(order)))
        return len(late)

    def _flag_expiring_certificates(self) -> int:
        session, today = self.db.session, self._today()
        horizon = today + timedelta(days=UPKEEP.certificate_warning_days)
        newest = {c.id for c in repository.latest_certificates(session)}
        expiring = [c for c in session.scalars(select(Certificate).where(
            Certificate.expires_on <= horizon, Certificate.expires_on >= today,
            Certificate.expiry_notified_at.is_(None)).with_for_update(skip_locked=True)) if c.id in newest]
        for certificate in expiring:
            certificate.expiry_notified_at = self._now()
            self.db.emit(contract.CERTIFICATE_EXPIRING, contract.CertificateExpiring().dump({
                "certificate_id": certificate.id, "equipment_id": certificate.equipment_id,
                "name": certificate.name, "expires_on": certificate.expires_on}))
        return len(expiring)

    # helpers ------------------------------------------------------------------------
    def _plan_view(self, plan: MaintenancePlan) -> dict:
        meter_due, due_on = plan_due(self.db.session, plan)
        return plan_out.dump({**columns(plan), "meter_due_on": meter_due, "due_on": due_on,
                              "overdue": plan_overdue(self.db.session, plan, self._today())})

    def _work_order(self, order_id, action: str | None = None) -> WorkOrder:
        caller = self.call.caller
        order = get_or_404(self.db.session, WorkOrder, int(order_id), "work order")
        if technician_only(caller) and order.technician != caller.name:
            raise NotFound("work order not found")
        if action:
            domain.check_transition("work order", order.status, action, rules.ORDER_ACTIONS)
        return order

    @staticmethod
    def _work_order_event(order: WorkOrder) -> dict:
        return {"work_order_id": order.id, "equipment_id": order.equipment_id, "building_id": order.building_id,
                "kind": order.kind, "title": order.title, "due_on": order.due_on}

    def _repair_for_finding(self, equipment: Equipment, order: WorkOrder, finding: dict, now) -> Repair:
        """A finding opens a repair, due by the pledge like any other."""
        repair = Repair(
            unit_code=equipment.unit_code, reporter=self.call.caller.name, building_id=equipment.building_id,
            location=equipment.location or equipment.name, category=rules.repair_category(equipment.kind),
            severity=finding["severity"], description=f"{order.title}：{finding['description']}"[:2000],
            status="reported", reported_at=now, complaints=0,
            due_at=domain.utc(domain.repair_due_at(now, finding["severity"], SETTINGS)))
        self.db.session.add(repair)
        self.db.audit("create", repair)
        self.db.session.flush()
        return repair
