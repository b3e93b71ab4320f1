"""Conservation programmes: energy audits, retrofit projects, 节约型机关 assessments and
waste sorting. A mixin of ``EnergyService`` (it uses the service's ``db`` and ``call``)."""
from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy import func, select

from services.energy import contract, domain, reports
from services.energy.models import Assessment, Audit, DemonstrationSite, Institution, Project, WasteRecord
from services.energy.base import EnergyBase
from services.energy.contract import MANAGERS, READERS, REPORTERS
from services.energy.settings import SETTINGS
from services.kit.db import get_or_404, utcnow
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict, Forbidden, RuleViolation
from services.kit.schemas import check_not_future, load

audit_out = contract.Audit()
project_out = contract.Project()
assessment_out = contract.Assessment()
waste_out = contract.WasteRecord()
site_out = contract.DemonstrationSite()


def days_of(periods: list[str]) -> tuple[date, date]:
    """The first and the last day of months YYYY-MM (in order)."""
    first, last = domain.split_period(periods[0]), domain.split_period(periods[-1])
    return date(*first, 1), date(*last, calendar.monthrange(*last)[1])


class ProgrammesRpc(EnergyBase):
    # audits -------------------------------------------------------------------------------
    @rpc
    def create_audit(self, payload):
        data = load(contract.AuditCreate(), payload)
        check_not_future(utcnow(), domain.LOCAL, audited_on=data["audited_on"])
        institution = self._institution_for_write(data)
        return audit_out.dump(self._add(Audit(institution_id=institution.id, **data)))

    @rpc(reads_only=True)
    def list_audits(self, query=None):
        return self._page(Audit, audit_out, contract.AuditQuery(), query, (Audit.audited_on.desc(), Audit.id))

    @rpc(reads_only=True)
    def get_audit(self, audit_id):
        return audit_out.dump(self._one(Audit, audit_id, "audit"))

    # retrofit projects --------------------------------------------------------------------
    def _project_view(self, project):
        return project_out.dump(reports.project_views(self.db.session, [project])[0])

    @rpc
    def create_project(self, payload):
        data = load(contract.ProjectCreate(), payload)
        check_not_future(utcnow(), domain.LOCAL, completed_on=data["completed_on"])
        institution = self._institution_for_write(data)
        return self._project_view(self._add(Project(institution_id=institution.id, **data)))

    @rpc
    def update_project(self, project_id, payload):
        self.call.caller.require(*MANAGERS)
        changes = load(contract.ProjectUpdate(), payload, partial=True)
        check_not_future(utcnow(), domain.LOCAL, completed_on=changes.get("completed_on"))
        project = get_or_404(self.db.session, Project, int(project_id), "project")
        for key, value in changes.items():
            setattr(project, key, value)
        self.db.session.flush()
        return self._project_view(project)

    @rpc(reads_only=True)
    def list_projects(self, query=None):
        return self._page(Project, project_out, contract.ProjectQuery(), query, (Project.id,), self._project_view)

    @rpc(reads_only=True)
    def get_project(self, project_id):
        return self._project_view(self._one(Project, project_id, "project"))

    @rpc(reads_only=True)
    def project_summary(self, query):
        span, unit_code = self._summary_query(contract.ProjectSummaryQuery(), query)
        periods = span["periods"]
        statement = select(Project).where(Project.completed_on.between(*days_of(periods))).order_by(Project.id)
        if unit_code:
            statement = statement.where(Project.unit_code == unit_code)
        completed = reports.project_views(self.db.session, [
            project for project in self.db.session.scalars(statement)
            if domain.period_of(project.completed_on.year, project.completed_on.month) in periods])
        return contract.ProjectSummary().dump({**span, "unit_code": unit_code, **domain.retrofit_summary(completed)})

    def _summary_query(self, schema, query) -> tuple[dict, str | None]:
        """A summary's months (``reports.span_fields``) and the unit a caller is held to."""
        caller = self.call.caller
        caller.require(*READERS)
        q = load(schema, query or {})
        return reports.span_fields(q), caller.unit_filter(q.get("unit_code"))

    # 节约型机关 assessments -----------------------------------------------------------------
    @rpc
    def create_assessment(self, payload):
        data = load(contract.AssessmentCreate(), payload)
        check_not_future(utcnow(), domain.LOCAL, assessed_on=data["assessed_on"])
        institution = self._institution_for_write(data, REPORTERS)
        if data["kind"] == "spot_check" and not self.call.caller.has_any(MANAGERS):
            raise Forbidden("spot checks are made by the energy officer")
        score = domain.score_assessment(data["scores"])
        assessment = self._add(Assessment(
            institution_id=institution.id, **data, total_score=score.total, must_pass_met=score.must_pass_met,
            passed=score.passed, assessed_by=self.call.caller.name))
        self._carry_assessment(assessment)  # campaigns.py: into its year's 节约型机关 campaign
        self.db.emit(contract.ASSESSMENT_COMPLETED, contract.AssessmentCompleted().dump({
            "assessment_id": assessment.id, "unit_code": assessment.unit_code, "year": assessment.year,
            "kind": assessment.kind, "total_score": assessment.total_score, "passed": assessment.passed}))
        return assessment_out.dump(assessment)

    @rpc(reads_only=True)
    def list_assessments(self, query=None):
        return self._page(Assessment, assessment_out, contract.AssessmentQuery(), query,
                          (Assessment.year, Assessment.unit_code, Assessment.id))

    @rpc(reads_only=True)
    def get_assessment(self, assessment_id):
        return assessment_out.dump(self._one(Assessment, assessment_id, "assessment"))

    @rpc(reads_only=True)
    def assessment_sheet(self):
        self.call.caller.require(*READERS)
        return contract.ScoreSheet().dump({"items": list(SETTINGS.score_sheet), "pass_score": SETTINGS.assessment_pass_score})

    @rpc(reads_only=True)
    def assessment_summary(self, query):
        self.call.caller.require(*MANAGERS, "leader")
        q = load(contract.YearQuery(), query or {})
        session = self.db.session
        assessments = list(session.scalars(select(Assessment).where(Assessment.year == q["year"])))
        deciding = domain.deciding_assessments(assessments)
        passed = sum(1 for item in deciding.values() if item.passed)
        registered = len(session.scalars(select(Institution.id)).all())
        return contract.AssessmentSummary().dump({
            "year": q["year"], "pass_score": SETTINGS.assessment_pass_score, "institutions": registered,
            "assessed": len(deciding), "passed": passed, "pass_share": domain.share(passed, len(deciding)),
            "items": sorted(deciding.values(), key=lambda item: item.unit_code)})

    # waste sorting ------------------------------------------------------------------------
    @rpc
    def create_waste_record(self, payload):
        data = load(contract.WasteRecordCreate(), payload)
        if domain.is_future_period(data["period"], utcnow()):
            raise RuleViolation("waste of a month that has not begun", "energy.future_period",
                                {"period": ["a month that has not begun cannot be reported"]})
        institution = self._institution_for_write(data, REPORTERS)
        session = self.db.session
        if session.scalar(select(WasteRecord.id).where(
                WasteRecord.institution_id == institution.id, WasteRecord.period == data["period"],
                WasteRecord.category == data["category"])):
            raise Conflict("this category is already recorded for the month", {"category": ["already recorded"]})
        return waste_out.dump(self._add(WasteRecord(institution_id=institution.id, **data)))

    @rpc(reads_only=True)
    def list_waste_records(self, query=None):
        return self._page(WasteRecord, waste_out, contract.WasteQuery(), query,
                          (WasteRecord.period, WasteRecord.unit_code, WasteRecord.category))

    @rpc(reads_only=True)
    def get_waste_record(self, record_id):
        return waste_out.dump(self._one(WasteRecord, record_id, "waste record"))

    @rpc(reads_only=True)
    def waste_summary(self, query):
        span, unit_code = self._summary_query(contract.WasteSummaryQuery(), query)
        statement = select(WasteRecord.category, func.sum(WasteRecord.weight_kg)).where(
            WasteRecord.period.in_(span["periods"]))
        sites = select(DemonstrationSite).order_by(DemonstrationSite.unit_code)
        if unit_code:
            statement = statement.where(WasteRecord.unit_code == unit_code)
            sites = sites.where(DemonstrationSite.unit_code == unit_code)
        weights = dict(self.db.session.execute(statement.group_by(WasteRecord.category)).all())
        designated = list(self.db.session.scalars(sites))
        return contract.WasteSummary().dump({
            **span, "unit_code": unit_code, **domain.waste_summary(weights),
            "demonstration_sites": designated, "demonstration_site_count": len(designated)})

    @rpc(reads_only=True)
    def audit_summary(self, query):
        """The energy audits (能源审计) made in the months, and the units they covered."""
        span, unit_code = self._summary_query(contract.WasteSummaryQuery(), query)
        periods = span["periods"]
        statement = select(Audit.unit_code, Audit.audited_on).where(Audit.audited_on.between(*days_of(periods)))
        if unit_code:
            statement = statement.where(Audit.unit_code == unit_code)
        made = [row for row in self.db.session.execute(statement)
                if domain.period_of(row.audited_on.year, row.audited_on.month) in periods]
        return contract.AuditSummary().dump({**span, "unit_code": unit_code, "audits": len(made),
                                             "units_audited": len({row.unit_code for row in made})})

    @rpc
    def create_demonstration_site(self, payload):
        data = load(contract.DemonstrationSiteCreate(), payload)
        institution = self._institution_for_write(data)
        if self.db.session.scalar(select(DemonstrationSite.id).where(DemonstrationSite.institution_id == institution.id)):
            raise Conflict(f"{data['unit_code']} is already a demonstration site", {"unit_code": ["already designated"]})
        return site_out.dump(self._add(DemonstrationSite(institution_id=institution.id, **data)))

    @rpc(reads_only=True)
    def list_demonstration_sites(self, query=None):
        return self._page(DemonstrationSite, site_out, contract.DemonstrationSiteQuery(), query,
                          (DemonstrationSite.unit_code,))

    @rpc(reads_only=True)
    def get_demonstration_site(self, site_id):
        return site_out.dump(self._one(DemonstrationSite, site_id, "demonstration site"))
