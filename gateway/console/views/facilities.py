"""Repairs (overdue first), a technician's queue, reporting a repair, over-standard rooms."""
from gateway.console.labels import REPAIR_CATEGORIES, SEVERITIES
from gateway.console.pages import pages
from gateway.routes import FACILITY_READERS
from gateway.routes.facilities import REPORTERS
from services.facilities.contract import REPAIR_STATUSES


@pages.page("/repairs", FACILITY_READERS, menu="维修工单")
def list_repairs(page):
    query = page.query("status", "category", "technician")
    overdue = []
    if not query["offset"]:
        overdue = page.rpc("facilities", "list_repairs", {**query, "overdue": True, "offset": 0})["items"]
    result = page.rpc("facilities", "list_repairs", {**query, "overdue": False})
    return page.render("repairs.html", overdue=overdue, result=result, query=query, statuses=REPAIR_STATUSES,
                       categories=REPAIR_CATEGORIES, severities=SEVERITIES, title="维修工单")


@pages.page("/repairs/queue", ("technician",), menu="我的维修任务")
def my_queue(page):
    query = {**page.query("status"), "technician": page.caller.name}
    overdue = page.rpc("facilities", "list_repairs", {**query, "overdue": True, "offset": 0})["items"] if not query["offset"] else []
    result = page.rpc("facilities", "list_repairs", {**query, "overdue": False})
    return page.render("repairs.html", overdue=overdue, result=result, query=query, statuses=REPAIR_STATUSES,
                       categories=REPAIR_CATEGORIES, severities=SEVERITIES, title="我的维修任务")


@pages.page("/repairs/new", REPORTERS, methods=("GET", "POST"), menu="报修")
def report_repair(page):
    options = {"categories": REPAIR_CATEGORIES, "severities": SEVERITIES}
    if page.request.method == "GET":
        return page.render("repair_new.html", values={}, problem=None, **options)
    values = {name: page.form.get(name, "").strip() for name in ("location", "category", "severity", "description")}
    payload = {key: value for key, value in values.items() if value}
    created, problem = page.attempt("facilities", "report_repair", payload)
    if problem:
        return page.render("repair_new.html", status=400, values=values, problem=problem, **options)
    return page.redirect("/console/repairs", flash=f"报修已提交（编号 {created['id']}）。")


@pages.page("/rooms/over-standard", FACILITY_READERS, menu="超标用房")
def over_standard(page):
    query = page.query("unit_code")
    rooms = page.rpc("facilities", "list_over_standard_rooms", query)
    return page.render("over_standard.html", result=rooms, query=query)
