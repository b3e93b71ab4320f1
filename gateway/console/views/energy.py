"""Energy: the sheet upload and its import job (progress, then the row-by-row report), a month's reading
by hand, indicators with charts, projects."""
import base64
from datetime import date

from gateway.console.charts import chart
from gateway.console import labels
from gateway.console.labels import ENERGY_TYPES
from gateway.console.pages import Problem, pages
from services.energy.contract import OVERVIEW, READERS, READING_TYPES, REPORTERS, UNITS

MONTHS = [f"{month}月" for month in range(1, 13)]


@pages.page("/energy/import", REPORTERS, methods=("GET", "POST"), menu="能耗报表导入")
def import_sheet(page):
    """The upload: a sheet that passes the first checks becomes an import job, followed on its own page."""
    if page.request.method == "GET":
        return page.render("energy_import.html", problem=None, jobs=recent_imports(page))
    upload = page.request.files.get("file")
    if upload is None or not upload.filename:
        return page.render("energy_import.html", status=400, jobs=recent_imports(page),
                           problem=Problem("请选择要上传的报表文件（.xlsx 或 .csv）。", {"file": ["必填"]}))
    content = upload.stream.read(page.console.gateway.max_body_bytes + 1)
    if len(content) > page.console.gateway.max_body_bytes:
        return page.render("energy_import.html", status=413, jobs=recent_imports(page),
                           problem=Problem("文件太大。", {"file": ["文件太大"]}))
    job, problem = page.attempt("energy", "import_readings", {
        "filename": upload.filename, "content_base64": base64.b64encode(content).decode("ascii")})
    if problem:
        return page.render("energy_import.html", status=422 if problem.rules else 400, problem=problem,
                           jobs=recent_imports(page))
    return page.redirect(f"/console/energy/imports/{job['id']}", flash=f"报表“{job['filename']}”已上传，正在排队导入。")


def recent_imports(page) -> list:
    """The last imports (a unit user's own); the upload works without them when they cannot be read."""
    found, _ = page.attempt("energy", "list_imports", {"limit": 10})
    return (found or {}).get("items") or []


def field_label(name: str) -> str:
    """A row error's field: a key column, or a reading column as the form's header writes it (电(kWh))."""
    energy_type, _, unit = name.rpartition("_")
    if energy_type in ENERGY_TYPES:
        return f"{ENERGY_TYPES[energy_type]}({unit})"
    return labels.FIELD_NAMES.get(name, {"readings": "用量"}.get(name, name))


@pages.page("/energy/imports/<int:import_id>", REPORTERS)
def import_job(page):
    """An import job: queued, then its progress (the page reloads itself), then its report or why it failed."""
    job = page.rpc("energy", "get_import", page.args["import_id"])
    rejected = [{"row": row["row"], "errors": [(field_label(name), [labels.message(m) for m in messages])
                                               for name, messages in row["errors"].items()]}
                for row in job.get("rejected") or []]
    failure = None
    if job.get("error"):
        error = job["error"]
        failure = (Problem("导入失败，未写入任何数据。", {}, labels.rule_reasons(error.get("rule"), error.get("errors")))
                   if error.get("rule") else
                   Problem("导入失败，未写入任何数据。",
                           {name: [labels.message(m) for m in messages]
                            for name, messages in (error.get("errors") or {}).items()}))
    return page.render("energy_import_job.html", job=job, rejected=rejected, failure=failure,
                       waiting=job["status"] in ("queued", "running"))


READING_FIELDS = ("unit_code", "period", "energy_type", "quantity", "unit")


@pages.page("/energy/readings/new", REPORTERS, methods=("GET", "POST"), menu="能耗填报")
def report_reading(page):
    """One month's use of one kind of energy (or water), as the sheet's rows are, entered by hand."""
    options = {"types": {kind: ENERGY_TYPES.get(kind, kind) for kind in READING_TYPES},
               "units": {kind: list(UNITS[kind]) for kind in READING_TYPES},
               "unit_names": sorted({name for kind in READING_TYPES for name in UNITS[kind]})}
    own_unit = page.caller.unit_code if page.caller.unit_scoped else None
    if page.request.method == "GET":
        return page.render("energy_reading.html", values=page.restored(unit_code=own_unit or ""), problem=None, **options)
    values = {name: page.form.get(name, "").strip() for name in READING_FIELDS}
    if own_unit:
        values["unit_code"] = own_unit
    written, problem = page.attempt("energy", "record_readings", {key: value for key, value in values.items() if value})
    if problem:
        return page.render("energy_reading.html", status=400, values=values, problem=problem, **options)
    outcome = "更正了原数" if written.get("corrected") else "与原数相同" if written.get("unchanged") else "新增"
    what = f"{values['unit_code']} {values['period']} {ENERGY_TYPES.get(values['energy_type'])}"
    return page.redirect("/console/energy/readings/new",
                         flash=f"已填报 {what} {values['quantity']} {values['unit']}（{outcome}）。")


def monthly(page, year: int, unit_code: str | None = None) -> list[dict | None]:
    """The indicators month by month (one call per month: the service sums the months asked)."""
    figures = []
    for month in range(1, 13):
        query = {"year": year, "months": str(month)}
        if unit_code:
            query["unit_code"] = unit_code
        found, _ = page.attempt("energy", "indicators", query)
        figures.append(found if found and found.get("institutions") else None)
    return figures


def energy_charts(page, year: int, unit_code: str | None = None) -> dict:
    months = monthly(page, year, unit_code)
    types = sorted({kind for figure in months if figure for kind in (figure.get("by_type") or {})})
    by_type = {ENERGY_TYPES.get(kind, kind): [((figure or {}).get("by_type") or {}).get(kind, {}).get("kgce")
                                              for figure in months] for kind in types if kind != "water"}
    year_figure, _ = page.attempt("energy", "indicators", {"year": year, **({"unit_code": unit_code} if unit_code else {})})
    targets = {target["indicator"]: target for target in (year_figure or {}).get("targets") or []}

    def against(indicator, name):
        series = {name: [(figure or {}).get(indicator) for figure in months]}
        if indicator in targets:
            series["目标（月均）"] = [targets[indicator]["target"] / 12] * 12
        return series

    return {
        "by_type": chart("bar", f"{year}年各月能耗（kgce，按能源品种）", MONTHS, by_type),
        "per_person": chart("line", "人均能耗（kgce/人）", MONTHS, against("per_person_kgce", "人均能耗")),
        "per_area": chart("line", "单位面积能耗（kgce/m²）", MONTHS, against("per_area_kgce_m2", "单位面积能耗")),
        "year": year_figure,
    }


def year_of(page) -> int:
    try:
        return max(2000, min(2100, int(page.request.args.get("year", ""))))
    except ValueError:
        return date.today().year


@pages.page("/energy", READERS, menu="能耗指标")
def indicators(page):
    year = year_of(page)
    unit_code = page.caller.unit_code if page.caller.unit_scoped else (page.request.args.get("unit_code") or None)
    charts = energy_charts(page, year, unit_code)
    benchmark = None
    if page.caller.has_any(OVERVIEW):
        benchmark, _ = page.attempt("energy", "benchmark", {"year": year})
    return page.render("energy.html", year=year, unit_code=unit_code, charts=charts, benchmark=benchmark)


@pages.page("/energy/projects", READERS, menu="节能项目")
def projects(page):
    query = page.query("unit_code", "kind")
    return page.render("projects.html", result=page.rpc("energy", "list_projects", query), query=query)
