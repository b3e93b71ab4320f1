"""The register as an .xlsx sheet: exported whole, imported all together or not at all.

One row a unit, keyed by its code: a new code registers a unit, a known one changes it. A row
that breaks a rule (the same ones as the API's) is reported with its row number and fields,
and then nothing of the sheet is applied (422 ``units.import_rejected``).
"""
from __future__ import annotations

import base64
import binascii
import io

from services.directory import contract, domain, repository
from services.directory.base import REGISTER_LOCK, DirectoryBase, unit_event
from services.directory.models import Unit
from services.directory.settings import SETTINGS
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict, Invalid, RuleViolation, ServiceError
from services.kit.schemas import load
from services.kit.sheets import append_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# column header → field; the export writes the first header of each field
COLUMNS = (
    ("code", "单位代码"), ("name", "单位全称"), ("short_name", "单位简称"), ("kind", "单位类别"),
    ("parent_code", "上级单位代码"), ("staffing", "编制数"), ("headcount_on_staff", "实有在编"),
    ("headcount_off_staff", "编外"), ("address", "地址"),
)
EXPORT_ONLY = (("status", "状态"), ("successor_code", "并入单位代码"), ("merged_on", "合并日期"))
KIND_BY_LABEL = {label: kind for kind, label in contract.KIND_LABELS.items()}
KEEP = object()  # a sheet without the parent column leaves each unit's parent as it is


def unreadable(detail: str, errors: dict) -> RuleViolation:
    """The upload is well formed (a file in the field ``file``) but its file is not the register
    as a readable .xlsx: refused as a rule (422 ``units.unreadable_sheet``, naming what is
    wrong), since no request schema can say what a sheet must hold."""
    return RuleViolation(detail, "units.unreadable_sheet", errors)


def _header_map(header: tuple) -> dict[int, str]:
    names = {label: field for field, label in COLUMNS} | {field: field for field, _ in COLUMNS}
    found = {index: names[str(cell).strip()] for index, cell in enumerate(header)
             if cell is not None and str(cell).strip() in names}
    missing = {"code", "name", "kind"} - set(found.values())
    if missing:
        labels = dict(COLUMNS)
        raise unreadable("the sheet's header lacks required columns",
                         {"header": [f"missing column {labels[field]}" for field in sorted(missing)]})
    return found


def _cell(field: str, value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        value = value.strip()
    if field == "kind":
        return KIND_BY_LABEL.get(value, value)
    if field in ("staffing", "headcount_on_staff", "headcount_off_staff") and isinstance(value, float) and value.is_integer():
        return int(value)
    if field in ("code", "parent_code") and isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def read_sheet(content: bytes) -> list[tuple[int, dict]]:
    """(row number, {field: value}) of each non-blank data row of the first sheet."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # whatever openpyxl makes of a file that is not a workbook, it is the sender's input
        raise unreadable("the file is not an .xlsx workbook", {"file": ["not an .xlsx workbook"]}) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True, max_col=len(COLUMNS) + len(EXPORT_ONLY) + 10)
        header = next(rows, None)
        if header is None:
            raise unreadable("the sheet is empty", {"header": ["missing"]})
        columns = _header_map(header)
        out = []
        for number, row in enumerate(rows, start=2):
            if len(out) >= SETTINGS.import_max_rows:
                raise RuleViolation(f"the sheet has more than {SETTINGS.import_max_rows} rows", "units.import_limit",
                                    {"file": [f"at most {SETTINGS.import_max_rows} rows"]})
            values = {field: _cell(field, row[index]) for index, field in columns.items() if index < len(row)}
            if any(value is not None for value in values.values()):
                out.append((number, values))
        return out
    finally:
        book.close()


def workbook_bytes(units) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "单位名录"
    columns = COLUMNS + EXPORT_ONLY
    append_row(sheet, [label for _, label in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for unit in units:
        row = []
        for field, _ in columns:
            value = getattr(unit, field)
            if field == "kind":
                value = contract.KIND_LABELS.get(value, value)
            elif field == "status":
                value = contract.STATUS_LABELS.get(value, value)
            row.append(value)
        append_row(sheet, row)  # codes and names are text, never formulas
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class SheetsRpc(DirectoryBase):
    @rpc(reads_only=True)
    def export_units(self, query=None):
        self.call.caller.require(*contract.READERS)
        q = load(contract.UnitFilter(), query or {})
        units = self.db.session.scalars(repository.search(q)).all()
        return {"filename": "units.xlsx", "content_type": XLSX,
                "content_base64": base64.b64encode(workbook_bytes(units)).decode("ascii")}

    @rpc
    def import_units(self, payload):
        self.call.caller.require(*contract.WRITERS)
        upload = load(contract.SheetUpload(), payload)
        try:
            content = base64.b64decode(upload["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise Invalid("content_base64 is not base64", {"content_base64": ["not base64"]}) from None
        rows = read_sheet(content)
        self.db.lock(REGISTER_LOCK)
        report = {"rows_total": len(rows), "created": 0, "updated": 0, "unchanged": 0, "rejected": []}
        seen: dict[str, dict] = {"code": {}, "name": {}}
        staged: list[tuple[int, Unit, str | None, str]] = []  # row, unit, its parent, created|changed|unchanged
        for number, values in rows:
            errors = _row_errors(lambda: staged.append(self._stage_row(number, values, seen)))
            if errors:
                report["rejected"].append({"row": number, "errors": errors})
        # parents once every row's unit exists, so a sheet may list a unit before its parent
        for number, unit, parent, _ in staged:
            if parent is KEEP:
                continue
            errors = _row_errors(lambda: self._change(unit, {"parent_code": parent}, announce=False))
            if errors:
                report["rejected"].append({"row": number, "errors": errors})
        if report["rejected"]:
            rejected = sorted(report["rejected"], key=lambda item: item["row"])
            raise RuleViolation(f"{len(rejected)} row(s) of the sheet break a rule; nothing was imported",
                                "units.import_rejected",
                                {f"rows.{item['row']}.{field}": messages
                                 for item in rejected for field, messages in item["errors"].items()})
        events = {"created": contract.UNIT_REGISTERED, "changed": contract.UNIT_CHANGED}
        for _, unit, _, outcome in staged:
            report["updated" if outcome == "changed" else outcome] += 1
            if outcome in events:
                self.db.emit(events[outcome], unit_event(unit))
        return contract.ImportReport().dump(report)

    def _stage_row(self, number: int, values: dict, seen: dict) -> tuple:
        """The row's unit registered or changed (its parent left for later), under the API's rules."""
        for field in ("code", "name"):
            value = values.get(field)
            if value is not None and value in seen[field]:
                raise Conflict(f"the same {field} as row {seen[field][value]}",
                               {field: [f"the same as row {seen[field][value]}"]})
            if value is not None:
                seen[field][value] = number
        session = self.db.session
        parent = values.pop("parent_code", KEEP)
        unit = session.get(Unit, values["code"]) if isinstance(values.get("code"), str) else None
        if unit is None:
            data = load(contract.UnitCreate(), {key: value for key, value in values.items() if value is not None})
            domain.check_unique("name", repository.name_taken(session, data["name"]))
            unit = Unit(**data, status="active", initials=domain.initials(data["name"], data.get("short_name")))
            session.add(unit)
            session.flush()
            return number, unit, parent, "created"
        changes = load(contract.UnitUpdate(), {key: value for key, value in values.items() if key != "code"},
                       partial=True)
        changed = self._change(unit, changes, announce=False) or parent not in (KEEP, unit.parent_code)
        return number, unit, parent, "changed" if changed else "unchanged"


def _row_errors(apply) -> dict:
    """The errors of one row's rule or field, by field; none when it applied."""
    try:
        apply()
    except ServiceError as exc:
        return exc.errors or {"_row": [exc.detail]}
    return {}
