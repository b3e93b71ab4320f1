"""The energy service over real RPC, a real database and real events."""
import base64
import dataclasses
import io
import uuid
from datetime import timedelta

import eventlet
import pytest
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from openpyxl import Workbook
from sqlalchemy import func, select

from services.energy.models import EnergyImport, FleetFuel, OutboxEvent, Reading, ReadingRevision
from services.energy.service import EnergyService
from services.kit.context import ADMIN_ROLES, Caller
from services.kit.db import utcnow
from services.kit.errors import Forbidden, Invalid, NotFound, RuleViolation
from services.vehicles import contract as vehicles
from tests.support import call_as, database_of, eventually

pytestmark = pytest.mark.integration

OFFICER = Caller("officer", ("energy_officer",))


def unit():
    return f"E-{uuid.uuid4().hex[:8]}"


def officer(rpc, method, *args):
    return call_as(rpc, OFFICER, "energy", method, *args)


def institution(rpc, code, headcount=50, area=2500, group="general"):
    return officer(rpc, "create_institution", {"unit_code": code, "name": f"单位{code}", "headcount": headcount,
                                               "floor_area_m2": area, "group": group})


def reading(code, period, energy_type, quantity, unit_name):
    return {"unit_code": code, "period": period, "energy_type": energy_type, "quantity": quantity, "unit": unit_name}


def outbox(container, event_type):
    with database_of(container).sessionmaker() as session:
        return [row.payload for row in session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == event_type).order_by(OutboxEvent.id))]


def count(container, model, *where):
    with database_of(container).sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_readings_give_indicators_worked_by_hand(start_service, rpc):
    start_service(EnergyService)
    code = unit()
    institution(rpc, code, headcount=50, area=2500)
    written = officer(rpc, "record_readings", [
        reading(code, "2024-01", "electricity", 80000, "kWh"),
        reading(code, "2025-01", "electricity", 100000, "kWh"),
        reading(code, "2025-01", "natural_gas", 5000, "m3"),
        reading(code, "2025-02", "gasoline", 1000, "L"),
        reading(code, "2025-02", "water", 2400, "m3"),
    ])
    assert (written["created"], written["corrected"], written["unchanged"]) == (5, 0, 0)
    assert written["items"][1]["kgce"] == 12290.0 and written["items"][1]["coefficient_table"] == "GB/T 2589-2008"
    assert written["items"][4]["kgce"] is None  # water is not energy
    figures = officer(rpc, "indicators", {"year": 2025, "unit_code": code})
    # 12,290 + 6,071.5 + 1,000 x 0.73 x 1.4714 (1,074.122) = 19,435.622 kgce
    assert figures["total_kgce"] == 19435.62 and figures["total_tce"] == 19.4356
    assert figures["per_person_kgce"] == 388.712  # / 50 persons
    assert figures["per_area_kgce_m2"] == 7.774  # / 2,500 m2
    assert figures["water_per_person_m3"] == 48.0
    assert figures["coefficient_table"] == "GB/T 2589-2008"
    assert figures["by_type"]["gasoline"] == {"quantity": 730.0, "unit": "kg", "kgce": 1074.12}
    assert figures["previous_year"]["total_kgce"] == 9832.0  # 80,000 x 0.1229
    assert figures["year_over_year"]["total_tce"] == round((19435.622 - 9832) / 9832, 4)
    january = officer(rpc, "indicators", {"year": 2025, "unit_code": code, "months": "1"})
    assert january["total_kgce"] == 18361.5 and january["months"] == [1]


def test_a_county_and_a_group_sum_their_reporting_institutions(start_service, rpc):
    start_service(EnergyService)
    group = f"g-{uuid.uuid4().hex[:6]}"
    first, second, silent = unit(), unit(), unit()
    institution(rpc, first, headcount=10, area=1000, group=group)
    institution(rpc, second, headcount=30, area=None, group=group)
    institution(rpc, silent, headcount=99, area=9999, group=group)
    officer(rpc, "record_readings", [reading(first, "2023-05", "electricity", 10000, "kWh"),
                                     reading(second, "2023-05", "electricity", 20000, "kWh")])
    figures = officer(rpc, "indicators", {"year": 2023, "group": group})
    assert figures["scope"] == "group" and figures["institutions"] == 2 and figures["headcount"] == 40
    assert figures["total_kgce"] == 3687.0  # 30,000 x 0.1229
    assert figures["per_person_kgce"] == 92.175  # 3,687 / 40
    assert figures["per_area_kgce_m2"] == 1.229  # only the institution with an area: 1,229 / 1,000


def test_a_correction_keeps_the_old_value_and_the_same_value_changes_nothing(start_service, rpc):
    energy = start_service(EnergyService)
    code = unit()
    institution(rpc, code)
    first = officer(rpc, "record_readings", reading(code, "2025-03", "electricity", 1000, "kWh"))
    again = officer(rpc, "record_readings", reading(code, "2025-03", "electricity", "1000.000", "kWh"))
    assert again["unchanged"] == 1 and count(energy, ReadingRevision) == 0
    fixed = officer(rpc, "record_readings", reading(code, "2025-03", "electricity", 1200, "kWh"))
    assert fixed["corrected"] == 1 and fixed["items"][0]["id"] == first["items"][0]["id"]
    one = officer(rpc, "get_reading", first["items"][0]["id"])
    assert one["quantity"] == 1200.0 and [r["quantity"] for r in one["revisions"]] == [1000.0]
    assert one["revisions"][0]["replaced_by"] == "officer"


def test_bad_readings_are_refused_whole_with_field_errors(start_service, rpc):
    energy = start_service(EnergyService)
    code = unit()
    institution(rpc, code)
    with pytest.raises(Invalid) as refused:
        officer(rpc, "record_readings", [reading(code, "2025-01", "electricity", 5, "kWh"),
                                         reading(code, "2025-13", "electricity", -1, "L")])
    assert {"1.period", "1.quantity", "1.unit"} <= set(refused.value.errors)
    with pytest.raises(RuleViolation) as future:
        officer(rpc, "record_readings", reading(code, "2099-01", "water", 5, "m3"))
    assert "period" in future.value.errors
    with pytest.raises(NotFound):
        officer(rpc, "record_readings", reading("NOPE", "2025-01", "water", 5, "m3"))
    assert count(energy, Reading) == 0


def test_a_unit_user_reports_and_reads_only_its_own_institution(start_service, rpc):
    start_service(EnergyService)
    mine, theirs = unit(), unit()
    institution(rpc, mine)
    institution(rpc, theirs)
    clerk = Caller("clerk", ("unit_user",), unit_code=mine)
    call_as(rpc, clerk, "energy", "record_readings", reading(mine, "2025-01", "water", 5, "m3"))
    with pytest.raises(Forbidden):
        call_as(rpc, clerk, "energy", "record_readings", reading(theirs, "2025-01", "water", 5, "m3"))
    officer(rpc, "record_readings", reading(theirs, "2025-01", "water", 7, "m3"))
    listed = call_as(rpc, clerk, "energy", "list_readings", {})
    assert [item["unit_code"] for item in listed["items"]] == [mine]
    figures = call_as(rpc, clerk, "energy", "indicators", {"year": 2025})
    assert figures["scope"] == "institution" and figures["unit_code"] == mine and figures["water_m3"] == 5.0
    # another unit's figures are not found, never silently the clerk's own instead
    for method, query in (("list_readings", {"unit_code": theirs}), ("indicators", {"year": 2025, "unit_code": theirs}),
                          ("fleet", {"year": 2025, "unit_code": theirs})):
        with pytest.raises(NotFound):
            call_as(rpc, clerk, "energy", method, query)
    assert call_as(rpc, clerk, "energy", "indicators", {"year": 2025, "unit_code": mine})["unit_code"] == mine
    with pytest.raises(Forbidden):
        call_as(rpc, clerk, "energy", "benchmark", {"year": 2025})


# -- import -----------------------------------------------------------------------------------------
def xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def csv_sheet(text):
    return base64.b64encode(text.encode()).decode()


def imported(rpc, caller, filename, content, timeout=30.0):
    """An import sent and then read until its job ended (the RPC answers at once with the job)."""
    job = call_as(rpc, caller, "energy", "import_readings", {"filename": filename, "content_base64": content})
    assert job["status"] == "queued" and job["rows_done"] == 0, job
    return eventually(lambda: (lambda seen: seen if seen["status"] in ("succeeded", "failed") else None)(
        call_as(rpc, caller, "energy", "get_import", job["id"])), timeout=timeout, interval=0.2)


def test_a_sheet_of_1000_rows_with_3_bad_imports_997_and_names_the_3(start_service, rpc):
    energy = start_service(EnergyService)
    codes = [unit() for _ in range(50)]
    for code in codes:
        institution(rpc, code)
    rows = [("单位代码", "统计期", "电(kWh)", "天然气(m³)", "水(m³)")]
    for index in range(1000):
        year, month = 2020 + index // 600, index // 50 % 12 + 1
        rows.append((codes[index % 50], f"{year}-{month:02d}", 1000 + index, 10 if index % 2 else None, 50))
    rows[101] = (codes[0], "2021-13", 5, None, None)  # sheet row 102: no such month
    rows[501] = ("NO-SUCH-UNIT", "2021-01", 5, None, None)  # row 502
    rows[901] = (codes[1], "2022-01", "lots", None, 3)  # row 902
    # row 102 replaced a distinct key, so 997 rows are distinct and good
    report = imported(rpc, OFFICER, "form.xlsx", xlsx(rows))
    assert report["status"] == "succeeded" and report["error"] is None and report["rows_done"] == 1000
    assert (report["rows_total"], report["rows_imported"], report["rows_rejected"]) == (1000, 997, 3)
    assert [(r["row"], sorted(r["errors"])) for r in report["rejected"]] == [
        (102, ["period"]), (502, ["unit_code"]), (902, ["electricity_kWh"])]
    stored = count(energy, Reading)
    assert stored == report["readings_created"] > 997
    again = imported(rpc, OFFICER, "form.xlsx", xlsx(rows))
    assert (again["readings_created"], again["readings_corrected"], again["readings_unchanged"]) == (0, 0, stored)
    assert count(energy, Reading) == stored and count(energy, ReadingRevision) == 0
    assert officer(rpc, "get_import", report["id"])["rejected"][1]["row"] == 502
    with database_of(energy).sessionmaker() as session:  # the sheet is not kept once its job ended
        assert session.scalar(select(func.count()).select_from(EnergyImport).where(EnergyImport.content.is_not(None))) == 0


def test_a_csv_import_corrects_and_a_repeated_row_is_reported(start_service, rpc):
    energy = start_service(EnergyService)
    code = unit()
    institution(rpc, code)
    officer(rpc, "record_readings", reading(code, "2024-06", "electricity", 100, "kWh"))
    sheet = f"unit_code,period,electricity_kwh,diesel_l\n{code},2024-06,150,\n{code},2024-07,,20\n{code},2024-07,,25\n"
    report = imported(rpc, OFFICER, "form.csv", csv_sheet(sheet))
    assert (report["readings_created"], report["readings_corrected"]) == (1, 1)
    assert report["rejected"] == [{"row": 4, "errors": {"period": ["repeats row 3 (same unit and month)"]}}]
    assert count(energy, ReadingRevision) == 1
    entries = call_as(rpc, Caller("root", ADMIN_ROLES), "energy", "list_audit_entries", {"entity": "reading"})["items"]
    assert entries and entries[0]["actor"] == OFFICER.name  # the job acts for the one who sent the sheet


def test_a_sheet_that_is_not_the_form_writes_nothing(start_service, rpc):
    energy = start_service(EnergyService)
    with pytest.raises(RuleViolation) as refused:
        officer(rpc, "import_readings", {"filename": "form.xlsx", "content_base64": xlsx([("who", "when")])})
    assert refused.value.rule == "energy.unreadable_sheet" and "header" in refused.value.errors
    with pytest.raises(Invalid):
        officer(rpc, "import_readings", {"filename": "form.xlsx", "content_base64": "%%%"})
    assert count(energy, Reading) == 0 and count(energy, EnergyImport) == 0


@pytest.mark.timeout(300)  # it polls the job for up to 240 s
def test_a_sheet_of_10000_rows_imports_as_a_job_without_an_rpc_timing_out(start_service, rpc):
    energy = start_service(EnergyService)
    codes = [unit() for _ in range(100)]
    for code in codes:
        institution(rpc, code)
    rows = [("单位代码", "统计期", "电(kWh)", "天然气(m³)", "水(m³)")]
    rows += [(codes[index % 100], f"{2016 + index // 1200}-{index // 100 % 12 + 1:02d}", 1000 + index, 20, 50)
             for index in range(10_000)]
    seen = []
    job = officer(rpc, "import_readings", {"filename": "county.xlsx", "content_base64": xlsx(rows)})

    def finished():
        now = officer(rpc, "get_import", job["id"])
        seen.append((now["status"], now["rows_done"], now["rows_total"]))
        return now if now["status"] in ("succeeded", "failed") else None

    report = eventually(finished, timeout=240, interval=0.5)
    assert report["status"] == "succeeded", report["error"]
    assert (report["rows_total"], report["rows_imported"], report["rows_rejected"]) == (10_000, 10_000, 0)
    assert report["readings_created"] == 30_000 == count(energy, Reading)
    assert report["started_at"] and report["finished_at"]
    assert {status for status, _, _ in seen} <= {"queued", "running", "succeeded"}
    done = [rows_done for status, rows_done, total in seen if status == "running" and total]
    assert done == sorted(done)  # progress only goes forward


def test_a_sheet_past_a_limit_is_refused_at_once_naming_it(start_service, rpc):
    energy = start_service(EnergyService)
    book = Workbook()
    book.active.cell(row=20001, column=16384, value=1)  # declares A1:XFD20001: 1.6 KB of sheet
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(RuleViolation) as refused:
        officer(rpc, "import_readings", {"filename": "bomb.xlsx",
                                         "content_base64": base64.b64encode(buffer.getvalue()).decode()})
    assert refused.value.rule == "energy.import_limit"
    assert refused.value.errors == {"energy.import_limit": ["at most 40 columns"]}
    rows = "unit_code,period,water_m3\n" + "U1,2024-01,1\n" * 20_001
    with pytest.raises(RuleViolation) as refused:
        officer(rpc, "import_readings", {"filename": "long.csv", "content_base64": csv_sheet(rows)})
    assert refused.value.errors == {"energy.import_limit": ["at most 20000 data rows"]}
    assert count(energy, EnergyImport) == 0


def test_a_sheet_found_past_a_limit_while_it_is_read_fails_its_job_and_applies_nothing(start_service, rpc, monkeypatch):
    import re
    import zipfile

    from services.energy import settings

    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS, import_max_rows=20))
    energy = start_service(EnergyService)
    code = unit()
    institution(rpc, code)
    rows = [("unit_code", "period", "water_m3")] + [(code, f"{2000 + n}-01", n) for n in range(25)]
    packed, understated = io.BytesIO(base64.b64decode(xlsx(rows))), io.BytesIO()
    with zipfile.ZipFile(packed) as source, zipfile.ZipFile(understated, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():  # the sheet says it is one cell: only the reading finds its rows
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
            target.writestr(item.filename, data)
    job = imported(rpc, OFFICER, "long.xlsx", base64.b64encode(understated.getvalue()).decode())
    assert job["status"] == "failed" and job["rows_imported"] == 0
    assert job["error"] == {"detail": "the sheet reaches row 22: more than 20 data rows", "rule": "energy.import_limit",
                            "errors": {"energy.import_limit": ["at most 20 data rows"]}}
    assert count(energy, Reading) == 0


def test_a_job_whose_process_died_is_run_again_and_applied_once(start_service, rpc, databases, monkeypatch):
    from services.energy import settings

    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS, import_lease_seconds=1,
                                                                  import_poll_seconds=0.1))
    url = databases.migrated_url("energy")
    energy = start_service(EnergyService, database_url=url)
    code = unit()
    institution(rpc, code)
    sheet = csv_sheet(f"unit_code,period,electricity_kwh\n{code},2024-01,10\n{code},2024-02,20\n")
    energy.stop()  # nobody runs the jobs: one stays queued, one is left running as a killed process leaves it
    with database_of(energy).sessionmaker.begin() as session:
        for status in ("queued", "running"):
            session.add(EnergyImport(filename="form.csv", format="csv", status=status, rejected=[],
                                     content=base64.b64decode(sheet), caller=OFFICER.to_wire(), request_id="it-req",
                                     created_by=OFFICER.name, claim="dead" if status == "running" else None,
                                     locked_until=utcnow() + timedelta(seconds=1) if status == "running" else None,
                                     attempts=1 if status == "running" else 0))
    restarted = start_service(EnergyService, database_url=url)

    def both_done():
        with database_of(restarted).sessionmaker() as session:
            jobs = session.scalars(select(EnergyImport).order_by(EnergyImport.id)).all()
            return jobs if all(job.status == "succeeded" for job in jobs) else None

    first, second = eventually(both_done, timeout=30)
    assert (first.readings_created, second.readings_unchanged) == (2, 2)  # applied once, the other found it done
    assert second.attempts == 2 and count(restarted, Reading) == 2


# -- targets and the at-risk flag -------------------------------------------------------------------
def test_an_institution_trending_past_its_target_is_flagged_once(start_service, rpc):
    energy = start_service(EnergyService)
    code = unit()
    institution(rpc, code, headcount=10, area=1000)
    officer(rpc, "create_target", {"unit_code": code, "year": 2025, "per_area_kgce_m2": 10})
    # 2024 complete: 12 x 5,000 kWh = 60,000 kWh; January-March 2024 carry 3/12
    officer(rpc, "record_readings", [reading(code, f"2024-{m:02d}", "electricity", 5000, "kWh") for m in range(1, 13)])
    # two months of 2025 are too few to judge
    officer(rpc, "record_readings", [reading(code, "2025-01", "electricity", 21000, "kWh"),
                                     reading(code, "2025-02", "electricity", 21000, "kWh")])
    assert outbox(energy, "target_at_risk") == []
    # March: 63,000 kWh x 0.1229 = 7,742.7 kgce / 1,000 m2 = 7.7427 so far; / 0.25 -> 30.97 > 10
    officer(rpc, "record_readings", reading(code, "2025-03", "electricity", 21000, "kWh"))
    events = outbox(energy, "target_at_risk")
    assert [(e["unit_code"], e["indicator"], e["target"], e["target_source"], e["through_month"]) for e in events] == [
        (code, "per_area_kgce_m2", 10.0, "set", 3)]
    assert events[0]["projected"] == 30.971
    officer(rpc, "record_readings", reading(code, "2025-03", "water", 10, "m3"))  # still at risk: no new event
    assert len(outbox(energy, "target_at_risk")) == 1
    figures = officer(rpc, "indicators", {"year": 2025, "unit_code": code})
    assert figures["at_risk"] and figures["targets"][0]["projected"] == 30.971


def test_the_plan_target_comes_from_the_base_year(start_service, rpc):
    start_service(EnergyService)
    code = unit()
    institution(rpc, code, headcount=10, area=1000)
    officer(rpc, "record_readings", [reading(code, f"2020-{m:02d}", "electricity", 10000, "kWh") for m in range(1, 13)])
    targets = {t["indicator"]: t for t in officer(rpc, "indicators", {"year": 2025, "unit_code": code})["targets"]}
    # 2020: 120,000 kWh x 0.1229 = 14,748 kgce; per m2 14.748 less 5% = 14.0106; per person 1,474.8 less 6%
    assert targets["per_area_kgce_m2"]["target"] == 14.011 and targets["per_area_kgce_m2"]["source"] == "plan"
    assert targets["per_person_kgce"]["target"] == 1386.312


# -- CO₂ --------------------------------------------------------------------------------------------
def test_co2_indicators_year_over_year_and_the_plans_7_percent(start_service, rpc):
    start_service(EnergyService)
    code = unit()
    institution(rpc, code, headcount=50, area=2500)
    officer(rpc, "record_readings", [reading(code, f"2020-{m:02d}", "electricity", 10000, "kWh") for m in range(1, 13)] + [
        reading(code, "2024-01", "electricity", 80000, "kWh"),
        reading(code, "2025-01", "electricity", 100000, "kWh"),
        reading(code, "2025-01", "natural_gas", 5000, "m3"),
        reading(code, "2025-02", "gasoline", 1000, "L"),
        reading(code, "2025-02", "water", 2400, "m3"),
    ])
    figures = officer(rpc, "indicators", {"year": 2025, "unit_code": code})
    # 100,000 x 0.5703 = 57,030; 5,000 x 2.1622 = 10,811; 1,000 L x 0.73 x 2.9251 = 2,135.323: 69,976.323 kgCO2
    assert figures["total_tco2"] == 69.9763
    assert figures["per_area_kgco2_m2"] == 27.991  # / 2,500 m2
    assert figures["emission_factors"]["electricity"] == 0.5703 and "water" not in figures["emission_factors"]
    assert figures["previous_year"]["total_tco2"] == 45.624  # 80,000 x 0.5703
    assert figures["year_over_year"]["per_area_kgco2_m2"] == round((69976.323 - 45624) / 45624, 4)
    targets = {t["indicator"]: t for t in figures["targets"]}
    # 2020: 120,000 kWh x 0.5703 = 68,436 kgCO2 / 2,500 m2 = 27.3744, less 7% = 25.458
    assert (targets["per_area_kgco2_m2"]["target"], targets["per_area_kgco2_m2"]["source"]) == (25.458, "plan")
    assert targets["per_area_kgco2_m2"]["at_risk"] is None  # two months are too few to judge


def test_a_co2_target_set_for_the_year_flags_an_institution_trending_past_it(start_service, rpc):
    energy = start_service(EnergyService)
    code = unit()
    institution(rpc, code, headcount=10, area=1000)
    target = officer(rpc, "create_target", {"unit_code": code, "year": 2025, "per_area_kgco2_m2": 100})
    assert target["per_area_kgco2_m2"] == 100.0 and target["per_area_kgce_m2"] is None
    assert officer(rpc, "get_target", target["id"])["per_area_kgco2_m2"] == 100.0
    officer(rpc, "record_readings", [reading(code, f"2024-{m:02d}", "electricity", 5000, "kWh") for m in range(1, 13)])
    officer(rpc, "record_readings", [reading(code, f"2025-{m:02d}", "electricity", 21000, "kWh") for m in (1, 2, 3)])
    # 63,000 kWh x 0.5703 = 35,928.9 kgCO2 / 1,000 m2 = 35.9289 so far; / 0.25 -> 143.716 > 100
    events = outbox(energy, "target_at_risk")
    assert [(e["indicator"], e["target"], e["target_source"], e["through_month"], e["projected"]) for e in events] == [
        ("per_area_kgco2_m2", 100.0, "set", 3, 143.716)]
    figures = officer(rpc, "indicators", {"year": 2025, "unit_code": code})
    assert figures["at_risk"] and [(t["indicator"], t["at_risk"]) for t in figures["targets"]] == [
        ("per_area_kgco2_m2", True)]


def test_benchmark_ranks_by_per_area_co2(start_service, rpc):
    start_service(EnergyService)
    group = f"g-{uuid.uuid4().hex[:6]}"
    electric, gas = unit(), unit()
    institution(rpc, electric, area=1000, group=group)
    institution(rpc, gas, area=1000, group=group)
    officer(rpc, "record_readings", [reading(electric, "2022-01", "electricity", 40000, "kWh"),
                                     reading(gas, "2022-01", "natural_gas", 5000, "m3")])
    by_energy = officer(rpc, "benchmark", {"year": 2022, "group": group})
    assert [row["unit_code"] for row in by_energy["items"]] == [electric, gas]  # 4.916 against 6.0715 kgce/m2
    by_co2 = officer(rpc, "benchmark", {"year": 2022, "group": group, "metric": "per_area_kgco2_m2"})
    # 5,000 m3 x 2.1622 = 10,811 kgCO2 and 40,000 kWh x 0.5703 = 22,812 kgCO2, each over 1,000 m2
    assert [(row["unit_code"], row["intensity"]) for row in by_co2["items"]] == [(gas, 10.811), (electric, 22.812)]
    # median 16.8115: (22.812 - 16.8115) x 1,000; best quartile 10.811 + 0.25 x 12.001 = 13.81125
    assert by_co2["items"][1]["potential_to_median_kgco2"] == 6000.5
    assert by_co2["potential_to_best_quartile_kgco2"] == 9000.75
    assert "potential_to_median_kgce" not in by_co2 and by_co2["emission_factors"]["natural_gas"] == 2.1622


# -- fleet -------------------------------------------------------------------------------------------
def test_a_fuel_event_lands_once_in_the_fleet_ledger_even_when_delivered_twice(start_service, rpc, test_backends):
    energy = start_service(EnergyService)
    code = unit()
    event = {"event_id": str(uuid.uuid4()), "occurred_at": "2025-03-01T08:00:00+00:00", "transaction_id": 4711,
             "vehicle_id": 3, "unit_code": code, "fuel_type": "diesel", "liters": 100.0, "kwh": None,
             "amount_yuan": 780.5, "filled_at": "2025-03-31T17:00:00+00:00"}
    exchange = get_event_exchange(vehicles.SERVICE, {})
    publisher = Publisher(test_backends.amqp_uri, declare=[exchange])
    for _ in range(2):
        publisher.publish(event, exchange=exchange, routing_key=vehicles.FUEL_RECORDED)
    publisher.publish({**event, "event_id": str(uuid.uuid4())}, exchange=exchange, routing_key=vehicles.FUEL_RECORDED)
    assert eventually(lambda: count(energy, FleetFuel) == 1)
    eventlet.sleep(0.5)  # let the copies arrive
    assert count(energy, FleetFuel) == 1
    ledger = officer(rpc, "fleet", {"year": 2025, "unit_code": code})
    # filled on 1 April in Shanghai; 100 L x 0.84 x 1.4571 = 122.3964 kgce
    assert ledger["items"] == [{"unit_code": code, "transactions": 1, "gasoline_liters": 0.0, "diesel_liters": 100.0,
                                "kwh": 0.0, "amount_yuan": 780.5, "kgce": 122.4}]
    assert officer(rpc, "fleet", {"year": 2025, "unit_code": code, "months": "3"})["totals"]["transactions"] == 0
    institution(rpc, code)
    figures = officer(rpc, "indicators", {"year": 2025, "unit_code": code})
    assert figures["total_kgce"] == 0 and figures["fleet"]["kgce"] == 122.4  # beside, not inside


# -- benchmark, retrofits, assessments, waste ---------------------------------------------------------
def test_benchmark_ranks_the_group(start_service, rpc):
    start_service(EnergyService)
    group = f"g-{uuid.uuid4().hex[:6]}"
    codes = [unit() for _ in range(4)]
    for code, kwh in zip(codes, (100000, 200000, 300000, 400000)):
        institution(rpc, code, area=1229, group=group)
        officer(rpc, "record_readings", reading(code, "2022-01", "electricity", kwh, "kWh"))
    answer = officer(rpc, "benchmark", {"year": 2022, "group": group})
    # intensities 100,000 kWh x n x 0.1229 / 1,229 m2 = 10, 20, 30, 40 kgce/m2: median 25, best quartile 17.5
    assert [row["intensity"] for row in answer["items"]] == [10.0, 20.0, 30.0, 40.0]
    assert answer["items"][3]["potential_to_median_kgce"] == 18435.0  # 15 x 1,229
    assert answer["potential_to_best_quartile_kgce"] == (2.5 + 12.5 + 22.5) * 1229  # 46,087.5


def test_a_retrofits_measured_saving_rate_matches_a_hand_calculation(start_service, rpc):
    start_service(EnergyService)
    code = unit()
    institution(rpc, code)
    officer(rpc, "record_readings", [
        reading(code, "2023-04", "electricity", 10000, "kWh"), reading(code, "2023-05", "electricity", 12000, "kWh"),
        reading(code, "2024-04", "electricity", 8000, "kWh"), reading(code, "2024-05", "electricity", 9000, "kWh"),
        reading(code, "2024-05", "natural_gas", 999, "m3")])
    project = officer(rpc, "create_project", {
        "unit_code": code, "name": "LED 灯具改造", "kind": "led_lighting", "scope": "办公楼 1-5 层",
        "energy_type": "electricity", "investment_yuan": 20000, "expected_saving_rate": 0.2, "unit_price_yuan": 0.8})
    assert project["measured_saving_rate"] is None
    done = officer(rpc, "update_project", project["id"], {"completed_on": "2024-03-15"})
    # before 22,000 kWh, after 17,000: 5,000 / 22,000 = 22.73%; 30,000 kWh a year x 0.8 = 24,000 yuan
    assert done["comparison_months"] == ["2024-04", "2024-05"]
    assert done["measured_saving_rate"] == 0.2273 and done["annual_saving"] == 30000.0
    assert done["payback_years"] == 0.83  # 20,000 / 24,000
    summary = {"year": 2024, "unit_code": code}
    assert officer(rpc, "project_summary", summary) == {
        "year": 2024, "months": list(range(1, 13)), "periods": [f"2024-{m:02d}" for m in range(1, 13)],
        "unit_code": code, "completed": 1, "investment_yuan": 20000.0, "measured": 1, "mean_measured_saving_rate": 0.2273}
    assert officer(rpc, "project_summary", {**summary, "months": "4-12"})["completed"] == 0  # completed in March


def test_assessments_decide_the_share_that_passes(start_service, rpc):
    energy = start_service(EnergyService)
    first, second = unit(), unit()
    institution(rpc, first)
    institution(rpc, second)
    full = {"organisation": 15, "target_completion": 20, "metering": 15, "buildings_equipment": 15,
            "water_saving": 10, "waste_sorting": 10, "green_office": 15}
    clerk = Caller("clerk", ("unit_user",), unit_code=first)
    own = call_as(rpc, clerk, "energy", "create_assessment", {
        "unit_code": first, "year": 2025, "kind": "self_assessment", "scores": full, "assessed_on": "2025-10-01"})
    assert own["passed"] and own["total_score"] == 100
    with pytest.raises(Forbidden):
        call_as(rpc, clerk, "energy", "create_assessment", {
            "unit_code": first, "year": 2025, "kind": "spot_check", "scores": full, "assessed_on": "2025-10-02"})
    officer(rpc, "create_assessment", {"unit_code": first, "year": 2025, "kind": "spot_check",
                                       "scores": {**full, "target_completion": 10}, "assessed_on": "2025-11-01"})
    officer(rpc, "create_assessment", {"unit_code": second, "year": 2025, "kind": "self_assessment",
                                       "scores": full, "assessed_on": "2025-10-01"})
    summary = officer(rpc, "assessment_summary", {"year": 2025})
    assert (summary["assessed"], summary["passed"], summary["pass_share"]) == (2, 1, 0.5)
    events = outbox(energy, "assessment_completed")
    assert [(e["unit_code"], e["kind"], e["passed"]) for e in events] == [
        (first, "self_assessment", True), (first, "spot_check", False), (second, "self_assessment", True)]
    # each lands in the year's 节约型机关 campaign, the spot check deciding as it does here
    [campaign] = officer(rpc, "list_campaigns", {"kind": "frugal_institution", "year": 2025})["items"]
    results = {row["unit_code"]: row for row in officer(rpc, "campaign_results", campaign["id"])["units"]}
    assert (results[first]["deciding"], results[first]["passed"], results[second]["passed"]) == ("spot_check", False, True)
    moved = officer(rpc, "list_campaign_evaluations", campaign["id"], {"unit_code": first})["items"]
    assert [(e["kind"], e["legacy_assessment_id"] is not None) for e in moved] == [
        ("self_assessment", True), ("spot_check", True)]


def test_a_span_from_july_to_june_sums_the_months_across_the_new_year(start_service, rpc):
    start_service(EnergyService)
    code = unit()
    institution(rpc, code, headcount=10)
    officer(rpc, "record_readings", [
        reading(code, "2023-07", "electricity", 10000, "kWh"), reading(code, "2024-06", "electricity", 10000, "kWh"),
        reading(code, "2024-07", "electricity", 20000, "kWh"), reading(code, "2024-12", "electricity", 10000, "kWh"),
        reading(code, "2025-01", "electricity", 10000, "kWh"), reading(code, "2025-06", "electricity", 10000, "kWh"),
        reading(code, "2025-07", "electricity", 99999, "kWh")])
    for period, kg in (("2024-06", 7), ("2024-08", 100), ("2025-03", 300), ("2025-07", 9)):
        officer(rpc, "create_waste_record", {"unit_code": code, "period": period, "category": "other", "weight_kg": kg})
    project = officer(rpc, "create_project", {
        "unit_code": code, "name": "空调改造", "kind": "hvac", "scope": "全楼", "energy_type": "electricity",
        "investment_yuan": 5000, "expected_saving_rate": 0.1, "unit_price_yuan": 0.8})
    officer(rpc, "update_project", project["id"], {"completed_on": "2025-02-10"})
    span = {"from": "2024-07", "to": "2025-06", "unit_code": code}
    figures = officer(rpc, "indicators", span)
    assert figures["total_kgce"] == round(50000 * 0.1229, 2)  # July, December, January, June; not July 2025
    assert figures["previous_year"]["total_kgce"] == round(20000 * 0.1229, 2)  # July 2023 to June 2024
    assert figures["periods"][0] == "2024-07" and figures["periods"][-1] == "2025-06" and len(figures["periods"]) == 12
    assert (figures["year"], figures["months"]) == (None, None)
    assert officer(rpc, "waste_summary", span)["total_kg"] == 400.0
    assert officer(rpc, "project_summary", span)["completed"] == 1
    assert officer(rpc, "project_summary", {**span, "to": "2025-01"})["completed"] == 0
    for bad, field in (({"from": "2024-07"}, "to"), ({"from": "2025-07", "to": "2025-06"}, "to"),
                       ({"from": "2022-01", "to": "2024-01"}, "to"), ({"year": 2025, "from": "2025-01", "to": "2025-02"}, "year"),
                       ({}, "year"), ({"from": "2025-13", "to": "2026-01"}, "from")):
        with pytest.raises(Invalid) as refused:
            officer(rpc, "indicators", bad)
        assert field in refused.value.errors, (bad, refused.value.errors)


def test_waste_by_category_and_the_recyclable_share(start_service, rpc):
    start_service(EnergyService)
    code = unit()
    institution(rpc, code)
    for category, kg in (("recyclable", 300), ("hazardous", 5), ("kitchen", 495), ("other", 200)):
        officer(rpc, "create_waste_record", {"unit_code": code, "period": "2025-05", "category": category, "weight_kg": kg})
    officer(rpc, "create_demonstration_site", {"unit_code": code, "level": "county", "designated_on": "2025-01-10"})
    summary = officer(rpc, "waste_summary", {"year": 2025, "unit_code": code})
    assert summary["total_kg"] == 1000.0 and summary["recyclable_share"] == 0.3
    assert summary["by_category_kg"]["hazardous"] == 5.0
    assert [site["unit_code"] for site in summary["demonstration_sites"]] == [code]
    from services.kit.errors import Conflict

    with pytest.raises(Conflict):
        officer(rpc, "create_waste_record", {"unit_code": code, "period": "2025-05", "category": "kitchen", "weight_kg": 1})


def test_a_manual_area_override_says_so_and_clearing_it_returns_to_facilities(start_service, rpc, test_backends):
    start_service(EnergyService)
    code = unit()
    created = institution(rpc, code, area=None)
    from services.facilities import contract as facilities

    exchange = get_event_exchange(facilities.SERVICE, {})
    Publisher(test_backends.amqp_uri, declare=[exchange]).publish({
        "event_id": str(uuid.uuid4()), "occurred_at": "2025-03-01T08:00:00+00:00", "building_id": 1, "unit_code": code,
        "building_usable_area_m2": 640.0, "unit_usable_area_m2": 640.0}, exchange=exchange,
        routing_key=facilities.BUILDING_AREA_CHANGED)
    assert eventually(lambda: officer(rpc, "get_institution", created["id"])["area_source"] == "facilities")
    manual = officer(rpc, "update_institution", created["id"], {"floor_area_m2": 700, "headcount": 61})
    assert (manual["floor_area_m2"], manual["area_source"], manual["headcount"]) == (700.0, "manual", 61)
    cleared = officer(rpc, "update_institution", created["id"], {"floor_area_m2": None})
    assert (cleared["floor_area_m2"], cleared["area_source"]) == (640.0, "facilities")


def test_audits_targets_and_a_unit_users_import_stay_in_their_lanes(start_service, rpc):
    start_service(EnergyService)
    mine, theirs = unit(), unit()
    institution(rpc, mine)
    institution(rpc, theirs)
    audit = officer(rpc, "create_audit", {"unit_code": mine, "audited_on": "2025-06-01", "auditor": "县节能监察中心",
                                          "findings": "空调温控缺失", "potential_saving_kgce": 1200})
    clerk = Caller("clerk", ("unit_user",), unit_code=mine)
    assert call_as(rpc, clerk, "energy", "list_audits", {})["items"][0]["id"] == audit["id"]
    with pytest.raises(Forbidden):
        call_as(rpc, clerk, "energy", "create_audit", {"unit_code": mine, "audited_on": "2025-06-01", "auditor": "x"})
    officer(rpc, "create_target", {"unit_code": mine, "year": 2025, "per_person_kgce": 300})
    from services.kit.errors import Conflict

    with pytest.raises(Conflict):
        officer(rpc, "create_target", {"unit_code": mine, "year": 2025, "per_person_kgce": 250})
    with pytest.raises(Invalid):
        officer(rpc, "create_target", {"unit_code": mine, "year": 2026})
    sheet = f"unit_code,period,water_m3\n{mine},2025-01,5\n{theirs},2025-01,6\n"
    report = imported(rpc, clerk, "mine.csv", csv_sheet(sheet))
    assert report["rows_imported"] == 1 and report["rejected"] == [{"row": 3, "errors": {"unit_code": ["another unit's row"]}}]
    assert call_as(rpc, clerk, "energy", "get_import", report["id"])["unit_code"] == mine
    staff_import = officer(rpc, "import_readings", {"filename": "all.csv", "content_base64": csv_sheet(sheet)})
    with pytest.raises(NotFound):
        call_as(rpc, clerk, "energy", "get_import", staff_import["id"])
    other_clerk = Caller("other", ("unit_user",), unit_code=theirs)
    with pytest.raises(NotFound):  # another unit's job is not found either
        call_as(rpc, other_clerk, "energy", "get_import", report["id"])
    assert [job["id"] for job in call_as(rpc, clerk, "energy", "list_imports", {})["items"]] == [report["id"]]


def test_what_happened_is_not_dated_in_the_future(start_service, rpc):
    start_service(EnergyService)
    code = unit()
    institution(rpc, code)
    from datetime import datetime, timedelta, timezone

    from services.energy.domain import LOCAL, local_period, shift_period

    now = datetime.now(timezone.utc)
    tomorrow = (now.astimezone(LOCAL).date() + timedelta(days=1)).isoformat()
    next_month = shift_period(local_period(now), 1)
    full = {"organisation": 15, "target_completion": 20, "metering": 15, "buildings_equipment": 15,
            "water_saving": 10, "waste_sorting": 10, "green_office": 15}
    project = {"unit_code": code, "name": "LED", "kind": "led_lighting", "investment_yuan": 1, "expected_saving_rate": 0.1}
    for method, payload, field in (
        ("create_audit", {"unit_code": code, "audited_on": tomorrow, "auditor": "县节能监察中心"}, "audited_on"),
        ("create_project", {**project, "completed_on": tomorrow}, "completed_on"),
        ("create_assessment", {"unit_code": code, "year": now.year, "kind": "self_assessment", "scores": full,
                               "assessed_on": tomorrow}, "assessed_on"),
        ("create_waste_record", {"unit_code": code, "period": next_month, "category": "other", "weight_kg": 1}, "period"),
    ):
        with pytest.raises(RuleViolation) as ahead:
            officer(rpc, method, payload)
        assert field in ahead.value.errors, method
    created = officer(rpc, "create_project", project)
    with pytest.raises(RuleViolation):
        officer(rpc, "update_project", created["id"], {"completed_on": tomorrow})
    assert officer(rpc, "list_audits", {"unit_code": code})["total"] == 0


def test_a_unit_sees_its_months_targets_missing_reports_and_its_rank_by_name_only(start_service, rpc):
    start_service(EnergyService)
    group = f"g-{uuid.uuid4().hex[:6]}"
    mine, lower, higher, outside = unit(), unit(), unit(), unit()
    for code in (mine, lower, higher):
        institution(rpc, code, headcount=10, area=1000, group=group)
    institution(rpc, outside, headcount=10, area=1000)
    officer(rpc, "create_target", {"unit_code": mine, "year": 2025, "per_area_kgce_m2": 10})
    officer(rpc, "record_readings", [reading(mine, f"2025-{m:02d}", "electricity", 1000, "kWh") for m in (1, 2, 3)]
            + [reading(higher, "2025-01", "electricity", 10000, "kWh"), reading(lower, "2025-01", "electricity", 100, "kWh"),
               reading(outside, "2025-01", "electricity", 1, "kWh")])
    clerk = Caller("clerk", ("unit_user",), unit_code=mine)
    seen = call_as(rpc, clerk, "energy", "unit_overview", {"year": 2025})
    assert (seen["unit_code"], seen["group"]) == (mine, group)
    assert [m["period"] for m in seen["months"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    january = seen["months"][0]
    assert (january["reported"], january["total_kgce"], january["per_area_kgce_m2"]) == (True, 122.9, 0.123)
    assert seen["months"][3] == {"period": "2025-04", "reported": False, "total_kgce": None, "water_m3": None}
    # every month of 2025 is past its due day now: April to December are missing
    assert seen["missing_periods"] == [f"2025-{m:02d}" for m in range(4, 13)]
    assert [(t["indicator"], t["target"], t["source"]) for t in seen["targets"]] == [("per_area_kgce_m2", 10.0, "set")]
    # 0.01229 < 0.3687 < 1.229 kgce/m2; others by name only, the unit outside the group not at all
    assert (seen["rank"], seen["group_size"], seen["intensity"]) == (2, 3, 0.369)
    assert seen["ranking"] == [{"rank": 1, "name": f"单位{lower}", "own": False},
                               {"rank": 2, "name": f"单位{mine}", "own": True},
                               {"rank": 3, "name": f"单位{higher}", "own": False}]
    with pytest.raises(NotFound):
        call_as(rpc, clerk, "energy", "unit_overview", {"year": 2025, "unit_code": higher})
    assert officer(rpc, "unit_overview", {"year": 2025, "unit_code": higher})["rank"] == 3
    with pytest.raises(RuleViolation) as refused:  # well formed: staff must name the unit
        officer(rpc, "unit_overview", {"year": 2025})
    assert refused.value.rule == "unit_required" and "unit_code" in refused.value.errors
