"""Energy rules against figures worked by hand."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from decimal import Decimal as D

import pytest

from services.energy import coefficients, domain, sheets
from services.energy.settings import Settings
from services.kit.errors import Invalid, RuleViolation


# -- conversion (GB/T 2589-2008; the emission factors beside it) ------------------------------------
@pytest.mark.parametrize("energy_type, quantity, unit, kgce, kgco2", [
    ("electricity", "10000", "kWh", "1229", "5703"),  # 10,000 x 0.1229; x 0.5703
    ("electricity", "2", "MWh", "245.8", "1140.6"),  # 2,000 kWh x 0.1229; x 0.5703
    ("natural_gas", "1000", "m3", "1214.3", "2162.2"),  # 1,000 x 1.2143; x 2.1622
    ("gasoline", "1000", "kg", "1471.4", "2925.1"),
    ("gasoline", "1000", "L", "1074.122", "2135.323"),  # 1,000 L x 0.73 = 730 kg x 1.4714; x 2.9251
    ("diesel", "1000", "L", "1223.964", "2600.556"),  # 1,000 L x 0.84 = 840 kg x 1.4571; x 3.0959
    ("diesel", "500", "kg", "728.55", "1547.95"),
    ("coal", "2", "t", "1428.6", "3800.6"),  # 2,000 kg x 0.7143; x 1.9003
    ("heat", "1000", "MJ", "34.12", "110"),  # x 0.11
    ("heat", "5", "GJ", "170.6", "550"),  # 5,000 MJ x 0.03412; x 0.11
])
def test_conversion_to_standard_coal_and_co2_matches_the_tables(energy_type, quantity, unit, kgce, kgco2):
    assert domain.reading_kgce(energy_type, D(quantity), unit) == D(kgce)
    assert domain.reading_kgco2(energy_type, D(quantity), unit) == D(kgco2)


def test_water_is_not_energy_and_the_table_is_named():
    assert domain.reading_kgce("water", D("100"), "m3") is None
    assert coefficients.VERSION == "GB/T 2589-2008"


def test_a_unit_must_fit_its_type():
    with pytest.raises(Invalid) as refused:
        domain.check_unit("electricity", "L")
    assert "unit" in refused.value.errors
    domain.check_unit("diesel", "L")


# -- CO₂ (the emission factors beside the table) -----------------------------------------------
def test_water_emits_no_co2():
    assert domain.reading_kgco2("water", D("100"), "m3") is None
    assert "water" not in coefficients.KGCO2_PER_BASE_UNIT


@pytest.mark.parametrize("energy_type, net_calorific_mj, carbon_t_per_tj, oxidation", [
    ("natural_gas", "38.931", "15.3", "0.99"),  # per m3
    ("gasoline", "43.070", "18.9", "0.98"),  # per kg
    ("diesel", "42.652", "20.2", "0.98"),
    ("coal", "20.908", "26.37", "0.94"),
])
def test_fuel_factors_follow_from_the_gb_t_32150_carbon_contents(energy_type, net_calorific_mj, carbon_t_per_tj,
                                                                oxidation):
    # kgCO2 = MJ x (tC/TJ = gC/MJ) / 1000 x oxidation x 44/12
    factor = D(net_calorific_mj) * D(carbon_t_per_tj) / 1000 * D(oxidation) * 44 / 12
    assert factor.quantize(D("0.0001")) == coefficients.DEFAULT_KGCO2_PER_BASE_UNIT[energy_type]


def test_the_default_factors_and_their_overrides(monkeypatch):
    assert coefficients.DEFAULT_KGCO2_PER_BASE_UNIT["electricity"] == D("0.5703")  # MEE, national grid 2022
    assert domain.reading_kgco2("electricity", D("1000"), "kWh") == D("570.3")  # 1,000 x 0.5703
    assert coefficients.DEFAULT_KGCO2_PER_BASE_UNIT["heat"] == D("0.11")
    assert coefficients.emission_factors() == coefficients.DEFAULT_KGCO2_PER_BASE_UNIT
    monkeypatch.setenv("ENERGY_KGCO2_ELECTRICITY", "0.5366")  # e.g. a provincial grid factor
    monkeypatch.setenv("ENERGY_KGCO2_NATURAL_GAS", "2.1650")
    factors = coefficients.emission_factors()
    assert factors["electricity"] == D("0.5366") and factors["natural_gas"] == D("2.1650")
    assert factors["diesel"] == D("3.0959")
    monkeypatch.setitem(coefficients.KGCO2_PER_BASE_UNIT, "electricity", factors["electricity"])
    assert domain.reading_kgco2("electricity", D("1000"), "kWh") == D("536.6")


def test_per_area_co2_counts_only_institutions_with_an_area():
    values = domain.intensities(D("3000"), D("0"), domain.Denominators(10, D("100")), kgce_with_area=D("1000"),
                                kgco2=D("9000"), kgco2_with_area=D("4000"))
    assert values["total_tco2"] == D("9") and values["per_area_kgco2_m2"] == D("40")
    assert domain.intensities(D("1"), D("0"), domain.Denominators(1, None), kgco2=D("5"))["per_area_kgco2_m2"] is None


# -- indicators ----------------------------------------------------------------------------------
def consumption(*readings):
    used = domain.Consumption()
    for energy_type, quantity, unit, _period in readings:
        used.add(energy_type, D(quantity), unit)
    return used


def test_indicators_of_an_institution_by_hand():
    used = consumption(("electricity", "100000", "kWh", "2025-01"), ("natural_gas", "5000", "m3", "2025-01"),
                       ("water", "2400", "m3", "2025-01"))
    # 100,000 x 0.1229 = 12,290; 5,000 x 1.2143 = 6,071.5; total 18,361.5 kgce
    assert used.kgce == D("18361.5")
    # 100,000 x 0.5703 = 57,030; 5,000 x 2.1622 = 10,811; total 67,841 kgCO2 (water emits none)
    assert used.kgco2 == D("67841")
    values = domain.rounded_indicators(domain.intensities(used.kgce, used.water_m3, domain.Denominators(50, D("2500")),
                                                          kgco2=used.kgco2))
    assert values == {"total_tce": 18.3615, "per_person_kgce": 367.23, "per_area_kgce_m2": 7.345,
                      "water_per_person_m3": 48.0, "total_tco2": 67.841, "per_area_kgco2_m2": 27.136}


def test_per_area_counts_only_institutions_with_an_area_and_zero_denominators_give_none():
    values = domain.intensities(D("1000"), D("0"), domain.Denominators(0, None))
    assert values["per_person_kgce"] is None and values["per_area_kgce_m2"] is None
    values = domain.intensities(D("3000"), D("0"), domain.Denominators(10, D("100")), kgce_with_area=D("1000"))
    assert values["per_area_kgce_m2"] == D("10") and values["per_person_kgce"] == D("300")


def test_year_over_year_is_the_change_against_last_year():
    assert domain.change_rate(D("95"), D("100")) == -0.05
    assert domain.change_rate(D("110"), D("100")) == 0.1
    assert domain.change_rate(D("5"), None) is None and domain.change_rate(D("5"), D("0")) is None


# -- targets and the at-risk projection -------------------------------------------------------
def test_the_plan_target_falls_linearly_to_the_reduction_in_2025():
    # 2025: 10 kgce/m2 in 2020 less 5% = 9.5; 2023 is 3/5 of the way: 10 x (1 - 0.03) = 9.7
    assert domain.plan_target(D("10"), 2025, "per_area_kgce_m2") == D("9.5")
    assert domain.plan_target(D("10"), 2023, "per_area_kgce_m2") == D("9.7")
    assert domain.plan_target(D("100"), 2025, "per_person_kgce") == D("94")
    assert domain.plan_target(D("50"), 2025, "water_per_person_m3") == D("47")
    assert domain.plan_target(D("10"), 2020, "per_area_kgce_m2") is None
    assert domain.plan_target(D("10"), 2026, "per_area_kgce_m2") is None


def test_the_plan_lowers_per_area_co2_by_7_percent_and_the_reduction_is_a_setting(monkeypatch):
    # 2025: 20 kgCO2/m2 in 2020 less 7% = 18.6; 2023: 20 x (1 - 0.07 x 3/5) = 19.16
    assert domain.plan_target(D("20"), 2025, "per_area_kgco2_m2") == D("18.6")
    assert domain.plan_target(D("20"), 2023, "per_area_kgco2_m2") == D("19.16")
    assert domain.plan_target(D("20"), 2025, "per_area_kgco2_m2", Settings(plan_per_area_co2_reduction=D("0.1"))) == 18
    monkeypatch.setenv("ENERGY_PLAN_PER_AREA_CO2_REDUCTION", "0.08")
    assert Settings.from_env().plan_reductions["per_area_kgco2_m2"] == D("0.08")


def test_a_co2_target_is_chosen_like_the_others():
    chosen = domain.effective_targets({"per_area_kgco2_m2": D("25")}, {"per_area_kgco2_m2": D("27"), "per_person_kgce": D("94")})
    assert chosen == {"per_area_kgco2_m2": (D("25"), "set"), "per_person_kgce": (D("94"), "plan")}
    assert domain.effective_targets(None, {"per_area_kgco2_m2": D("27")}) == {"per_area_kgco2_m2": (D("27"), "plan")}


def test_a_target_set_for_the_year_wins_over_the_plan():
    chosen = domain.effective_targets({"per_area_kgce_m2": D("8"), "per_person_kgce": None},
                                      {"per_area_kgce_m2": D("9.5"), "per_person_kgce": D("94")})
    assert chosen == {"per_area_kgce_m2": (D("8"), "set"), "per_person_kgce": (D("94"), "plan")}


def test_the_seasonal_share_comes_from_a_complete_last_year_else_months_over_twelve():
    last = {month: D("100") for month in range(1, 13)}
    last[1] = D("300")  # a cold January: 300 of 1,400
    assert domain.seasonal_share(last, 1) == D("300") / D("1400")
    assert domain.seasonal_share({1: D("300")}, 3) == D("0.25")


def test_an_institution_trending_past_its_target_is_at_risk():
    targets = {"per_area_kgce_m2": (D("10"), "set")}
    shares = {"energy": D("0.25"), "water": D("0.25")}
    # 3 months at 2.6 kgce/m2 -> 10.4 over the year: above 10
    risks = domain.assess_risk({"per_area_kgce_m2": D("2.6")}, shares, targets, through_month=3)
    assert [(r.indicator, r.projected, r.at_risk) for r in risks] == [("per_area_kgce_m2", D("10.4"), True)]
    risks = domain.assess_risk({"per_area_kgce_m2": D("2.4")}, shares, targets, through_month=3)
    assert not risks[0].at_risk  # 9.6
    assert domain.assess_risk({"per_area_kgce_m2": D("5")}, {"energy": D("1") / 12, "water": D(1)}, targets, 1) == []


def test_per_area_co2_is_projected_with_its_own_seasonal_share():
    # winter gas weighs more in CO2 than in kgce, so CO2 has its own share: 3 months at 6 kgCO2/m2
    # carrying 0.3 of last year's CO2 -> 20 over the year: above 19; with the energy share (0.25) it would be 24
    targets = {"per_area_kgco2_m2": (D("19"), "plan")}
    shares = {"energy": D("0.25"), "co2": D("0.3"), "water": D("0.25")}
    risks = domain.assess_risk({"per_area_kgco2_m2": D("6")}, shares, targets, through_month=3)
    assert [(r.indicator, r.projected, r.at_risk, r.source) for r in risks] == [
        ("per_area_kgco2_m2", D("20"), True, "plan")]
    assert not domain.assess_risk({"per_area_kgco2_m2": D("5.4")}, shares, targets, 3)[0].at_risk  # 18


def test_the_minimum_months_before_flagging_is_configurable():
    settings = Settings(risk_min_months=1)
    risks = domain.assess_risk({"per_area_kgce_m2": D("1")}, {"energy": D("0.05")}, {"per_area_kgce_m2": (D("10"), "plan")},
                               1, settings)
    assert risks[0].at_risk and risks[0].projected == D("20")


# -- benchmarking --------------------------------------------------------------------------------
def test_a_co2_benchmark_prices_the_gap_in_kgco2():
    rows = [{"unit_code": "A", "group": "office", "intensity": D("22.812"), "denominator": D("1000")},
            {"unit_code": "B", "group": "office", "intensity": D("10.811"), "denominator": D("1000")}]
    ranked = {row["unit_code"]: row for row in domain.benchmark(rows, "kgco2")}
    # median (10.811 + 22.812) / 2 = 16.8115: A would emit 6,000.5 kg less
    assert ranked["B"]["rank"] == 1 and domain.round_to(ranked["A"]["potential_to_median_kgco2"], 2) == 6000.5
    assert "potential_to_median_kgce" not in ranked["A"]


def test_every_metric_the_contract_offers_is_ranked():
    from services.energy import contract, reports

    assert set(reports.BENCHMARK_METRICS) == set(contract.INTENSITY_METRICS)
    assert reports.BENCHMARK_METRICS["per_area_kgco2_m2"] == ("kgco2", "area")


def test_benchmark_ranks_and_prices_the_gap_to_median_and_best_quartile():
    rows = [{"unit_code": code, "group": "office", "intensity": D(value), "denominator": D("1000")}
            for code, value in (("A", "10"), ("B", "20"), ("C", "30"), ("D", "40"))]
    rows.append({"unit_code": "S", "group": "school", "intensity": D("15"), "denominator": D("2000")})
    ranked = {row["unit_code"]: row for row in domain.benchmark(rows)}
    # office: median 25; inclusive quartile 10 + 0.75 x (20 - 10) = 17.5
    assert ranked["D"]["group_median"] == D("25") and ranked["D"]["group_best_quartile"] == D("17.5")
    assert ranked["D"]["potential_to_median_kgce"] == D("15000")  # (40 - 25) x 1,000 m2
    assert ranked["D"]["potential_to_best_quartile_kgce"] == D("22500")
    assert ranked["A"]["potential_to_median_kgce"] == 0
    assert [ranked[c]["rank"] for c in "ASBCD"] == [1, 2, 3, 4, 5]
    assert ranked["B"]["group_rank"] == 2 and ranked["S"]["group_size"] == 1
    assert ranked["S"]["potential_to_best_quartile_kgce"] == 0


# -- retrofit measurement ----------------------------------------------------------------------
def test_measured_saving_rate_and_payback_by_hand():
    monthly = {"2024-04": D("10000"), "2024-05": D("12000"), "2024-06": D("14000"),
               "2025-04": D("8000"), "2025-05": D("9000"), "2025-06": D("11000"), "2025-07": D("9000")}
    measured = domain.measure_saving(monthly, date(2025, 3, 20), D("30000"), D("0.8"))
    # July 2025 has no July 2024 to compare: April-June only. before 36,000, after 28,000
    assert measured.months == ["2025-04", "2025-05", "2025-06"]
    assert (measured.before, measured.after) == (D("36000"), D("28000"))
    assert measured.saving_rate == D("8000") / D("36000")  # 22.2%
    assert measured.annual_saving == D("32000")  # 8,000 over 3 months x 12 / 3
    assert measured.payback_years == D("30000") / (D("32000") * D("0.8"))  # 1.17 years
    assert domain.measure_saving({}, date(2025, 3, 20), D("1"), None) is None


def test_the_completion_month_itself_is_not_compared():
    monthly = {"2024-03": D("100"), "2025-03": D("50")}
    assert domain.comparison_periods(date(2025, 3, 1), monthly, 12) == []


# -- 节约型机关 -----------------------------------------------------------------------------------
FULL = {"organisation": 15, "target_completion": 20, "metering": 15, "buildings_equipment": 15,
        "water_saving": 10, "waste_sorting": 10, "green_office": 15}


def test_pass_at_80_points_with_the_must_pass_item_met():
    assert domain.score_assessment(FULL) == domain.Score(100, True, True)
    assert domain.score_assessment({**FULL, "organisation": 0, "metering": 10}).passed  # 80
    assert not domain.score_assessment({**FULL, "organisation": 0, "metering": 9}).passed  # 79
    missed = domain.score_assessment({**FULL, "target_completion": 19})  # 99 without the must-pass item
    assert missed.total == 99 and not missed.must_pass_met and not missed.passed


def test_scores_must_fit_the_sheet():
    with pytest.raises(Invalid) as refused:
        domain.score_assessment({**FULL, "organisation": 16, "bonus": 5})
    text = " ".join(refused.value.errors["scores"])
    assert "organisation" in text and "bonus" in text
    with pytest.raises(Invalid):
        domain.score_assessment({k: v for k, v in FULL.items() if k != "metering"})


def test_the_pass_score_and_sheet_are_configuration():
    sheet = ({"code": "a", "name": "a", "points": 50, "must_pass": False},
             {"code": "b", "name": "b", "points": 50, "must_pass": True})
    assert domain.score_assessment({"a": 10, "b": 50}, Settings(score_sheet=sheet, assessment_pass_score=60)).passed


@dataclass
class A:
    id: int
    institution_id: int
    kind: str
    assessed_on: date


def test_a_spot_check_decides_over_a_later_self_assessment():
    items = [A(1, 1, "self_assessment", date(2025, 3, 1)), A(2, 1, "spot_check", date(2025, 5, 1)),
             A(3, 1, "self_assessment", date(2025, 9, 1)), A(4, 2, "self_assessment", date(2025, 2, 1)),
             A(5, 2, "self_assessment", date(2025, 4, 1))]
    chosen = domain.deciding_assessments(items)
    assert chosen[1].id == 2 and chosen[2].id == 5


# -- waste and fleet ---------------------------------------------------------------------------
def test_recyclable_share_of_the_four_categories():
    summary = domain.waste_summary({"recyclable": D("300"), "hazardous": D("5"), "kitchen": D("495"), "other": D("200")})
    assert summary["total_kg"] == 1000.0 and summary["recyclable_share"] == 0.3
    assert domain.waste_summary({})["recyclable_share"] is None


def test_fleet_fuel_in_standard_coal():
    assert domain.fleet_kgce("gasoline", D("50"), None) == D("50") * D("0.73") * D("1.4714")
    assert domain.fleet_kgce("diesel", D("100"), None) == D("122.3964")
    assert domain.fleet_kgce("electric", None, D("40")) == D("4.916")


def test_a_period_is_a_month_in_shanghai():
    assert domain.local_period(datetime(2025, 1, 31, 16, 30, tzinfo=timezone.utc)) == "2025-02"
    march_first_in_shanghai = datetime(2025, 2, 28, 17, tzinfo=timezone.utc)
    assert domain.is_future_period("2025-04", march_first_in_shanghai)
    assert not domain.is_future_period("2025-03", march_first_in_shanghai)
    assert domain.shift_period("2025-01", -1) == "2024-12" and domain.shift_period("2024-12", 13) == "2026-01"


def test_readings_for_months_not_begun_are_refused_each_by_its_place():
    march_first_in_shanghai = datetime(2025, 2, 28, 17, tzinfo=timezone.utc)
    domain.check_periods_begun(["2025-03", "2025-02"], march_first_in_shanghai, many=True)
    with pytest.raises(RuleViolation) as refused:
        domain.check_periods_begun(["2025-03", "2025-04", "2025-05"], march_first_in_shanghai, many=True)
    assert refused.value.rule == "energy.future_period" and set(refused.value.errors) == {"1.period", "2.period"}
    with pytest.raises(RuleViolation) as one:
        domain.check_periods_begun(["2025-04"], march_first_in_shanghai, many=False)
    assert set(one.value.errors) == {"period"}


# -- the sheet -----------------------------------------------------------------------------------
def test_the_statistics_form_header_in_chinese_and_english():
    columns = sheets.columns_of(("单位代码", "统计期", "电(kWh)", "天然气（m³）", "汽油(L)", "热力(GJ)", "水(m³)"))
    assert columns[2] == ("reading", "electricity", "kWh") and columns[3] == ("reading", "natural_gas", "m3")
    assert columns[5] == ("reading", "heat", "GJ")
    assert sheets.columns_of(("unit_code", "period", "electricity_kwh"))[2] == ("reading", "electricity", "kWh")
    with pytest.raises(RuleViolation, match=sheets.UNREADABLE) as refused:
        sheets.columns_of(("unit_code", "电(kWh)", "oil"))
    assert any("oil" in m for m in refused.value.errors["header"])
    assert any("period" in m for m in refused.value.errors["header"])


def test_a_row_is_checked_field_by_field():
    columns = sheets.columns_of(("unit_code", "period", "electricity_kwh", "water_m3"))
    assert sheets.parse_row(("U1", "2025-3", "1,200.5", ""), columns) == (
        "U1", "2025-03", [("electricity", D("1200.500"), "kWh")], {})
    assert sheets.parse_row(("U1", datetime(2025, 4, 1), 5, 7), columns)[1] == "2025-04"
    _, _, _, errors = sheets.parse_row(("", "2025-13", "-5", "abc"), columns)
    assert set(errors) == {"unit_code", "period", "electricity_kWh", "water_m3"}
    assert sheets.parse_row(("U1", "2025-01", None, None), columns)[3] == {"readings": ["no quantity in the row"]}


LIMITS = sheets.Limits(rows=10, columns=5, uncompressed_bytes=1_000_000, compression_ratio=100)


def rows_of(filename, content, limits=LIMITS):
    return list(sheets.read_rows(filename, content, limits))


def workbook_bytes(fill) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    fill(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewritten(content: bytes, part: str, change) -> bytes:
    """The workbook with one part's XML changed."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item.filename, change(data) if item.filename == part else data)
    return out.getvalue()


@pytest.fixture
def rows_parsed(monkeypatch):
    """How many rows openpyxl's parser built: the reading's work."""
    from openpyxl.worksheet._reader import WorkSheetParser

    built = []
    parse_row = WorkSheetParser.parse_row

    def counted(parser, element):
        row = parse_row(parser, element)
        built.append(len(row[1]))
        return row

    monkeypatch.setattr(WorkSheetParser, "parse_row", counted)
    return built


def test_only_xlsx_and_csv_are_read():
    with pytest.raises(RuleViolation, match=sheets.UNREADABLE):
        sheets.sheet_format("form.xls")
    with pytest.raises(RuleViolation, match=sheets.UNREADABLE):
        rows_of("form.xlsx", b"not a zip")
    import io
    import zipfile

    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(RuleViolation, match=sheets.UNREADABLE):
        rows_of("form.xlsx", other_zip.getvalue())
    with pytest.raises(RuleViolation, match=sheets.UNREADABLE):
        rows_of("form.csv", b"a,b\n" + b"x" * 200_000)  # over the csv module's field limit
    assert rows_of("form.csv", "unit_code,period\nU1,2025-01\n".encode("gb18030")) == [
        (1, ("unit_code", "period")), (2, ("U1", "2025-01"))]


def test_a_sheet_declaring_a1_xfd20001_is_refused_before_a_row_is_read(rows_parsed):
    from services.kit.errors import RuleViolation

    hostile = workbook_bytes(lambda sheet: sheet.cell(row=20001, column=16384, value=1))
    assert len(hostile) < 8000
    with pytest.raises(RuleViolation) as refused:
        sheets.header_of("bomb.xlsx", hostile, sheets.Limits.of(Settings()))
    assert refused.value.rule == "energy.import_limit"
    assert refused.value.errors == {"energy.import_limit": ["at most 40 columns"]}
    assert rows_parsed == []


def test_a_sheet_whose_declared_size_lies_is_read_no_further_than_the_limits(rows_parsed):
    from services.kit.errors import RuleViolation

    def undeclared(content):  # the dimension says A1:A1 whatever the cells are
        import re

        return rewritten(content, "xl/worksheets/sheet1.xml",
                         lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', xml))

    far = undeclared(workbook_bytes(lambda sheet: (sheet.append(["unit_code", "period", "water_m3"]),
                                                   sheet.cell(row=9, column=16384, value=1))))
    with pytest.raises(RuleViolation) as refused:
        rows_of("far.xlsx", far)
    assert refused.value.errors == {"energy.import_limit": ["at most 5 columns"]}
    assert rows_parsed == [3, 1]  # the cells stored, never the 16,384 columns a padded row would hold
    rows_parsed.clear()
    long = undeclared(workbook_bytes(lambda sheet: [sheet.append(["U1", "2025-01", n]) for n in range(30)]))
    read = []
    with pytest.raises(RuleViolation) as refused:
        for row in sheets.read_rows("long.xlsx", long, LIMITS):
            read.append(row)
    assert refused.value.errors == {"energy.import_limit": ["at most 10 data rows"]}
    assert len(read) == 11 and len(rows_parsed) == 12  # the header, 10 rows, and the one that passed the limit
    empty_tail = workbook_bytes(lambda sheet: [sheet.append(["U1", "2025-01", 1]), sheet.cell(row=1, column=9)])
    assert rows_of("tail.xlsx", undeclared(empty_tail)) == [(1, ("U1", "2025-01", 1))]


def test_a_zip_bomb_is_refused_by_its_sizes_before_it_is_parsed():
    import io
    import struct
    import zipfile

    from services.kit.errors import RuleViolation

    def archive(size):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
            bomb.writestr("xl/worksheets/sheet1.xml", b"\0" * size)
        return buffer.getvalue()

    with pytest.raises(RuleViolation) as refused:  # 2 MB packed into 2 KB
        rows_of("bomb.xlsx", archive(2_000_000), sheets.Limits(10, 5, 10_000_000, 100))
    assert refused.value.errors == {"energy.import_limit": ["compressed at most 100 to 1"]}
    with pytest.raises(RuleViolation) as refused:
        rows_of("bomb.xlsx", archive(2_000_000), sheets.Limits(10, 5, 1_000_000, 10_000))
    assert refused.value.errors == {"energy.import_limit": ["at most 1000000 bytes unpacked"]}
    lying = bytearray(archive(2_000_000))  # declares 100 bytes: it is never unpacked past them
    struct.pack_into("<I", lying, 22, 100)
    struct.pack_into("<I", lying, lying.find(b"PK\x01\x02") + 24, 100)
    with pytest.raises(RuleViolation, match=sheets.UNREADABLE):
        rows_of("bomb.xlsx", bytes(lying), sheets.Limits(10, 5, 1_000_000, 10_000))


def test_a_csv_has_the_same_limits():
    from services.kit.errors import RuleViolation

    assert rows_of("wide.csv", b"a,b,c,d,e,,,\n") == [(1, ("a", "b", "c", "d", "e"))]  # empty cells past the limit
    with pytest.raises(RuleViolation) as refused:
        rows_of("wide.csv", b"a,b,c,d,e,f\n")
    assert refused.value.errors == {"energy.import_limit": ["at most 5 columns"]}
    with pytest.raises(RuleViolation) as refused:
        rows_of("long.csv", b"unit_code,period\n" + b"U1,2025-01\n" * 11)
    assert refused.value.errors == {"energy.import_limit": ["at most 10 data rows"]}
    assert len(rows_of("long.csv", b"unit_code,period\n" + b"U1,2025-01\n" * 10)) == 11
    with pytest.raises(RuleViolation):
        rows_of("big.csv", b"x" * 1_000_001)


def test_an_imports_rows_are_checked_against_the_register_across_chunks():
    now = datetime(2025, 6, 15, tzinfo=timezone.utc)
    seen = {}
    rows = [(2, "U1", "2025-01", [("water", D(1), "m3")], {}), (3, "U2", "2025-01", [("water", D(1), "m3")], {}),
            (4, "U9", "2025-01", [("water", D(1), "m3")], {}), (5, "U1", "2025-12", [("water", D(1), "m3")], {})]
    rejected, accepted = domain.check_import_rows(rows, {"U1": object(), "U2": object()}, "U1", seen, now)
    assert accepted == [("U1", "2025-01", [("water", D(1), "m3")])]
    assert [(r["row"], r["errors"]) for r in rejected] == [
        (3, {"unit_code": ["another unit's row"]}), (4, {"unit_code": ["another unit's row"]}),
        (5, {"period": ["a month that has not begun cannot be reported"]})]
    again, _ = domain.check_import_rows([(9, "U1", "2025-01", [], {})], {"U1": object()}, None, seen, now)
    assert again == [{"row": 9, "errors": {"period": ["repeats row 2 (same unit and month)"]}}]

def test_an_import_that_breaks_a_rule_fails_and_one_cut_short_is_run_again():
    from sqlalchemy.exc import OperationalError

    from services.energy.imports import failure_of
    from services.kit.errors import Conflict, RuleViolation, ServiceUnavailable

    limit = RuleViolation("too long", "energy.import_limit", {"energy.import_limit": ["at most 10 data rows"]})
    assert failure_of(limit) == {"detail": "too long", "rule": "energy.import_limit",
                                 "errors": {"energy.import_limit": ["at most 10 data rows"]}}
    assert failure_of(Invalid("bad header", {"header": ["x"]}))["rule"] is None
    for passing in (ServiceUnavailable("db"), Conflict("written meanwhile"), OperationalError("s", {}, Exception())):
        assert failure_of(passing) is None


def test_a_sheet_declaring_xml_entities_is_refused_not_expanded():
    """Uploaded sheets are parsed by openpyxl through defusedxml: an entity declaration (the
    shape of an entity-expansion bomb or an external entity) makes the file unreadable, never expanded."""
    def with_entity(xml):
        declared = xml.replace(b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY u "EXPANDED">]><worksheet', 1)
        return declared.replace(b"<t>U1</t>", b"<t>&u;</t>", 1)

    plain = workbook_bytes(lambda sheet: (sheet.append(["unit_code", "period", "water_m3"]),
                                          sheet.append(["U1", "2025-01", 5])))
    assert rows_of("plain.xlsx", plain)[1] == (2, ("U1", "2025-01", 5))
    with pytest.raises(RuleViolation, match=sheets.UNREADABLE):
        rows_of("entity.xlsx", rewritten(plain, "xl/worksheets/sheet1.xml", with_entity))


T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_an_entered_area_is_manual_and_wins_over_facilities():
    assert domain.initial_floor_area(Decimal("500"), Decimal("300")) == (Decimal("500"), "manual")
    assert domain.initial_floor_area(None, Decimal("300")) == (Decimal("300"), "facilities")
    assert domain.initial_floor_area(None, None) == (None, None)


def test_a_manual_area_is_not_overwritten_by_events():
    assert domain.floor_area_from_facilities("facilities")
    assert domain.floor_area_from_facilities(None)
    assert not domain.floor_area_from_facilities("manual")


def test_only_a_newer_area_event_counts():
    assert domain.is_newer(T0, None)
    assert domain.is_newer(T0 + timedelta(seconds=1), T0)
    assert not domain.is_newer(T0, T0)
    assert not domain.is_newer(T0 - timedelta(seconds=1), T0)


def test_retrofit_summary_averages_only_measured_rates():
    projects = [{"investment_yuan": Decimal("20000.50"), "measured_saving_rate": 0.2},
                {"investment_yuan": Decimal("1000"), "measured_saving_rate": 0.3},
                {"investment_yuan": Decimal("500"), "measured_saving_rate": None}]
    assert domain.retrofit_summary(projects) == {
        "completed": 3, "investment_yuan": 21500.5, "measured": 2, "mean_measured_saving_rate": 0.25}
    assert domain.retrofit_summary([])["mean_measured_saving_rate"] is None


def test_fuel_events_of_a_batch_enter_the_ledger_once_per_event_and_per_transaction():
    def event(event_id, transaction_id):
        return {"event_id": event_id, "transaction_id": transaction_id}

    batch = [event("a", 1), event("b", 2), event("a", 1), event("c", 2), event("d", 3), event("e", 4)]
    # "a" and "b" are first deliveries; "c" is transaction 2 again under another id; "d" was
    # applied before; transaction 4 is in the ledger already
    chosen = domain.new_fuel_transactions(batch, {"a", "b", "c", "e"}, known_transactions={4})
    assert [e["event_id"] for e in chosen] == ["a", "b"]


def test_a_fleet_fuel_entry_keeps_the_ledgers_places_and_the_local_month():
    entry = domain.fleet_fuel_entry({
        "event_id": "x", "transaction_id": 7, "vehicle_id": 3, "unit_code": "U1", "fuel_type": "diesel",
        "liters": 40.12345, "kwh": None, "amount_yuan": 300.456,
        "filled_at": datetime(2025, 3, 31, 17, 0, tzinfo=timezone.utc)})
    assert (entry["liters"], entry["kwh"], entry["amount_yuan"], entry["period"]) == (
        Decimal("40.123"), None, Decimal("300.46"), "2025-04")


def test_a_months_report_is_missing_only_once_the_due_day_of_the_next_month_is_over():
    on_the_10th = datetime(2025, 3, 10, 15, 59, tzinfo=timezone.utc)  # 23:59 on 10 March in Shanghai
    assert domain.due_periods(2025, on_the_10th, 10) == ["2025-01"]
    assert domain.due_periods(2025, datetime(2025, 3, 10, 16, 0, tzinfo=timezone.utc), 10) == ["2025-01", "2025-02"]
    assert domain.due_periods(2025, datetime(2026, 1, 11, 0, 0, tzinfo=timezone.utc), 10)[-1] == "2025-12"
    assert domain.due_periods(2025, datetime(2026, 1, 10, 0, 0, tzinfo=timezone.utc), 10)[-1] == "2025-11"
    assert domain.due_periods(2027, datetime(2026, 1, 11, tzinfo=timezone.utc), 10) == []
