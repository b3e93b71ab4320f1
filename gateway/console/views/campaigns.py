"""Creation campaigns (创建活动): the list, one campaign's results, a unit's application and
self-assessment (a unit user for its own unit), the center's spot check, health activities."""
import base64

from gateway.console.pages import pages
from services.energy.contract import (
    CAMPAIGN_CLERKS, CAMPAIGN_MANAGERS, CAMPAIGN_READERS, CAMPAIGN_TITLES, HEALTH_ACTIVITY_KINDS,
)

ACTIVITY_NAMES = {"exercise_break": "工间操", "walking": "健步走", "ball_game": "球类活动", "talk": "健康讲座", "other": "其他"}
assert set(ACTIVITY_NAMES) == set(HEALTH_ACTIVITY_KINDS)


@pages.page("/campaigns", CAMPAIGN_READERS, menu="创建活动")
def campaigns(page):
    query = page.query("kind", "year")
    return page.render("campaigns.html", result=page.rpc("energy", "list_campaigns", query), query=query,
                       titles=CAMPAIGN_TITLES)


@pages.page("/campaigns/<int:campaign_id>", CAMPAIGN_READERS, methods=("GET", "POST"))
def campaign(page):
    """The results; the forms: apply, self-assess (with evidence files) and, for the center, spot-check."""
    campaign_id = page.call.args["campaign_id"]
    back = f"/console/campaigns/{campaign_id}"
    if page.request.method == "POST":
        action = page.form.get("action")
        unit_code = page.caller.unit_code if page.caller.unit_scoped else page.form.get("unit_code", "").strip()
        on = page.form.get("on", "").strip()
        if action == "apply":
            return page.act(back, f"{unit_code} 申报", "已提交", "energy", "apply_to_campaign", campaign_id,
                            {"unit_code": unit_code, "applied_on": on, "statement": page.form.get("statement") or None})
        found = page.rpc("energy", "get_campaign", campaign_id)
        scores = {}
        for criterion in found["criteria"]:
            value = page.form.get(f"score_{criterion['code']}", "").strip()
            scores[criterion["code"]] = int(value) if value.isdigit() else value
        evidence = [{"filename": upload.filename, "content_type": upload.mimetype or "application/octet-stream",
                     "content_base64": base64.b64encode(upload.stream.read()).decode("ascii")}
                    for upload in page.request.files.getlist("evidence") if upload and upload.filename]
        method, what = ("spot_check", "抽查") if action == "spot_check" else ("self_assess", "自评")
        return page.act(back, f"{unit_code} {what}", "已记录", "energy", method, campaign_id,
                        {"unit_code": unit_code, "scores": scores, "assessed_on": on, "evidence": evidence})
    results = page.rpc("energy", "campaign_results", campaign_id)
    return page.render("campaign.html", results=results, campaign=results["campaign"], titles=CAMPAIGN_TITLES,
                       may=page.may(apply=CAMPAIGN_CLERKS, spot_check=CAMPAIGN_MANAGERS))


@pages.page("/campaigns/activities", CAMPAIGN_READERS, methods=("GET", "POST"), menu="健康活动")
def health_activities(page):
    back = "/console/campaigns/activities"
    if page.request.method == "POST":
        unit_code = page.caller.unit_code if page.caller.unit_scoped else page.form.get("unit_code", "").strip()
        participants = page.form.get("participants", "").strip()
        return page.act(back, "健康活动", "已登记", "energy", "record_health_activity", {
            "unit_code": unit_code, "kind": page.form.get("kind"), "title": page.form.get("title", "").strip(),
            "held_on": page.form.get("held_on", "").strip(),
            "participants": int(participants) if participants.isdigit() else participants})
    query = page.query("kind", "year")
    return page.render("health_activities.html", result=page.rpc("energy", "list_health_activities", query),
                       query=query, names=ACTIVITY_NAMES, may=page.may(record=CAMPAIGN_CLERKS))
