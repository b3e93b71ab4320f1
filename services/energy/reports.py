"""Figures built from the stored readings: indicators, targets and the at-risk flag,
benchmarking, the fleet ledger and retrofit measurement."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.energy import coefficients, contract, domain, repository
from services.energy.base import EnergyBase
from services.energy.contract import OVERVIEW, READERS
from services.energy.models import FleetFuel, Institution, Project, RiskFlag, Target
from services.energy.settings import SETTINGS
from services.kit.db import utcnow
from services.kit.entrypoints import rpc
from services.kit.errors import RuleViolation
from services.kit.schemas import load

ALL_MONTHS = list(range(1, 13))
ZERO = Decimal(0)


def periods_of(year: int, months=None) -> list[str]:
    return [domain.period_of(year, month) for month in (months or ALL_MONTHS)]


def figures(institutions: list[Institution], consumption: dict[int, domain.Consumption]) -> dict:
    """The indicators of a set of institutions, counting those that reported."""
    total = domain.Consumption()
    headcount, area, kgce_with_area, kgco2_with_area, reporting = 0, ZERO, ZERO, ZERO, 0
    for institution in institutions:
        used = consumption.get(institution.id)
        if used is None or not used.reported:
            continue
        reporting += 1
        headcount += institution.headcount
        total.kgce += used.kgce
        total.kgco2 += used.kgco2
        total.water_m3 += used.water_m3
        for kind, quantity in used.by_type.items():
            total.by_type[kind] = total.by_type.get(kind, ZERO) + quantity
        for kind, kgce in used.kgce_by_type.items():
            total.kgce_by_type[kind] = total.kgce_by_type.get(kind, ZERO) + kgce
        if institution.floor_area_m2:
            area += institution.floor_area_m2
            kgce_with_area += used.kgce
            kgco2_with_area += used.kgco2
    values = domain.intensities(total.kgce, total.water_m3, domain.Denominators(headcount, area or None), kgce_with_area,
                                total.kgco2, kgco2_with_area)
    return {
        "institutions": reporting, "headcount": headcount, "floor_area_m2": domain.round_to(area, 2) if area else None,
        "total_kgce": domain.round_to(total.kgce, 2), "water_m3": domain.round_to(total.water_m3, 3),
        **domain.rounded_indicators(values),
        "by_type": {
            kind: {"quantity": domain.round_to(quantity, 3), "unit": coefficients.BASE_UNIT[kind],
                   "kgce": domain.round_to(total.kgce_by_type.get(kind), 2)}
            for kind, quantity in sorted(total.by_type.items())
        },
        "_raw": values,
    }


def fleet_figures(rows: list[FleetFuel]) -> dict:
    totals = {"transactions": 0, "gasoline_liters": ZERO, "diesel_liters": ZERO, "kwh": ZERO, "amount_yuan": ZERO,
              "kgce": ZERO}
    for row in rows:
        totals["transactions"] += 1
        liters, kwh = row.liters or ZERO, row.kwh or ZERO
        fuel = "diesel" if row.fuel_type == "diesel" else "gasoline"
        totals[f"{fuel}_liters"] += liters
        totals["kwh"] += kwh
        totals["amount_yuan"] += row.amount_yuan or ZERO
        totals["kgce"] += domain.fleet_kgce(row.fuel_type, liters, kwh)
    return {key: value if key == "transactions" else domain.round_to(value, 2 if key in ("amount_yuan", "kgce") else 3)
            for key, value in totals.items()}


# -- targets and the at-risk projection ---------------------------------------------------------
def _full_year_intensities(institution: Institution, consumption: domain.Consumption | None):
    if consumption is None:
        return {}
    denominators = domain.Denominators(institution.headcount, institution.floor_area_m2)
    return domain.intensities(consumption.kgce, consumption.water_m3, denominators, kgco2=consumption.kgco2)


def _monthly(readings, year: int) -> dict[str, dict[int, Decimal]]:
    """measure -> month -> the year's total: energy (kgce), co2 (kgCO₂), water (m3); a month is
    there when a reading of that measure is."""
    monthly: dict[str, dict[int, Decimal]] = {"energy": {}, "co2": {}, "water": {}}

    def add(measure: str, month: int, value: Decimal) -> None:
        monthly[measure][month] = monthly[measure].get(month, ZERO) + value

    for reading in readings:
        reading_year, month = domain.split_period(reading.period)
        if reading_year != year:
            continue
        if reading.energy_type == coefficients.WATER:
            add("water", month, coefficients.to_base("water", reading.quantity, reading.unit))
        else:
            add("energy", month, domain.reading_kgce(reading.energy_type, reading.quantity, reading.unit))
            add("co2", month, domain.reading_kgco2(reading.energy_type, reading.quantity, reading.unit))
    return monthly


def targets_of(session: Session, institution: Institution, year: int) -> dict:
    """indicator -> (value, source) for the year: the target set for it, else the plan's."""
    target = session.scalar(select(Target).where(Target.institution_id == institution.id, Target.year == year))
    set_values = None
    if target is not None:
        set_values = {key: getattr(target, key) for key in domain.INTENSITIES}
    plan = {}
    if SETTINGS.plan_base_year < year <= SETTINGS.plan_target_year:
        base_consumption = repository.consumption_of(session, [institution.id], periods_of(SETTINGS.plan_base_year))
        base = _full_year_intensities(institution, base_consumption.get(institution.id))
        plan = {key: domain.plan_target(base.get(key), year, key) for key in domain.INTENSITIES}
    return domain.effective_targets(set_values, plan)


def target_risks(session: Session, institution: Institution, year: int):
    """(through_month, [Risk]) of an institution's year so far against its targets."""
    targets = targets_of(session, institution, year)
    readings = repository.reading_values(session, [institution.id], periods_of(year - 1) + periods_of(year))
    this_year = _monthly(readings, year)
    months = set(this_year["energy"]) | set(this_year["water"])
    if not targets or not months:
        return (max(months) if months else 0), [], targets
    through = max(months)
    last_year = _monthly(readings, year - 1)
    so_far = {measure: sum(values.values(), ZERO) for measure, values in this_year.items()}
    ytd = domain.intensities(so_far["energy"], so_far["water"],
                             domain.Denominators(institution.headcount, institution.floor_area_m2), kgco2=so_far["co2"])
    shares = {measure: domain.seasonal_share(values, through) for measure, values in last_year.items()}
    return through, domain.assess_risk(ytd, shares, targets, through), targets


def evaluate_risk(db, institution: Institution, year: int) -> None:
    """Keeps the at-risk flags of an institution's year and emits ``target_at_risk`` when an
    indicator turns at risk (again)."""
    session = db.session
    through, risks, _ = target_risks(session, institution, year)
    flags = {flag.indicator: flag for flag in session.scalars(
        select(RiskFlag).where(RiskFlag.institution_id == institution.id, RiskFlag.year == year))}
    for risk in risks:
        flag = flags.get(risk.indicator)
        newly = risk.at_risk and (flag is None or not flag.at_risk)
        if flag is None:
            flag = RiskFlag(institution_id=institution.id, year=year, indicator=risk.indicator)
            session.add(flag)
        flag.at_risk, flag.projected, flag.target = risk.at_risk, risk.projected, risk.target
        if newly:
            db.emit(contract.TARGET_AT_RISK, contract.TargetAtRisk().dump({
                "institution_id": institution.id, "unit_code": institution.unit_code, "year": year,
                "indicator": risk.indicator, "projected": domain.round_to(risk.projected, 3),
                "target": domain.round_to(risk.target, 3), "target_source": risk.source, "through_month": through,
            }))


def target_statuses(session: Session, institution: Institution, year: int) -> list[dict]:
    _, risks, targets = target_risks(session, institution, year)
    by_indicator = {risk.indicator: risk for risk in risks}
    statuses = []
    for indicator, (value, source) in targets.items():
        risk = by_indicator.get(indicator)
        statuses.append({
            "indicator": indicator, "target": domain.round_to(value, 3), "source": source,
            "projected": domain.round_to(risk.projected, 3) if risk else None,
            "at_risk": risk.at_risk if risk else None,
        })
    return statuses


# -- indicators -------------------------------------------------------------------------------
def span_fields(q: dict) -> dict:
    """What an answer says of the months it counts: ``year`` and ``months`` for months of one
    year, null for a span ``from``–``to``; ``periods`` always."""
    if "year" not in q:
        return {"year": None, "months": None, "periods": domain.periods_between(q["from_period"], q["to_period"])}
    months = q.get("months") or ALL_MONTHS
    return {"year": q["year"], "months": months, "periods": periods_of(q["year"], months)}


def indicators(session: Session, q: dict, unit_code: str | None, group: str | None) -> dict:
    """The indicators of the months ``q`` names (``MonthsQuery``), beside the same months a year earlier."""
    span = span_fields(q)
    periods = span["periods"]
    institutions = repository.institutions_in_scope(session, unit_code, group)
    ids = [institution.id for institution in institutions]
    now = figures(institutions, repository.consumption_of(session, ids, periods))
    before = figures(institutions, repository.consumption_of(session, ids, [domain.shift_period(p, -12) for p in periods]))
    yoy = {key: domain.change_rate(now["_raw"][key], before["_raw"][key]) for key in now["_raw"]}
    target_year = domain.split_period(periods[-1])[0]
    statuses = target_statuses(session, institutions[0], target_year) if unit_code and institutions else []
    fleet_units = None if not (unit_code or group) else [institution.unit_code for institution in institutions]
    return {
        "scope": "institution" if unit_code else "group" if group else "county",
        "unit_code": unit_code, "group": group, **span,
        "coefficient_table": coefficients.VERSION, "emission_factors": coefficients.KGCO2_PER_BASE_UNIT,
        **{key: value for key, value in now.items() if key != "_raw"},
        "previous_year": {key: value for key, value in before.items() if key != "_raw"},
        "year_over_year": yoy, "targets": statuses, "at_risk": any(s["at_risk"] for s in statuses),
        "fleet": fleet_figures(repository.fleet_rows(session, periods, fleet_units)),
    }


# benchmark metric -> (what is summed: a Consumption attribute, per what: area | headcount)
BENCHMARK_METRICS = {
    "per_area_kgce_m2": ("kgce", "area"),
    "per_person_kgce": ("kgce", "headcount"),
    "per_area_kgco2_m2": ("kgco2", "area"),
}


def benchmark(session: Session, year: int, months, metric: str, group: str | None) -> dict:
    """The ranking; its savings potentials are named after what is saved (``*_kgce``, or
    ``*_kgco2`` for the CO₂ metric)."""
    months = months or ALL_MONTHS
    quantity, per = BENCHMARK_METRICS[metric]
    institutions = repository.institutions_in_scope(session, None, group)
    consumption = repository.consumption_of(session, [i.id for i in institutions], periods_of(year, months))
    rows = []
    for institution in institutions:
        used = consumption.get(institution.id)
        denominator = institution.floor_area_m2 if per == "area" else institution.headcount
        if used is None or not used.reported or not denominator:
            continue
        rows.append({"unit_code": institution.unit_code, "name": institution.name, "group": institution.group,
                     "intensity": getattr(used, quantity) / Decimal(denominator), "denominator": Decimal(denominator)})
    ranked = domain.benchmark(rows, quantity)
    potentials = (f"potential_to_median_{quantity}", f"potential_to_best_quartile_{quantity}")
    items = [{
        **{key: row[key] for key in ("rank", "group_rank", "group_size", "unit_code", "name", "group")},
        **{key: domain.round_to(row[key], 3) for key in ("intensity", "group_median", "group_best_quartile")},
        **{key: domain.round_to(row[key], 2) for key in potentials},
    } for row in ranked]
    answer = {
        "year": year, "months": months, "metric": metric, "coefficient_table": coefficients.VERSION,
        "items": items, "total": len(items),
        **{key: domain.round_to(sum((row[key] for row in ranked), ZERO), 2) for key in potentials},
    }
    if quantity == "kgco2":
        answer["emission_factors"] = coefficients.KGCO2_PER_BASE_UNIT
    return answer


def unit_overview(session: Session, institution: Institution, year: int, metric: str, now) -> dict:
    """What a unit sees of its own energy: each month's figures, its targets, the months it has
    not reported though due, and its place among its group (the others by name only)."""
    periods = periods_of(year)
    used = {period: domain.Consumption() for period in periods}
    for reading in repository.reading_values(session, [institution.id], periods):
        used[reading.period].add(reading.energy_type, reading.quantity, reading.unit)
    denominators = domain.Denominators(institution.headcount, institution.floor_area_m2)
    months = []
    for period in periods:
        month = used[period]
        figures_of_month = domain.rounded_indicators(domain.intensities(
            month.kgce, month.water_m3, denominators, kgco2=month.kgco2)) if month.reported else {}
        months.append({"period": period, "reported": month.reported, **figures_of_month,
                       "total_kgce": domain.round_to(month.kgce, 3) if month.reported else None,
                       "water_m3": domain.round_to(month.water_m3, 3) if month.reported else None})
    statuses = target_statuses(session, institution, year)
    ranked = benchmark(session, year, None, metric, institution.group)["items"]
    in_group = [row for row in ranked if row["group"] == institution.group]
    own = next((row for row in in_group if row["unit_code"] == institution.unit_code), None)
    return {
        "unit_code": institution.unit_code, "name": institution.name, "group": institution.group, "year": year,
        "months": months, "targets": statuses, "at_risk": any(s["at_risk"] for s in statuses),
        "report_due_day": SETTINGS.report_due_day,
        "missing_periods": [period for period in domain.due_periods(year, now, SETTINGS.report_due_day)
                            if not used[period].reported],
        "metric": metric, "rank": own["group_rank"] if own else None, "group_size": len(in_group),
        "intensity": own["intensity"] if own else None, "group_median": own["group_median"] if own else None,
        "ranking": [{"rank": row["group_rank"], "name": row["name"], "own": row is own} for row in in_group],
    }


def fleet(session: Session, year: int, months, unit_code: str | None) -> dict:
    months = months or ALL_MONTHS
    rows = repository.fleet_rows(session, periods_of(year, months), [unit_code] if unit_code else None)
    by_unit: dict[str, list] = {}
    for row in rows:
        by_unit.setdefault(row.unit_code, []).append(row)
    return {
        "year": year, "months": months, "coefficient_table": coefficients.VERSION,
        "items": [{"unit_code": unit, **fleet_figures(unit_rows)} for unit, unit_rows in sorted(by_unit.items())],
        "totals": fleet_figures(rows),
    }


def project_views(session: Session, projects) -> list[dict]:
    """Retrofits with their measured saving rate and payback, from one read of the readings that
    their comparison windows need (not every reading of each institution, project by project)."""
    windows = {project.id: domain.comparison_window(project.completed_on, SETTINGS.retrofit_comparison_months)
               for project in projects if project.completed_on is not None}
    readings: dict[int, list] = {}
    for reading in repository.reading_values(
            session, {project.institution_id for project in projects if project.id in windows},
            {period for window in windows.values() for period in window}):
        readings.setdefault(reading.institution_id, []).append(reading)  # months outside its window are not looked at
    return [project_view(project, readings.get(project.institution_id, [])) for project in projects]


def project_view(project: Project, readings) -> dict:
    """A retrofit with its measured saving rate and payback, from its institution's readings."""
    measured = None
    if project.completed_on is not None:
        monthly: dict[str, Decimal] = {}
        for reading in readings:
            if project.energy_type is None:
                value = domain.reading_kgce(reading.energy_type, reading.quantity, reading.unit)
            elif reading.energy_type == project.energy_type:
                value = coefficients.to_base(reading.energy_type, reading.quantity, reading.unit)
            else:
                value = None
            if value is not None:
                monthly[reading.period] = monthly.get(reading.period, ZERO) + value
        measured = domain.measure_saving(monthly, project.completed_on, project.investment_yuan, project.unit_price_yuan)
    return {
        **{column: getattr(project, column) for column in (
            "id", "unit_code", "name", "kind", "scope", "energy_type", "investment_yuan", "expected_saving_rate",
            "unit_price_yuan", "completed_on", "created_at", "updated_at")},
        "comparison_months": measured.months if measured else [],
        "consumption_before": domain.round_to(measured.before, 3) if measured else None,
        "consumption_after": domain.round_to(measured.after, 3) if measured else None,
        "measured_saving_rate": domain.round_to(measured.saving_rate, 4) if measured else None,
        "annual_saving": domain.round_to(measured.annual_saving, 3) if measured else None,
        "payback_years": domain.round_to(measured.payback_years, 2) if measured else None,
        "coefficient_table": coefficients.VERSION,
    }


class ReportsRpc(EnergyBase):
    """The statistics: indicators, benchmarking, one unit's overview."""

    @rpc(reads_only=True)
    def indicators(self, query):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.IndicatorQuery(), query or {})
        unit_code = caller.unit_filter(q.get("unit_code"))
        if unit_code:
            repository.institution_by_unit(self.db.session, unit_code)
        answer = indicators(self.db.session, q, unit_code, None if unit_code else q.get("group"))
        return contract.Indicators().dump(answer)

    @rpc(reads_only=True)
    def benchmark(self, query):
        self.call.caller.require(*OVERVIEW)
        q = load(contract.BenchmarkQuery(), query or {})
        return contract.Benchmark().dump(
            benchmark(self.db.session, q["year"], q.get("months"), q["metric"], q.get("group")))

    @rpc(reads_only=True)
    def unit_overview(self, query):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.UnitOverviewQuery(), query or {})
        unit_code = caller.unit_filter(q.get("unit_code"))
        if not unit_code:
            # the query is well formed: who asks decides whether it names a unit
            raise RuleViolation("a unit's overview: name the unit in unit_code", "unit_required",
                                {"unit_code": ["required"]})
        institution = repository.institution_by_unit(self.db.session, unit_code)
        return contract.UnitOverview().dump(
            unit_overview(self.db.session, institution, q["year"], q["metric"], utcnow()))
