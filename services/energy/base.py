"""What every area of the energy service shares: the clock, who may write a record for which
unit, one page of a filtered listing, one record a unit user may see, the risk of the years a
write touched."""
from __future__ import annotations

from sqlalchemy import select

from services.energy import repository
from services.energy.contract import MANAGERS, READERS
from services.energy.models import Campaign, CampaignApplication, CampaignEvaluation, CampaignUnit, Institution
from services.energy.settings import SETTINGS
from services.kit.db import get_or_404, paginate, utcnow
from services.kit.schemas import load, page_of



class EnergyBase:
    """The base of each area class (``InstitutionsRpc``, ``ReadingsRpc``, ``TargetsRpc``,
    ``ImportsRpc``, ``ProgrammesRpc``, ``FleetRpc``, ``ReportsRpc``); needs the service's ``db``
    and ``call``."""

    @staticmethod
    def _now():
        return utcnow()

    def _institution_for_write(self, data: dict, roles=MANAGERS) -> Institution:
        caller = self.call.caller
        caller.require(*roles)
        data["unit_code"] = caller.unit_for_write(data["unit_code"])
        return repository.institution_by_unit(self.db.session, data["unit_code"])

    def _add(self, record):
        self.db.session.add(record)
        self.db.session.flush()
        return record

    def _page(self, model, schema, query_schema, query, order_by, view=None):
        """A page of ``model`` filtered by the query's fields (``year`` over ``period`` or
        ``year`` columns), a unit user held to its own unit."""
        caller = self.call.caller
        caller.require(*READERS)
        q = load(query_schema, query or {})
        statement = select(model).order_by(*order_by)
        q["unit_code"] = caller.unit_filter(q.get("unit_code"))
        for key, value in q.items():
            if key in ("limit", "offset", "updated_since") or value is None:
                continue
            if key == "year" and not hasattr(model, "year"):
                statement = statement.where(model.period.like(f"{value:04d}-%"))
            else:
                statement = statement.where(getattr(model, key) == value)
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([view(item) for item in items] if view else schema.dump(items, many=True), total)

    def _one(self, model, ident, what):
        self.call.caller.require(*READERS)
        record = get_or_404(self.db.session, model, int(ident), what)
        self.call.caller.check_visible(record.unit_code, what)
        return record

    def _after_write(self, written) -> None:
        """The at-risk flags of every institution's year the readings touched, evaluated again."""
        from services.energy.reports import evaluate_risk  # reports' RPC class subclasses this one

        for institution, year in sorted(written.touched, key=lambda pair: (pair[0].id, pair[1])):
            evaluate_risk(self.db, institution, year)

    # creation campaigns: shared with the former 节约型机关 assessments (programmes.py) --------
    def _audited_add(self, record, action: str = "register"):
        """Adds ``record`` with its audit entry (named before the flush that writes it)."""
        self.db.session.add(record)
        self.db.audit(action, record)
        self.db.session.flush()
        return record

    def _add_participants(self, campaign: Campaign, unit_codes) -> None:
        session = self.db.session
        known = set(session.scalars(select(CampaignUnit.unit_code).where(CampaignUnit.campaign_id == campaign.id)))
        for unit_code in sorted(set(unit_codes) - known):
            member = CampaignUnit(campaign_id=campaign.id, unit_code=unit_code)
            session.add(member)
            self.db.audit("allocate", member)
        session.flush()

    def _carry_assessment(self, assessment) -> None:
        """A 节约型机关 assessment made through the former route lands in its year's campaign too
        (made on first need, as migration 0006 made them): the unit takes part, has applied, and
        the assessment is an evaluation remembering the row it came from."""
        session, year = self.db.session, assessment.year
        campaign = session.scalar(select(Campaign).where(
            Campaign.kind == "frugal_institution", Campaign.first_year == year, Campaign.last_year == year)
            .order_by(Campaign.id).limit(1))
        if campaign is None:
            campaign = self._audited_add(Campaign(
                kind="frugal_institution", name=f"{year}年节约型机关创建", years=[year], first_year=year, last_year=year,
                criteria=[{"code": item["code"], "name": item["name"], "max_score": item["points"],
                           "must_pass": item["must_pass"], "source": "manual"} for item in SETTINGS.score_sheet],
                pass_score=SETTINGS.assessment_pass_score))
        self._add_participants(campaign, [assessment.unit_code])
        if not session.scalar(select(CampaignApplication.id).where(
                CampaignApplication.campaign_id == campaign.id, CampaignApplication.unit_code == assessment.unit_code)):
            self._audited_add(CampaignApplication(
                campaign_id=campaign.id, unit_code=assessment.unit_code, statement="由节约型机关评价记录迁入",
                applied_on=assessment.assessed_on, applied_by=assessment.assessed_by))
        self._audited_add(CampaignEvaluation(
            campaign_id=campaign.id, unit_code=assessment.unit_code, kind=assessment.kind, scores=assessment.scores,
            total_score=assessment.total_score, must_pass_met=assessment.must_pass_met, passed=assessment.passed,
            assessed_on=assessment.assessed_on, assessed_by=assessment.assessed_by, legacy_assessment_id=assessment.id),
            "verify" if assessment.kind == "spot_check" else "register")
