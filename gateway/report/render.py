"""The annual report rendered in Chinese: Markdown, HTML and an .xlsx workbook (one sheet per section).

The layout follows the center's report: a numbered section per area, a paragraph that reads
the figures with last year's beside them, then a table with every figure, its change and its
definition (口径), so a reader can check what was counted.
"""
from __future__ import annotations

import html
import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from services.kit.sheets import append_row

NUMERALS = "一二三四五六七八九十"
HEADERS = ("指标", "本期", "上年同期", "增减", "增减幅度", "单位", "口径（统计的是什么）", "数据来源")
MD = "text/markdown"
HTML = "text/html"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_rate(f: dict) -> bool:
    return f["unit"] == "%"


def number(value, rate: bool = False) -> str:
    if value is None:
        return "—"
    if rate:
        return f"{value * 100:.1f}%"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def change_text(f: dict) -> str:
    if f.get("change") is None:
        return "—"
    if is_rate(f):
        return f"{f['change'] * 100:+.1f} 个百分点"
    return ("+" if f["change"] > 0 else "") + number(f["change"])


def change_rate_text(f: dict) -> str:
    return "—" if f.get("change_rate") is None else f"{f['change_rate'] * 100:+.1f}%"


NOT_APPLICABLE = "不适用（本期没有可计算的基数）"


def value_with_unit(f: dict, key: str = "value") -> str:
    """A figure of an available section is null only where it has no base (a rate or mean of
    nothing); a count of nothing is 0. An unavailable section has no figures at all."""
    if f.get(key) is None:
        return NOT_APPLICABLE
    if is_rate(f):
        return number(f[key], rate=True)
    return f"{number(f[key])} {f['unit']}"


def sentence(f: dict) -> str:
    """One figure as a clause: 调度车次 1,234 车次，比上年增加 56 车次（增长 4.8%）."""
    text = f"{f['label']} {value_with_unit(f)}"
    if f.get("change") is None:
        return text + ("（上年同期无可比数据）" if "previous" in f and f.get("value") is not None else "")
    if f["change"] == 0:
        return text + "，与上年持平"
    grow = f["change"] > 0
    if is_rate(f):
        return text + f"，比上年{'提高' if grow else '下降'} {abs(f['change']) * 100:.1f} 个百分点"
    amount = number(abs(f["change"]))
    text += f"，比上年{'增加' if grow else '减少'} {amount} {f['unit']}"
    if f.get("change_rate") is not None:
        text += f"（{'增长' if grow else '下降'} {abs(f['change_rate']) * 100:.1f}%）"
    return text


def whole_year(report: dict) -> bool:
    first, last = _day(report["from_on"]), _day(report["to_on"])
    return (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year


def title_of(report: dict) -> str:
    first, last = _day(report["from_on"]), _day(report["to_on"])
    if whole_year(report):
        return f"机关后勤服务中心 {first.year} 年度工作总结（数据部分）"
    return f"机关后勤服务中心工作总结（{first.isoformat()} 至 {last.isoformat()}，数据部分）"


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def period_line(report: dict) -> str:
    return (f"统计期：{_day(report['from_on']).isoformat()} 至 {_day(report['to_on']).isoformat()}；"
            f"上年同期：{_day(report['previous_from']).isoformat()} 至 {_day(report['previous_to']).isoformat()}。")


def partial_note(report: dict) -> str | None:
    missing = [s["title"] for s in report["sections"] if s["status"] != "ok"]
    if not missing:
        return None
    return f"说明：{'、'.join(missing)}部分的数据暂时无法取得，本报告其余部分完整。"


def lead_of(report: dict) -> str:
    return "全年" if whole_year(report) else "本期"


def paragraph(section: dict, lead: str = "本期") -> str:
    """The section's figures as one paragraph; ``lead`` opens it (全年 for a calendar year)."""
    if section["status"] != "ok":
        return f"本部分数据暂时无法取得（原因：{section['reason']}）。"
    return lead + "；".join(sentence(f) for f in section["figures"]) + "。"


def rows(section: dict) -> list[tuple[str, ...]]:
    return [(f["label"], number(f["value"], is_rate(f)), number(f.get("previous"), is_rate(f)), change_text(f),
             change_rate_text(f), f["unit"], f["definition"], f["source_name"]) for f in section["figures"]]


def markdown(report: dict) -> str:
    lines = [f"# {title_of(report)}", "", period_line(report), ""]
    note = partial_note(report)
    if note:
        lines += [f"> {note}", ""]
    for index, section in enumerate(report["sections"]):
        lines += [f"## {NUMERALS[index]}、{section['title']}", "", paragraph(section, lead_of(report)), ""]
        if section["status"] == "ok":
            lines += ["| " + " | ".join(HEADERS) + " |", "|" + " --- |" * len(HEADERS)]
            lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows(section)]
            lines.append("")
    lines.append(f"报告生成时间：{report['generated_at']:%Y-%m-%d %H:%M}（北京时间）。")
    return "\n".join(lines) + "\n"


def html_page(report: dict) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">', f"<title>{e(title_of(report))}</title>",
        "<style>body{font-family:'SimSun','Songti SC',serif;max-width:60em;margin:2em auto;line-height:1.7}"
        "table{border-collapse:collapse;width:100%;font-size:90%}th,td{border:1px solid #999;padding:.3em .5em}"
        "td.n{text-align:right}.note{color:#a40}</style></head><body>",
        f"<h1>{e(title_of(report))}</h1>", f"<p>{e(period_line(report))}</p>",
    ]
    note = partial_note(report)
    if note:
        parts.append(f'<p class="note">{e(note)}</p>')
    for index, section in enumerate(report["sections"]):
        parts += [f"<h2>{NUMERALS[index]}、{e(section['title'])}</h2>", f"<p>{e(paragraph(section, lead_of(report)))}</p>"]
        if section["status"] == "ok":
            parts.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in HEADERS) + "</tr></thead><tbody>")
            for row in rows(section):
                cells = [f"<td>{e(row[0])}</td>"] + [f'<td class="n">{e(c)}</td>' for c in row[1:5]]
                cells += [f"<td>{e(c)}</td>" for c in row[5:]]
                parts.append("<tr>" + "".join(cells) + "</tr>")
            parts.append("</tbody></table>")
    parts.append(f"<p>报告生成时间：{report['generated_at']:%Y-%m-%d %H:%M}（北京时间）。</p></body></html>")
    return "\n".join(parts)


SHEET_HEADERS = ("指标", "本期", "上年同期", "增减", "增减幅度", "单位", "口径", "数据来源")


def workbook(report: dict) -> bytes:
    """One sheet per section; values are numbers (rates as fractions formatted as %)."""
    book = Workbook()
    book.remove(book.active)
    for index, section in enumerate(report["sections"]):
        sheet = book.create_sheet(f"{NUMERALS[index]}、{section['title']}"[:31])
        append_row(sheet, [title_of(report)])
        append_row(sheet, [period_line(report)])
        if section["status"] != "ok":
            append_row(sheet, [paragraph(section)])
            continue
        append_row(sheet, list(SHEET_HEADERS))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for f in section["figures"]:
            append_row(sheet, [f["label"], f["value"], f.get("previous"), f.get("change"), f.get("change_rate"),
                               f["unit"], f["definition"], f["source_name"]])
            row = sheet.max_row
            number_format = "0.0%" if is_rate(f) else "#,##0.##"
            for column in "BCD":
                sheet[f"{column}{row}"].number_format = number_format
            sheet[f"E{row}"].number_format = "+0.0%;-0.0%;0.0%"
            sheet[f"G{row}"].alignment = Alignment(wrap_text=True)
        for column, width in zip("ABCDEFGH", (26, 14, 14, 14, 10, 16, 50, 40)):
            sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filename_of(report: dict, extension: str) -> str:
    first, last = _day(report["from_on"]), _day(report["to_on"])
    return f"annual-report-{first.isoformat()}-{last.isoformat()}.{extension}"
