"""The energy service: institutions, readings, indicators and targets, benchmarking and the
fleet ledger; the sheet imports are in ``imports.py``; audits, retrofits, assessments and
waste sorting are in ``programmes.py``."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from services.energy import contract, domain, reports, repository
from services.energy.models import (
    AuditEntry, FleetFuel, Institution, OutboxEvent, ProcessedEvent, Reading, Target, UnitFloorArea,
)
from services.energy.imports import ImportsMixin
from services.energy.programmes import ProgrammesMixin
from services.energy.records import MANAGERS, OVERVIEW, READERS, REPORTERS
from services.energy.settings import SETTINGS
from services.energy.unit_codes import UnitCodesRpc
from services.facilities import contract as facilities
from services.kit.audit import AuditTrail
from services.kit.context import CallContext
from services.kit.db import Database, get_or_404, utcnow
from services.kit.entrypoints import batch_event_handler, event_handler, rpc
from services.kit.errors import Conflict, Invalid, RuleViolation
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.kit.schemas import load
from services.vehicles import contract as vehicles


institution_out = contract.Institution()
reading_out = contract.Reading()
fuel_recorded_in = vehicles.FuelRecorded()
target_out = contract.Target()


def reading_view(reading: Reading, revisions=None) -> dict:
    kgce = domain.reading_kgce(reading.energy_type, reading.quantity, reading.unit)
    view = {column: getattr(reading, column) for column in (
        "id", "institution_id", "unit_code", "period", "energy_type", "quantity", "unit", "source", "import_id",
        "recorded_by", "created_at", "updated_at")}
    view.update(kgce=domain.round_to(kgce, 3), coefficient_table=domain.coefficients.VERSION)
    if revisions is not None:
        view["revisions"] = revisions
    return reading_out.dump(view)


def flat_errors(messages: dict) -> dict:
    """{0: {"quantity": [...]}} of a list's items as {"[0].quantity": [...]}."""
    flat = {}
    for index, errors in messages.items():
        if isinstance(errors, dict):
            for name, value in errors.items():
                flat[f"[{index}].{name}"] = value
        else:
            flat[f"[{index}]"] = errors
    return flat


class EnergyService(UnitCodesRpc, ImportsMixin, ProgrammesMixin, HealthMixin, OutboxRelayMixin, AuditTrail):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent, AuditEntry)
    call = CallContext()

    # institutions -------------------------------------------------------------------------
    @rpc
    def create_institution(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.InstitutionCreate(), payload)
        session = self.db.session
        if session.scalar(select(Institution.id).where(Institution.unit_code == data["unit_code"])):
            raise Conflict(f"an institution for unit {data['unit_code']} is already registered",
                           {"unit_code": ["already registered"]})
        known = session.get(UnitFloorArea, data["unit_code"])
        area, source = domain.initial_floor_area(data.pop("floor_area_m2"), known.usable_area_m2 if known else None)
        institution = Institution(**data, floor_area_m2=area, area_source=source)
        session.add(institution)
        session.flush()
        return institution_out.dump(institution)

    @rpc(reads_only=True)
    def list_institutions(self, query=None):
        return self._page(Institution, institution_out, contract.InstitutionQuery(), query, (Institution.id,))

    @rpc(reads_only=True)
    def get_institution(self, institution_id):
        return institution_out.dump(self._one(Institution, institution_id, "institution"))

    @rpc
    def update_institution(self, institution_id, payload):
        self.call.caller.require(*MANAGERS)
        changes = load(contract.InstitutionUpdate(), payload, partial=True)
        institution = get_or_404(self.db.session, Institution, int(institution_id), "institution")
        self.db.audit("correct", institution)
        if "floor_area_m2" in changes:
            entered = changes.pop("floor_area_m2")
            if entered is None:  # back to the figure facilities keep
                known = self.db.session.get(UnitFloorArea, institution.unit_code)
                institution.floor_area_m2 = known.usable_area_m2 if known else None
                institution.area_source = "facilities" if known else None
            else:
                institution.floor_area_m2, institution.area_source = entered, "manual"
        for key, value in changes.items():
            setattr(institution, key, value)
        self.db.session.flush()
        return institution_out.dump(institution)

    @event_handler(facilities.SERVICE, facilities.BUILDING_AREA_CHANGED)
    def on_building_area_changed(self, payload):
        event = facilities.BuildingAreaChanged().load(payload)
        if not self.db.first_delivery(event["event_id"], "energy.on_building_area_changed"):
            return
        session = self.db.session
        area = Decimal(str(event["unit_usable_area_m2"])).quantize(Decimal("0.01"))
        # the first events of a new unit may arrive together: the row is inserted unless another
        # worker did, then locked and compared, so none of them fails on the unit's key
        if not repository.insert_unit_area(session, event["unit_code"], area, event["occurred_at"]):
            known = session.get(UnitFloorArea, event["unit_code"], with_for_update=True, populate_existing=True)
            if not domain.is_newer(event["occurred_at"], known.as_of):
                return
            known.usable_area_m2, known.as_of = area, event["occurred_at"]
        institution = session.scalar(select(Institution).where(Institution.unit_code == event["unit_code"]))
        if institution is not None and domain.floor_area_from_facilities(institution.area_source):
            institution.floor_area_m2, institution.area_source = area, "facilities"

    # readings -----------------------------------------------------------------------------
    @rpc
    def record_readings(self, payload):
        """One reading (an object) or many (a list), all or none."""
        caller = self.call.caller
        caller.require(*REPORTERS)
        many = isinstance(payload, list)
        if many and not 1 <= len(payload) <= SETTINGS.readings_batch_max:
            raise Invalid("send 1 to %d readings at once" % SETTINGS.readings_batch_max,
                          {"_schema": [f"1 to {SETTINGS.readings_batch_max} readings"]})
        if many:
            schema = contract.ReadingCreate(many=True)
            from marshmallow import ValidationError

            try:
                items = schema.load(payload)
            except ValidationError as exc:
                raise Invalid("the input has invalid fields", flat_errors(exc.messages)) from None
        else:
            items = [load(contract.ReadingCreate(), payload)]
        now = utcnow()
        future = {f"[{i}].period" if many else "period": ["a month that has not begun cannot be reported"]
                  for i, item in enumerate(items) if domain.is_future_period(item["period"], now)}
        if future:  # well formed, refused for today's date: a rule
            raise RuleViolation("readings for future months", "energy.future_period", future)
        session = self.db.session
        for item in items:
            item["unit_code"] = caller.unit_for_write(item["unit_code"])
        institutions = repository.institutions_by_unit(session, [item["unit_code"] for item in items])
        for item in items:
            if item["unit_code"] not in institutions:
                repository.institution_by_unit(session, item["unit_code"])  # raises NotFound
        inputs = [repository.ReadingInput(institutions[item["unit_code"]], item["period"], item["energy_type"],
                                          item["quantity"], item["unit"]) for item in items]
        written = repository.write_readings(session, inputs, "api", caller.name, self.db.audit)
        self._after_write(written)
        return {"items": [reading_view(reading) for reading in written.readings], "created": written.created,
                "corrected": written.corrected, "unchanged": written.unchanged}

    def _after_write(self, written) -> None:
        for institution, year in sorted(written.touched, key=lambda pair: (pair[0].id, pair[1])):
            reports.evaluate_risk(self.db, institution, year)

    @rpc(reads_only=True)
    def list_readings(self, query=None):
        order = (Reading.period, Reading.unit_code, Reading.energy_type, Reading.id)
        return self._page(Reading, reading_out, contract.ReadingQuery(), query, order, reading_view)

    @rpc(reads_only=True)
    def get_reading(self, reading_id):
        reading = self._one(Reading, reading_id, "reading")
        return reading_view(reading, repository.revisions_of(self.db.session, reading.id))

    # indicators, targets, benchmark, fleet ------------------------------------------------
    @rpc(reads_only=True)
    def indicators(self, query):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.IndicatorQuery(), query or {})
        unit_code = caller.unit_filter(q.get("unit_code"))
        if unit_code:
            repository.institution_by_unit(self.db.session, unit_code)
        answer = reports.indicators(self.db.session, q, unit_code, None if unit_code else q.get("group"))
        return contract.Indicators().dump(answer)

    @rpc
    def create_target(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.TargetCreate(), payload)
        session = self.db.session
        institution = repository.institution_by_unit(session, data["unit_code"])
        if session.scalar(select(Target.id).where(Target.institution_id == institution.id, Target.year == data["year"])):
            raise Conflict(f"a target for {data['unit_code']} in {data['year']} is already set", {"year": ["already set"]})
        target = Target(institution_id=institution.id, **data)
        session.add(target)
        session.flush()
        reports.evaluate_risk(self.db, institution, data["year"])
        return target_out.dump(target)

    @rpc(reads_only=True)
    def list_targets(self, query=None):
        return self._page(Target, target_out, contract.TargetQuery(), query, (Target.year, Target.unit_code))

    @rpc(reads_only=True)
    def get_target(self, target_id):
        return target_out.dump(self._one(Target, target_id, "target"))

    @rpc(reads_only=True)
    def benchmark(self, query):
        self.call.caller.require(*OVERVIEW)
        q = load(contract.BenchmarkQuery(), query or {})
        return contract.Benchmark().dump(
            reports.benchmark(self.db.session, q["year"], q.get("months"), q["metric"], q.get("group")))

    @rpc(reads_only=True)
    def unit_overview(self, query):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.UnitOverviewQuery(), query or {})
        unit_code = caller.unit_filter(q.get("unit_code"))
        if not unit_code:  # the query is well formed: who asks decides whether it names a unit
            raise RuleViolation("a unit's overview: name the unit in unit_code", "unit_required",
                                {"unit_code": ["required"]})
        institution = repository.institution_by_unit(self.db.session, unit_code)
        return contract.UnitOverview().dump(
            reports.unit_overview(self.db.session, institution, q["year"], q["metric"], utcnow()))

    @rpc(reads_only=True)
    def fleet(self, query):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.FleetQuery(), query or {})
        return contract.Fleet().dump(
            reports.fleet(self.db.session, q["year"], q.get("months"), caller.unit_filter(q.get("unit_code"))))

    @batch_event_handler(vehicles.SERVICE, vehicles.FUEL_RECORDED)
    def on_fuel_recorded(self, payloads):
        """The fuel transactions that arrived together, into the fleet ledger in one transaction."""
        events = fuel_recorded_in.load(payloads, many=True)
        fresh = self.db.first_deliveries([event["event_id"] for event in events], "energy.on_fuel_recorded")
        session = self.db.session
        candidates = [event["transaction_id"] for event in events if event["event_id"] in fresh]
        known = set(session.scalars(
            select(FleetFuel.transaction_id).where(FleetFuel.transaction_id.in_(candidates)))) if candidates else set()
        session.add_all(FleetFuel(**domain.fleet_fuel_entry(event))
                        for event in domain.new_fuel_transactions(events, fresh, known))
