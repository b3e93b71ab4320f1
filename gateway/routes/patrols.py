"""Patrols (安全巡查, 控烟巡查), their findings, and guard and staff training (docs/patrols.md)."""
from werkzeug.wrappers import Response

from gateway import qr_labels
from gateway.routes import routes
from gateway.routes.facilities import _route as route
from gateway.routes.resource import Resource
from services.facilities import contract as facilities
from services.kit.errors import NotFound

TAG = "patrols"
READERS, MANAGE, GUARDS = facilities.PATROL_READERS, facilities.PATROL_MANAGERS, facilities.GUARDS
FINDING_READERS, TRAINING_READERS = facilities.FINDING_READERS, facilities.TRAINING_READERS
FIGURE_READERS = facilities.UPKEEP_FIGURE_READERS
SVG = "image/svg+xml"

Resource("/api/v1/patrol-routes", "facilities", "patrol_route", "patrol_routes", TAG, READERS, MANAGE,
         facilities.PatrolRouteCreate, facilities.PatrolRoute, facilities.PatrolRouteQuery).register(routes)
Resource("/api/v1/trainings", "facilities", "training", "trainings", TAG, TRAINING_READERS, MANAGE,
         facilities.TrainingCreate, facilities.Training, facilities.TrainingQuery).register(routes)

route("post", "/api/v1/patrol-routes/<int:route_id>/checkpoints", MANAGE, "add_checkpoint",
      "Add a checkpoint at the end of the route (it gets the token its QR label carries)", "route_id",
      body=facilities.CheckpointCreate, response=facilities.Checkpoint, status=201, tag=TAG)
route("get", "/api/v1/patrol-routes/<int:route_id>/schedules", READERS, "list_patrol_schedules",
      "The route's schedules", "route_id", response=facilities.PatrolSchedule, many=True, tag=TAG)
route("post", "/api/v1/patrol-routes/<int:route_id>/schedules", MANAGE, "create_patrol_schedule",
      "Schedule the route's patrols (default every 2 h from 20:00 to 06:00)", "route_id",
      body=facilities.PatrolScheduleCreate, response=facilities.PatrolSchedule, status=201, tag=TAG)


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
route("get", "/api/v1/patrols/stats", FIGURE_READERS, "patrol_stats",
      "Patrol figures for a period: scheduled, done, incomplete, missed, checkpoints missed, findings closed",
      query=facilities.PeriodQuery, response=facilities.PatrolStats, tag=TAG)
route("post", "/api/v1/patrols/plan", MANAGE, "plan_patrols",
      "Plan the schedules' patrols and flag those whose window ended now (a timer does it too; never twice)",
      response=facilities.PlanningReport, tag=TAG)
route("get", "/api/v1/patrols", READERS, "list_patrols", "List patrols (flagged=true: missed or checkpoints skipped)",
      query=facilities.PatrolQuery, response=facilities.Patrol, many=True, tag=TAG)
route("get", "/api/v1/patrols/<int:patrol_id>", READERS, "get_patrol", "Read one patrol with its scans",
      "patrol_id", response=facilities.Patrol, tag=TAG)
route("post", "/api/v1/patrols/scans/<token>", GUARDS, "record_scan",
      "Record a checkpoint scanned now (on the guard's patrol of the route under way, the one due, or a new one)",
      "token", response=facilities.ScanResult, tag=TAG)
route("post", "/api/v1/patrols/<int:patrol_id>/finish", GUARDS, "finish_patrol",
      "End the walk: checkpoints not scanned are flagged at once", "patrol_id", response=facilities.Patrol, tag=TAG)

# findings
route("get", "/api/v1/patrol-findings", FINDING_READERS, "list_patrol_findings",
      "List patrol findings (a unit sees its own area's; kind=no_smoking for the 无烟机关 campaign)",
      query=facilities.PatrolFindingQuery, response=facilities.PatrolFinding, many=True, tag=TAG)
route("post", "/api/v1/patrol-findings", GUARDS, "report_patrol_finding",
      "Report a finding: it opens a repair, or a rectification with a deadline", body=facilities.PatrolFindingCreate,
      response=facilities.PatrolFinding, status=201, tag=TAG)
route("get", "/api/v1/patrol-findings/<int:finding_id>", FINDING_READERS, "get_patrol_finding",
      "Read one finding", "finding_id", response=facilities.PatrolFinding, tag=TAG)
route("post", "/api/v1/patrol-findings/<int:finding_id>/complete", ("facility_manager", "unit_user"),
      "complete_patrol_finding", "Report a finding's rectification done (it waits for verification)",
      "finding_id", body=facilities.PatrolFindingDone, body_optional=True, response=facilities.PatrolFinding, tag=TAG)
route("post", "/api/v1/patrol-findings/<int:finding_id>/verify", MANAGE, "verify_patrol_finding",
      "Verify a done rectification (closes it) or send it back", "finding_id", body=facilities.PatrolFindingVerify,
      body_optional=True, response=facilities.PatrolFinding, tag=TAG)

# training
route("get", "/api/v1/trainings/stats", FIGURE_READERS, "training_stats",
      "Training figures for a period: sessions, hours, attendances, person-hours", query=facilities.PeriodQuery,
      response=facilities.TrainingStats, tag=TAG)
