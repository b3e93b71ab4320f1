"""The annual work report (年度工作总结) and the leaders' dashboard, composed from every service.

``admin`` and ``leader`` read every section; an officer reads its own service's section
(``gateway/report/annual.py`` says which); other roles are refused at the gate.
"""
from werkzeug.wrappers import Response

from gateway import report
from gateway.report import render
from gateway.routes import routes
from services.kit.schemas import load

TAG = "reports"
RENDERED = {
    "md": (render.MD, render.markdown, "md"),
    "html": (render.HTML, render.html_page, "html"),
    "xlsx": (render.XLSX, render.workbook, "xlsx"),
}


@routes.get("/api/v1/reports/annual", report.READERS, tag=TAG, query=report.ReportQuery, response=report.Report,
            summary="The annual work report from every service's figures, last year beside it "
                    "(JSON; Chinese Markdown, HTML or .xlsx with format=md|html|xlsx)",
            extra={"other_content": {
                render.MD: {"type": "string"}, render.HTML: {"type": "string"},
                render.XLSX: {"type": "string", "format": "binary"}}})
def annual_report(call):
    q = load(report.ReportQuery(), call.query())
    answer = report.annual_report(call, q)
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
