"""Official vehicles: a unit requests a car; the dispatcher's board approves and assigns it."""
from datetime import datetime, timezone

from gateway.console.labels import FLAG_KINDS
from gateway.console.pages import LOCAL_TZ, form_instant, form_int, pages
from services.vehicles.contract import (
    DISPATCH_READERS, DISPATCH_STATUSES, DISPATCHERS, FLAG_EXPLAINERS, FLAG_STATUSES, FLEET_READERS, REQUESTERS,
)

SUGGESTIONS = 5


@pages.page("/dispatches/new", REQUESTERS, methods=("GET", "POST"), menu="申请用车")
def request_car(page):
    if page.request.method == "GET":
        return page.render("dispatch_new.html", values=page.restored(), problem=None, units=page.units())
    values = {name: page.form.get(name, "").strip()
              for name in ("unit_code", "purpose", "passengers", "origin", "destination", "start_at", "end_at")}
    if page.caller.unit_scoped:
        values["unit_code"] = ""  # the service takes the caller's own unit
    payload = {"unit_code": values["unit_code"], "purpose": values["purpose"],
               "passengers": form_int(values["passengers"]), "origin": values["origin"],
               "destination": values["destination"], "start_at": form_instant(values["start_at"]),
               "end_at": form_instant(values["end_at"])}
    payload = {key: value for key, value in payload.items() if value not in (None, "")}
    created, problem = page.attempt("vehicles", "create_dispatch", payload)
    if problem:
        return page.render("dispatch_new.html", status=422 if problem.rules else 400, values=values, problem=problem,
                           units=page.units())
    return page.redirect(f"/console/dispatches/{created['id']}", flash=f"用车申请已提交（编号 {created['id']}），等待调度审批。")


@pages.page("/dispatches", DISPATCH_READERS, menu="用车记录")
def list_dispatches(page):
    query = page.query("status", "unit_code")
    result = page.rpc("vehicles", "list_dispatches", query)
    return page.render("dispatches.html", result=result, query=query, statuses=DISPATCH_STATUSES)


@pages.page("/dispatches/<int:dispatch_id>", DISPATCH_READERS)
def show_dispatch(page):
    dispatch = page.rpc("vehicles", "get_dispatch", page.args["dispatch_id"])
    names = _names(page, [dispatch], {})  # a unit's own user reads the car but not the drivers' register
    return page.render("dispatch.html", dispatch=dispatch, names=names)


def _items(page, method, query):
    return page.rpc("vehicles", method, {**query, "limit": 100})["items"]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def _held(holding: list, start: datetime, end: datetime, key: str, now: datetime) -> set:
    """The vehicles or drivers (``key``) of assigned and departed dispatches over an interval overlapping
    ``start``–``end``; a car still out past its return time holds its car and driver until it is back."""
    held = set()
    for other in holding:
        overdue = other["status"] == "departed" and _instant(other["end_at"]) <= now
        overlaps = _instant(other["start_at"]) < end and _instant(other["end_at"]) > start
        if other.get(key) is not None and (overdue or overlaps):
            held.add(other[key])
    return held


def vehicle_name(vehicle: dict | None) -> str:
    if not vehicle:
        return ""
    return f"{vehicle['plate']}（{vehicle.get('make') or ''}{vehicle.get('model') or ''}，{vehicle['seats']}座）"


def _names(page, dispatches: list, drivers: dict) -> dict:
    """Each car and driver on the board by name: plate, model and seats; the driver's name."""
    vehicles = {}
    for vehicle_id in {d["vehicle_id"] for d in dispatches if d.get("vehicle_id")}:
        found, _ = page.attempt("vehicles", "get_vehicle", vehicle_id)
        vehicles[vehicle_id] = found
    for driver_id in {d["driver_id"] for d in dispatches if d.get("driver_id")} - set(drivers):
        drivers[driver_id], _ = page.attempt("vehicles", "get_driver", driver_id, False)  # the name: no phone read
    return {"vehicles": {key: vehicle_name(value) or f"车辆 {key}" for key, value in vehicles.items()},
            "odometers": {key: value["odometer_km"] for key, value in vehicles.items() if value},
            "drivers": {key: (value or {}).get("name") or "" for key, value in drivers.items()}}


@pages.page("/dispatch-board", DISPATCHERS, menu="今日调度")
def dispatch_board(page):
    """The dispatcher's day: requests to approve, cars and drivers actually free to assign, departures,
    returns (odometer, fuel, tolls, parking), dispatches to close, and the cars out, due back and overdue."""
    now = datetime.now(timezone.utc)
    lists = {status: _items(page, "list_dispatches", {"status": status})
             for status in ("requested", "approved", "assigned", "departed", "returned")}
    holding = lists["assigned"] + lists["departed"]
    all_drivers = {driver["id"]: driver for driver in _items(page, "list_drivers", {"status": "active"})}
    offers = {}
    for dispatch in lists["approved"]:
        start, end = _instant(dispatch["start_at"]), _instant(dispatch["end_at"])
        found, _ = page.attempt("vehicles", "available_vehicles", {
            "start": dispatch["start_at"], "end": dispatch["end_at"], "seats": dispatch["passengers"]})
        cars_held, drivers_held = _held(holding, start, end, "vehicle_id", now), _held(holding, start, end, "driver_id", now)
        offers[dispatch["id"]] = {
            "vehicles": [v for v in (found or {"items": []})["items"] if v["id"] not in cars_held][:SUGGESTIONS],
            "drivers": [d for d in all_drivers.values() if d.get("assignable", True) and d["id"] not in drivers_held]}
    local_today = now.astimezone(LOCAL_TZ).date()
    overdue = {d["id"] for d in lists["departed"] if _instant(d["end_at"]) <= now}
    due_today = {d["id"] for d in lists["departed"]
                 if d["id"] not in overdue and _instant(d["end_at"]).astimezone(LOCAL_TZ).date() == local_today}
    flags = _items(page, "list_vehicle_flags", {"status": "open"})
    names = _names(page, lists["assigned"] + lists["departed"] + lists["returned"] + flags, dict(all_drivers))
    placed = {f"dispatch-{d['id']}" for rows in lists.values() for d in rows}
    return page.render("dispatch_board.html", **lists, offers=offers, overdue=overdue, due_today=due_today,
                       flags=flags, flag_kinds=FLAG_KINDS, names=names, placed=placed)


def _act(page, action: str, *body):
    dispatch_id = page.args["dispatch_id"]
    return page.act("/console/dispatch-board", f"用车申请 {dispatch_id}", DISPATCH_DONE[action], "vehicles",
                    f"{action}_dispatch", dispatch_id, *body, where=f"dispatch-{dispatch_id}")


DISPATCH_DONE = {"approve": "已批准", "reject": "已驳回", "assign": "已派车", "depart": "已出车", "return": "已回场",
                 "close": "已结单", "cancel": "已取消"}


@pages.page("/dispatches/<int:dispatch_id>/approve", DISPATCHERS, methods=("POST",))
def approve(page):
    return _act(page, "approve")


@pages.page("/dispatches/<int:dispatch_id>/reject", DISPATCHERS, methods=("POST",))
def reject(page):
    return _act(page, "reject", {"reason": page.form.get("reason", "").strip() or "不符合用车规定"})


@pages.page("/dispatches/<int:dispatch_id>/assign", DISPATCHERS, methods=("POST",))
def assign(page):
    return _act(page, "assign", {"vehicle_id": form_int(page.form.get("vehicle_id")),
                                 "driver_id": form_int(page.form.get("driver_id"))})


@pages.page("/dispatches/<int:dispatch_id>/depart", DISPATCHERS, methods=("POST",))
def depart(page):
    departed_at = form_instant(page.form.get("departed_at"))
    return _act(page, "depart", {"departed_at": departed_at} if departed_at else {})


RETURN_FIELDS = ("odometer_km", "fuel_liters", "tolls_yuan", "cost_yuan", "returned_at")


@pages.page("/dispatches/<int:dispatch_id>/return", DISPATCHERS, methods=("POST",))
def return_car(page):
    body = {name: page.form.get(name, "").strip() for name in RETURN_FIELDS}
    body["returned_at"] = form_instant(body["returned_at"])
    return _act(page, "return", {name: value for name, value in body.items() if value})


@pages.page("/dispatches/<int:dispatch_id>/close", DISPATCHERS, methods=("POST",))
def close(page):
    return _act(page, "close")


@pages.page("/dispatches/<int:dispatch_id>/cancel", DISPATCHERS, methods=("POST",))
def cancel(page):
    reason = page.form.get("reason", "").strip()
    return _act(page, "cancel", {"reason": reason} if reason else {})




@pages.page("/vehicle-flags", FLEET_READERS, menu="用车异常")
def list_flags(page):
    """Flags (无任务出车 and the others): the unit explains, the dispatcher resolves or confirms a violation."""
    query = page.query("status", "kind", "unit_code")
    result = page.rpc("vehicles", "list_vehicle_flags", query)
    return page.render("vehicle_flags.html", result=result, query=query, statuses=FLAG_STATUSES, flag_kinds=FLAG_KINDS,
                       explainers=FLAG_EXPLAINERS, deciders=DISPATCHERS)


@pages.page("/vehicle-flags/<int:flag_id>/explain", FLAG_EXPLAINERS, methods=("POST",))
def explain_flag(page):
    flag_id = page.args["flag_id"]
    return page.act("/console/vehicle-flags", f"异常提醒 {flag_id}", "已说明，等待调度员处理", "vehicles",
                    "explain_vehicle_flag", flag_id, {"explanation": page.form.get("explanation", "").strip()})


@pages.page("/vehicle-flags/<int:flag_id>/resolve", DISPATCHERS, methods=("POST",))
def resolve_flag(page):
    flag_id = page.args["flag_id"]
    outcome = page.form.get("outcome", "")
    return page.act("/console/vehicle-flags", f"异常提醒 {flag_id}", "已认定违规" if outcome == "violation" else "已解决",
                    "vehicles", "resolve_vehicle_flag", flag_id,
                    {"outcome": outcome, "resolution": page.form.get("resolution", "").strip()})
