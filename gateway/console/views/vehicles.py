"""Official vehicles: a unit requests a car; the dispatcher's board approves and assigns it."""
from datetime import datetime, timezone

from gateway.console.labels import FLAG_KINDS
from gateway.console.pages import form_instant, form_int, pages
from gateway.routes import FLEET_READERS
from gateway.routes.vehicles import DISPATCH, DISPATCH_READERS, REQUESTERS
from services.vehicles.contract import DISPATCH_STATUSES, FLAG_STATUSES

SUGGESTIONS = 5


@pages.page("/dispatches/new", REQUESTERS, methods=("GET", "POST"), menu="申请用车")
def request_car(page):
    if page.request.method == "GET":
        return page.render("dispatch_new.html", values={}, problem=None)
    values = {name: page.form.get(name, "").strip()
              for name in ("purpose", "passengers", "origin", "destination", "start_at", "end_at")}
    payload = {"purpose": values["purpose"], "passengers": form_int(values["passengers"]), "origin": values["origin"],
               "destination": values["destination"], "start_at": form_instant(values["start_at"]),
               "end_at": form_instant(values["end_at"])}
    payload = {key: value for key, value in payload.items() if value not in (None, "")}
    created, problem = page.attempt("vehicles", "create_dispatch", payload)
    if problem:
        return page.render("dispatch_new.html", status=422 if problem.rules else 400, values=values, problem=problem)
    return page.redirect(f"/console/dispatches/{created['id']}", flash=f"用车申请已提交（编号 {created['id']}），等待调度审批。")


@pages.page("/dispatches", DISPATCH_READERS, menu="用车记录")
def list_dispatches(page):
    query = page.query("status", "unit_code")
    result = page.rpc("vehicles", "list_dispatches", query)
    return page.render("dispatches.html", result=result, query=query, statuses=DISPATCH_STATUSES)


@pages.page("/dispatches/<int:dispatch_id>", DISPATCH_READERS)
def show_dispatch(page):
    dispatch = page.rpc("vehicles", "get_dispatch", page.args["dispatch_id"])
    return page.render("dispatch.html", dispatch=dispatch)


def _items(page, method, query):
    return page.rpc("vehicles", method, {**query, "limit": 100})["items"]


@pages.page("/dispatch-board", DISPATCH, menu="今日调度")
def dispatch_board(page):
    now = datetime.now(timezone.utc).isoformat()
    requested = _items(page, "list_dispatches", {"status": "requested"})
    approved = _items(page, "list_dispatches", {"status": "approved"})
    departed = _items(page, "list_dispatches", {"status": "departed"})
    assigned = _items(page, "list_dispatches", {"status": "assigned"})
    drivers = [driver for driver in _items(page, "list_drivers", {"status": "active"}) if driver.get("assignable", True)]
    suggestions = {}
    for dispatch in approved:
        found, _ = page.attempt("vehicles", "available_vehicles", {
            "start": dispatch["start_at"], "end": dispatch["end_at"], "seats": dispatch["passengers"]})
        suggestions[dispatch["id"]] = (found or {"items": []})["items"][:SUGGESTIONS]
    returns_due = [dispatch for dispatch in departed if dispatch["end_at"] and _utc(dispatch["end_at"]) <= now]
    flags = _items(page, "list_vehicle_flags", {"status": "open"})
    return page.render("dispatch_board.html", requested=requested, approved=approved, assigned=assigned,
                       departed=departed, returns_due=returns_due, suggestions=suggestions, drivers=drivers,
                       flags=flags, flag_kinds=FLAG_KINDS)


def _utc(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(timezone.utc).isoformat()


def _act(page, action: str, *body):
    dispatch_id = page.args["dispatch_id"]
    words = {"approve": "已批准", "reject": "已驳回", "assign": "已派车"}[action]
    return page.act("/console/dispatch-board", f"用车申请 {dispatch_id}", words, "vehicles", f"{action}_dispatch",
                    dispatch_id, *body)


@pages.page("/dispatches/<int:dispatch_id>/approve", DISPATCH, methods=("POST",))
def approve(page):
    return _act(page, "approve")


@pages.page("/dispatches/<int:dispatch_id>/reject", DISPATCH, methods=("POST",))
def reject(page):
    return _act(page, "reject", {"reason": page.form.get("reason", "").strip() or "不符合用车规定"})


@pages.page("/dispatches/<int:dispatch_id>/assign", DISPATCH, methods=("POST",))
def assign(page):
    return _act(page, "assign", {"vehicle_id": form_int(page.form.get("vehicle_id")),
                                 "driver_id": form_int(page.form.get("driver_id"))})


EXPLAINERS = ("unit_user",) + DISPATCH


@pages.page("/vehicle-flags", FLEET_READERS, menu="用车异常")
def list_flags(page):
    """Flags (无任务出车 and the others): the unit explains, the dispatcher resolves or confirms a violation."""
    query = page.query("status", "kind", "unit_code")
    result = page.rpc("vehicles", "list_vehicle_flags", query)
    return page.render("vehicle_flags.html", result=result, query=query, statuses=FLAG_STATUSES, flag_kinds=FLAG_KINDS,
                       explainers=EXPLAINERS, deciders=DISPATCH)


@pages.page("/vehicle-flags/<int:flag_id>/explain", EXPLAINERS, methods=("POST",))
def explain_flag(page):
    flag_id = page.args["flag_id"]
    return page.act("/console/vehicle-flags", f"异常提醒 {flag_id}", "已说明，等待调度员处理", "vehicles",
                    "explain_vehicle_flag", flag_id, {"explanation": page.form.get("explanation", "").strip()})


@pages.page("/vehicle-flags/<int:flag_id>/resolve", DISPATCH, methods=("POST",))
def resolve_flag(page):
    flag_id = page.args["flag_id"]
    outcome = page.form.get("outcome", "")
    return page.act("/console/vehicle-flags", f"异常提醒 {flag_id}", "已认定违规" if outcome == "violation" else "已解决",
                    "vehicles", "resolve_vehicle_flag", flag_id,
                    {"outcome": outcome, "resolution": page.form.get("resolution", "").strip()})
