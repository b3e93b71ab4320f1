"""The creation campaigns' rules (DOMAIN.md, Campaigns), without a broker."""
from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import pytest

from services.energy import contract, domain
from services.energy.settings import SETTINGS
from services.kit.errors import RuleViolation

SHEET = [
    {"code": "organisation", "name": "组织", "max_score": 20, "must_pass": False, "source": "manual"},
    {"code": "no_smoking_indoors", "name": "室内无吸烟", "max_score": 40, "must_pass": True, "source": "no_smoking_patrol"},
    {"code": "signage", "name": "标识", "max_score": 40, "must_pass": False, "source": "manual"},
]
FULL = {"organisation": 20, "no_smoking_indoors": 40, "signage": 40}


def test_the_frugal_institution_sheet_passes_at_80_with_its_must_pass_item():
    sheet = list(contract.DEFAULT_CRITERIA["frugal_institution"])
    assert contract.DEFAULT_PASS_SCORES["frugal_institution"] == 80
    assert sum(item["max_score"] for item in sheet) == 100
    assert [item["code"] for item in sheet if item["must_pass"]] == ["target_completion"]
    full = {item["code"]: item["max_score"] for item in sheet}
    at_line = {**full, "organisation": 0, "metering": 10}  # 100 - 15 - 5 = 80
    assert sum(at_line.values()) == 80
    assert domain.campaign_score(sheet, 80, at_line).passed
    below = {**at_line, "metering": 9}
    assert not domain.campaign_score(sheet, 80, below).passed
    missed_must_pass = {**full, "target_completion": 19}  # 99 points, the must-pass item short of full
    score = domain.campaign_score(sheet, 80, missed_must_pass)
    assert (score.total, score.must_pass_met, score.passed) == (99, False, False)


def test_every_kind_has_a_sheet_whose_pass_line_is_reachable():
    for kind in contract.CAMPAIGN_KINDS:
        domain.check_criteria(list(contract.DEFAULT_CRITERIA[kind]), contract.DEFAULT_PASS_SCORES[kind])
    assert any(item["source"] == "no_smoking_patrol" for item in contract.DEFAULT_CRITERIA["smoke_free"])


def test_a_sheet_with_an_unreachable_pass_line_or_a_repeated_code_is_refused():
    with pytest.raises(RuleViolation) as refused:
        domain.check_criteria(SHEET, 101)
    assert refused.value.rule == "campaigns.pass_line_unreachable"
    domain.check_criteria(SHEET, 100)
    with pytest.raises(RuleViolation):
        domain.check_criteria(SHEET + [dict(SHEET[0])], 80)


def test_scores_must_cover_the_sheet_within_each_maximum():
    domain.check_scores(SHEET, FULL)
    for wrong in ({**FULL, "signage": 41}, {"organisation": 20, "signage": 40}, {**FULL, "extra": 1},
                  {**FULL, "signage": 1.5}, {**FULL, "signage": True}, {**FULL, "signage": -1}):
        with pytest.raises(RuleViolation):
            domain.check_scores(SHEET, wrong)


def test_dates_outside_the_campaign_years_are_refused():
    domain.check_in_campaign_years([2024, 2025], assessed_on=date(2025, 12, 31))
    with pytest.raises(RuleViolation) as refused:
        domain.check_in_campaign_years([2024, 2025], assessed_on=date(2026, 1, 1))
    assert refused.value.rule == "campaigns.outside_period" and "assessed_on" in refused.value.errors


def test_a_spot_check_overrides_any_self_assessment_even_a_later_one():
    rows = [SimpleNamespace(id=1, unit_code="A", kind="self_assessment", assessed_on=date(2025, 3, 1)),
            SimpleNamespace(id=2, unit_code="A", kind="spot_check", assessed_on=date(2025, 5, 1)),
            SimpleNamespace(id=3, unit_code="A", kind="self_assessment", assessed_on=date(2025, 9, 1)),
            SimpleNamespace(id=4, unit_code="B", kind="self_assessment", assessed_on=date(2025, 3, 1)),
            SimpleNamespace(id=5, unit_code="B", kind="self_assessment", assessed_on=date(2025, 4, 1))]
    chosen = domain.deciding_evaluations(rows)
    assert (chosen["A"].id, chosen["B"].id) == (2, 5)


def test_each_no_smoking_finding_takes_the_configured_points_off_the_patrol_criterion():
    assert SETTINGS.campaign_smoking_deduction == 2
    after = domain.with_patrol_deductions(SHEET, FULL, 3)
    assert after == {"organisation": 20, "no_smoking_indoors": 34, "signage": 40}
    # the must-pass patrol criterion short of full: the unit does not pass, 94 points or not
    assert not domain.campaign_score(SHEET, 80, after).passed
    assert domain.with_patrol_deductions(SHEET, FULL, 100)["no_smoking_indoors"] == 0
    harsher = replace(SETTINGS, campaign_smoking_deduction=5)
    assert domain.with_patrol_deductions(SHEET, FULL, 1, harsher)["no_smoking_indoors"] == 35
    assert domain.with_patrol_deductions(SHEET, FULL, 0) == FULL


def test_smoking_counts_on_a_no_smoking_patrol_and_when_seen_on_any_other():
    assert domain.is_smoking_finding("no_smoking", "obstruction")
    assert domain.is_smoking_finding("security", "smoking")
    assert not domain.is_smoking_finding("security", "leak")
    assert not domain.is_smoking_finding("security", None)
