"""The energy service's public face: RPC payloads, answers, events."""
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kit.schemas import EventSchema, InputSchema, Instant, Money, PageQuery, SyncQuery, UnitCode, states  # noqa: F401  (PageQuery: the paging of its reads)

ENERGY_TYPES = ("electricity", "natural_gas", "gasoline", "diesel", "coal", "heat")
WATER = "water"
READING_TYPES = ENERGY_TYPES + (WATER,)
# the units each type is reported in (what one of each is worth: coefficients.py)
UNITS = {
    "electricity": ("kWh", "MWh"), "natural_gas": ("m3",), "gasoline": ("kg", "L"), "diesel": ("kg", "L"),
    "coal": ("kg", "t"), "heat": ("MJ", "GJ"), "water": ("m3", "t"),
}

# 节约型机关 score sheet (the default; ENERGY_SCORE_SHEET replaces it) (GB/T 29118-2023 style): item code, name, points, must-pass.
# The must-pass item (否决项) is met only when it gets its full points.
SCORE_SHEET = (
    {"code": "organisation", "name": "组织管理", "points": 15, "must_pass": False},
    {"code": "target_completion", "name": "节能目标完成", "points": 20, "must_pass": True},
    {"code": "metering", "name": "能源资源计量与统计", "points": 15, "must_pass": False},
    {"code": "buildings_equipment", "name": "建筑与设备节能", "points": 15, "must_pass": False},
    {"code": "water_saving", "name": "节约用水", "points": 10, "must_pass": False},
    {"code": "waste_sorting", "name": "生活垃圾分类", "points": 10, "must_pass": False},
    {"code": "green_office", "name": "绿色办公与宣传", "points": 15, "must_pass": False},
)

SERVICE = "energy"

# Role sets (API.md), declared once: the gateway's routes and the service check the same sets.
MANAGERS = ("energy_officer",)
READERS = ("energy_officer", "leader", "unit_user")
REPORTERS = ("energy_officer", "unit_user")  # a unit (or a system's key for it) reports its own figures
OVERVIEW = ("energy_officer", "leader")

AREA_SOURCES = ("facilities", "manual")
INTENSITY_METRICS = ("per_area_kgce_m2", "per_person_kgce", "per_area_kgco2_m2")  # benchmark rankings
TARGET_INDICATORS = ("per_area_kgce_m2", "per_person_kgce", "water_per_person_m3", "per_area_kgco2_m2")
PROJECT_KINDS = ("led_lighting", "hvac", "insulation", "solar", "water_saving", "metering", "other")
ASSESSMENT_KINDS = ("self_assessment", "spot_check")
WASTE_CATEGORIES = ("recyclable", "hazardous", "kitchen", "other")
SITE_LEVELS = ("county", "city", "province", "national")

PERIOD = dict(validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="a month as YYYY-MM"))
YEAR = dict(validate=validate.Range(min=2000, max=2100))
# a span's months lie in the years a year's figures may be asked for (YEAR)
SPAN_PERIOD = dict(validate=validate.Regexp(r"^(?:20\d\d|2100)-(0[1-9]|1[0-2])$",
                                            error="a month as YYYY-MM, in the years 2000 to 2100"))


def amount(**kwargs):
    return fields.Decimal(places=3, validate=validate.Range(min=0, max=1_000_000_000_000), **kwargs)


def _months_pattern() -> str:
    month = [str(number) for number in range(1, 13)]
    spans = [f"{first}-(?:{'|'.join(month[index:])})" for index, first in enumerate(month)]
    item = f"(?:{'|'.join(spans + month)})"
    return f"^{item}(?:,{item})*$"


class Months(fields.Field):
    """Months of a year: "1-6", "1,2,3" or a list; answered as a sorted list."""

    PATTERN = _months_pattern()
    json_schema = {"type": "string", "pattern": PATTERN}  # as the API document states it

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            if isinstance(value, list):
                months = {int(item) for item in value}
            elif not re.match(self.PATTERN, str(value)):
                raise ValueError(value)
            else:
                months = set()
                for part in str(value).split(","):
                    first, _, last = part.partition("-")
                    months.update(range(int(first), int(last or first) + 1))
        except (TypeError, ValueError):
            raise ValidationError('months as "1-6" or "1,2,3"') from None
        if not months or min(months) < 1 or max(months) > 12:
            raise ValidationError("months from 1 to 12")
        return sorted(months)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


# -- institutions ---------------------------------------------------------------------------
class InstitutionCreate(InputSchema):
    unit_code = UnitCode(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    group = fields.String(load_default="general", validate=validate.Length(min=1, max=40))
    headcount = fields.Integer(required=True, validate=validate.Range(min=0, max=1_000_000))
    floor_area_m2 = fields.Decimal(
        load_default=None, allow_none=True, places=2, validate=validate.Range(min=0, min_inclusive=False, max=10_000_000)
    )


class InstitutionUpdate(InputSchema):
    """``floor_area_m2`` set by hand is a manual override; null clears it back to facilities' figure."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    group = fields.String(validate=validate.Length(min=1, max=40))
    headcount = fields.Integer(validate=validate.Range(min=0, max=1_000_000))
    floor_area_m2 = fields.Decimal(
        allow_none=True, places=2, validate=validate.Range(min=0, min_inclusive=False, max=10_000_000)
    )


class Institution(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    name = fields.String()
    group = fields.String()
    headcount = fields.Integer(metadata={"description": "energy-using headcount, staff outside the establishment included"})
    floor_area_m2 = fields.Float(allow_none=True)
    area_source = fields.String(allow_none=True, metadata={"description": "facilities | manual"})
    created_at = Instant()
    updated_at = Instant()


class InstitutionQuery(SyncQuery):
    unit_code = fields.String()
    group = fields.String()


# -- readings -------------------------------------------------------------------------------
class ReadingCreate(InputSchema):
    unit_code = UnitCode(required=True)
    period = fields.String(required=True, **PERIOD)
    energy_type = fields.String(required=True, validate=validate.OneOf(READING_TYPES))
    quantity = amount(required=True)
    unit = fields.String(required=True, validate=validate.Length(min=1, max=8))

    @validates_schema(skip_on_field_errors=False)
    @states({"anyOf": [{"properties": {"energy_type": {"enum": [kind]}, "unit": {"enum": list(units)}}}
                       for kind, units in UNITS.items()]
             + [{"properties": {"energy_type": {"not": {"enum": list(UNITS)}}}}]})
    def unit_fits_type(self, data, **kwargs):
        accepted = UNITS.get(data.get("energy_type"))
        if accepted and data.get("unit") not in accepted:
            raise ValidationError(f"{data['energy_type']} is reported in one of: {', '.join(accepted)}", "unit")


class ReadingRevision(Schema):
    quantity = fields.Float()
    unit = fields.String()
    source = fields.String()
    import_id = fields.Integer(allow_none=True)
    recorded_by = fields.String()
    recorded_at = Instant()
    replaced_at = Instant()
    replaced_by = fields.String()


class Reading(Schema):
    id = fields.Integer()
    institution_id = fields.Integer()
    unit_code = fields.String()
    period = fields.String()
    energy_type = fields.String()
    quantity = fields.Float()
    unit = fields.String()
    kgce = fields.Float(allow_none=True, metadata={"description": "standard coal; null for water"})
    coefficient_table = fields.String()
    source = fields.String(metadata={"description": "api | import"})
    import_id = fields.Integer(allow_none=True)
    recorded_by = fields.String()
    revisions = fields.List(fields.Nested(ReadingRevision), metadata={"description": "replaced values, oldest first"})
    created_at = Instant()
    updated_at = Instant()


class ReadingsWritten(Schema):
    items = fields.List(fields.Nested(Reading))
    created = fields.Integer()
    corrected = fields.Integer()
    unchanged = fields.Integer()


class ReadingQuery(SyncQuery):
    unit_code = fields.String()
    year = fields.Integer(**YEAR)
    period = fields.String(**PERIOD)
    energy_type = fields.String(validate=validate.OneOf(READING_TYPES))
    source = fields.String(validate=validate.OneOf(("api", "import")))


# -- imports --------------------------------------------------------------------------------
class ImportUpload(InputSchema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    content_base64 = fields.String(required=True)


class RejectedRow(Schema):
    row = fields.Integer(metadata={"description": "row number in the sheet (the header is row 1)"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


IMPORT_STATUSES = ("queued", "running", "succeeded", "failed")


class ImportFailure(Schema):
    """Why a failed import failed; nothing of it was applied."""

    detail = fields.String()
    rule = fields.String(allow_none=True, metadata={"description": "e.g. energy.import_limit"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ImportJob(Schema):
    """An import: accepted at once (202) and run by the service; its rows are applied all
    together when it succeeds, none when it fails."""

    id = fields.Integer()
    filename = fields.String()
    format = fields.String()
    unit_code = fields.String(allow_none=True)
    status = fields.String(metadata={"description": " | ".join(IMPORT_STATUSES)})
    rows_total = fields.Integer(metadata={"description": "data rows of the sheet; 0 until it has been read"})
    rows_done = fields.Integer(metadata={"description": "rows checked and staged so far, of rows_total"})
    rows_imported = fields.Integer()
    rows_rejected = fields.Integer()
    readings_created = fields.Integer()
    readings_corrected = fields.Integer()
    readings_unchanged = fields.Integer()
    rejected = fields.List(fields.Nested(RejectedRow), metadata={"description": "the rows not imported, each field's errors"})
    error = fields.Nested(ImportFailure, allow_none=True, metadata={"description": "why a failed import failed"})
    created_by = fields.String()
    created_at = Instant()
    started_at = Instant(allow_none=True)
    finished_at = Instant(allow_none=True)


# -- indicators and targets -----------------------------------------------------------------
MAX_SPAN_MONTHS = 24


class MonthsQuery(InputSchema):
    """Months of one year (``year``, ``months``), or a span of months ``from``–``to`` that may
    cross a year (a period from July to June)."""

    year = fields.Integer(**YEAR, metadata={"description": "a calendar year (or give from and to)"})
    months = Months(metadata={"description": 'months of the year, "1-6" or "1,2,3"; all by default'})
    from_period = fields.String(data_key="from", **SPAN_PERIOD, metadata={"description": "first month, YYYY-MM (with to)"})
    to_period = fields.String(data_key="to", **SPAN_PERIOD, metadata={"description": "last month, YYYY-MM, included"})

    @validates_schema
    @states({"oneOf": [{"required": ["year"], "not": {"anyOf": [{"required": ["from"]}, {"required": ["to"]}]}},
                       {"required": ["from", "to"], "not": {"anyOf": [{"required": ["year"]}, {"required": ["months"]}]}}],
             # months YYYY-MM, read as their first days: under 24 months apart is at most 729 days
             "x-ordered": [["from", "to", "<=", 729]]})
    def _span(self, data, **kwargs):
        given = [key for key in ("from_period", "to_period") if key in data]
        if len(given) == 1:
            raise ValidationError("give from and to together", "to" if given == ["from_period"] else "from")
        if given and ("year" in data or "months" in data):
            raise ValidationError("give either year (and months) or from and to", "year")
        if not given and "year" not in data:
            raise ValidationError("give a year, or from and to", "year")
        if given and data["to_period"] < data["from_period"]:
            raise ValidationError("must not be before from", "to")
        if given and _month_index(data["to_period"]) - _month_index(data["from_period"]) >= MAX_SPAN_MONTHS:
            raise ValidationError(f"a span is at most {MAX_SPAN_MONTHS} months", "to")


def _month_index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:])


class IndicatorQuery(MonthsQuery):
    unit_code = UnitCode()
    group = fields.String(validate=validate.Length(min=1, max=40))


def emission_factors_field():
    return fields.Dict(keys=fields.String(), values=fields.Float(), metadata={
        "description": "energy_type -> kgCO₂ per base unit (kWh, m3, kg, MJ) used for the CO₂ figures"})


class Figures(Schema):
    institutions = fields.Integer(metadata={"description": "institutions that reported in these months"})
    headcount = fields.Integer()
    floor_area_m2 = fields.Float(allow_none=True)
    total_kgce = fields.Float()
    total_tce = fields.Float()
    per_person_kgce = fields.Float(allow_none=True)
    per_area_kgce_m2 = fields.Float(allow_none=True)
    water_m3 = fields.Float()
    water_per_person_m3 = fields.Float(allow_none=True)
    total_tco2 = fields.Float(metadata={"description": "CO₂ emitted, tonnes, by the emission factors shown"})
    per_area_kgco2_m2 = fields.Float(allow_none=True, metadata={"description": "kgCO₂ per m² of floor area"})
    by_type = fields.Dict(keys=fields.String(), values=fields.Dict(),
                          metadata={"description": "energy_type -> {quantity, unit, kgce}"})


class TargetStatus(Schema):
    indicator = fields.String()
    target = fields.Float()
    source = fields.String(metadata={"description": "set (for the year) | plan (five-year plan)"})
    projected = fields.Float(allow_none=True)
    at_risk = fields.Boolean(allow_none=True)


class FleetFigures(Schema):
    transactions = fields.Integer()
    gasoline_liters = fields.Float()
    diesel_liters = fields.Float()
    kwh = fields.Float()
    amount_yuan = Money()
    kgce = fields.Float()


class Indicators(Figures):
    scope = fields.String(metadata={"description": "institution | group | county"})
    unit_code = fields.String(allow_none=True)
    group = fields.String(allow_none=True)
    year = fields.Integer(allow_none=True, metadata={"description": "null for a span of months (from, to)"})
    months = fields.List(fields.Integer(), allow_none=True)
    periods = fields.List(fields.String(), metadata={"description": "the months counted, YYYY-MM"})
    coefficient_table = fields.String()
    emission_factors = emission_factors_field()
    previous_year = fields.Nested(Figures)
    year_over_year = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))
    targets = fields.List(fields.Nested(TargetStatus))
    at_risk = fields.Boolean()
    fleet = fields.Nested(FleetFigures, metadata={"description": "official vehicles' fuel, beside the building figures"})


class TargetCreate(InputSchema):
    unit_code = UnitCode(required=True)
    year = fields.Integer(required=True, **YEAR)
    per_area_kgce_m2 = amount(load_default=None, allow_none=True)
    per_person_kgce = amount(load_default=None, allow_none=True)
    water_per_person_m3 = amount(load_default=None, allow_none=True)
    per_area_kgco2_m2 = amount(load_default=None, allow_none=True)

    @validates_schema
    @states({"anyOf": [{"required": [key], "properties": {key: {"type": "number"}}} for key in TARGET_INDICATORS]})
    def at_least_one(self, data, **kwargs):
        if all(data.get(key) is None for key in TARGET_INDICATORS):
            raise ValidationError(f"set at least one of {', '.join(TARGET_INDICATORS)}", "_schema")


class Target(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    year = fields.Integer()
    per_area_kgce_m2 = fields.Float(allow_none=True)
    per_person_kgce = fields.Float(allow_none=True)
    water_per_person_m3 = fields.Float(allow_none=True)
    per_area_kgco2_m2 = fields.Float(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class TargetQuery(SyncQuery):
    unit_code = fields.String()
    year = fields.Integer(**YEAR)


# -- benchmarking ---------------------------------------------------------------------------
class BenchmarkQuery(InputSchema):
    year = fields.Integer(required=True, **YEAR)
    metric = fields.String(load_default="per_area_kgce_m2", validate=validate.OneOf(INTENSITY_METRICS))
    group = fields.String(validate=validate.Length(min=1, max=40))
    months = Months()


class BenchmarkRow(Schema):
    rank = fields.Integer()
    group_rank = fields.Integer()
    group_size = fields.Integer()
    unit_code = fields.String()
    name = fields.String()
    group = fields.String()
    intensity = fields.Float()
    group_median = fields.Float()
    group_best_quartile = fields.Float()
    potential_to_median_kgce = fields.Float(metadata={"description": "kgce metrics"})
    potential_to_best_quartile_kgce = fields.Float(metadata={"description": "kgce metrics"})
    potential_to_median_kgco2 = fields.Float(metadata={"description": "the CO₂ metric (per_area_kgco2_m2)"})
    potential_to_best_quartile_kgco2 = fields.Float(metadata={"description": "the CO₂ metric (per_area_kgco2_m2)"})


class Benchmark(Schema):
    year = fields.Integer()
    months = fields.List(fields.Integer())
    metric = fields.String()
    coefficient_table = fields.String()
    items = fields.List(fields.Nested(BenchmarkRow))
    total = fields.Integer()
    potential_to_median_kgce = fields.Float(metadata={"description": "kgce metrics"})
    potential_to_best_quartile_kgce = fields.Float(metadata={"description": "kgce metrics"})
    potential_to_median_kgco2 = fields.Float(metadata={"description": "the CO₂ metric"})
    potential_to_best_quartile_kgco2 = fields.Float(metadata={"description": "the CO₂ metric"})
    emission_factors = emission_factors_field()


class UnitOverviewQuery(InputSchema):
    unit_code = UnitCode(metadata={"description": "a unit user's own unit by default"})
    year = fields.Integer(required=True, **YEAR)
    metric = fields.String(load_default="per_area_kgce_m2", validate=validate.OneOf(INTENSITY_METRICS))


class MonthFigures(Schema):
    period = fields.String()
    reported = fields.Boolean()
    total_kgce = fields.Float(allow_none=True)
    water_m3 = fields.Float(allow_none=True)
    per_person_kgce = fields.Float(allow_none=True)
    per_area_kgce_m2 = fields.Float(allow_none=True)
    water_per_person_m3 = fields.Float(allow_none=True)


class RankEntry(Schema):
    """A place in the unit's group: the others by name only, never their figures."""

    rank = fields.Integer()
    name = fields.String()
    own = fields.Boolean()


class UnitOverview(Schema):
    unit_code = fields.String()
    name = fields.String()
    group = fields.String()
    year = fields.Integer()
    months = fields.List(fields.Nested(MonthFigures))
    targets = fields.List(fields.Nested(TargetStatus))
    at_risk = fields.Boolean()
    report_due_day = fields.Integer(metadata={"description": "a month is due by this day of the next month"})
    missing_periods = fields.List(fields.String(), metadata={"description": "months due and not reported"})
    metric = fields.String()
    rank = fields.Integer(allow_none=True, metadata={"description": "place in the group, 1 the least intensive"})
    group_size = fields.Integer()
    intensity = fields.Float(allow_none=True)
    group_median = fields.Float(allow_none=True)
    ranking = fields.List(fields.Nested(RankEntry))


# -- fleet ----------------------------------------------------------------------------------
class FleetQuery(InputSchema):
    year = fields.Integer(required=True, **YEAR)
    unit_code = UnitCode()
    months = Months()


class FleetUnit(FleetFigures):
    unit_code = fields.String()


class Fleet(Schema):
    year = fields.Integer(allow_none=True, metadata={"description": "null for a span of months (from, to)"})
    months = fields.List(fields.Integer(), allow_none=True)
    periods = fields.List(fields.String(), metadata={"description": "the months counted, YYYY-MM"})
    coefficient_table = fields.String()
    items = fields.List(fields.Nested(FleetUnit))
    totals = fields.Nested(FleetFigures)


# -- audits and retrofit projects -----------------------------------------------------------
class AuditCreate(InputSchema):
    unit_code = UnitCode(required=True)
    audited_on = fields.Date(required=True)
    auditor = fields.String(required=True, validate=validate.Length(min=1, max=200))
    scope = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    findings = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20000))
    potential_saving_kgce = fields.Decimal(  # what its Numeric(14, 2) column holds
        places=2, load_default=None, allow_none=True, validate=validate.Range(min=0, max=10**12, max_inclusive=False))


class Audit(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    audited_on = fields.Date()
    auditor = fields.String()
    scope = fields.String(allow_none=True)
    findings = fields.String(allow_none=True)
    potential_saving_kgce = fields.Float(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class AuditQuery(SyncQuery):
    unit_code = fields.String()


class ProjectCreate(InputSchema):
    unit_code = UnitCode(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(PROJECT_KINDS))
    scope = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    energy_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(READING_TYPES),
                                metadata={"description": "the consumption measured; null: all energy in kgce"})
    investment_yuan = Money(required=True, validate=validate.Range(min=0, max=10_000_000_000))
    expected_saving_rate = fields.Decimal(required=True, places=4, validate=validate.Range(min=0, max=1))
    unit_price_yuan = Money(load_default=None, allow_none=True, places=4,
                                     validate=validate.Range(min=0, min_inclusive=False, max=100_000),
                                     metadata={"description": "yuan per base unit (kWh, m3, kg, MJ; kgce when energy_type is null)"})
    completed_on = fields.Date(load_default=None, allow_none=True)


class ProjectUpdate(InputSchema):
    scope = fields.String(allow_none=True, validate=validate.Length(max=4000))
    expected_saving_rate = fields.Decimal(places=4, validate=validate.Range(min=0, max=1))
    unit_price_yuan = Money(allow_none=True, places=4, validate=validate.Range(min=0, min_inclusive=False, max=100_000))
    completed_on = fields.Date(allow_none=True)


class Project(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    name = fields.String()
    kind = fields.String()
    scope = fields.String(allow_none=True)
    energy_type = fields.String(allow_none=True)
    investment_yuan = Money()
    expected_saving_rate = fields.Float()
    unit_price_yuan = Money(allow_none=True, places=4)
    completed_on = fields.Date(allow_none=True)
    comparison_months = fields.List(fields.String(), metadata={"description": "months after completion compared with a year before"})
    consumption_before = fields.Float(allow_none=True)
    consumption_after = fields.Float(allow_none=True)
    measured_saving_rate = fields.Float(allow_none=True)
    annual_saving = fields.Float(allow_none=True)
    payback_years = fields.Float(allow_none=True)
    coefficient_table = fields.String()
    created_at = Instant()
    updated_at = Instant()


class ProjectQuery(SyncQuery):
    unit_code = fields.String()
    kind = fields.String(validate=validate.OneOf(PROJECT_KINDS))


# -- 节约型机关 assessments -------------------------------------------------------------------
class AssessmentCreate(InputSchema):
    unit_code = UnitCode(required=True)
    year = fields.Integer(required=True, **YEAR)
    kind = fields.String(required=True, validate=validate.OneOf(ASSESSMENT_KINDS))
    scores = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True, metadata={
        "description": "item code -> points, every item of the score sheet",
        "json_schema": {  # as domain.score_assessment checks it
            "required": [item["code"] for item in SCORE_SHEET], "additionalProperties": False,
            "properties": {item["code"]: {"type": "integer", "minimum": 0, "maximum": item["points"]}
                           for item in SCORE_SHEET}}})
    assessed_on = fields.Date(required=True)


class Assessment(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    year = fields.Integer()
    kind = fields.String()
    scores = fields.Dict(keys=fields.String(), values=fields.Integer())
    total_score = fields.Integer()
    must_pass_met = fields.Boolean()
    passed = fields.Boolean()
    assessed_on = fields.Date()
    assessed_by = fields.String()
    created_at = Instant()
    updated_at = Instant()


class AssessmentQuery(SyncQuery):
    unit_code = fields.String()
    year = fields.Integer(**YEAR)
    kind = fields.String(validate=validate.OneOf(ASSESSMENT_KINDS))


class YearQuery(InputSchema):
    year = fields.Integer(required=True, **YEAR)


class ScoreItem(Schema):
    code = fields.String()
    name = fields.String()
    points = fields.Integer()
    must_pass = fields.Boolean()


class ScoreSheet(Schema):
    items = fields.List(fields.Nested(ScoreItem))
    pass_score = fields.Integer()


class AssessmentSummary(Schema):
    year = fields.Integer()
    pass_score = fields.Integer()
    institutions = fields.Integer(metadata={"description": "registered institutions"})
    assessed = fields.Integer()
    passed = fields.Integer()
    pass_share = fields.Float(allow_none=True, metadata={"description": "passed / assessed"})
    items = fields.List(fields.Nested(Assessment), metadata={"description": "the deciding assessment of each"})


# -- waste sorting --------------------------------------------------------------------------
class WasteRecordCreate(InputSchema):
    unit_code = UnitCode(required=True)
    period = fields.String(required=True, **PERIOD)
    category = fields.String(required=True, validate=validate.OneOf(WASTE_CATEGORIES))
    weight_kg = fields.Decimal(required=True, places=2, validate=validate.Range(min=0, max=100_000_000))


class WasteRecord(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    period = fields.String()
    category = fields.String()
    weight_kg = fields.Float()
    created_at = Instant()
    updated_at = Instant()


class WasteQuery(SyncQuery):
    unit_code = fields.String()
    year = fields.Integer(**YEAR)
    period = fields.String(**PERIOD)
    category = fields.String(validate=validate.OneOf(WASTE_CATEGORIES))


class WasteSummaryQuery(MonthsQuery):
    unit_code = UnitCode()


class DemonstrationSiteCreate(InputSchema):
    unit_code = UnitCode(required=True)
    level = fields.String(required=True, validate=validate.OneOf(SITE_LEVELS))
    designated_on = fields.Date(required=True)


class DemonstrationSite(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    level = fields.String()
    designated_on = fields.Date()
    created_at = Instant()
    updated_at = Instant()


class DemonstrationSiteQuery(SyncQuery):
    unit_code = fields.String()


class WasteSummary(Schema):
    year = fields.Integer(allow_none=True, metadata={"description": "null for a span of months (from, to)"})
    months = fields.List(fields.Integer(), allow_none=True)
    periods = fields.List(fields.String(), metadata={"description": "the months counted, YYYY-MM"})
    unit_code = fields.String(allow_none=True)
    by_category_kg = fields.Dict(keys=fields.String(), values=fields.Float())
    total_kg = fields.Float()
    recyclable_share = fields.Float(allow_none=True)
    demonstration_sites = fields.List(fields.Nested(DemonstrationSite))
    demonstration_site_count = fields.Integer(metadata={"description": "垃圾分类示范点 designated (all of them)"})


class AuditSummary(Schema):
    year = fields.Integer(allow_none=True)
    months = fields.List(fields.Integer(), allow_none=True)
    periods = fields.List(fields.String())
    unit_code = fields.String(allow_none=True)
    audits = fields.Integer(metadata={"description": "energy audits made in the months"})
    units_audited = fields.Integer(metadata={"description": "units with an energy audit in the months"})


class ProjectSummaryQuery(WasteSummaryQuery):
    """Retrofits completed in these months of the year."""


class ProjectSummary(Schema):
    year = fields.Integer(allow_none=True, metadata={"description": "null for a span of months (from, to)"})
    months = fields.List(fields.Integer(), allow_none=True)
    periods = fields.List(fields.String(), metadata={"description": "the months counted, YYYY-MM"})
    unit_code = fields.String(allow_none=True)
    completed = fields.Integer(metadata={"description": "retrofits completed in the months"})
    investment_yuan = Money(metadata={"description": "their investment"})
    measured = fields.Integer(metadata={"description": "of them with a measured saving rate"})
    mean_measured_saving_rate = fields.Float(allow_none=True, metadata={"description": "the mean of those rates"})


# -- creation campaigns (创建活动: docs/campaigns.md) -----------------------------------------
CAMPAIGN_KINDS = ("frugal_institution", "health_promotion", "smoke_free", "waste_sorting_site")
CAMPAIGN_TITLES = {"frugal_institution": "节约型机关", "health_promotion": "健康促进机关", "smoke_free": "无烟机关",
                   "waste_sorting_site": "垃圾分类示范点"}
EVALUATION_KINDS = ASSESSMENT_KINDS  # self_assessment | spot_check (抽查, which overrides it)
HEALTH_ACTIVITY_KINDS = ("exercise_break", "walking", "ball_game", "talk", "other")  # 工间操, 健步走, 球类, 讲座
CRITERION_SOURCES = ("manual", "no_smoking_patrol")  # no_smoking_patrol: patrol findings deduct from it
# who does what (the gateway routes and the service both read these)
CAMPAIGN_MANAGERS = ("energy_officer",)  # the center: campaigns, participants, spot checks, activities
CAMPAIGN_EXPORTERS = CAMPAIGN_MANAGERS + ("leader",)  # the city bureau's sheet of a campaign
CAMPAIGN_CLERKS = ("energy_officer", "unit_user")  # a unit's clerk applies and self-assesses for its unit
CAMPAIGN_READERS = ("energy_officer", "leader", "unit_user")
# the default criteria sheet of each kind (a campaign may carry its own): code, name, max_score, must_pass
DEFAULT_CRITERIA = {
    "frugal_institution": tuple({"code": item["code"], "name": item["name"], "max_score": item["points"],
                                 "must_pass": item["must_pass"], "source": "manual"} for item in SCORE_SHEET),
    "health_promotion": (  # local practice
        {"code": "organisation", "name": "组织管理与制度", "max_score": 20, "must_pass": True, "source": "manual"},
        {"code": "environment", "name": "健康支持性环境", "max_score": 20, "must_pass": False, "source": "manual"},
        {"code": "activities", "name": "健康活动（工间操、健步走等）", "max_score": 30, "must_pass": False, "source": "manual"},
        {"code": "education", "name": "健康教育与讲座", "max_score": 20, "must_pass": False, "source": "manual"},
        {"code": "smoke_free", "name": "室内全面禁烟", "max_score": 10, "must_pass": False, "source": "manual"},
    ),
    "smoke_free": (  # local practice
        {"code": "organisation", "name": "控烟组织与制度", "max_score": 20, "must_pass": False, "source": "manual"},
        {"code": "signage", "name": "禁烟标识与无烟环境", "max_score": 20, "must_pass": False, "source": "manual"},
        {"code": "no_smoking_indoors", "name": "室内无吸烟（控烟巡查）", "max_score": 40, "must_pass": True,
         "source": "no_smoking_patrol"},
        {"code": "cessation", "name": "戒烟服务与宣传", "max_score": 20, "must_pass": False, "source": "manual"},
    ),
    "waste_sorting_site": (  # local practice, GB/T 19095-2019 categories
        {"code": "facilities", "name": "分类收集设施", "max_score": 30, "must_pass": True, "source": "manual"},
        {"code": "accuracy", "name": "分类投放准确率", "max_score": 30, "must_pass": False, "source": "manual"},
        {"code": "ledger", "name": "分类台账", "max_score": 20, "must_pass": False, "source": "manual"},
        {"code": "publicity", "name": "宣传培训", "max_score": 20, "must_pass": False, "source": "manual"},
    ),
}
DEFAULT_PASS_SCORES = {"frugal_institution": 80, "health_promotion": 80, "smoke_free": 80, "waste_sorting_site": 80}


class CriterionIn(InputSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    max_score = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    must_pass = fields.Boolean(load_default=False)
    source = fields.String(load_default="manual", validate=validate.OneOf(CRITERION_SOURCES))


class Criterion(Schema):
    code = fields.String()
    name = fields.String()
    max_score = fields.Integer()
    must_pass = fields.Boolean()
    source = fields.String()


class CampaignCreate(InputSchema):
    kind = fields.String(required=True, validate=validate.OneOf(CAMPAIGN_KINDS))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    years = fields.List(fields.Integer(**YEAR), required=True, validate=validate.Length(min=1, max=10),
                        metadata={"description": "the year or years the campaign runs"})
    criteria = fields.List(fields.Nested(CriterionIn), validate=validate.Length(min=1, max=100),
                           metadata={"description": "the criteria sheet; the kind's default when left out"})
    pass_score = fields.Integer(validate=validate.Range(min=1, max=100_000),
                                metadata={"description": "the pass line; the kind's default (80) when left out"})
    unit_codes = fields.List(UnitCode(), load_default=list, validate=validate.Length(max=2000),
                             metadata={"description": "participating units"})


class Campaign(Schema):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    years = fields.List(fields.Integer())
    criteria = fields.List(fields.Nested(Criterion))
    pass_score = fields.Integer()
    unit_codes = fields.List(fields.String(), metadata={"description": "participating units"})
    created_at = Instant()
    updated_at = Instant()


class CampaignQuery(SyncQuery):
    kind = fields.String(validate=validate.OneOf(CAMPAIGN_KINDS))
    year = fields.Integer(**YEAR)


class ParticipantsAdd(InputSchema):
    unit_codes = fields.List(UnitCode(), required=True, validate=validate.Length(min=1, max=2000))


class ApplicationCreate(InputSchema):
    unit_code = UnitCode(required=True)
    statement = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    applied_on = fields.Date(required=True)


class Application(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    unit_code = fields.String()
    statement = fields.String(allow_none=True)
    applied_on = fields.Date()
    applied_by = fields.String()
    created_at = Instant()
    updated_at = Instant()


class EvidenceIn(InputSchema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    content_type = fields.String(load_default="application/octet-stream", validate=validate.Length(min=1, max=100))
    content_base64 = fields.String(required=True, validate=validate.Length(min=1, max=7_000_000),
                                   metadata={"description": "the file, base64 (at most 5 MB decoded)"})


class Evidence(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


class EvaluationCreate(InputSchema):
    unit_code = UnitCode(required=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True,
                         metadata={"description": "criterion code -> points, every criterion of the sheet"})
    assessed_on = fields.Date(required=True)
    remarks = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    evidence = fields.List(fields.Nested(EvidenceIn), load_default=list, validate=validate.Length(max=20))


class Evaluation(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    unit_code = fields.String()
    kind = fields.String(metadata={"description": "self_assessment | spot_check (抽查, overrides the self-assessment)"})
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "as scored; patrol findings are deducted in the result"})
    total_score = fields.Integer()
    must_pass_met = fields.Boolean()
    passed = fields.Boolean()
    assessed_on = fields.Date()
    assessed_by = fields.String()
    remarks = fields.String(allow_none=True)
    evidence = fields.List(fields.Nested(Evidence))
    legacy_assessment_id = fields.Integer(allow_none=True, metadata={"description": "the assessment it was moved from"})
    created_at = Instant()
    updated_at = Instant()


class ApplicationQuery(SyncQuery):
    unit_code = fields.String()


class EvaluationQuery(ApplicationQuery):
    kind = fields.String(validate=validate.OneOf(EVALUATION_KINDS))


class UnitResult(Schema):
    unit_code = fields.String()
    applied = fields.Boolean()
    deciding = fields.String(allow_none=True, metadata={"description": "spot_check | self_assessment | null"})
    evaluation_id = fields.Integer(allow_none=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True,
                         metadata={"description": "the deciding scores after patrol deductions"})
    total_score = fields.Integer(allow_none=True)
    must_pass_met = fields.Boolean(allow_none=True)
    passed = fields.Boolean()
    smoking_findings = fields.Integer(metadata={"description": "no-smoking patrol findings in the campaign's years"})


class CampaignResults(Schema):
    campaign = fields.Nested(Campaign)
    participants = fields.Integer()
    applied = fields.Integer()
    assessed = fields.Integer()
    spot_checked = fields.Integer()
    passed = fields.Integer()
    pass_share = fields.Float(allow_none=True, metadata={"description": "passed / assessed"})
    units = fields.List(fields.Nested(UnitResult))


class HealthActivityCreate(InputSchema):
    unit_code = UnitCode(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(HEALTH_ACTIVITY_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    held_on = fields.Date(required=True)
    participants = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    campaign_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class HealthActivity(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    kind = fields.String()
    title = fields.String()
    held_on = fields.Date()
    participants = fields.Integer()
    campaign_id = fields.Integer(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class HealthActivityQuery(SyncQuery):
    unit_code = fields.String()
    kind = fields.String(validate=validate.OneOf(HEALTH_ACTIVITY_KINDS))
    year = fields.Integer(**YEAR)


class CampaignSummaryQuery(InputSchema):
    year = fields.Integer(required=True, **YEAR)


class CampaignKindSummary(Schema):
    kind = fields.String()
    campaigns = fields.Integer()
    participants = fields.Integer()
    applied = fields.Integer()
    assessed = fields.Integer()
    spot_checked = fields.Integer()
    passed = fields.Integer()


class CampaignSummary(Schema):
    year = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Nested(CampaignKindSummary),
                          metadata={"description": "every kind, 0 included"})
    health_activities = fields.Integer()
    health_participants = fields.Integer()
    smoking_findings = fields.Integer()


# -- events ---------------------------------------------------------------------------------
TARGET_AT_RISK = "target_at_risk"
ASSESSMENT_COMPLETED = "assessment_completed"
CAMPAIGN_EVALUATED = "campaign_evaluated"
# consumed: facilities' patrol findings (facilities.contract.PATROL_FINDING_REPORTED; loaded with unknown=EXCLUDE)
PATROL_FINDING_REPORTED = "patrol_finding_reported"


class TargetAtRisk(EventSchema):
    """An institution's year-to-date trend, projected to the year, misses a target."""

    institution_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    year = fields.Integer(required=True)
    indicator = fields.String(required=True)  # per_area_kgce_m2 | per_person_kgce | water_per_person_m3 | per_area_kgco2_m2
    projected = fields.Float(required=True)
    target = fields.Float(required=True)
    target_source = fields.String(required=True)  # set | plan
    through_month = fields.Integer(required=True)


class AssessmentCompleted(EventSchema):
    assessment_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    year = fields.Integer(required=True)
    kind = fields.String(required=True)  # self_assessment | spot_check
    total_score = fields.Integer(required=True)
    passed = fields.Boolean(required=True)


class CampaignEvaluated(EventSchema):
    """A unit's self-assessment or the center's spot check in a campaign."""

    evaluation_id = fields.Integer(required=True)
    campaign_id = fields.Integer(required=True)
    campaign_kind = fields.String(required=True)
    unit_code = fields.String(required=True)
    kind = fields.String(required=True)  # self_assessment | spot_check
    total_score = fields.Integer(required=True)
    passed = fields.Boolean(required=True)


class PatrolFindingReported(EventSchema):
    """What energy reads of a patrol finding (facilities owns the event)."""

    finding_id = fields.Integer(required=True)
    kind = fields.String(required=True)  # the patrol's: security | no_smoking
    category = fields.String(load_default=None, allow_none=True)  # smoking, fire_door_blocked, leak, …
    unit_code = fields.String(load_default=None, allow_none=True)
    place = fields.String(load_default=None, allow_none=True)
    location = fields.String(load_default=None, allow_none=True)  # facilities' name for the place
    found_at = Instant(load_default=None, allow_none=True)
    seen_at = Instant(load_default=None, allow_none=True)  # facilities' name for when it was seen


EVENTS = {TARGET_AT_RISK: TargetAtRisk, ASSESSMENT_COMPLETED: AssessmentCompleted,
          CAMPAIGN_EVALUATED: CampaignEvaluated}
