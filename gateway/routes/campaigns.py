"""Creation campaigns (创建活动, docs/campaigns.md): the center runs them, a unit's clerk applies
and self-assesses for its own unit, the center's spot checks decide; results export as .xlsx
for the city bureau (市机关事务管理局)."""
import base64
import io
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Font
from werkzeug.wrappers import Response

from gateway.routes import routes
from services.energy import contract as energy
from services.energy.contract import CAMPAIGN_CLERKS, CAMPAIGN_EXPORTERS, CAMPAIGN_MANAGERS, CAMPAIGN_READERS
from services.kit.sheets import append_row

TAG = "campaigns"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DECIDING = {"spot_check": "抽查", "self_assessment": "自评", None: "未评价"}


@routes.post("/api/v1/campaigns", CAMPAIGN_MANAGERS, tag=TAG, body=energy.CampaignCreate, response=energy.Campaign,
             status=201, summary="Start a campaign: its kind, year(s), criteria sheet (the kind's default when left "
                                 "out), pass line and participating units")
def create_campaign(call):
    return call.rpc("energy", "create_campaign", call.json())


@routes.get("/api/v1/campaigns", CAMPAIGN_READERS, tag=TAG, query=energy.CampaignQuery, response=energy.Campaign,
            many=True, summary="List campaigns (by kind, by a year they run in)")
def list_campaigns(call):
    return call.rpc("energy", "list_campaigns", call.query())


@routes.get("/api/v1/campaigns/<int:campaign_id>", CAMPAIGN_READERS, tag=TAG, response=energy.Campaign,
            summary="One campaign with its criteria sheet and participating units")
def get_campaign(call):
    return call.rpc("energy", "get_campaign", call.args["campaign_id"])


@routes.post("/api/v1/campaigns/<int:campaign_id>/participants", CAMPAIGN_MANAGERS, tag=TAG,
             body=energy.ParticipantsAdd, response=energy.Campaign, summary="Add participating units")
def add_campaign_participants(call):
    return call.rpc("energy", "add_campaign_participants", call.args["campaign_id"], call.json())


@routes.post("/api/v1/campaigns/<int:campaign_id>/applications", CAMPAIGN_CLERKS, tag=TAG,
             body=energy.ApplicationCreate, response=energy.Application, status=201,
             summary="A participating unit applies (申报); a unit user for its own unit only "
                     "(422 campaigns.not_participating, campaigns.outside_period; 409 applied already)")
def apply_to_campaign(call):
    return call.rpc("energy", "apply_to_campaign", call.args["campaign_id"], call.json())


@routes.get("/api/v1/campaigns/<int:campaign_id>/applications", CAMPAIGN_READERS, tag=TAG,
            query=energy.ApplicationQuery, response=energy.Application, many=True,
            summary="The applications (a unit user sees its own)")
def list_campaign_applications(call):
    return call.rpc("energy", "list_campaign_applications", call.args["campaign_id"], call.query())


@routes.post("/api/v1/campaigns/<int:campaign_id>/self-assessments", CAMPAIGN_CLERKS, tag=TAG,
             body=energy.EvaluationCreate, response=energy.Evaluation, status=201,
             summary="A unit's self-assessment against the criteria sheet, with evidence files (base64); "
                     "after its application (422 campaigns.no_application)")
def self_assess(call):
    return call.rpc("energy", "self_assess", call.args["campaign_id"], call.json())


@routes.post("/api/v1/campaigns/<int:campaign_id>/spot-checks", CAMPAIGN_MANAGERS, tag=TAG,
             body=energy.EvaluationCreate, response=energy.Evaluation, status=201,
             summary="The center's spot check (抽查): it overrides the unit's self-assessment")
def spot_check(call):
    return call.rpc("energy", "spot_check", call.args["campaign_id"], call.json())


@routes.get("/api/v1/campaigns/<int:campaign_id>/evaluations", CAMPAIGN_READERS, tag=TAG,
            query=energy.EvaluationQuery, response=energy.Evaluation, many=True,
            summary="Self-assessments and spot checks (a unit user sees its own)")
def list_campaign_evaluations(call):
    return call.rpc("energy", "list_campaign_evaluations", call.args["campaign_id"], call.query())


@routes.get("/api/v1/campaigns/evidence/<int:evidence_id>", CAMPAIGN_READERS, tag=TAG,
            summary="An evidence file as it was sent (a unit user: its own unit's)",
            extra={"other_content": {"*/*": {"type": "string", "format": "binary", "description": "in the type it was sent in"}}})
def get_campaign_evidence(call):
    evidence = call.rpc("energy", "get_campaign_evidence", call.args["evidence_id"])
    return Response(base64.b64decode(evidence["content_base64"]), mimetype=evidence["content_type"], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(evidence['filename'])}"})


@routes.get("/api/v1/campaigns/<int:campaign_id>/results", CAMPAIGN_READERS, tag=TAG, response=energy.CampaignResults,
            summary="Each participating unit's result: its deciding evaluation (the spot check, else the "
                    "self-assessment) after no-smoking patrol deductions; a unit user sees its own")
def campaign_results(call):
    return call.rpc("energy", "campaign_results", call.args["campaign_id"])


@routes.get("/api/v1/campaigns/<int:campaign_id>/export", CAMPAIGN_EXPORTERS, tag=TAG,
            summary="The results as an .xlsx for the city bureau (市机关事务管理局)",
            extra={"other_content": {XLSX: {"type": "string", "format": "binary"}}})
def export_campaign(call):
    results = call.rpc("energy", "campaign_results", call.args["campaign_id"])
    name = f"campaign-{results['campaign']['id']}-results.xlsx"
    return Response(results_workbook(results), mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


def results_workbook(results: dict) -> bytes:
    """One sheet: the campaign, then a row per unit with each criterion's points."""
    campaign = results["campaign"]
    book = Workbook()
    sheet = book.active
    sheet.title = "创建结果"
    years = "、".join(str(year) for year in campaign["years"])
    append_row(sheet, [f"{campaign['name']}（{energy.CAMPAIGN_TITLES[campaign['kind']]}，{years}年）"])
    append_row(sheet, [f"参与单位{results['participants']}个，申报{results['applied']}个，评价{results['assessed']}个"
                       f"（抽查{results['spot_checked']}个），达标{results['passed']}个；达标线{campaign['pass_score']}分"])
    criteria = campaign["criteria"]
    append_row(sheet, ["单位代码", "是否申报", "评价依据", *(f"{c['name']}（{c['max_score']}分）" for c in criteria),
                       "总分", "否决项达标", "是否达标", "控烟巡查发现"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in results["units"]:
        scores = row["scores"] or {}
        append_row(sheet, [row["unit_code"], "是" if row["applied"] else "否", DECIDING[row["deciding"]],
                           *(scores.get(c["code"]) for c in criteria), row["total_score"],
                           None if row["must_pass_met"] is None else ("是" if row["must_pass_met"] else "否"),
                           "是" if row["passed"] else "否", row["smoking_findings"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@routes.post("/api/v1/campaigns/health-activities", CAMPAIGN_CLERKS, tag=TAG, body=energy.HealthActivityCreate,
             response=energy.HealthActivity, status=201,
             summary="Record a health activity (工间操, 健步走, ball games, talks) with its participants")
def record_health_activity(call):
    return call.rpc("energy", "record_health_activity", call.json())


@routes.get("/api/v1/campaigns/health-activities", CAMPAIGN_READERS, tag=TAG, query=energy.HealthActivityQuery,
            response=energy.HealthActivity, many=True, summary="List health activities (a unit user: its own)")
def list_health_activities(call):
    return call.rpc("energy", "list_health_activities", call.query())


@routes.get("/api/v1/campaigns/summary", CAMPAIGN_MANAGERS + ("leader",), tag=TAG,
            query=energy.CampaignSummaryQuery, response=energy.CampaignSummary,
            summary="A year's campaigns by kind, health activities and no-smoking findings (the annual report's)")
def campaign_summary(call):
    return call.rpc("energy", "campaign_summary", call.query())
