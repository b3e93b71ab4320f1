"""Energy rules as plain Python: no nameko, no database.

Conversion to standard coal and to CO₂, the indicators, targets and the at-risk projection,
benchmarking, retrofit measurement, the 节约型机关 score sheet and waste shares.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from services.energy import coefficients
from services.energy.contract import TARGET_INDICATORS
from services.energy.settings import SETTINGS, Settings
from services.kit.errors import Invalid, RuleViolation

LOCAL = ZoneInfo("Asia/Shanghai")
INTENSITIES = TARGET_INDICATORS  # the indicators with targets
# the monthly quantity whose seasonal pattern projects each intensity to the full year
SEASONAL_MEASURE = {"per_area_kgce_m2": "energy", "per_person_kgce": "energy", "water_per_person_m3": "water",
                    "per_area_kgco2_m2": "co2"}
ZERO = Decimal(0)


# -- institutions ------------------------------------------------------------------------
def floor_area_from_facilities(current_source: str | None) -> bool:
    """A figure someone entered by hand is kept until they clear it."""
    return current_source != "manual"


def is_newer(occurred_at: datetime, as_of: datetime | None) -> bool:
    """Area events carry totals, so only the latest one counts, whatever the arrival order."""
    return as_of is None or occurred_at > as_of


def initial_floor_area(entered: Decimal | None, known_from_facilities: Decimal | None):
    """(floor_area_m2, area_source) of a new institution."""
    if entered is not None:
        return entered, "manual"
    if known_from_facilities is not None:
        return known_from_facilities, "facilities"
    return None, None


# -- periods -----------------------------------------------------------------------------
def period_of(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def split_period(period: str) -> tuple[int, int]:
    year, month = period.split("-")
    return int(year), int(month)


def local_period(instant: datetime) -> str:
    """The YYYY-MM an instant falls in, in Asia/Shanghai."""
    local = instant.astimezone(LOCAL)
    return period_of(local.year, local.month)


def new_fuel_transactions(events: list[dict], fresh_event_ids: set[str], known_transactions: set[int]) -> list[dict]:
    """The fuel events that go into the fleet ledger: each first delivery of an event, once
    per transaction (a transaction published again under another event id is skipped)."""
    fresh, seen = set(fresh_event_ids), set(known_transactions)
    chosen = []
    for event in events:
        if event["event_id"] in fresh and event["transaction_id"] not in seen:
            chosen.append(event)
            seen.add(event["transaction_id"])
        fresh.discard(event["event_id"])  # a copy of the event later in the batch is not new
    return chosen


def fleet_fuel_entry(event: dict) -> dict:
    """The ledger row of one fuel event: quantities to the ledger's places, the local month."""
    def quantity(value, places="0.001"):
        return None if value is None else Decimal(str(value)).quantize(Decimal(places))

    return {
        "transaction_id": event["transaction_id"], "vehicle_id": event["vehicle_id"], "unit_code": event["unit_code"],
        "fuel_type": event["fuel_type"], "liters": quantity(event.get("liters")), "kwh": quantity(event.get("kwh")),
        "amount_yuan": quantity(event.get("amount_yuan"), "0.01"), "filled_at": event["filled_at"],
        "period": local_period(event["filled_at"]), "event_id": event["event_id"],
    }


def is_future_period(period: str, now: datetime) -> bool:
    return period > local_period(now)


def check_periods_begun(periods: list[str], now: datetime, many: bool) -> None:
    """Readings sent through the API are for months that have begun: well formed, a later month
    is refused for today's date (a rule, ``energy.future_period``), each named by its place in a
    list (``1.period``) or, for one reading, as ``period``."""
    future = {f"{index}.period" if many else "period": ["a month that has not begun cannot be reported"]
              for index, period in enumerate(periods) if is_future_period(period, now)}
    if future:
        raise RuleViolation("readings for future months", "energy.future_period", future)


def check_import_rows(rows, registered, own_unit: str | None, seen: dict, now: datetime):
    """The parsed rows of a sheet (number, unit_code, period, readings, errors) checked against the
    register: a unit user's sheet holds its own unit only, the unit has an institution, the month
    has begun, and a unit and month appears once (``seen`` keeps the first row of each across calls).
    Returns the rejected rows with their errors and the accepted (unit_code, period, readings)."""
    rejected, accepted = [], []
    for number, unit_code, period, readings, errors in rows:
        if unit_code and "unit_code" not in errors:
            if own_unit is not None and unit_code != own_unit:
                errors["unit_code"] = ["another unit's row"]
            elif unit_code not in registered:
                errors["unit_code"] = ["no institution is registered for this unit"]
        if period and is_future_period(period, now):
            errors["period"] = ["a month that has not begun cannot be reported"]
        if not errors:
            first = seen.setdefault((unit_code, period), number)
            if first != number:
                errors["period"] = [f"repeats row {first} (same unit and month)"]
        if errors:
            rejected.append({"row": number, "errors": errors})
        else:
            accepted.append((unit_code, period, readings))
    return rejected, accepted


def shift_period(period: str, months: int) -> str:
    year, month = split_period(period)
    index = year * 12 + (month - 1) + months
    return period_of(index // 12, index % 12 + 1)


def periods_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (YYYY-MM), both included; across years too."""
    count = (split_period(last)[0] - split_period(first)[0]) * 12 + split_period(last)[1] - split_period(first)[1]
    return [shift_period(first, offset) for offset in range(count + 1)]


# -- conversion --------------------------------------------------------------------------
def round_to(value: Decimal | None, places: int) -> float | None:
    if value is None:
        return None
    return float(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def reading_kgce(energy_type: str, quantity: Decimal, unit: str) -> Decimal | None:
    return coefficients.to_kgce(energy_type, Decimal(quantity), unit)


def reading_kgco2(energy_type: str, quantity: Decimal, unit: str) -> Decimal | None:
    return coefficients.to_kgco2(energy_type, Decimal(quantity), unit)


def check_unit(energy_type: str, unit: str) -> None:
    accepted = coefficients.UNITS[energy_type]
    if unit not in accepted:
        raise Invalid("the unit does not fit the energy type",
                      {"unit": [f"{energy_type} is reported in one of: {', '.join(accepted)}"]})


def due_periods(year: int, now: datetime, due_day: int) -> list[str]:
    """The months of ``year`` whose report is due by ``now``: a month is due by ``due_day`` of
    the next month (in Asia/Shanghai), and missing once that day is over."""
    today = now.astimezone(LOCAL).date()
    due = []
    for month in range(1, 13):
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        if today > date(next_year, next_month, due_day):
            due.append(period_of(year, month))
    return due


def same_value(quantity_a: Decimal, unit_a: str, quantity_b: Decimal, unit_b: str) -> bool:
    return unit_a == unit_b and Decimal(quantity_a) == Decimal(quantity_b)


# -- indicators --------------------------------------------------------------------------
@dataclass
class Consumption:
    """What one institution (or a scope of several) used over some months."""

    kgce: Decimal = ZERO
    kgco2: Decimal = ZERO
    water_m3: Decimal = ZERO
    by_type: dict = field(default_factory=dict)  # energy_type -> quantity in the base unit
    kgce_by_type: dict = field(default_factory=dict)

    def add(self, energy_type: str, quantity: Decimal, unit: str) -> None:
        """A reading, or the sum of several of one type and unit (every conversion is linear)."""
        base = coefficients.to_base(energy_type, Decimal(quantity), unit)
        self.by_type[energy_type] = self.by_type.get(energy_type, ZERO) + base
        if energy_type == coefficients.WATER:
            self.water_m3 += base
            return
        kgce = reading_kgce(energy_type, quantity, unit)
        self.kgce += kgce
        self.kgco2 += reading_kgco2(energy_type, quantity, unit)
        self.kgce_by_type[energy_type] = self.kgce_by_type.get(energy_type, ZERO) + kgce

    @property
    def reported(self) -> bool:
        """Whether any reading was added (a reading of zero counts)."""
        return bool(self.by_type)


@dataclass(frozen=True)
class Denominators:
    headcount: int
    floor_area_m2: Decimal | None


def intensities(kgce: Decimal, water_m3: Decimal, denominators: Denominators, kgce_with_area: Decimal | None = None,
                kgco2: Decimal = ZERO, kgco2_with_area: Decimal | None = None):
    """The indicators as Decimals: totals in tonnes, per person, per area (over the institutions
    with a known area only, hence the ``*_with_area`` figures), water per person; None where a
    denominator is 0."""
    headcount = denominators.headcount
    area = denominators.floor_area_m2
    area_kgce = kgce if kgce_with_area is None else kgce_with_area
    area_kgco2 = kgco2 if kgco2_with_area is None else kgco2_with_area
    return {
        "total_tce": kgce / 1000,
        "per_person_kgce": kgce / headcount if headcount else None,
        "per_area_kgce_m2": area_kgce / area if area else None,
        "water_per_person_m3": water_m3 / headcount if headcount else None,
        "total_tco2": kgco2 / 1000,
        "per_area_kgco2_m2": area_kgco2 / area if area else None,
    }


def rounded_indicators(values: dict) -> dict:
    return {key: round_to(value, 4 if key.startswith("total_") else 3) for key, value in values.items()}


def change_rate(current: Decimal | None, previous: Decimal | None) -> float | None:
    """Year over year: (current - previous) / previous; None without a previous figure."""
    if current is None or not previous:
        return None
    return round_to((Decimal(current) - Decimal(previous)) / Decimal(previous), 4)


# -- targets and the at-risk projection ---------------------------------------------------
def plan_target(base_value: Decimal | None, year: int, indicator: str, settings: Settings = SETTINGS):
    """The five-year plan's target for ``year``: the base year's figure lowered along a
    straight line to the plan's reduction in the target year. None outside the plan."""
    if base_value is None or not settings.plan_base_year < year <= settings.plan_target_year:
        return None
    span = settings.plan_target_year - settings.plan_base_year
    reduction = settings.plan_reductions[indicator] * (year - settings.plan_base_year) / span
    return Decimal(base_value) * (1 - reduction)


def effective_targets(set_target: dict | None, plan: dict) -> dict:
    """indicator -> (value, source): a target set for the year wins over the plan."""
    chosen = {}
    for indicator in INTENSITIES:
        explicit = (set_target or {}).get(indicator)
        if explicit is not None:
            chosen[indicator] = (Decimal(explicit), "set")
        elif plan.get(indicator) is not None:
            chosen[indicator] = (Decimal(plan[indicator]), "plan")
    return chosen


def seasonal_share(last_year_monthly: dict[int, Decimal], through_month: int) -> Decimal:
    """Which share of a year's use months 1..m carry: last year's share when last year is
    complete (all twelve months, more than nothing), else m/12."""
    if len(last_year_monthly) == 12:
        full = sum(last_year_monthly.values(), ZERO)
        if full > 0:
            part = sum((value for month, value in last_year_monthly.items() if month <= through_month), ZERO)
            if part > 0:
                return part / full
    return Decimal(through_month) / 12


def project_full_year(ytd_value: Decimal, share: Decimal) -> Decimal:
    """Year-to-date figure projected to the whole year."""
    return Decimal(ytd_value) / share


@dataclass(frozen=True)
class Risk:
    indicator: str
    projected: Decimal
    target: Decimal
    source: str
    at_risk: bool


def assess_risk(ytd: dict, shares: dict, targets: dict, through_month: int,
                settings: Settings = SETTINGS) -> list[Risk]:
    """The rule: once ``risk_min_months`` months of the year are in (counted through the latest
    month reported), each year-to-date intensity is projected to the full year with the
    seasonal share; it is at risk when the projection exceeds its target."""
    if through_month < settings.risk_min_months:
        return []
    risks = []
    for indicator, (target, source) in targets.items():
        value = ytd.get(indicator)
        if value is None:
            continue
        share = shares[SEASONAL_MEASURE[indicator]]
        projected = project_full_year(value, share)
        risks.append(Risk(indicator, projected, target, source, projected > target))
    return risks


# -- benchmarking ------------------------------------------------------------------------
def best_quartile(values: list[Decimal]) -> Decimal:
    """The 25th percentile (lower intensity is better), linear between ranks."""
    if len(values) == 1:
        return values[0]
    return Decimal(str(statistics.quantiles([float(v) for v in values], n=4, method="inclusive")[0]))


def benchmark(rows: list[dict], quantity: str = "kgce") -> list[dict]:
    """rows: {institution..., group, intensity, denominator}. Ranked by intensity (1 is the
    least intensive, county-wide and in the group), with what each would save at its group's
    median and best quartile: (intensity - reference) x denominator, never below zero, named
    after the ``quantity`` saved (kgce, or kgco2 for a CO₂ intensity)."""
    by_group: dict[str, list[Decimal]] = {}
    for row in rows:
        by_group.setdefault(row["group"], []).append(row["intensity"])
    references = {
        group: (Decimal(str(statistics.median([float(v) for v in values]))), best_quartile(values))
        for group, values in by_group.items()
    }
    ordered = sorted(rows, key=lambda row: (row["intensity"], row["unit_code"]))
    group_rank: dict[str, int] = {}
    result = []
    for rank, row in enumerate(ordered, start=1):
        median, quartile = references[row["group"]]
        group_rank[row["group"]] = group_rank.get(row["group"], 0) + 1
        result.append({
            **row, "rank": rank, "group_rank": group_rank[row["group"]], "group_size": len(by_group[row["group"]]),
            "group_median": median, "group_best_quartile": quartile,
            f"potential_to_median_{quantity}": max(ZERO, row["intensity"] - median) * row["denominator"],
            f"potential_to_best_quartile_{quantity}": max(ZERO, row["intensity"] - quartile) * row["denominator"],
        })
    return result


# -- retrofit projects -------------------------------------------------------------------
def _months_after(completed_on: date, max_months: int) -> list[str]:
    first = shift_period(period_of(completed_on.year, completed_on.month), 1)
    return [shift_period(first, offset) for offset in range(max_months)]


def comparison_periods(completed_on: date, monthly: dict[str, Decimal], max_months: int) -> list[str]:
    """The months compared: full months after the completion month, up to ``max_months``,
    each kept only when it and the same month a year earlier were both reported."""
    return [period for period in _months_after(completed_on, max_months)
            if period in monthly and shift_period(period, -12) in monthly]


def comparison_window(completed_on: date, max_months: int) -> list[str]:
    """Every month ``comparison_periods`` may look at: those after the completion and the same
    months a year earlier (the only readings a retrofit's measurement needs)."""
    after = _months_after(completed_on, max_months)
    return [shift_period(period, -12) for period in after] + after


@dataclass(frozen=True)
class Measurement:
    months: list
    before: Decimal
    after: Decimal
    saving_rate: Decimal | None
    annual_saving: Decimal | None
    payback_years: Decimal | None


def measure_saving(monthly: dict[str, Decimal], completed_on: date, investment_yuan: Decimal,
                   unit_price_yuan: Decimal | None, settings: Settings = SETTINGS) -> Measurement | None:
    """Measured saving rate = 1 - after / before over comparable months; simple payback =
    investment / (the saving scaled to twelve months x the unit price)."""
    months = comparison_periods(completed_on, monthly, settings.retrofit_comparison_months)
    if not months:
        return None
    after = sum((monthly[p] for p in months), ZERO)
    before = sum((monthly[shift_period(p, -12)] for p in months), ZERO)
    rate = (before - after) / before if before else None
    annual = (before - after) * 12 / len(months)
    payback = None
    if unit_price_yuan and annual > 0:
        payback = Decimal(investment_yuan) / (annual * Decimal(unit_price_yuan))
    return Measurement(months, before, after, rate, annual, payback)


# -- 节约型机关 ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Score:
    total: int
    must_pass_met: bool
    passed: bool


def score_assessment(scores: dict, settings: Settings = SETTINGS) -> Score:
    """Every item of the sheet gets 0..its points; pass at the pass score with every
    must-pass item at its full points."""
    sheet = {item["code"]: item for item in settings.score_sheet}
    errors = {}
    for code in scores:
        if code not in sheet:
            errors[code] = ["not an item of the score sheet"]
    for code, item in sheet.items():
        value = scores.get(code)
        if value is None:
            errors[code] = ["missing"]
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= item["points"]:
            errors[code] = [f"a whole number from 0 to {item['points']}"]
    if errors:
        raise Invalid("the scores do not fit the score sheet", {"scores": [f"{k}: {v[0]}" for k, v in errors.items()]})
    total = sum(scores.values())
    must_pass_met = all(scores[code] >= item["points"] for code, item in sheet.items() if item["must_pass"])
    return Score(total, must_pass_met, must_pass_met and total >= settings.assessment_pass_score)


def deciding_assessments(assessments: list) -> dict:
    """Per institution the assessment that decides: its latest spot check, else its latest
    self-assessment (objects with institution_id, kind, assessed_on, id)."""
    chosen = {}
    for item in sorted(assessments, key=lambda a: (a.kind == "spot_check", a.assessed_on, a.id)):
        chosen[item.institution_id] = item
    return chosen


def share(part: int | Decimal, whole: int | Decimal) -> float | None:
    return round_to(Decimal(part) / Decimal(whole), 4) if whole else None


def retrofit_summary(projects: list[dict]) -> dict:
    """Retrofits completed (views with ``investment_yuan`` and ``measured_saving_rate``): how
    many, their investment, and the mean measured saving rate of those with comparable months.
    Savings are kept per energy type in base units, so they are not summed across projects."""
    measured = [p["measured_saving_rate"] for p in projects if p["measured_saving_rate"] is not None]
    return {
        "completed": len(projects),
        "investment_yuan": round_to(sum((Decimal(p["investment_yuan"]) for p in projects), ZERO), 2),
        "measured": len(measured),
        "mean_measured_saving_rate": round(sum(measured) / len(measured), 4) if measured else None,
    }


# -- waste sorting -----------------------------------------------------------------------
WASTE_CATEGORIES = ("recyclable", "hazardous", "kitchen", "other")


def waste_summary(weights: dict[str, Decimal]) -> dict:
    total = sum(weights.values(), ZERO)
    return {
        "by_category_kg": {category: round_to(weights.get(category, ZERO), 2) for category in WASTE_CATEGORIES},
        "total_kg": round_to(total, 2),
        "recyclable_share": share(weights.get("recyclable", ZERO), total),
    }


# -- fleet -------------------------------------------------------------------------------
def fleet_kgce(fuel_type: str, liters: Decimal, kwh: Decimal) -> Decimal:
    """Standard coal of a fuel or charging transaction: litres of diesel as diesel, any other
    litres (gasoline, hybrid) as gasoline, kWh as electricity."""
    fuel = "diesel" if fuel_type == "diesel" else "gasoline"
    total = ZERO
    if liters:
        total += coefficients.to_kgce(fuel, Decimal(liters), "L")
    if kwh:
        total += coefficients.to_kgce("electricity", Decimal(kwh), "kWh")
    return total


# -- creation campaigns (创建活动) ----------------------------------------------------------
def check_criteria(criteria: list[dict], pass_score: int) -> None:
    """A criteria sheet: codes unique, the pass line reachable (at most the sum of the maxima)."""
    codes = [item["code"] for item in criteria]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise RuleViolation("a criterion code appears twice", "campaigns.duplicate_criterion",
                            {"criteria": [f"{code}: appears twice" for code in repeated]})
    reachable = sum(item["max_score"] for item in criteria)
    if pass_score > reachable:
        raise RuleViolation(f"the pass line {pass_score} is above the sheet's {reachable} points",
                            "campaigns.pass_line_unreachable", {"pass_score": ["above the sum of the maximum scores"]},
                            {"pass_score": pass_score, "reachable": reachable})


def check_in_campaign_years(years: list[int], **dates) -> None:
    """An application or evaluation is dated within one of the campaign's years."""
    for name, value in dates.items():
        if value is not None and value.year not in years:
            raise RuleViolation(f"{name} {value} is outside the campaign's years", "campaigns.outside_period",
                                {name: ["outside the campaign's years"]},
                                {"years": "、".join(str(year) for year in years)})


def check_scores(criteria: list[dict], scores: dict) -> None:
    """Every criterion of the sheet scored, each a whole number from 0 to its maximum."""
    sheet = {item["code"]: item for item in criteria}
    errors = [f"{code}: not a criterion of the sheet" for code in scores if code not in sheet]
    for code, item in sheet.items():
        value = scores.get(code)
        if value is None:
            errors.append(f"{code}: missing")
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= item["max_score"]:
            errors.append(f"{code}: a whole number from 0 to {item['max_score']}")
    if errors:
        raise RuleViolation("the scores do not fit the criteria sheet", "campaigns.scores_mismatch", {"scores": errors})


def is_smoking_finding(patrol_kind: str, category: str | None) -> bool:
    """A finding that counts against 无烟机关: any finding of a no-smoking patrol (控烟巡查), and
    smoking seen on any other patrol."""
    return patrol_kind == "no_smoking" or category == "smoking"


def with_patrol_deductions(criteria: list[dict], scores: dict, smoking_findings: int,
                           settings: Settings = SETTINGS) -> dict:
    """The scores after no-smoking patrol findings: each finding takes
    ``campaign_smoking_deduction`` points off every ``no_smoking_patrol`` criterion, not below 0."""
    deduction = smoking_findings * settings.campaign_smoking_deduction
    return {code: max(0, value - deduction) if any(
        item["code"] == code and item.get("source") == "no_smoking_patrol" for item in criteria) else value
        for code, value in scores.items()}


def campaign_score(criteria: list[dict], pass_score: int, scores: dict) -> Score:
    """Pass at the pass line with every must-pass criterion at its full points."""
    total = sum(scores.values())
    must_pass_met = all(scores.get(item["code"], 0) >= item["max_score"] for item in criteria if item["must_pass"])
    return Score(total, must_pass_met, must_pass_met and total >= pass_score)


def deciding_evaluations(evaluations) -> dict:
    """Per unit the evaluation that decides: its latest spot check (抽查), which overrides any
    self-assessment, else its latest self-assessment."""
    chosen = {}
    for item in sorted(evaluations, key=lambda e: (e.kind == "spot_check", e.assessed_on, e.id)):
        chosen[item.unit_code] = item
    return chosen
