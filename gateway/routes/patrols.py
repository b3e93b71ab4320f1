"""Patrols (安全巡查, 控烟巡查), their findings, and guard and staff training (docs/patrols.md)."""
from werkzeug.wrappers import Response

from gateway import qr_labels
from gateway.routes import optional_json, routes
from services.facilities import contract as facilities
from services.kit.schemas import PageQuery
from services.kit.errors import NotFound

PLANNING_SECONDS = 30.0
TAG = "patrols"
READERS, MANAGE, GUARDS = facilities.PATROL_READERS, facilities.PATROL_MANAGERS, facilities.GUARDS
FINDING_READERS, TRAINING_READERS = facilities.FINDING_READERS, facilities.TRAINING_READERS
FIGURE_READERS = facilities.UPKEEP_FIGURE_READERS
SVG = "image/svg+xml"


@routes.get("/api/v1/patrol-routes", READERS, summary="List patrol routes", tag=TAG, query=facilities.PatrolRouteQuery,
            response=facilities.PatrolRoute, many=True)
def list_patrol_routes(call):
    return call.rpc("facilities", "list_patrol_routes", call.query())


@routes.post("/api/v1/patrol-routes", MANAGE, summary="Register a patrol route", tag=TAG, body=facilities.PatrolRouteCreate,
             response=facilities.PatrolRoute, status=201)
def create_patrol_route(call):
    return 201, call.rpc("facilities", "create_patrol_route", call.json())


@routes.get("/api/v1/patrol-routes/<int:item_id>", READERS, summary="Read one patrol route", tag=TAG, response=facilities.PatrolRoute)
def get_patrol_route(call):
    return call.rpc("facilities", "get_patrol_route", call.args["item_id"])


@routes.get("/api/v1/trainings", TRAINING_READERS, summary="List trainings", tag=TAG, query=facilities.TrainingQuery,
            response=facilities.Training, many=True)
def list_trainings(call):
    return call.rpc("facilities", "list_trainings", call.query())


@routes.post("/api/v1/trainings", MANAGE, summary="Register a training", tag=TAG, body=facilities.TrainingCreate,
             response=facilities.Training, status=201)
def create_training(call):
    return 201, call.rpc("facilities", "create_training", call.json())


@routes.get("/api/v1/trainings/<int:item_id>", TRAINING_READERS, summary="Read one training", tag=TAG, response=facilities.Training)
def get_training(call):
    return call.rpc("facilities", "get_training", call.args["item_id"])


@routes.post("/api/v1/patrol-routes/<int:route_id>/checkpoints", MANAGE, summary="Add a checkpoint at the end of the route (it gets the token its QR label carries)", tag=TAG, body=facilities.CheckpointCreate, response=facilities.Checkpoint, status=201)
def add_checkpoint(call):
    return 201, call.rpc("facilities", "add_checkpoint", call.args["route_id"], call.json())


@routes.get("/api/v1/patrol-routes/<int:route_id>/schedules", READERS, summary="The route's schedules", tag=TAG, query=PageQuery, response=facilities.PatrolSchedule, many=True)
def list_patrol_schedules(call):
    return call.rpc("facilities", "list_patrol_schedules", call.args["route_id"], call.query())


@routes.post("/api/v1/patrol-routes/<int:route_id>/schedules", MANAGE, summary="Schedule the route's patrols (default every 2 h from 20:00 to 06:00)", tag=TAG, body=facilities.PatrolScheduleCreate, response=facilities.PatrolSchedule, status=201)
def create_patrol_schedule(call):
    return 201, call.rpc("facilities", "create_patrol_schedule", call.args["route_id"], call.json())


@routes.get("/api/v1/patrol-routes/<int:route_id>/checkpoints/<int:checkpoint_id>/label", READERS, tag=TAG,
            extra={"other_content": {SVG: {"type": "string"}}},
            summary="A checkpoint's printable QR label (SVG): the console URL that records a scan")
def checkpoint_label(call):
    patrol_route = call.rpc("facilities", "get_patrol_route", call.args["route_id"])
    checkpoint = next((c for c in patrol_route["checkpoints"] if c["id"] == call.args["checkpoint_id"]), None)
    if checkpoint is None:
        raise NotFound("checkpoint not found")
    svg = qr_labels.label_svg(qr_labels.scan_url(call.request.host_url, checkpoint["token"]))
    return Response(svg, mimetype=SVG)


# the walk


@routes.get("/api/v1/patrols/stats", FIGURE_READERS, summary="Patrol figures for a period: scheduled, done, incomplete, missed, checkpoints missed, findings closed", tag=TAG, query=facilities.PeriodQuery, response=facilities.PatrolStats)
def patrol_stats(call):
    return call.rpc("facilities", "patrol_stats", call.query())


@routes.post("/api/v1/patrols/plan", MANAGE, summary="Plan the schedules' patrols and flag those whose window ended now (a timer does it too; never twice)", tag=TAG, response=facilities.PlanningReport)
def plan_patrols(call):
    # every schedule's day of patrols at once: longer than a read, as the timer's own round
    return call.rpc("facilities", "plan_patrols", timeout=PLANNING_SECONDS)


@routes.get("/api/v1/patrols", READERS, summary="List patrols (flagged=true: missed or checkpoints skipped)", tag=TAG, query=facilities.PatrolQuery, response=facilities.Patrol, many=True)
def list_patrols(call):
    return call.rpc("facilities", "list_patrols", call.query())


@routes.get("/api/v1/patrols/<int:patrol_id>", READERS, summary="Read one patrol with its scans", tag=TAG, response=facilities.Patrol)
def get_patrol(call):
    return call.rpc("facilities", "get_patrol", call.args["patrol_id"])


@routes.post("/api/v1/patrols/scans/<token>", GUARDS, summary="Record a checkpoint scanned now (on the guard's patrol of the route under way, the one due, or a new one)", tag=TAG, response=facilities.ScanResult)
def record_scan(call):
    return call.rpc("facilities", "record_scan", call.args["token"])


@routes.post("/api/v1/patrols/<int:patrol_id>/finish", GUARDS, summary="End the walk: checkpoints not scanned are flagged at once", tag=TAG, response=facilities.Patrol)
def finish_patrol(call):
    return call.rpc("facilities", "finish_patrol", call.args["patrol_id"])


# findings


@routes.get("/api/v1/patrol-findings", FINDING_READERS, summary="List patrol findings (a unit sees its own area's; kind=no_smoking for the 无烟机关 campaign)", tag=TAG, query=facilities.PatrolFindingQuery, response=facilities.PatrolFinding, many=True)
def list_patrol_findings(call):
    return call.rpc("facilities", "list_patrol_findings", call.query())


@routes.post("/api/v1/patrol-findings", GUARDS, summary="Report a finding: it opens a repair, or a rectification with a deadline", tag=TAG, body=facilities.PatrolFindingCreate, response=facilities.PatrolFinding, status=201)
def report_patrol_finding(call):
    return 201, call.rpc("facilities", "report_patrol_finding", call.json())


@routes.get("/api/v1/patrol-findings/<int:finding_id>", FINDING_READERS, summary="Read one finding", tag=TAG, response=facilities.PatrolFinding)
def get_patrol_finding(call):
    return call.rpc("facilities", "get_patrol_finding", call.args["finding_id"])


@routes.post("/api/v1/patrol-findings/<int:finding_id>/complete", ("facility_manager", "unit_user"), summary="Report a finding's rectification done (it waits for verification)", tag=TAG, body=facilities.PatrolFindingDone, response=facilities.PatrolFinding, extra={"body_optional": True})
def complete_patrol_finding(call):
    return call.rpc("facilities", "complete_patrol_finding", call.args["finding_id"], optional_json(call))


@routes.post("/api/v1/patrol-findings/<int:finding_id>/verify", MANAGE, summary="Verify a done rectification (closes it) or send it back", tag=TAG, body=facilities.PatrolFindingVerify, response=facilities.PatrolFinding, extra={"body_optional": True})
def verify_patrol_finding(call):
    return call.rpc("facilities", "verify_patrol_finding", call.args["finding_id"], optional_json(call))


# training


@routes.get("/api/v1/trainings/stats", FIGURE_READERS, summary="Training figures for a period: sessions, hours, attendances, person-hours", tag=TAG, query=facilities.PeriodQuery, response=facilities.TrainingStats)
def training_stats(call):
    return call.rpc("facilities", "training_stats", call.query())


