"""What the report routes take and answer."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kit.schemas import InputSchema, Instant, Years, states

# -- schemas ------------------------------------------------------------------------------------
FORMATS = ("json", "md", "html", "xlsx", "docx")
YEARS = validate.Range(min=2000, max=2100)
PERIOD_YEARS = Years(2000, 2100)


class ReportQuery(InputSchema):
    year = fields.Integer(validate=YEARS, metadata={"description": "a calendar year; default: this year"})
    from_on = fields.Date(data_key="from", validate=PERIOD_YEARS, metadata={"description": "first day of a period (with to)"})
    to_on = fields.Date(data_key="to", validate=PERIOD_YEARS, metadata={"description": "last day of a period, included"})
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))

    @validates_schema
    @states({"anyOf": [{"required": ["from", "to"], "not": {"required": ["year"]}},
                       {"not": {"anyOf": [{"required": ["from"]}, {"required": ["to"]}]}}],
             "x-ordered": [["from", "to", "<=", 366]]})
    def _period(self, data, **kwargs):
        given = [key for key in ("from_on", "to_on") if key in data]
        if len(given) == 1:
            raise ValidationError("give from and to together", "to" if given == ["from_on"] else "from")
        if given and "year" in data:
            raise ValidationError("give either year or from and to", "year")
        if len(given) == 2 and data["to_on"] < data["from_on"]:
            raise ValidationError("must not be before from", "to")
        if len(given) == 2 and (data["to_on"] - data["from_on"]).days > 366:
            raise ValidationError("a period is at most a year", "to")


class Figure(Schema):
    key = fields.String()
    label = fields.String(metadata={"description": "the figure's name in the report (Chinese)"})
    value = fields.Float(allow_none=True)
    unit = fields.String()
    definition = fields.String(metadata={"description": "what was counted"})
    source = fields.String(metadata={"description": "service.method → the field the value comes from"})
    source_name = fields.String(metadata={"description": "the register or ledger the value is counted from (Chinese)"})
    previous = fields.Float(allow_none=True, metadata={"description": "the same figure a year earlier"})
    change = fields.Float(allow_none=True)
    change_rate = fields.Float(allow_none=True)


class Section(Schema):
    name = fields.String()
    title = fields.String()
    status = fields.String(metadata={"description": "ok | unavailable"})
    reason = fields.String(allow_none=True)
    figures = fields.List(fields.Nested(Figure))


class Report(Schema):
    from_on = fields.Date(data_key="from")
    to_on = fields.Date(data_key="to")
    previous_from = fields.Date()
    previous_to = fields.Date()
    status = fields.String(metadata={"description": "complete | partial"})
    generated_at = Instant()
    sections = fields.List(fields.Nested(Section))
    narrative = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "what staff wrote for the year: part (overview, a section's name, difficulties, plans) → text"})


class Dashboard(Schema):
    today = fields.Date()
    status = fields.String(metadata={"description": "complete | partial"})
    generated_at = Instant()
    sections = fields.List(fields.Nested(Section))
