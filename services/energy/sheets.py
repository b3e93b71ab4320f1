"""Reading the statistics form from an .xlsx or .csv sheet, row by row.

The form has one row per institution and month, and one column per energy type with
its unit in the header, e.g. ``单位代码 | 统计期 | 电(kWh) | 天然气(m³) | 汽油(L) | ... | 水(m³)``
(English headers such as ``unit_code, period, electricity_kwh`` are read too). An empty
cell means nothing was reported for that type.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Iterator

from services.energy import coefficients
from services.kit.errors import RuleViolation

KEY_COLUMNS = {
    "unit_code": ("unit_code", "单位代码", "单位编码"),
    "period": ("period", "统计期", "月份", "统计月份"),
}
_TYPE_NAMES = {
    "electricity": ("electricity", "电", "电力", "用电量"),
    "natural_gas": ("natural_gas", "天然气"),
    "gasoline": ("gasoline", "汽油"),
    "diesel": ("diesel", "柴油"),
    "coal": ("coal", "煤", "原煤", "煤炭"),
    "heat": ("heat", "热力", "热"),
    "water": ("water", "水", "用水", "用水量"),
}
PERIOD = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")


def _normalise(header) -> str:
    text = str(header or "").strip().lower()
    for old, new in (("（", "("), ("）", ")"), ("³", "3"), (" ", ""), ("_", "")):
        text = text.replace(old, new)
    return text


def _header_names() -> dict[str, tuple]:
    """normalised header -> ("key", name) or ("reading", energy_type, unit)."""
    names = {}
    for key, labels in KEY_COLUMNS.items():
        for label in labels:
            names[_normalise(label)] = ("key", key)
    for energy_type, labels in _TYPE_NAMES.items():
        for unit in coefficients.UNITS[energy_type]:
            for label in labels:
                for form in (f"{label}({unit})", f"{label}{unit}"):
                    names[_normalise(form)] = ("reading", energy_type, unit)
    return names


HEADER_NAMES = _header_names()


UNREADABLE = "energy.unreadable_sheet"


def unreadable(detail: str, errors: dict) -> RuleViolation:
    """The upload is well formed (a file in the field ``file``) but its file is not the
    statistics form as a readable .xlsx or .csv: refused as a rule (422 ``energy.unreadable_sheet``,
    naming what is wrong), since no request schema can say what a sheet must hold."""
    return RuleViolation(detail, UNREADABLE, errors)


def sheet_format(filename: str) -> str:
    lowered = filename.lower()
    for suffix in ("xlsx", "csv"):
        if lowered.endswith("." + suffix):
            return suffix
    raise unreadable("the sheet must be an .xlsx or a .csv file", {"file": ["choose an .xlsx or .csv file"]})


IMPORT_LIMIT = "energy.import_limit"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """How much of a sheet is read at most (settings ``import_max_*``)."""

    rows: int  # data rows, the header not counted
    columns: int
    uncompressed_bytes: int
    compression_ratio: int

    @classmethod
    def of(cls, settings) -> "Limits":
        return cls(settings.import_max_rows, settings.import_max_columns, settings.import_max_uncompressed_bytes,
                   settings.import_max_compression_ratio)


def past_limit(detail: str, limit: str) -> RuleViolation:
    return RuleViolation(detail, IMPORT_LIMIT, {IMPORT_LIMIT: [limit]}, {"limit": limit})


def _too_many_rows(limits: Limits, found: str) -> RuleViolation:
    return past_limit(f"the sheet {found}: more than {limits.rows} data rows", f"at most {limits.rows} data rows")


def _too_many_columns(limits: Limits, found: str) -> RuleViolation:
    return past_limit(f"the sheet {found}: more than {limits.columns} columns", f"at most {limits.columns} columns")


def _too_large(limits: Limits) -> RuleViolation:
    return past_limit(f"the sheet unpacks to more than {limits.uncompressed_bytes} bytes",
                      f"at most {limits.uncompressed_bytes} bytes unpacked")


def not_a_workbook() -> RuleViolation:
    return unreadable("the file is not a readable .xlsx workbook", {"file": ["not an .xlsx workbook"]})


def read_rows(filename: str, content: bytes, limits: Limits) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of the first worksheet (or of the CSV), header first, read as a
    stream: a row past ``limits.rows`` or a value past ``limits.columns`` stops the reading
    and is refused (``energy.import_limit``), so the work is bounded by the limits and the
    file's size, never by what the sheet declares. A row holds its values up to its last
    one that is not empty."""
    if sheet_format(filename) == "csv":
        return _csv_rows(content, limits)
    return _xlsx_rows(content, limits)


def header_of(filename: str, content: bytes, limits: Limits) -> dict[int, tuple]:
    """The columns of the sheet's header, after what can be checked without reading the rows of
    an .xlsx (its archive and its declared size); a CSV is read through (quick, bounded)."""
    rows = read_rows(filename, content, limits)
    try:
        first = next(rows, None)
        if first is None:
            raise unreadable("the sheet is empty", {"file": ["no header row"]})
        columns = columns_of(first[1])
        if sheet_format(filename) == "csv":
            for _ in rows:
                pass
        return columns
    finally:
        rows.close()


def _csv_rows(content: bytes, limits: Limits):
    if len(content) > limits.uncompressed_bytes:
        raise _too_large(limits)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")  # sheets saved by Excel on Chinese Windows
        except UnicodeDecodeError:
            raise unreadable("the CSV is neither UTF-8 nor GB18030 text", {"file": ["unreadable text"]}) from None
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if number > limits.rows + 1:
                raise _too_many_rows(limits, f"reaches row {number}")
            if len(row) > limits.columns:
                if any(cell.strip() for cell in row[limits.columns:]):
                    raise _too_many_columns(limits, f"has a value in column {len(row)} of row {number}")
                row = row[:limits.columns]
            yield number, tuple(row)
    except csv.Error:
        raise unreadable("the CSV cannot be read", {"file": ["malformed CSV"]}) from None


def check_archive(content: bytes, limits: Limits) -> None:
    """An .xlsx is a zip: its declared sizes, its compression ratio and then the sizes its parts
    really unpack to are checked before anything parses it (a zip bomb is refused unopened)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
            declared = sum(part.file_size for part in parts)
            packed = sum(part.compress_size for part in parts)
            if declared > limits.uncompressed_bytes:
                raise _too_large(limits)
            if declared > limits.compression_ratio * max(packed, 1):
                raise past_limit(f"the workbook is compressed more than {limits.compression_ratio} to 1",
                                 f"compressed at most {limits.compression_ratio} to 1")
            unpacked = 0
            for part in parts:
                with archive.open(part) as stream:
                    while chunk := stream.read(CHUNK):
                        unpacked += len(chunk)
                        if unpacked > limits.uncompressed_bytes:
                            raise _too_large(limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError):
        raise not_a_workbook() from None


def _xlsx_rows(content: bytes, limits: Limits):
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser

    check_archive(content, limits)
    try:  # whatever openpyxl makes of a file that is not a workbook, it is the sender's input
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception:
        raise not_a_workbook() from None
    try:
        if (sheet.max_column or 0) > limits.columns:
            raise _too_many_columns(limits, f"declares {sheet.max_column} columns")
        if (sheet.max_row or 0) > limits.rows + 1:
            raise _too_many_rows(limits, f"declares {sheet.max_row} rows")
        # openpyxl's own row reader pads every row to the declared width and fills the gaps up to
        # the declared height (a 1.6 KB sheet declaring A1:XFD20001 made it walk 327 million cells):
        # its parser gives each row's cells as they are stored, and only those are looked at
        with sheet._get_source() as source:
            parser = WorkSheetParser(source, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                                     date_formats=workbook._date_formats,
                                     timedelta_formats=workbook._timedelta_formats)
            seen = 0
            for number, cells in _parsed(parser):
                seen += 1
                if number > limits.rows + 1 or seen > limits.rows + 1:
                    raise _too_many_rows(limits, f"reaches row {max(number, seen)}")
                values = {}
                for cell in cells:
                    if cell["value"] is None or str(cell["value"]).strip() == "":
                        continue
                    if cell["column"] > limits.columns:
                        raise _too_many_columns(limits, f"has a value in column {cell['column']} of row {number}")
                    values[cell["column"]] = cell["value"]
                yield number, tuple(values.get(column) for column in range(1, max(values, default=0) + 1))
    finally:
        workbook.close()


def _parsed(parser):
    """The parser's rows; a part that is not well-formed is the sender's input."""
    rows = parser.parse()
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:
            raise not_a_workbook() from None
        yield row


def columns_of(header: tuple) -> dict[int, tuple]:
    """Column index -> meaning; the unit code, the period and one reading column at least."""
    columns, unknown = {}, []
    for index, name in enumerate(header):
        if _normalise(name) == "":
            continue
        meaning = HEADER_NAMES.get(_normalise(name))
        if meaning is None:
            unknown.append(str(name))
        else:
            columns[index] = meaning
    found = set(columns.values())
    missing = [key for key in KEY_COLUMNS if ("key", key) not in found]
    errors = {}
    if unknown:
        errors["header"] = [f"unknown columns: {', '.join(unknown)}"]
    if missing:
        errors.setdefault("header", []).append(f"missing columns: {', '.join(missing)}")
    if not any(meaning[0] == "reading" for meaning in found):
        errors.setdefault("header", []).append("no energy or water column")
    if len(found) != len(columns):
        errors.setdefault("header", []).append("a column appears twice")
    if errors:
        raise unreadable("the sheet's header is not the statistics form", errors)
    return columns


def _period(value) -> str | None:
    if isinstance(value, (datetime, date)):
        return f"{value.year:04d}-{value.month:02d}"
    match = PERIOD.match(str(value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def _quantity(value) -> Decimal | None:
    if isinstance(value, bool):
        raise InvalidOperation
    text = str(value).strip().replace(",", "")
    quantity = Decimal(text)
    if not quantity.is_finite() or quantity < 0 or quantity >= Decimal("1e12"):
        raise InvalidOperation
    return quantity.quantize(Decimal("0.001"))


def is_blank(row: tuple) -> bool:
    return all(value is None or str(value).strip() == "" for value in row)


def parse_row(row: tuple, columns: dict[int, tuple]):
    """(unit_code, period, [(energy_type, quantity, unit)], errors) of one data row."""
    errors: dict[str, list[str]] = {}
    unit_code = period = None
    readings = []
    for index, meaning in columns.items():
        value = row[index] if index < len(row) else None
        if meaning == ("key", "unit_code"):
            unit_code = str(value).strip() if value is not None and str(value).strip() else None
            if unit_code is None or len(unit_code) > 40:
                errors["unit_code"] = ["missing or longer than 40 characters"]
        elif meaning == ("key", "period"):
            period = _period(value)
            if period is None:
                errors["period"] = ["a month as YYYY-MM"]
        elif value is not None and str(value).strip() != "":
            _, energy_type, unit = meaning
            try:
                readings.append((energy_type, _quantity(value), unit))
            except (InvalidOperation, ValueError):
                errors[f"{energy_type}_{unit}"] = ["a number from 0 up"]
    if not readings and not errors:
        errors["readings"] = ["no quantity in the row"]
    return unit_code, period, readings, errors
