"""Creation campaigns (创建活动) over real RPC, a real database and real events; and the
migration that moves today's 节约型机关 assessments into campaigns."""
import base64
import uuid

import eventlet
import pytest
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from sqlalchemy import create_engine, func, select, text

from services.energy import contract
from services.energy.models import AuditEntry, OutboxEvent, SmokingFinding
from services.energy.service import EnergyService
from services.kit.context import Caller
from services.kit.errors import Conflict, Forbidden, NotFound, RuleViolation
from services.kit.migrate import upgrade
from tests.support import call_as, database_of, eventually

pytestmark = pytest.mark.integration

OFFICER = Caller("officer", ("energy_officer",))
FULL_SMOKE_FREE = {"organisation": 20, "signage": 20, "no_smoking_indoors": 40, "cessation": 20}


def unit():
    return f"C-{uuid.uuid4().hex[:8]}"


def officer(rpc, method, *args):
    return call_as(rpc, OFFICER, "energy", method, *args)


def clerk_of(code):
    return Caller(f"clerk-{code}", ("unit_user",), unit_code=code)


def count(container, model, *where):
    with database_of(container).sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_smoke_free_campaign_from_application_to_the_spot_check_that_decides(start_service, rpc):
    energy = start_service(EnergyService)
    first, second, outsider = unit(), unit(), unit()
    campaign = officer(rpc, "create_campaign", {"kind": "smoke_free", "name": "2025年无烟机关创建", "years": [2025],
                                                "unit_codes": [first, second]})
    assert campaign["pass_score"] == 80 and campaign["unit_codes"] == sorted([first, second])
    assert [c["code"] for c in campaign["criteria"]] == [c["code"] for c in contract.DEFAULT_CRITERIA["smoke_free"]]
    cid = campaign["id"]
    clerk = clerk_of(first)
    with pytest.raises(Forbidden):  # the center makes campaigns
        call_as(rpc, clerk, "energy", "create_campaign", {"kind": "smoke_free", "name": "x", "years": [2025]})
    # a clerk self-assesses only after applying, for their unit only, within the campaign's years
    evidence = {"filename": "禁烟标识.jpg", "content_type": "image/jpeg",
                "content_base64": base64.b64encode(b"photo").decode()}
    assessment = {"unit_code": first, "scores": FULL_SMOKE_FREE, "assessed_on": "2025-06-01", "evidence": [evidence]}
    with pytest.raises(RuleViolation) as refused:
        call_as(rpc, clerk, "energy", "self_assess", cid, assessment)
    assert refused.value.rule == "campaigns.no_application"
    with pytest.raises(RuleViolation) as refused:
        call_as(rpc, clerk, "energy", "apply_to_campaign", cid, {"unit_code": first, "applied_on": "2024-12-31"})
    assert refused.value.rule == "campaigns.outside_period"
    call_as(rpc, clerk, "energy", "apply_to_campaign", cid, {"unit_code": first, "applied_on": "2025-03-01"})
    with pytest.raises(Conflict):
        call_as(rpc, clerk, "energy", "apply_to_campaign", cid, {"unit_code": first, "applied_on": "2025-03-02"})
    with pytest.raises(Forbidden):  # another unit's application
        call_as(rpc, clerk, "energy", "apply_to_campaign", cid, {"unit_code": second, "applied_on": "2025-03-01"})
    with pytest.raises(RuleViolation) as refused:
        call_as(rpc, clerk_of(outsider), "energy", "apply_to_campaign", cid,
                {"unit_code": outsider, "applied_on": "2025-03-01"})
    assert refused.value.rule == "campaigns.not_participating"
    own = call_as(rpc, clerk, "energy", "self_assess", cid, assessment)
    assert (own["total_score"], own["passed"], own["kind"]) == (100, True, "self_assessment")
    assert own["evidence"][0]["size"] == 5 and own["evidence"][0]["filename"] == "禁烟标识.jpg"
    stored = call_as(rpc, clerk, "energy", "get_campaign_evidence", own["evidence"][0]["id"])
    assert base64.b64decode(stored["content_base64"]) == b"photo"
    with pytest.raises(NotFound):  # another unit's evidence is not there for them
        call_as(rpc, clerk_of(second), "energy", "get_campaign_evidence", own["evidence"][0]["id"])
    with pytest.raises(RuleViolation):
        call_as(rpc, clerk, "energy", "self_assess", cid, {**assessment, "scores": {**FULL_SMOKE_FREE, "signage": 21}})
    with pytest.raises(Forbidden):  # spot checks are the center's
        call_as(rpc, clerk, "energy", "spot_check", cid, assessment)
    results = officer(rpc, "campaign_results", cid)
    assert (results["participants"], results["applied"], results["assessed"], results["passed"]) == (2, 1, 1, 1)
    # the center's spot check overrides the self-assessment
    officer(rpc, "spot_check", cid, {"unit_code": first, "scores": {**FULL_SMOKE_FREE, "cessation": 0, "signage": 0},
                                     "assessed_on": "2025-09-01"})
    results = officer(rpc, "campaign_results", cid)
    row = next(r for r in results["units"] if r["unit_code"] == first)
    assert (row["deciding"], row["total_score"], row["passed"]) == ("spot_check", 60, False)
    assert (results["spot_checked"], results["passed"], results["pass_share"]) == (1, 0, 0.0)
    # a unit user reads its own row only
    mine = call_as(rpc, clerk_of(second), "energy", "campaign_results", cid)
    assert [r["unit_code"] for r in mine["units"]] == [second]
    with database_of(energy).sessionmaker() as session:
        events = [row.payload for row in session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == contract.CAMPAIGN_EVALUATED).order_by(OutboxEvent.id))]
        actions = {(entry.action, entry.entity) for entry in session.scalars(select(AuditEntry))}
    assert [(e["unit_code"], e["kind"], e["passed"]) for e in events] == [
        (first, "self_assessment", True), (first, "spot_check", False)]
    assert {("register", "campaign"), ("allocate", "campaign_unit"), ("register", "campaign_application"),
            ("register", "campaign_evaluation"), ("verify", "campaign_evaluation")} <= actions


def test_no_smoking_patrol_findings_feed_the_smoke_free_criteria_once_each(start_service, rpc, test_backends):
    energy = start_service(EnergyService)
    code = unit()
    cid = officer(rpc, "create_campaign", {"kind": "smoke_free", "name": "无烟机关", "years": [2025],
                                           "unit_codes": [code]})["id"]
    call_as(rpc, clerk_of(code), "energy", "apply_to_campaign", cid, {"unit_code": code, "applied_on": "2025-02-01"})
    call_as(rpc, clerk_of(code), "energy", "self_assess", cid,
            {"unit_code": code, "scores": FULL_SMOKE_FREE, "assessed_on": "2025-06-01"})
    exchange = get_event_exchange("facilities", {})
    publisher = Publisher(test_backends.amqp_uri, declare=[exchange])

    def finding(finding_id, kind="no_smoking", found_at="2025-05-01T02:00:00+00:00", category="smoking"):
        return {"event_id": str(uuid.uuid4()), "occurred_at": found_at, "finding_id": finding_id, "kind": kind,
                "category": category, "unit_code": code, "location": "三楼楼梯间", "opens": "rectification",
                "repair_id": None, "deadline_on": None}

    base = 10_000_000 + int(uuid.uuid4().int % 1_000_000) * 10
    once = finding(base)
    for event in (once, once, finding(base + 1, kind="security"),  # smoking seen on a security patrol counts
                  finding(base + 2, kind="security", category="leak"),  # a leak does not
                  finding(base + 3, found_at="2024-12-31T15:00:00+00:00")):  # 2024-12-31 23:00 in Shanghai
        publisher.publish(event, exchange=exchange, routing_key=contract.PATROL_FINDING_REPORTED)
    assert eventually(lambda: count(energy, SmokingFinding, SmokingFinding.unit_code == code) == 3)
    eventlet.sleep(0.5)
    assert count(energy, SmokingFinding, SmokingFinding.unit_code == code) == 3  # the duplicate added nothing
    row = officer(rpc, "campaign_results", cid)["units"][0]
    # two findings in 2025 x 2 points off the must-pass patrol criterion: 96 points, not passed
    assert row["smoking_findings"] == 2 and row["scores"]["no_smoking_indoors"] == 36
    assert (row["total_score"], row["must_pass_met"], row["passed"]) == (96, False, False)
    summary = officer(rpc, "campaign_summary", {"year": 2025})
    assert summary["by_kind"]["smoke_free"]["assessed"] >= 1 and summary["smoking_findings"] >= 2


def test_health_activities_are_recorded_with_participants_for_the_units_own(start_service, rpc):
    start_service(EnergyService)
    code, other = unit(), unit()
    clerk = clerk_of(code)
    before = officer(rpc, "campaign_summary", {"year": 2025})
    call_as(rpc, clerk, "energy", "record_health_activity", {
        "unit_code": code, "kind": "exercise_break", "title": "广播体操", "held_on": "2025-04-01", "participants": 45})
    call_as(rpc, clerk, "energy", "record_health_activity", {
        "unit_code": code, "kind": "walking", "title": "健步走", "held_on": "2025-05-01", "participants": 30})
    with pytest.raises(Forbidden):
        call_as(rpc, clerk, "energy", "record_health_activity", {
            "unit_code": other, "kind": "ball_game", "title": "篮球赛", "held_on": "2025-05-01", "participants": 12})
    listed = call_as(rpc, clerk, "energy", "list_health_activities", {"year": 2025})
    assert listed["total"] == 2 and {item["unit_code"] for item in listed["items"]} == {code}
    after = officer(rpc, "campaign_summary", {"year": 2025})
    assert after["health_activities"] - before["health_activities"] == 2
    assert after["health_participants"] - before["health_participants"] == 75


def test_the_migration_moves_every_assessment_into_a_frugal_institution_campaign(databases, test_backends, tmp_path):
    url = databases.new_url("energy") if test_backends.postgres_url else f"sqlite:///{tmp_path}/energy.db"
    upgrade("energy", url, "0005")
    engine = create_engine(url)
    now = "2025-01-01 00:00:00+00:00"
    with engine.begin() as connection:
        for index, code in enumerate(("U1", "U2")):
            connection.execute(text(
                "INSERT INTO institution (id, unit_code, name, \"group\", headcount, created_at, updated_at) "
                "VALUES (:id, :code, :code, 'general', 10, :now, :now)"), {"id": index + 1, "code": code, "now": now})
        rows = [(1, "U1", 2024, "self_assessment", 90, True, True, "2024-05-01"),
                (1, "U1", 2024, "spot_check", 70, True, False, "2024-09-01"),
                (2, "U2", 2024, "self_assessment", 85, True, True, "2024-05-02"),
                (2, "U2", 2025, "self_assessment", 60, False, False, "2025-05-02")]
        for institution_id, code, year, kind, total, must, passed, on in rows:
            connection.execute(text(
                "INSERT INTO assessment (institution_id, unit_code, year, kind, scores, total_score, must_pass_met, "
                "passed, assessed_on, assessed_by, created_at, updated_at) VALUES (:i, :c, :y, :k, :s, :t, :m, :p, "
                ":on, 'officer', :now, :now)"), {"i": institution_id, "c": code, "y": year, "k": kind,
                                                 "s": '{"organisation": 15}', "t": total, "m": must, "p": passed,
                                                 "on": on, "now": now})
    upgrade("energy", url)
    with engine.connect() as connection:
        campaigns = connection.execute(text(
            "SELECT id, kind, first_year, pass_score FROM campaign ORDER BY first_year")).all()
        assert [(c.kind, c.first_year, c.pass_score) for c in campaigns] == [
            ("frugal_institution", 2024, 80), ("frugal_institution", 2025, 80)]
        moved = connection.execute(text(
            "SELECT e.legacy_assessment_id, e.unit_code, e.kind, e.total_score, e.passed, e.assessed_on, c.first_year "
            "FROM campaign_evaluation e JOIN campaign c ON c.id = e.campaign_id ORDER BY e.legacy_assessment_id")).all()
        legacy = connection.execute(text(
            "SELECT id, unit_code, kind, total_score, passed, assessed_on, year FROM assessment ORDER BY id")).all()
        assert [tuple(str(v) for v in row) for row in moved] == [tuple(str(v) for v in row) for row in legacy]
        assert len(moved) == 4  # not a record lost, and the old table keeps its rows
        members = connection.execute(text(
            "SELECT c.first_year, u.unit_code FROM campaign_unit u JOIN campaign c ON c.id = u.campaign_id "
            "ORDER BY 1, 2")).all()
        assert [tuple(row) for row in members] == [(2024, "U1"), (2024, "U2"), (2025, "U2")]
        applied = connection.execute(text("SELECT unit_code, applied_on FROM campaign_application ORDER BY id")).all()
        assert [(row[0], str(row[1])) for row in applied] == [("U1", "2024-05-01"), ("U2", "2024-05-02"),
                                                              ("U2", "2025-05-02")]
        scores = connection.execute(text("SELECT scores FROM campaign_evaluation ORDER BY id")).scalar()
        assert "organisation" in str(scores)
    engine.dispose()
