"""Repairs (overdue first, with the actions of each role), a technician's queue, reporting a repair,
over-standard rooms, rectifications due and the meeting-room calendar."""
from datetime import date, datetime, time, timedelta

from gateway.console.labels import REPAIR_CATEGORIES, SEVERITIES
from gateway.console.pages import LOCAL_TZ, form_int, local_day, pages
from services.facilities.contract import (
    BOOKING_READERS, MANAGERS, READERS, RECTIFICATION_STATUSES, REPAIR_STATUSES, REPORTERS, WORKERS,
)

REPAIR_OPTIONS = {"statuses": REPAIR_STATUSES, "categories": REPAIR_CATEGORIES, "severities": SEVERITIES}


def _repairs(page, title: str, query: dict):
    overdue, result = page.overdue_first("facilities", "list_repairs", query)
    may = page.may(manage=MANAGERS, work=WORKERS, report=REPORTERS)
    return page.render("repairs.html", overdue=overdue, result=result, query=query, title=title, may=may,
                       technicians=technicians(page) if may["manage"] else [],
                       placed={f"repair-{r['id']}" for r in overdue + result["items"]}, **REPAIR_OPTIONS)


def technicians(page) -> list[str]:
    """The users with the technician role: the only names a repair is assigned to."""
    return page.console.gateway.accounts.usernames_with_role("technician")


@pages.page("/repairs", READERS, menu="维修工单")
def list_repairs(page):
    return _repairs(page, "维修工单", page.query("status", "category", "technician"))


@pages.page("/repairs/queue", ("technician",), menu="我的维修任务")
def my_queue(page):
    return _repairs(page, "我的维修任务", {**page.query("status"), "technician": page.caller.name})


def _text(page, name: str) -> str:
    return page.form.get(name, "").strip()


def _completion(page) -> dict:
    """What was done and the parts used, in the completion's note (the contract has one note)."""
    note = "；".join(part for part in (_text(page, "note"), _text(page, "parts") and f"更换配件：{_text(page, 'parts')}")
                    if part)
    return {"note": note} if note else {}


# action: who may, what the flash says, the body from the form (None: the action takes none)
REPAIR_ACTIONS = {
    "assign": (MANAGERS, "已派工", lambda page: {"technician": _text(page, "technician")}),
    "start": (WORKERS, "已开始维修", None),
    "complete": (WORKERS, "已完工，等待报修人确认", _completion),
    "confirm": (REPORTERS, "已确认", lambda page: {"rating": form_int(page.form.get("rating"))}),
    "reopen": (REPORTERS, "已返修", lambda page: {"complaint": _text(page, "complaint")}),
}


def _repair_action(action: str, done: str, body):
    def handler(page):
        repair_id = page.args["repair_id"]
        back = page.form.get("back") if page.form.get("back") in ("/console/repairs", "/console/repairs/queue") \
            else "/console/repairs"
        what = f"维修工单 {repair_id}"
        if action == "assign" and _text(page, "technician") not in technicians(page):
            return page.redirect(back, alert={"text": f"{what} 未能办理：请从维修技工名单中选择维修人。",
                                              "where": f"repair-{repair_id}", "fields": {}})
        args = (repair_id,) if body is None else (repair_id, body(page))
        return page.act(back, what, done, "facilities", f"{action}_repair", *args, where=f"repair-{repair_id}")

    handler.__name__ = f"{action}_repair"
    return handler


for _action, (_roles, _done, _body) in REPAIR_ACTIONS.items():
    pages.page(f"/repairs/<int:repair_id>/{_action}", _roles, methods=("POST",))(_repair_action(_action, _done, _body))


@pages.page("/repairs/new", REPORTERS, methods=("GET", "POST"), menu="报修")
def report_repair(page):
    options = {"categories": REPAIR_CATEGORIES, "severities": SEVERITIES}
    if page.request.method == "GET":
        return page.render("repair_new.html", values=page.restored(), problem=None, **options)
    values = {name: _text(page, name) for name in ("location", "category", "severity", "description")}
    payload = {key: value for key, value in values.items() if value}
    created, problem = page.attempt("facilities", "report_repair", payload)
    if problem:
        return page.render("repair_new.html", status=400, values=values, problem=problem, **options)
    return page.redirect("/console/repairs", flash=f"报修已提交（编号 {created['id']}）。")


@pages.page("/rooms/over-standard", READERS, menu="超标用房")
def over_standard(page):
    query = page.query("unit_code")
    rooms = page.rpc("facilities", "list_over_standard_rooms", query)
    buildings, _ = page.attempt("facilities", "list_buildings", {"limit": 500, "offset": 0})
    names = {building["id"]: building["name"] for building in (buildings or {"items": []})["items"]}
    return page.render("over_standard.html", result=rooms, query=query, buildings=names)


@pages.page("/rectifications", READERS, menu="整改事项")
def rectifications(page):
    query = page.query("status", "unit_code")
    overdue, result = page.overdue_first("facilities", "list_rectifications", query)
    return page.render("rectifications.html", overdue=overdue, result=result, query=query,
                       statuses=RECTIFICATION_STATUSES, may=page.may(manage=MANAGERS, report=REPORTERS))


@pages.page("/rectifications/<int:rectification_id>/complete", REPORTERS, methods=("POST",))
def complete_rectification(page):
    note = _text(page, "note")
    rectification_id = page.args["rectification_id"]
    return page.act("/console/rectifications", f"整改事项 {rectification_id}", "已报整改完成，等待验收", "facilities",
                    "complete_rectification", rectification_id, {"note": note} if note else {})


@pages.page("/rectifications/<int:rectification_id>/verify", MANAGERS, methods=("POST",))
def verify_rectification(page):
    accepted = page.form.get("accepted") != "0"
    rectification_id = page.args["rectification_id"]
    return page.act("/console/rectifications", f"整改事项 {rectification_id}", "已验收" if accepted else "已退回重新整改",
                    "facilities", "verify_rectification", rectification_id, {"accepted": accepted})


def week_of(text: str | None) -> date:
    """The Monday of the week a ``YYYY-MM-DD`` falls in (this week when it is not one)."""
    day = local_day(text)
    return day - timedelta(days=day.weekday())


@pages.page("/meeting-rooms/calendar", BOOKING_READERS, menu="会议室日程")
def meeting_room_calendar(page):
    monday = week_of(page.request.args.get("week"))
    days = [monday + timedelta(days=offset) for offset in range(7)]
    start = datetime.combine(monday, time(), LOCAL_TZ)
    # free/busy of every room: another unit's meeting shows to a unit user as taken, never whose
    rooms = page.rpc("facilities", "meeting_room_availability", {
        "from": start.isoformat(), "to": (start + timedelta(days=7)).isoformat()})["items"]
    cells = {}
    for room in rooms:
        for booking in room["busy"]:
            begins = datetime.fromisoformat(booking["start_at"]).astimezone(LOCAL_TZ)
            cells.setdefault((room["id"], begins.date()), []).append(booking)
    return page.render("meeting_calendar.html", rooms=rooms, days=days, cells=cells, monday=monday,
                       previous=monday - timedelta(days=7), following=monday + timedelta(days=7))
