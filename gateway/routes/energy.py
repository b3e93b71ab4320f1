"""Public-institution energy and resource conservation."""

from werkzeug.wrappers import Response

from gateway.http import dumps
from gateway.routes import routes, sheet_upload
from services.energy import contract as energy



@routes.get("/api/v1/institutions", energy.READERS, summary="List institutions", tag="energy",
            query=energy.InstitutionQuery, response=energy.Institution, many=True)
def list_institutions(call):
    return call.rpc("energy", "list_institutions", call.query())


@routes.post("/api/v1/institutions", energy.MANAGERS, summary="Register a institution", tag="energy",
             body=energy.InstitutionCreate, response=energy.Institution, status=201)
def create_institution(call):
    return 201, call.rpc("energy", "create_institution", call.json())


@routes.get("/api/v1/institutions/<int:item_id>", energy.READERS, summary="Read one institution", tag="energy",
            response=energy.Institution)
def get_institution(call):
    return call.rpc("energy", "get_institution", call.args["item_id"])


@routes.get("/api/v1/energy/targets", energy.READERS, summary="List targets", tag="energy", query=energy.TargetQuery,
            response=energy.Target, many=True)
def list_targets(call):
    return call.rpc("energy", "list_targets", call.query())


@routes.post("/api/v1/energy/targets", energy.MANAGERS, summary="Register a target", tag="energy", body=energy.TargetCreate,
             response=energy.Target, status=201)
def create_target(call):
    return 201, call.rpc("energy", "create_target", call.json())


@routes.get("/api/v1/energy/targets/<int:item_id>", energy.READERS, summary="Read one target", tag="energy",
            response=energy.Target)
def get_target(call):
    return call.rpc("energy", "get_target", call.args["item_id"])


@routes.get("/api/v1/energy/audits", energy.READERS, summary="List audits", tag="energy", query=energy.AuditQuery,
            response=energy.Audit, many=True)
def list_audits(call):
    return call.rpc("energy", "list_audits", call.query())


@routes.post("/api/v1/energy/audits", energy.MANAGERS, summary="Register a audit", tag="energy", body=energy.AuditCreate,
             response=energy.Audit, status=201)
def create_audit(call):
    return 201, call.rpc("energy", "create_audit", call.json())


@routes.get("/api/v1/energy/audits/<int:item_id>", energy.READERS, summary="Read one audit", tag="energy",
            response=energy.Audit)
def get_audit(call):
    return call.rpc("energy", "get_audit", call.args["item_id"])


@routes.get("/api/v1/energy/projects", energy.READERS, summary="List projects", tag="energy", query=energy.ProjectQuery,
            response=energy.Project, many=True)
def list_projects(call):
    return call.rpc("energy", "list_projects", call.query())


@routes.post("/api/v1/energy/projects", energy.MANAGERS, summary="Register a project", tag="energy", body=energy.ProjectCreate,
             response=energy.Project, status=201)
def create_project(call):
    return 201, call.rpc("energy", "create_project", call.json())


@routes.get("/api/v1/energy/projects/<int:item_id>", energy.READERS, summary="Read one project", tag="energy",
            response=energy.Project)
def get_project(call):
    return call.rpc("energy", "get_project", call.args["item_id"])


@routes.get("/api/v1/energy/assessments", energy.READERS, summary="List assessments", tag="energy",
            query=energy.AssessmentQuery, response=energy.Assessment, many=True)
def list_assessments(call):
    return call.rpc("energy", "list_assessments", call.query())


@routes.post("/api/v1/energy/assessments", energy.REPORTERS, summary="Register a assessment", tag="energy",
             body=energy.AssessmentCreate, response=energy.Assessment, status=201)
def create_assessment(call):
    return 201, call.rpc("energy", "create_assessment", call.json())


@routes.get("/api/v1/energy/assessments/<int:item_id>", energy.READERS, summary="Read one assessment", tag="energy",
            response=energy.Assessment)
def get_assessment(call):
    return call.rpc("energy", "get_assessment", call.args["item_id"])


@routes.get("/api/v1/waste/records", energy.READERS, summary="List waste records", tag="waste", query=energy.WasteQuery,
            response=energy.WasteRecord, many=True)
def list_waste_records(call):
    return call.rpc("energy", "list_waste_records", call.query())


@routes.post("/api/v1/waste/records", energy.REPORTERS, summary="Register a waste record", tag="waste",
             body=energy.WasteRecordCreate, response=energy.WasteRecord, status=201)
def create_waste_record(call):
    return 201, call.rpc("energy", "create_waste_record", call.json())


@routes.get("/api/v1/waste/records/<int:item_id>", energy.READERS, summary="Read one waste record", tag="waste",
            response=energy.WasteRecord)
def get_waste_record(call):
    return call.rpc("energy", "get_waste_record", call.args["item_id"])


@routes.get("/api/v1/waste/demonstration-sites", energy.READERS, summary="List demonstration sites", tag="waste",
            query=energy.DemonstrationSiteQuery, response=energy.DemonstrationSite, many=True)
def list_demonstration_sites(call):
    return call.rpc("energy", "list_demonstration_sites", call.query())


@routes.post("/api/v1/waste/demonstration-sites", energy.MANAGERS, summary="Register a demonstration site", tag="waste",
             body=energy.DemonstrationSiteCreate, response=energy.DemonstrationSite, status=201)
def create_demonstration_site(call):
    return 201, call.rpc("energy", "create_demonstration_site", call.json())


@routes.get("/api/v1/waste/demonstration-sites/<int:item_id>", energy.READERS, summary="Read one demonstration site",
            tag="waste", response=energy.DemonstrationSite)
def get_demonstration_site(call):
    return call.rpc("energy", "get_demonstration_site", call.args["item_id"])


@routes.patch("/api/v1/institutions/<int:institution_id>", energy.MANAGERS, tag="energy", body=energy.InstitutionUpdate,
              response=energy.Institution,
              summary="Change an institution; a floor area set here overrides facilities' (null clears it)")
def update_institution(call):
    return call.rpc("energy", "update_institution", call.args["institution_id"], call.json())


@routes.patch("/api/v1/energy/projects/<int:project_id>", energy.MANAGERS, tag="energy", body=energy.ProjectUpdate,
              response=energy.Project, summary="Record a retrofit's completion, unit price or scope")
def update_project(call):
    return call.rpc("energy", "update_project", call.args["project_id"], call.json())


# readings and imports ---------------------------------------------------------------------------
@routes.post("/api/v1/energy/readings", energy.REPORTERS, tag="energy", body=energy.ReadingCreate,
             response=energy.ReadingsWritten,
             summary="Report monthly readings: one object or a list (all or none); the same value again "
                     "changes nothing, another value is a correction that keeps the old one")
def record_readings(call):
    return call.rpc("energy", "record_readings", call.json())


@routes.get("/api/v1/energy/readings", energy.READERS, tag="energy", query=energy.ReadingQuery,
            response=energy.Reading, many=True, summary="List readings")
def list_readings(call):
    return call.rpc("energy", "list_readings", call.query())


@routes.get("/api/v1/energy/readings/<int:reading_id>", energy.READERS, tag="energy", response=energy.Reading,
            summary="Read one reading with the values corrections replaced")
def get_reading(call):
    return call.rpc("energy", "get_reading", call.args["reading_id"])


SHEET_UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "the statistics form as .xlsx or .csv"}}}}}}


IMPORT_LOCATION = {"Location": {"description": "the import job, /api/v1/energy/imports/{id}: read it until it ends",
                                  "schema": {"type": "string"}}}


@routes.post("/api/v1/energy/imports", energy.REPORTERS, tag="energy", response=energy.ImportJob, status=202,
             extra={"request_body": SHEET_UPLOAD, "response_headers": IMPORT_LOCATION},
             summary="Send a statistics-form sheet: accepted as an import job (202, Location: the job) once its "
                     "type, size and header are checked; a sheet past a limit is refused (422 energy.import_limit)")
def import_readings(call):
    job = call.rpc("energy", "import_readings", sheet_upload(call))
    return Response(dumps(job), status=202, mimetype="application/json",
                    headers={"Location": f"/api/v1/energy/imports/{job['id']}"})


@routes.get("/api/v1/energy/imports", energy.READERS, tag="energy", query=energy.PageQuery,
            response=energy.ImportJob, many=True, summary="List import jobs, newest first, with their reports")
def list_imports(call):
    return call.rpc("energy", "list_imports", call.query())


@routes.get("/api/v1/energy/imports/<int:import_id>", energy.READERS, tag="energy", response=energy.ImportJob,
            summary="An import job: queued, running (rows done of the total), succeeded with its row-by-row "
                    "report, or failed with its reason (nothing applied)")
def get_import(call):
    return call.rpc("energy", "get_import", call.args["import_id"])


# figures -------------------------------------------------------------------------------------------
@routes.get("/api/v1/energy/indicators", energy.READERS, tag="energy", query=energy.IndicatorQuery,
            response=energy.Indicators,
            summary="Indicators of an institution, a group or the county, year over year and against targets")
def indicators(call):
    return call.rpc("energy", "indicators", call.query())


@routes.get("/api/v1/energy/benchmark", energy.OVERVIEW, tag="energy", query=energy.BenchmarkQuery,
            response=energy.Benchmark, summary="Institutions ranked by intensity, with their saving potential")
def benchmark(call):
    return call.rpc("energy", "benchmark", call.query())


@routes.get("/api/v1/energy/unit-overview", energy.READERS, tag="energy", query=energy.UnitOverviewQuery,
            response=energy.UnitOverview, extra={"statuses": [422]},
            summary="A unit's energy: each month against its targets, months not reported, its rank in its group "
                    "(staff name the unit: without unit_code, 422 unit_required)")
def unit_overview(call):
    return call.rpc("energy", "unit_overview", call.query())


@routes.get("/api/v1/energy/fleet", energy.READERS, tag="energy", query=energy.FleetQuery, response=energy.Fleet,
            summary="The fleet's fuel (transport ledger), beside the building indicators")
def fleet(call):
    return call.rpc("energy", "fleet", call.query())


@routes.get("/api/v1/energy/assessments/sheet", energy.READERS, tag="energy", response=energy.ScoreSheet,
            summary="The 节约型机关 score sheet")
def assessment_sheet(call):
    return call.rpc("energy", "assessment_sheet")


@routes.get("/api/v1/energy/assessments/summary", energy.OVERVIEW, tag="energy", query=energy.YearQuery,
            response=energy.AssessmentSummary, summary="The share of institutions that pass (节约型机关)")
def assessment_summary(call):
    return call.rpc("energy", "assessment_summary", call.query())


@routes.get("/api/v1/energy/projects/summary", energy.READERS, tag="energy", query=energy.ProjectSummaryQuery,
            response=energy.ProjectSummary,
            summary="Retrofits completed in a year's months: count, investment, mean measured saving rate")
def project_summary(call):
    return call.rpc("energy", "project_summary", call.query())


@routes.get("/api/v1/energy/audits/summary", energy.READERS, tag="energy", query=energy.WasteSummaryQuery,
            response=energy.AuditSummary, summary="Energy audits made in a year's months and the units they covered")
def audit_summary(call):
    return call.rpc("energy", "audit_summary", call.query())


@routes.get("/api/v1/waste/summary", energy.READERS, tag="waste", query=energy.WasteSummaryQuery,
            response=energy.WasteSummary, summary="Waste by category, the recyclable share, demonstration sites")
def waste_summary(call):
    return call.rpc("energy", "waste_summary", call.query())
