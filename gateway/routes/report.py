"""The annual work report (年度工作总结) and the leaders' dashboard, composed from every service.

``admin`` and ``leader`` read every section; an officer reads its own service's section
(``gateway/report/annual.py`` says which); other roles are refused at the gate.
"""
from werkzeug.wrappers import Response

from gateway import report
from gateway.report import document, narrative, render
from gateway.routes import routes
from services.kit.errors import NotFound
from services.kit.schemas import load

TAG = "reports"
RENDERED = {
    "md": (render.MD, render.markdown, "md"),
    "html": (render.HTML, render.html_page, "html"),
    "xlsx": (render.XLSX, render.workbook, "xlsx"),
    "docx": (document.DOCX, document.document, "docx"),
}


@routes.get("/api/v1/reports/annual", report.READERS, tag=TAG, query=report.ReportQuery, response=report.Report,
            summary="The annual work report from every service's figures, last year beside it, with the staff's "
                    "narrative (JSON; Chinese Markdown, HTML, .xlsx or the editable Word summary with "
                    "format=md|html|xlsx|docx)",
            extra={"other_content": {
                render.MD: {"type": "string"}, render.HTML: {"type": "string"},
                render.XLSX: {"type": "string", "format": "binary"},
                document.DOCX: {"type": "string", "format": "binary"}}})
def annual_report(call):
    q = load(report.ReportQuery(), call.query())
    answer = report.annual_report(call, q)
    answer["narrative"] = narrative.texts(call.app.accounts.sessionmaker, answer["to_on"].year)
    if q["format"] == "json":
        return report.Report().dump(answer)
    media_type, write, extension = RENDERED[q["format"]]
    return Response(write(answer), mimetype=media_type, headers={
        "Content-Disposition": f'inline; filename="{render.filename_of(answer, extension)}"'})


@routes.get("/api/v1/dashboard", report.READERS, tag=TAG, response=report.Dashboard,
            summary="The leaders' dashboard: cars out, open flags, open and overdue repairs, receptions this week, "
                    "meetings today, energy year to date against target")
def dashboard(call):
    return report.Dashboard().dump(report.dashboard(call))


@routes.get("/api/v1/reports/annual/narrative", report.READERS, tag=TAG, query=narrative.NarrativeQuery,
            response=narrative.Narrative,
            summary="The summary's narrative of a year: the overview, each section's text, 困难与问题, next year's plan")
def get_report_narrative(call):
    q = load(narrative.NarrativeQuery(), call.query())
    return narrative.Narrative().dump(narrative.narrative(call.app.accounts.sessionmaker, q["year"]))


@routes.patch("/api/v1/reports/annual/narrative/<part>", narrative.WRITERS, tag=TAG, body=narrative.NarrativeWrite,
            response=narrative.NarrativePart,
            summary="Write one part of the summary's narrative (a section's text by its officer; the overview, "
                    "difficulties and plans by any officer); audited")
def write_report_narrative(call):
    data = load(narrative.NarrativeWrite(), call.json())  # bad input is named before the part is looked up
    part = call.args["part"]
    if part not in narrative.PARTS:
        raise NotFound(f"no narrative part {part}")
    return narrative.NarrativePart().dump(narrative.write(
        call.app.accounts.sessionmaker, call.caller, part, data["year"], data["text"]))
