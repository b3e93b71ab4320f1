"""The annual summary as an editable Word document (.docx, python-docx), laid out as the center
writes its own: the title, an opening overview, 一、the year's work section by section (the staff's
text, then the figures read as a paragraph and a table beside last year), 二、困难与问题,
三、next year's plan. Parts nobody has written yet are marked for the writer."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from gateway.report.narrative import DIFFICULTIES, OPENING, PLANS
from gateway.report.render import _day, change_text, is_rate, lead_of, number, paragraph, partial_note, period_line, whole_year

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHINESE_NUMBERS = "一二三四五六七八九十"
TABLE_HEADERS = ("指标", "本期", "上年同期", "增减", "单位")
TO_WRITE = "（此处由工作人员填写。）"
FONT = "宋体"


def title_of(report: dict) -> str:
    first, last = _day(report["from_on"]), _day(report["to_on"])
    if whole_year(report):
        return f"机关后勤服务中心{first.year}年度工作总结"
    return f"机关后勤服务中心工作总结（{first.isoformat()}至{last.isoformat()}）"


def next_year(report: dict) -> int:
    return _day(report["to_on"]).year + 1


def _chinese_font(document) -> None:
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for name in ("Title", "Heading 1", "Heading 2"):
        fonts = document.styles[name].element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), "黑体")


def _texts(document, text: str | None) -> None:
    for line in (text or TO_WRITE).splitlines() or [TO_WRITE]:
        if line.strip():
            document.add_paragraph(line.strip())


def _figures_table(document, section: dict) -> None:
    table = document.add_table(rows=1, cols=len(TABLE_HEADERS))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, TABLE_HEADERS):
        cell.text = header
    for f in section["figures"]:
        cells = table.add_row().cells
        values = (f["label"], number(f["value"], is_rate(f)), number(f.get("previous"), is_rate(f)), change_text(f),
                  f["unit"])
        for cell, value in zip(cells, values):
            cell.text = value


def document(report: dict) -> bytes:
    """The summary with its figures filled in and the narrative (``report["narrative"]``: part → text)."""
    written = report.get("narrative") or {}
    doc = Document()
    _chinese_font(doc)
    title = doc.add_heading(title_of(report), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(period_line(report))
    note = partial_note(report)
    if note:
        doc.add_paragraph(note)
    _texts(doc, written.get(OPENING))
    year = _day(report["to_on"]).year
    doc.add_heading(f"一、{year}年主要工作" if whole_year(report) else "一、本期主要工作", level=1)
    for index, section in enumerate(report["sections"]):
        doc.add_heading(f"（{CHINESE_NUMBERS[index]}）{section['title']}", level=2)
        _texts(doc, written.get(section["name"]))
        doc.add_paragraph(paragraph(section, lead_of(report)))
        if section["status"] == "ok" and section["figures"]:
            _figures_table(doc, section)
    doc.add_heading("二、存在的困难和问题", level=1)
    _texts(doc, written.get(DIFFICULTIES))
    doc.add_heading(f"三、{next_year(report)}年工作计划", level=1)
    _texts(doc, written.get(PLANS))
    closing = doc.add_paragraph(f"机关后勤服务中心\n{report['generated_at']:%Y年%m月%d日}")
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
