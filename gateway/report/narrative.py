"""The annual summary's narrative: what staff write beside the figures (a section's 工作总结 text,
the opening overview, 困难与问题, the next year's plan), one text per year and part.

Kept in the gateway's database: the report is composed by the gateway from every service, no
service owns it, and its words belong with it (the gateway already keeps its own audit trail).
Each change writes an audit entry in the same transaction.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from gateway.models import AuditEntry, ReportNarrative
from gateway.report.annual import OFFICER_OF, SECTION_TITLES, SECTIONS
from gateway.report.schemas import YEARS
from services.kit.context import SYSTEM_ADMIN
from services.kit.context import current_request_id
from services.kit.errors import Forbidden
from services.kit.schemas import InputSchema, Instant

OPENING, DIFFICULTIES, PLANS = "overview", "difficulties", "plans"
PARTS = (OPENING,) + SECTIONS + (DIFFICULTIES, PLANS)
PART_TITLES = {OPENING: "总体情况", **SECTION_TITLES, DIFFICULTIES: "存在的困难和问题", PLANS: "下一年工作计划"}
# a section's text is its officer's; the overview, difficulties and plans any officer's (admin passes every gate)
WRITERS = tuple(sorted(set(OFFICER_OF.values())))
MAX_CHARS = 20_000


class NarrativeQuery(InputSchema):
    year = fields.Integer(required=True, validate=YEARS)


class NarrativeWrite(InputSchema):
    year = fields.Integer(required=True, validate=YEARS)
    text = fields.String(required=True, validate=validate.Length(max=MAX_CHARS),
                         metadata={"description": "the part's text; empty clears it"})


class NarrativePart(Schema):
    part = fields.String(metadata={"description": "overview | a section's name | difficulties | plans"})
    title = fields.String()
    text = fields.String()
    updated_by = fields.String(allow_none=True)
    updated_at = Instant(allow_none=True)


class Narrative(Schema):
    year = fields.Integer()
    parts = fields.List(fields.Nested(NarrativePart), metadata={"description": "every part, in the summary's order"})


def may_write(caller, part: str) -> bool:
    if caller.has_any((SYSTEM_ADMIN,)):
        return True
    if part in SECTIONS:
        return OFFICER_OF[part] in caller.roles
    return caller.has_any(WRITERS)


def texts(sessionmaker, year: int) -> dict[str, str]:
    """Part → text of a year (parts nobody wrote are absent)."""
    with sessionmaker() as session:
        return dict(session.execute(select(ReportNarrative.part, ReportNarrative.text).where(
            ReportNarrative.year == year)).all())


def narrative(sessionmaker, year: int) -> dict:
    with sessionmaker() as session:
        written = {row.part: row for row in session.scalars(select(ReportNarrative).where(ReportNarrative.year == year))}
    return {"year": year, "parts": [{
        "part": part, "title": PART_TITLES[part], "text": written[part].text if part in written else "",
        "updated_by": written[part].updated_by if part in written else None,
        "updated_at": written[part].updated_at if part in written else None} for part in PARTS]}


def write(sessionmaker, caller, part: str, year: int, text: str) -> dict:
    """Sets a part's text with an audit entry; the caller must be allowed to write the part."""
    if not may_write(caller, part):
        raise Forbidden(f"the {part} text is written by its officer")
    with sessionmaker.begin() as session:
        row = session.scalar(select(ReportNarrative).where(ReportNarrative.year == year, ReportNarrative.part == part)
                             .with_for_update())
        before = row.text if row else None
        if row is None:
            row = ReportNarrative(year=year, part=part, text=text, updated_by=caller.name)
            session.add(row)
        else:
            row.text, row.updated_by = text, caller.name
        session.flush()
        if before != text:
            request_id = current_request_id.get()
            session.add(AuditEntry(actor=caller.name, action="correct", entity="report_narrative",
                                   entity_id=f"{year},{part}", changes={"text": [before, text]},
                                   request_id=None if request_id == "-" else request_id))
    return {"part": part, "title": PART_TITLES[part], "text": text, "updated_by": caller.name,
            "updated_at": row.updated_at}
