"""Public-institution energy and resource conservation."""

from werkzeug.wrappers import Response

from gateway.http import dumps
from gateway.routes import ENERGY_READERS, routes, sheet_upload
from gateway.routes.resource import Resource
from services.energy import contract as energy

CONSERVE = ("energy_officer",)
REPORTERS = ("energy_officer", "unit_user")  # a unit (or a system's key for it) reports its own figures
OVERVIEW = ("energy_officer", "leader")

Resource("/api/v1/institutions", "energy", "institution", "institutions", "energy", ENERGY_READERS, CONSERVE,
         energy.InstitutionCreate, energy.Institution, energy.InstitutionQuery).register(routes)
Resource("/api/v1/energy/targets", "energy", "target", "targets", "energy", ENERGY_READERS, CONSERVE,
         energy.TargetCreate, energy.Target, energy.TargetQuery).register(routes)
Resource("/api/v1/energy/audits", "energy", "audit", "audits", "energy", ENERGY_READERS, CONSERVE,
         energy.AuditCreate, energy.Audit, energy.AuditQuery).register(routes)
Resource("/api/v1/energy/projects", "energy", "project", "projects", "energy", ENERGY_READERS, CONSERVE,
         energy.ProjectCreate, energy.Project, energy.ProjectQuery).register(routes)
Resource("/api/v1/energy/assessments", "energy", "assessment", "assessments", "energy", ENERGY_READERS, REPORTERS,
         energy.AssessmentCreate, energy.Assessment, energy.AssessmentQuery).register(routes)
Resource("/api/v1/waste/records", "energy", "waste_record", "waste_records", "waste", ENERGY_READERS, REPORTERS,
         energy.WasteRecordCreate, energy.WasteRecord, energy.WasteQuery).register(routes)
Resource("/api/v1/waste/demonstration-sites", "energy", "demonstration_site", "demonstration_sites", "waste",
         ENERGY_READERS, CONSERVE, energy.DemonstrationSiteCreate, energy.DemonstrationSite,
         energy.DemonstrationSiteQuery).register(routes)


@routes.patch("/api/v1/institutions/<int:institution_id>", CONSERVE, tag="energy", body=energy.InstitutionUpdate,
              response=energy.Institution,
              summary="Change an institution; a floor area set here overrides facilities' (null clears it)")
def update_institution(call):
    return call.rpc("energy", "update_institution", call.args["institution_id"], call.json())


@routes.patch("/api/v1/energy/projects/<int:project_id>", CONSERVE, tag="energy", body=energy.ProjectUpdate,
              response=energy.Project, summary="Record a retrofit's completion, unit price or scope")
def update_project(call):
    return call.rpc("energy", "update_project", call.args["project_id"], call.json())


# readings and imports ---------------------------------------------------------------------------
@routes.post("/api/v1/energy/readings", REPORTERS, tag="energy", body=energy.ReadingCreate,
             response=energy.ReadingsWritten,
             summary="Report monthly readings: one object or a list (all or none); the same value again "
                     "changes nothing, another value is a correction that keeps the old one")
def record_readings(call):
    return call.rpc("energy", "record_readings", call.json())


@routes.get("/api/v1/energy/readings", ENERGY_READERS, tag="energy", query=energy.ReadingQuery,
            response=energy.Reading, many=True, summary="List readings")
def list_readings(call):
    return call.rpc("energy", "list_readings", call.query())


@routes.get("/api/v1/energy/readings/<int:reading_id>", ENERGY_READERS, tag="energy", response=energy.Reading,
            summary="Read one reading with the values corrections replaced")
def get_reading(call):
    return call.rpc("energy", "get_reading", call.args["reading_id"])


SHEET_UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "the statistics form as .xlsx or .csv"}}}}}}


IMPORT_LOCATION = {"Location": {"description": "the import job, /api/v1/energy/imports/{id}: read it until it ends",
                                  "schema": {"type": "string"}}}


@routes.post("/api/v1/energy/imports", REPORTERS, tag="energy", response=energy.ImportJob, status=202,
             extra={"request_body": SHEET_UPLOAD, "response_headers": IMPORT_LOCATION},
             summary="Send a statistics-form sheet: accepted as an import job (202, Location: the job) once its "
                     "type, size and header are checked; a sheet past a limit is refused (422 energy.import_limit)")
def import_readings(call):
    job = call.rpc("energy", "import_readings", sheet_upload(call))
    return Response(dumps(job), status=202, mimetype="application/json",
                    headers={"Location": f"/api/v1/energy/imports/{job['id']}"})


@routes.get("/api/v1/energy/imports", ENERGY_READERS, tag="energy", query=energy.PageQuery,
            response=energy.ImportJob, many=True, summary="List import jobs, newest first, with their reports")
def list_imports(call):
    return call.rpc("energy", "list_imports", call.query())


@routes.get("/api/v1/energy/imports/<int:import_id>", ENERGY_READERS, tag="energy", response=energy.ImportJob,
            summary="An import job: queued, running (rows done of the total), succeeded with its row-by-row "
                    "report, or failed with its reason (nothing applied)")
def get_import(call):
    return call.rpc("energy", "get_import", call.args["import_id"])


# figures -------------------------------------------------------------------------------------------
@routes.get("/api/v1/energy/indicators", ENERGY_READERS, tag="energy", query=energy.IndicatorQuery,
            response=energy.Indicators,
            summary="Indicators of an institution, a group or the county, year over year and against targets")
def indicators(call):
    return call.rpc("energy", "indicators", call.query())


@routes.get("/api/v1/energy/benchmark", OVERVIEW, tag="energy", query=energy.BenchmarkQuery,
            response=energy.Benchmark, summary="Institutions ranked by intensity, with their saving potential")
def benchmark(call):
    return call.rpc("energy", "benchmark", call.query())


@routes.get("/api/v1/energy/unit-overview", ENERGY_READERS, tag="energy", query=energy.UnitOverviewQuery,
            response=energy.UnitOverview, extra={"statuses": [422]},
            summary="A unit's energy: each month against its targets, months not reported, its rank in its group "
                    "(staff name the unit: without unit_code, 422 unit_required)")
def unit_overview(call):
    return call.rpc("energy", "unit_overview", call.query())


@routes.get("/api/v1/energy/fleet", ENERGY_READERS, tag="energy", query=energy.FleetQuery, response=energy.Fleet,
            summary="The fleet's fuel (transport ledger), beside the building indicators")
def fleet(call):
    return call.rpc("energy", "fleet", call.query())


@routes.get("/api/v1/energy/assessments/sheet", ENERGY_READERS, tag="energy", response=energy.ScoreSheet,
            summary="The 节约型机关 score sheet")
def assessment_sheet(call):
    return call.rpc("energy", "assessment_sheet")


@routes.get("/api/v1/energy/assessments/summary", OVERVIEW, tag="energy", query=energy.YearQuery,
            response=energy.AssessmentSummary, summary="The share of institutions that pass (节约型机关)")
def assessment_summary(call):
    return call.rpc("energy", "assessment_summary", call.query())


@routes.get("/api/v1/energy/projects/summary", ENERGY_READERS, tag="energy", query=energy.ProjectSummaryQuery,
            response=energy.ProjectSummary,
            summary="Retrofits completed in a year's months: count, investment, mean measured saving rate")
def project_summary(call):
    return call.rpc("energy", "project_summary", call.query())


@routes.get("/api/v1/waste/summary", ENERGY_READERS, tag="waste", query=energy.WasteSummaryQuery,
            response=energy.WasteSummary, summary="Waste by category, the recyclable share, demonstration sites")
def waste_summary(call):
    return call.rpc("energy", "waste_summary", call.query())
