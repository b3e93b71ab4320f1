"""The directory service's public face: the register of units (单位名录), its payloads, its
events, who reads and who writes it. Other services and the gateway import this module only."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.kit.context import ROLES, SYSTEM_ADMIN
from services.kit.errors import Conflict, Invalid, NotFound, RuleViolation  # noqa: F401  (raised by this service)
from services.kit.schemas import InputSchema, Instant, PageQuery, SyncQuery  # noqa: F401
from services.kit.units import (  # noqa: F401  (the events are the register's; their one consumer is in the kit)
    EVENTS, SERVICE, STATUSES, UNIT_CHANGED, UNIT_MERGED, UNIT_REGISTERED, UnitChanged, UnitMerged, UnitRegistered,
)

KIND_LABELS = {
    "party_government": "党政机关", "congress_cppcc": "人大政协", "mass_organization": "群团组织",
    "public_institution": "事业单位", "school": "学校", "medical": "医疗卫生机构", "other": "其他",
}
KINDS = tuple(KIND_LABELS)
STATUS_LABELS = {"active": "正常", "merged": "已合并", "abolished": "已撤销"}

# Names are not secret: every signed-in role reads the register, a unit user all of it.
READERS = ROLES
# The register is the center's master data: the administrator keeps it (docs/units.md).
WRITERS = (SYSTEM_ADMIN,)

# A code is what other records carry: letters, digits, "-", "_" and ".", starting with a letter
# or digit (no "=1+2" a spreadsheet would run as a formula).
CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$",
                       error="1 to 40 letters, digits, '-', '_' or '.', starting with a letter or digit")
COUNT = validate.Range(min=0, max=1_000_000)


# names and addresses are one line of printable text (a sheet cannot hold control characters)
PRINTABLE = validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="must not contain control characters")


# and a name has no spaces around it, so "县教育局 " is no second 县教育局
TRIMMED = validate.Regexp(r"^(?!\s)(.*\S)?$", error="must not begin or end with spaces")


def _name(max_length: int, **kwargs):
    return fields.String(validate=(validate.Length(min=1, max=max_length), PRINTABLE, TRIMMED), **kwargs)


class UnitFields(InputSchema):
    name = _name(200, metadata={"description": "full name, e.g. 县教育局"})
    short_name = fields.String(allow_none=True, validate=(validate.Length(max=60), PRINTABLE, TRIMMED))
    kind = fields.String(validate=validate.OneOf(KINDS), metadata={"description": " | ".join(KINDS)})
    parent_code = fields.String(allow_none=True, validate=CODE, metadata={"description": "the unit it belongs to (二级单位)"})
    staffing = fields.Integer(allow_none=True, validate=COUNT, metadata={"description": "编制数"})
    headcount_on_staff = fields.Integer(allow_none=True, validate=COUNT, metadata={"description": "实有在编"})
    headcount_off_staff = fields.Integer(allow_none=True, validate=COUNT, metadata={"description": "编外"})
    address = fields.String(allow_none=True, validate=(validate.Length(max=300), PRINTABLE))


# the register's own paths beside /units/{code}
RESERVED_CODES = validate.NoneOf(("export", "import"), error="is a word of the register's paths")


class UnitCreate(UnitFields):
    code = fields.String(required=True, validate=(CODE, RESERVED_CODES))
    name = _name(200, required=True, metadata={"description": "full name, e.g. 县教育局"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS), metadata={"description": " | ".join(KINDS)})


class UnitUpdate(UnitFields):
    status = fields.String(validate=validate.OneOf(("active", "abolished")), metadata={
        "description": "abolished (撤销) or active again; a merge is POST /units/{code}/merge"})


class Unit(Schema):
    code = fields.String()
    name = fields.String()
    short_name = fields.String(allow_none=True)
    kind = fields.String()
    kind_label = fields.Function(lambda unit: KIND_LABELS.get(unit.kind))
    parent_code = fields.String(allow_none=True)
    status = fields.String(metadata={"description": " | ".join(STATUSES)})
    staffing = fields.Integer(allow_none=True)
    headcount_on_staff = fields.Integer(allow_none=True)
    headcount_off_staff = fields.Integer(allow_none=True)
    address = fields.String(allow_none=True)
    initials = fields.String(metadata={"description": "pinyin initials of the full and short names"})
    successor_code = fields.String(allow_none=True)
    merged_on = fields.Date(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class UnitFilter(InputSchema):
    """Which units a list or an export holds."""

    kind = fields.String(validate=validate.OneOf(KINDS))
    parent_code = fields.String(validate=CODE)
    status = fields.String(validate=validate.OneOf(STATUSES))
    q = fields.String(validate=validate.Length(min=1, max=60), metadata={
        "description": "part of the code, full or short name, or pinyin initials (jyj finds 县教育局)"})


class UnitQuery(UnitFilter, SyncQuery):
    pass


class UnitPage(Schema):
    items = fields.List(fields.Nested(Unit))
    total = fields.Integer()


class MergeRequest(InputSchema):
    successor_code = fields.String(required=True, validate=CODE)
    effective_date = fields.Date(required=True, metadata={"description": "the day the merge takes effect"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class UnitMerge(Schema):
    id = fields.Integer()
    predecessor_code = fields.String()
    successor_code = fields.String()
    effective_date = fields.Date()
    note = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = Instant()


class UnitHistory(Schema):
    """Which units became this one and what it became, and the codes whose records a report
    rolls up into it when asked (itself and every unit merged into it, however indirectly)."""

    code = fields.String()
    merged_into = fields.Nested(UnitMerge, allow_none=True)
    merged_from = fields.List(fields.Nested(UnitMerge))
    rolls_up = fields.List(fields.String())


class SheetUpload(InputSchema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    content_base64 = fields.String(required=True)


class RejectedRow(Schema):
    row = fields.Integer(metadata={"description": "row number in the sheet (the header is row 1)"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ImportReport(Schema):
    """A sheet of the register, applied all together, or nothing when a row is refused (then
    422 ``units.import_rejected`` with each row's errors as ``rows.<row>.<field>``)."""

    rows_total = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    rejected = fields.List(fields.Nested(RejectedRow))


class SheetFile(Schema):
    filename = fields.String()
    content_type = fields.String()
    content_base64 = fields.String()


class CodeCount(Schema):
    unit_code = fields.String()
    records = fields.Integer()


class CodesInUse(Schema):
    """What a service answers to ``unit_codes_in_use``: each unit code its records carry."""

    service = fields.String()
    codes = fields.List(fields.Nested(CodeCount))
