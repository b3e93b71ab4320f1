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
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from services.energy import coefficients
from services.kit.errors import Invalid

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


def sheet_format(filename: str) -> str:
    lowered = filename.lower()
    for suffix in ("xlsx", "csv"):
        if lowered.endswith("." + suffix):
            return suffix
    raise Invalid("the sheet must be an .xlsx or a .csv file", {"file": ["choose an .xlsx or .csv file"]})


def raw_rows(filename: str, content: bytes) -> list[tuple]:
    """All rows of the first worksheet (or of the CSV), header first."""
    kind = sheet_format(filename)
    if kind == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")  # sheets saved by Excel on Chinese Windows
            except UnicodeDecodeError:
                raise Invalid("the CSV is neither UTF-8 nor GB18030 text", {"file": ["unreadable text"]}) from None
        try:
            return [tuple(row) for row in csv.reader(io.StringIO(text))]
        except csv.Error:
            raise Invalid("the CSV cannot be read", {"file": ["malformed CSV"]}) from None
    from openpyxl import load_workbook

    try:  # whatever openpyxl makes of a file that is not a workbook, it is the sender's input
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    except Exception:
        raise Invalid("the file is not a readable .xlsx workbook", {"file": ["not an .xlsx workbook"]}) from None


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
        raise Invalid("the sheet's header is not the statistics form", errors)
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
