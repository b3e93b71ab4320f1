"""Creation campaigns (创建活动: 节约型机关, 健康促进机关, 无烟机关, 垃圾分类示范点): the criteria
sheet, participating units, applications, self-assessments with evidence, the center's spot
checks (抽查, which override), the results, health activities, and the no-smoking patrol
findings kept from facilities' events (docs/campaigns.md)."""
from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date

from sqlalchemy import func, select

from services.energy import contract, domain
from services.energy.base import EnergyBase
from services.energy.contract import CAMPAIGN_CLERKS, CAMPAIGN_MANAGERS, CAMPAIGN_READERS
from services.energy.models import (
    Campaign, CampaignApplication, CampaignEvaluation, CampaignEvidence, CampaignUnit, HealthActivity, SmokingFinding,
)
from services.energy.settings import SETTINGS
from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import event_handler, rpc
from services.kit.errors import Conflict, Invalid, RuleViolation
from services.kit.schemas import check_not_future, load, page_of

campaign_out = contract.Campaign()
application_out = contract.Application()
evaluation_out = contract.Evaluation()
activity_out = contract.HealthActivity()
FACILITIES = "facilities"  # the owner of the patrol findings (contract.PATROL_FINDING_REPORTED)


class CampaignsRpc(EnergyBase):
    def _for_unit(self, schema, payload, roles=CAMPAIGN_CLERKS) -> dict:
        """The payload loaded, its ``unit_code`` the caller's own when a unit user sends it."""
        caller = self.call.caller
        caller.require(*roles)
        data = load(schema, payload)
        data["unit_code"] = caller.unit_for_write(data["unit_code"], required=True)
        return data

    # campaigns ----------------------------------------------------------------------------
    def _campaign_view(self, campaign: Campaign) -> dict:
        units = self.db.session.scalars(select(CampaignUnit.unit_code).where(
            CampaignUnit.campaign_id == campaign.id).order_by(CampaignUnit.unit_code)).all()
        return campaign_out.dump({**{c: getattr(campaign, c) for c in (
            "id", "kind", "name", "years", "criteria", "pass_score", "created_at", "updated_at")}, "unit_codes": units})

    def _campaign(self, campaign_id) -> Campaign:
        self.call.caller.require(*CAMPAIGN_READERS)
        return get_or_404(self.db.session, Campaign, int(campaign_id), "campaign")

    @rpc
    def create_campaign(self, payload):
        self.call.caller.require(*CAMPAIGN_MANAGERS)
        data = load(contract.CampaignCreate(), payload)
        criteria = data.get("criteria") or [dict(item) for item in contract.DEFAULT_CRITERIA[data["kind"]]]
        pass_score = data.get("pass_score") or contract.DEFAULT_PASS_SCORES[data["kind"]]
        domain.check_criteria(criteria, pass_score)
        years = sorted(set(data["years"]))
        campaign = self._audited_add(Campaign(kind=data["kind"], name=data["name"], years=years, first_year=years[0],
                                              last_year=years[-1], criteria=criteria, pass_score=pass_score))
        self._add_participants(campaign, data["unit_codes"])
        return self._campaign_view(campaign)

    @rpc(reads_only=True)
    def list_campaigns(self, query=None):
        self.call.caller.require(*CAMPAIGN_READERS)
        q = load(contract.CampaignQuery(), query or {})
        statement = select(Campaign).order_by(Campaign.first_year.desc(), Campaign.id)
        if q.get("kind"):
            statement = statement.where(Campaign.kind == q["kind"])
        if q.get("year"):
            statement = statement.where(Campaign.first_year <= q["year"], Campaign.last_year >= q["year"])
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([self._campaign_view(item) for item in items], total)

    @rpc(reads_only=True)
    def get_campaign(self, campaign_id):
        return self._campaign_view(self._campaign(campaign_id))

    @rpc
    def add_campaign_participants(self, campaign_id, payload):
        self.call.caller.require(*CAMPAIGN_MANAGERS)
        data = load(contract.ParticipantsAdd(), payload)
        campaign = get_or_404(self.db.session, Campaign, int(campaign_id), "campaign")
        self._add_participants(campaign, data["unit_codes"])
        campaign.updated_at = self._now()
        self.db.session.flush()
        return self._campaign_view(campaign)

    # applications (申报) ------------------------------------------------------------------
    def _participating(self, campaign: Campaign, unit_code: str) -> None:
        if self.db.session.get(CampaignUnit, (campaign.id, unit_code)) is None:
            raise RuleViolation(f"{unit_code} does not take part in campaign {campaign.id}",
                                "campaigns.not_participating", {"unit_code": ["not a participating unit"]})

    @rpc
    def apply_to_campaign(self, campaign_id, payload):
        data = self._for_unit(contract.ApplicationCreate(), payload)
        campaign = get_or_404(self.db.session, Campaign, int(campaign_id), "campaign")
        check_not_future(self._now(), domain.LOCAL, applied_on=data["applied_on"])
        domain.check_in_campaign_years(campaign.years, applied_on=data["applied_on"])
        self._participating(campaign, data["unit_code"])
        if self.db.session.scalar(select(CampaignApplication.id).where(
                CampaignApplication.campaign_id == campaign.id, CampaignApplication.unit_code == data["unit_code"])):
            raise Conflict(f"{data['unit_code']} has already applied", {"unit_code": ["already applied"]})
        application = self._audited_add(CampaignApplication(
            campaign_id=campaign.id, applied_by=self.call.caller.name, **data))
        return application_out.dump(application)

    @rpc(reads_only=True)
    def list_campaign_applications(self, campaign_id, query=None):
        q = load(contract.ApplicationQuery(), query or {})
        campaign = self._campaign(campaign_id)
        statement = select(CampaignApplication).where(CampaignApplication.campaign_id == campaign.id).order_by(
            CampaignApplication.unit_code)
        unit_code = self.call.caller.unit_filter(q.get("unit_code"))
        if unit_code:
            statement = statement.where(CampaignApplication.unit_code == unit_code)
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of(application_out.dump(items, many=True), total)

    # self-assessments and spot checks -----------------------------------------------------
    def _evaluation_view(self, evaluation: CampaignEvaluation) -> dict:
        files = self.db.session.scalars(select(CampaignEvidence).where(
            CampaignEvidence.evaluation_id == evaluation.id).order_by(CampaignEvidence.id)).all()
        view = {c.key: getattr(evaluation, c.key) for c in CampaignEvaluation.__table__.columns}
        return evaluation_out.dump({**view, "evidence": files})

    def _evidence(self, files: list[dict]) -> list[CampaignEvidence]:
        out = []
        for index, item in enumerate(files):
            try:
                content = base64.b64decode(item["content_base64"], validate=True)
            except (binascii.Error, ValueError):
                raise Invalid("evidence is not base64", {f"evidence[{index}].content_base64": ["not base64"]}) from None
            if len(content) > SETTINGS.campaign_evidence_max_bytes:
                raise RuleViolation("an evidence file is too large", "campaigns.evidence_too_large",
                                    {f"evidence[{index}]": ["too large"]},
                                    {"limit_mb": SETTINGS.campaign_evidence_max_bytes // (1024 * 1024)})
            out.append(CampaignEvidence(filename=item["filename"], content_type=item["content_type"], size=len(content),
                                        sha256=hashlib.sha256(content).hexdigest(), content=content))
        return out

    def _evaluate(self, campaign_id, payload, kind: str):
        data = self._for_unit(contract.EvaluationCreate(), payload,
                              CAMPAIGN_MANAGERS if kind == "spot_check" else CAMPAIGN_CLERKS)
        session = self.db.session
        campaign = get_or_404(session, Campaign, int(campaign_id), "campaign")
        check_not_future(self._now(), domain.LOCAL, assessed_on=data["assessed_on"])
        domain.check_in_campaign_years(campaign.years, assessed_on=data["assessed_on"])
        self._participating(campaign, data["unit_code"])
        if kind == "self_assessment" and not session.scalar(select(CampaignApplication.id).where(
                CampaignApplication.campaign_id == campaign.id, CampaignApplication.unit_code == data["unit_code"])):
            raise RuleViolation(f"{data['unit_code']} has not applied to campaign {campaign.id}",
                                "campaigns.no_application", {"unit_code": ["apply before the self-assessment"]})
        domain.check_scores(campaign.criteria, data["scores"])
        files = self._evidence(data.pop("evidence"))
        score = domain.campaign_score(campaign.criteria, campaign.pass_score, data["scores"])
        evaluation = self._audited_add(CampaignEvaluation(
            campaign_id=campaign.id, kind=kind, **data, total_score=score.total, must_pass_met=score.must_pass_met,
            passed=score.passed, assessed_by=self.call.caller.name), "verify" if kind == "spot_check" else "register")
        for item in files:  # the evaluation's entry names them; the content stays out of the trail
            item.evaluation_id = evaluation.id
            session.add(item)
        session.flush()
        self.db.emit(contract.CAMPAIGN_EVALUATED, contract.CampaignEvaluated().dump({
            "evaluation_id": evaluation.id, "campaign_id": campaign.id, "campaign_kind": campaign.kind,
            "unit_code": evaluation.unit_code, "kind": kind, "total_score": score.total, "passed": score.passed}))
        return self._evaluation_view(evaluation)

    @rpc
    def self_assess(self, campaign_id, payload):
        return self._evaluate(campaign_id, payload, "self_assessment")

    @rpc
    def spot_check(self, campaign_id, payload):
        return self._evaluate(campaign_id, payload, "spot_check")

    @rpc(reads_only=True)
    def list_campaign_evaluations(self, campaign_id, query=None):
        q = load(contract.EvaluationQuery(), query or {})
        campaign = self._campaign(campaign_id)
        statement = select(CampaignEvaluation).where(CampaignEvaluation.campaign_id == campaign.id).order_by(
            CampaignEvaluation.unit_code, CampaignEvaluation.assessed_on, CampaignEvaluation.id)
        unit_code = self.call.caller.unit_filter(q.get("unit_code"))
        if unit_code:
            statement = statement.where(CampaignEvaluation.unit_code == unit_code)
        if q.get("kind"):
            statement = statement.where(CampaignEvaluation.kind == q["kind"])
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([self._evaluation_view(item) for item in items], total)

    @rpc(reads_only=True)
    def get_campaign_evidence(self, evidence_id):
        """One evidence file: its metadata and content (base64) for the gateway to send."""
        self.call.caller.require(*CAMPAIGN_READERS)
        evidence = get_or_404(self.db.session, CampaignEvidence, int(evidence_id), "evidence")
        evaluation = self.db.session.get(CampaignEvaluation, evidence.evaluation_id)
        self.call.caller.check_visible(evaluation.unit_code, "evidence")
        return {**contract.Evidence().dump(evidence), "content_base64": base64.b64encode(evidence.content).decode()}

    # results ------------------------------------------------------------------------------
    def _smoking_findings(self, years, unit_codes=None) -> dict[str, int]:
        statement = select(SmokingFinding.unit_code, func.count()).where(SmokingFinding.year.in_(years))
        if unit_codes is not None:
            statement = statement.where(SmokingFinding.unit_code.in_(unit_codes))
        return dict(self.db.session.execute(statement.group_by(SmokingFinding.unit_code)).all())

    def _results(self, campaign: Campaign, unit_code: str | None = None) -> dict:
        session = self.db.session
        units = select(CampaignUnit.unit_code).where(CampaignUnit.campaign_id == campaign.id)
        evaluations = select(CampaignEvaluation).where(CampaignEvaluation.campaign_id == campaign.id)
        applications = select(CampaignApplication.unit_code).where(CampaignApplication.campaign_id == campaign.id)
        if unit_code:
            units, evaluations, applications = (units.where(CampaignUnit.unit_code == unit_code),
                                                evaluations.where(CampaignEvaluation.unit_code == unit_code),
                                                applications.where(CampaignApplication.unit_code == unit_code))
        participants = sorted(session.scalars(units))
        applied = set(session.scalars(applications))
        deciding = domain.deciding_evaluations(session.scalars(evaluations))
        findings = self._smoking_findings(campaign.years, participants) if any(
            item.get("source") == "no_smoking_patrol" for item in campaign.criteria) else {}
        rows = []
        for code in participants:
            chosen = deciding.get(code)
            row = {"unit_code": code, "applied": code in applied, "deciding": None, "evaluation_id": None,
                   "scores": None, "total_score": None, "must_pass_met": None, "passed": False,
                   "smoking_findings": findings.get(code, 0)}
            if chosen is not None:
                scores = domain.with_patrol_deductions(campaign.criteria, chosen.scores, findings.get(code, 0))
                score = domain.campaign_score(campaign.criteria, campaign.pass_score, scores)
                row.update(deciding=chosen.kind, evaluation_id=chosen.id, scores=scores, total_score=score.total,
                           must_pass_met=score.must_pass_met, passed=score.passed)
            rows.append(row)
        assessed = [row for row in rows if row["deciding"]]
        passed = sum(1 for row in rows if row["passed"])
        return {"campaign": self._campaign_view(campaign), "participants": len(rows), "applied": len(applied),
                "assessed": len(assessed), "spot_checked": sum(1 for row in assessed if row["deciding"] == "spot_check"),
                "passed": passed, "pass_share": domain.share(passed, len(assessed)), "units": rows}

    @rpc(reads_only=True)
    def campaign_results(self, campaign_id):
        campaign = self._campaign(campaign_id)
        return contract.CampaignResults().dump(self._results(campaign, self.call.caller.unit_filter(None)))

    @rpc(reads_only=True)
    def campaign_summary(self, query):
        """The campaigns running in a year, by kind (every kind answered), with the year's health
        activities and no-smoking findings: the annual report's campaigns section."""
        self.call.caller.require(*CAMPAIGN_MANAGERS, "leader")
        year = load(contract.CampaignSummaryQuery(), query or {})["year"]
        session = self.db.session
        by_kind = {kind: {"kind": kind, "campaigns": 0, "participants": 0, "applied": 0, "assessed": 0,
                          "spot_checked": 0, "passed": 0} for kind in contract.CAMPAIGN_KINDS}
        for campaign in session.scalars(select(Campaign).where(Campaign.first_year <= year, Campaign.last_year >= year)):
            results, figures = self._results(campaign), by_kind[campaign.kind]
            figures["campaigns"] += 1
            for key in ("participants", "applied", "assessed", "spot_checked", "passed"):
                figures[key] += results[key]
        activities = session.execute(select(func.count(), func.coalesce(func.sum(HealthActivity.participants), 0)).where(
            HealthActivity.held_on.between(date(year, 1, 1), date(year, 12, 31)))).one()
        findings = session.scalar(select(func.count()).select_from(SmokingFinding).where(SmokingFinding.year == year))
        return contract.CampaignSummary().dump({
            "year": year, "by_kind": by_kind, "health_activities": activities[0],
            "health_participants": int(activities[1]), "smoking_findings": findings})

    # health activities --------------------------------------------------------------------
    @rpc
    def record_health_activity(self, payload):
        data = self._for_unit(contract.HealthActivityCreate(), payload)
        check_not_future(self._now(), domain.LOCAL, held_on=data["held_on"])
        if data["campaign_id"] is not None:
            get_or_404(self.db.session, Campaign, data["campaign_id"], "campaign")
        activity = self._audited_add(HealthActivity(**data))
        return activity_out.dump(activity)

    @rpc(reads_only=True)
    def list_health_activities(self, query=None):
        self.call.caller.require(*CAMPAIGN_READERS)
        q = load(contract.HealthActivityQuery(), query or {})
        statement = select(HealthActivity).order_by(HealthActivity.held_on.desc(), HealthActivity.id)
        unit_code = self.call.caller.unit_filter(q.get("unit_code"))
        if unit_code:
            statement = statement.where(HealthActivity.unit_code == unit_code)
        if q.get("kind"):
            statement = statement.where(HealthActivity.kind == q["kind"])
        if q.get("year"):
            statement = statement.where(HealthActivity.held_on.between(date(q["year"], 1, 1), date(q["year"], 12, 31)))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of(activity_out.dump(items, many=True), total)

    # no-smoking patrol findings (控烟巡查) from facilities ----------------------------------
    @event_handler(FACILITIES, contract.PATROL_FINDING_REPORTED)
    def on_patrol_finding_reported(self, payload):
        """Smoking seen, on a no-smoking patrol or any other, in a unit's premises."""
        event = contract.PatrolFindingReported().load(payload)
        if not domain.is_smoking_finding(event["kind"], event["category"]) or not event["unit_code"]:
            return
        if not self.db.first_delivery(event["event_id"], "energy.on_patrol_finding_reported"):
            return
        found_at = event["found_at"] or event["seen_at"] or event["occurred_at"]
        if self.db.session.get(SmokingFinding, event["finding_id"]) is None:
            self.db.session.add(SmokingFinding(
                finding_id=event["finding_id"], unit_code=event["unit_code"],
                place=(event["place"] or event["location"] or "")[:200] or None, found_at=found_at,
                year=found_at.astimezone(domain.LOCAL).year))
