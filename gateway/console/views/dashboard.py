"""The leaders' dashboard: charts from what the services answer today, and the reports (the annual work
report is the API's own composition, ``gateway/report.py``, shown as a page and downloaded as .xlsx)."""
from datetime import date

from werkzeug.wrappers import Response

from gateway import report
from gateway.report import document, narrative, render
from gateway.console.charts import chart
from gateway.console.labels import REPAIR_CATEGORIES
from gateway.console.pages import pages
from gateway.console.views.energy import MONTHS, monthly, year_of
from services.kit.schemas import load

LEADERS = ("leader",)


@pages.page("/dashboard", LEADERS, menu="领导看板")
def dashboard(page):
    year = year_of(page)
    this_year = monthly(page, year)
    last_year = monthly(page, year - 1)
    energy = chart("line", f"{year}年与上年各月综合能耗（kgce）", MONTHS, {
        f"{year}年": [(figure or {}).get("total_kgce") for figure in this_year],
        f"{year - 1}年": [(figure or {}).get("total_kgce") for figure in last_year]})
    repairs, _ = page.attempt("facilities", "repair_stats", {"from": f"{year}-01-01", "to": f"{year}-12-31"})
    by_category = (repairs or {}).get("by_category") or []
    repair_chart = chart("bar", f"{year}年报修办结情况（按类别）",
                         [REPAIR_CATEGORIES.get(row["category"], row["category"]) for row in by_category],
                         {"报修数": [row["count"] for row in by_category],
                          "已办结": [row["completed"] for row in by_category],
                          "按时办结": [row["on_time"] for row in by_category]})
    vehicles, _ = page.attempt("vehicles", "vehicle_stats", {"year": year, "by_vehicle": False})
    by_unit = ((vehicles or {}).get("by_unit") or [])[:12]
    names = {unit["code"]: unit["name"] for unit in page.units()}  # units by name where energy registers them
    vehicle_chart = chart("hbar", f"{year}年各单位用车次数",
                          [names.get(row["unit_code"], row["unit_code"]) for row in by_unit],
                          {"出车次数": [row["dispatches"] for row in by_unit]})
    return page.render("dashboard.html", year=year, energy=energy, repair_chart=repair_chart,
                       vehicle_chart=vehicle_chart, repairs=repairs, vehicles=vehicles, today=date.today())


@pages.page("/reports/vehicles.xlsx", LEADERS)
def vehicle_report(page):
    result = page.rpc("vehicles", "vehicle_report", {"year": year_of(page), "format": "xlsx"})
    import base64

    return Response(base64.b64decode(result["content_base64"]), mimetype=result.get("content_type", render.XLSX),
                    headers={"Content-Disposition": f'attachment; filename="{result["filename"]}"'})


def _annual(page) -> dict:
    answer = report.annual_report(page.call, load(report.ReportQuery(), {"year": year_of(page)}))
    answer["narrative"] = narrative.texts(page.console.gateway.accounts.sessionmaker, year_of(page))
    return answer


@pages.page("/reports/annual", report.READERS, menu="年度工作报告")
def annual_report(page):
    answer = _annual(page)
    lead = render.lead_of(answer)
    sections = [{"title": section["title"], "status": section["status"],
                 "paragraph": render.paragraph(section, lead), "rows": render.rows(section)}
                for section in answer["sections"]]
    return page.render("annual_report.html", year=year_of(page), title=render.title_of(answer),
                       period=render.period_line(answer), note=render.partial_note(answer),
                       headers=render.HEADERS, sections=sections)


@pages.page("/reports/annual.xlsx", report.READERS)
def annual_report_workbook(page):
    answer = _annual(page)
    return Response(render.workbook(answer), mimetype=render.XLSX, headers={
        "Content-Disposition": f'attachment; filename="{render.filename_of(answer, "xlsx")}"'})


@pages.page("/reports/annual.docx", report.READERS)
def annual_report_document(page):
    answer = _annual(page)
    return Response(document.document(answer), mimetype=document.DOCX, headers={
        "Content-Disposition": f'attachment; filename="{render.filename_of(answer, "docx")}"'})


@pages.page("/reports/narrative", narrative.WRITERS, methods=("GET", "POST"), menu="工作总结撰写")
def report_narrative(page):
    """Staff write the summary's words: the overview, their sections' text, 困难与问题, next year's plan.
    A part the caller may not write is shown, not editable; a part left as it was is not written again."""
    year = year_of(page)
    sessionmaker = page.console.gateway.accounts.sessionmaker
    if page.request.method == "POST":
        before = {part["part"]: part["text"] for part in narrative.narrative(sessionmaker, year)["parts"]}
        changed = []
        for part in narrative.PARTS:
            text = page.form.get(f"part_{part}")
            if text is None or text.replace("\r\n", "\n") == before[part] or not narrative.may_write(page.caller, part):
                continue
            narrative.write(sessionmaker, page.caller, part, year, text.replace("\r\n", "\n")[:narrative.MAX_CHARS])
            changed.append(narrative.PART_TITLES[part])
        return page.redirect("/console/reports/narrative", flash=f"已保存：{'、'.join(changed) or '没有改动'}。",
                             year=year)
    parts = [{**part, "editable": narrative.may_write(page.caller, part["part"])}
             for part in narrative.narrative(sessionmaker, year)["parts"]]
    return page.render("report_narrative.html", year=year, parts=parts)
