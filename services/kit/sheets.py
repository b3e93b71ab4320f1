"""Exported spreadsheets that stay data: a text cell never becomes a formula (CSV/formula injection).

Whatever a user typed (a unit code, a plate, a name) may begin with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return, which a spreadsheet program reads as the start of a formula. In an
.xlsx such text is written as a text cell (openpyxl would store ``=...`` as a live formula), so
the reader sees exactly what was typed; in a CSV, which has no cell types, it is prefixed with
a single quote as OWASP recommends. Every export writes its rows through here.
"""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def append_row(sheet, values) -> None:
    """Appends ``values`` to an openpyxl worksheet; text cells are text, never formulas."""
    values = list(values)
    sheet.append(values)
    for cell in sheet[sheet.max_row][:len(values)]:
        if formula_like(cell.value):
            cell.data_type = "s"


def csv_cell(value):
    """A value for a CSV export: text a spreadsheet would read as a formula gets a leading quote."""
    return "'" + value if formula_like(value) else value
