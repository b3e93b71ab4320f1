"""Patrols on a guard's phone: the checkpoint a QR label opens records the scan; the walk under way
with the checkpoints left; ending it; reporting a finding. For managers: patrols (flagged first),
the routes' printable QR labels, findings and training records."""
from markupsafe import Markup

from gateway import qr_labels
from gateway.console.labels import FINDING_CATEGORIES, PATROL_KINDS, TRAINING_CATEGORIES
from gateway.console.pages import local_day, pages
from services.facilities import contract

MANAGE, GUARDS, READERS = contract.PATROL_MANAGERS, contract.GUARDS, contract.PATROL_READERS


def _text(page, name: str) -> str:
    return page.form.get(name, "").strip()


@pages.page("/patrol", GUARDS, menu="我的巡查")
def my_patrols(page):
    """The guard's walks under way and today's patrols, newest first."""
    today = local_day(None)
    walking = page.rpc("facilities", "list_patrols", {"guard": page.caller.name, "status": "in_progress",
                                                      "limit": 20, "offset": 0})["items"]
    due = page.rpc("facilities", "list_patrols", {"from": str(today), "to": str(today), "limit": 50, "offset": 0})
    return page.render("patrol_mine.html", walking=walking, due=due["items"], kinds=PATROL_KINDS)


@pages.page("/patrol/scan/<token>", GUARDS, methods=("GET", "POST"))
def scan_checkpoint(page):
    """What a checkpoint's QR label opens: the checkpoint, and one button that records the scan now."""
    token = page.args["token"]
    found, problem = page.attempt("facilities", "get_checkpoint", token)
    if problem:
        return page.render("error.html", status=404, status_code=404, text="没有这个巡查点（标签无效）。", problem=None)
    if page.request.method == "GET":
        return page.render("patrol_scan.html", checkpoint=found["checkpoint"], route=found["route"], token=token)
    scanned, problem = page.attempt("facilities", "record_scan", token)
    if problem:
        return page.render("patrol_scan.html", status=409, checkpoint=found["checkpoint"], route=found["route"],
                           token=token, problem=problem)
    patrol = scanned["patrol"]
    words = "已打过卡" if scanned["repeated"] else "打卡成功"
    return page.redirect(f"/console/patrols/{patrol['id']}",
                         flash=f"{found['checkpoint']['name']} {words}（{len(patrol['scans'])}/{patrol['checkpoints']}）。")


def _route_of(page, patrol) -> dict:
    return page.rpc("facilities", "get_patrol_route", patrol["route_id"])


@pages.page("/patrols/<int:patrol_id>", READERS)
def patrol_detail(page):
    patrol = page.rpc("facilities", "get_patrol", page.args["patrol_id"])
    route = _route_of(page, patrol)
    scanned = {scan["checkpoint_id"] for scan in patrol["scans"]}
    left = [c for c in route["checkpoints"] if c["id"] not in scanned]
    return page.render("patrol_detail.html", patrol=patrol, route=route, left=left, kinds=PATROL_KINDS,
                       categories=FINDING_CATEGORIES, may=page.may(walk=GUARDS))


@pages.page("/patrols/<int:patrol_id>/finish", GUARDS, methods=("POST",))
def finish_patrol(page):
    patrol_id = page.args["patrol_id"]
    return page.act(f"/console/patrols/{patrol_id}", f"巡查 {patrol_id}", "已结束", "facilities", "finish_patrol",
                    patrol_id)


@pages.page("/patrols/<int:patrol_id>/findings", GUARDS, methods=("POST",))
def report_finding(page):
    patrol_id = page.args["patrol_id"]
    opens = "rectification" if _text(page, "deadline_on") else "repair"
    payload = {"patrol_id": patrol_id, "category": _text(page, "category") or "other",
               "location": _text(page, "location"), "description": _text(page, "description"), "opens": opens}
    if _text(page, "checkpoint_id").isdigit():
        payload["checkpoint_id"] = int(_text(page, "checkpoint_id"))
    if opens == "rectification":
        payload["deadline_on"] = _text(page, "deadline_on")
    return page.act(f"/console/patrols/{patrol_id}", "问题", "已上报" + ("，已生成整改事项" if opens == "rectification"
                                                                     else "，已生成维修工单"),
                    "facilities", "report_patrol_finding", payload)


@pages.page("/patrols", READERS, menu="巡查记录")
def list_patrols(page):
    query = page.query("route_id", "status")
    flagged = []
    if not query["offset"] and not query.get("status"):
        flagged = page.rpc("facilities", "list_patrols", {**query, "flagged": True, "limit": 20})["items"]
    result = page.rpc("facilities", "list_patrols", {**query, **({} if query.get("status") else {"flagged": False})})
    routes = page.rpc("facilities", "list_patrol_routes", {"limit": 500, "offset": 0})["items"]
    return page.render("patrols.html", flagged=flagged, result=result, query=query, routes=routes,
                       kinds=PATROL_KINDS, statuses=contract.PATROL_STATUSES, may=page.may(manage=MANAGE))


@pages.page("/patrol-routes/<int:route_id>/labels", READERS)
def route_labels(page):
    """The route's checkpoints' QR labels, to print and post."""
    route = page.rpc("facilities", "get_patrol_route", page.args["route_id"])
    qr = [(checkpoint, Markup(qr_labels.label_svg(qr_labels.scan_url(page.request.host_url, checkpoint["token"]))))
              for checkpoint in route["checkpoints"]]
    return page.render("patrol_labels.html", route=route, qr=qr, kinds=PATROL_KINDS)


@pages.page("/patrol-findings", contract.FINDING_READERS, menu="巡查发现问题")
def list_findings(page):
    query = page.query("kind", "status")
    result = page.rpc("facilities", "list_patrol_findings", query)
    return page.render("patrol_findings.html", result=result, query=query, kinds=PATROL_KINDS,
                       categories=FINDING_CATEGORIES, may=page.may(manage=MANAGE, report=("facility_manager", "unit_user")))


@pages.page("/patrol-findings/<int:finding_id>/complete", ("facility_manager", "unit_user"), methods=("POST",))
def complete_finding(page):
    finding_id, note = page.args["finding_id"], _text(page, "note")
    return page.act("/console/patrol-findings", f"问题 {finding_id}", "已报整改完成，等待验收", "facilities",
                    "complete_patrol_finding", finding_id, {"note": note} if note else {})


@pages.page("/patrol-findings/<int:finding_id>/verify", MANAGE, methods=("POST",))
def verify_finding(page):
    finding_id, accepted = page.args["finding_id"], page.form.get("accepted") != "0"
    return page.act("/console/patrol-findings", f"问题 {finding_id}", "已验收" if accepted else "已退回重新整改",
                    "facilities", "verify_patrol_finding", finding_id, {"accepted": accepted})


@pages.page("/trainings", contract.TRAINING_READERS, methods=("GET", "POST"), menu="安全培训")
def trainings(page):
    problem, values = None, {}
    if page.request.method == "POST" and page.caller.has_any(MANAGE):
        values = {name: _text(page, name) for name in ("held_on", "topic", "category", "hours", "attendees")}
        attendees = [name for name in values["attendees"].replace("，", ",").replace("、", ",").split(",") if name.strip()]
        created, problem = page.attempt("facilities", "create_training", {**values, "attendees": attendees})
        if not problem:
            return page.redirect("/console/trainings", flash=f"培训记录已登记（{created['attendee_count']}人参加）。")
    query = page.query("category")
    result = page.rpc("facilities", "list_trainings", query)
    return page.render("trainings.html", status=400 if problem else 200, result=result, query=query,
                       problem=problem, values=values, categories=TRAINING_CATEGORIES, may=page.may(manage=MANAGE))
