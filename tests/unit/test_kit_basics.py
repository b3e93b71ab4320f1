from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import fields, validate

from services.kit.config import database_url, normalise_database_url
from services.kit.db import UtcDateTime
from services.kit.errors import Invalid, RuleViolation
from services.kit.schemas import InputSchema, PageQuery, check_not_future, load


class Sample(InputSchema):
    name = fields.String(required=True)


def test_load_names_every_bad_field_and_refuses_unknown_ones():
    with pytest.raises(Invalid) as caught:
        load(Sample(), {"nmae": "typo"})
    assert set(caught.value.errors) == {"name", "nmae"}


def test_load_refuses_a_body_that_is_not_an_object():
    with pytest.raises(Invalid):
        load(Sample(), ["name"])


def test_page_limits_follow_the_api_conventions():
    assert load(PageQuery(), {}) == {"limit": 50, "offset": 0}
    for bad in ({"limit": "0"}, {"limit": "501"}, {"offset": "-1"}, {"limit": "many"}):
        with pytest.raises(Invalid):
            load(PageQuery(), bad)


def test_postgres_urls_use_psycopg_3():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_each_owner_defaults_to_its_own_sqlite_file(monkeypatch, tmp_path):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("VEHICLES_DATABASE_URL", raising=False)
    assert database_url("vehicles") == f"sqlite:///{tmp_path}/vehicles.db"
    monkeypatch.setenv("VEHICLES_DATABASE_URL", "postgresql://pg/vehicles")
    assert database_url("vehicles") == "postgresql+psycopg://pg/vehicles"


class _Dialect:
    def __init__(self, name):
        self.name = name


def test_utc_columns_refuse_naive_datetimes_and_return_aware_ones():
    column = UtcDateTime()
    shanghai = datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    stored = column.process_bind_param(shanghai, _Dialect("sqlite"))
    assert stored == datetime(2026, 1, 1, 0)
    assert column.process_result_value(stored, _Dialect("sqlite")) == shanghai
    with pytest.raises(ValueError):
        column.process_bind_param(datetime(2026, 1, 1), _Dialect("postgresql"))


class Nested(InputSchema):
    tags = fields.List(fields.String(validate=validate.NoneOf(["bad"])))
    name = fields.String()


def test_nested_errors_are_flattened_to_field_paths():
    with pytest.raises(Invalid) as caught:
        load(Nested(), {"tags": ["ok", "bad"]})
    assert list(caught.value.errors) == ["tags.1"] and isinstance(caught.value.errors["tags.1"][0], str)


@pytest.mark.parametrize("text", ["a\x00b", "\udaeb"])
def test_text_no_database_can_store_is_refused_by_field(text):
    with pytest.raises(Invalid) as caught:
        load(Nested(), {"name": text, "tags": ["fine", text]})
    assert set(caught.value.errors) == {"name", "tags.1"}


def test_a_fraction_is_not_taken_for_a_whole_number():
    class Counted(InputSchema):
        count = fields.Integer()

    assert load(Counted(), {"count": 3.0}) == {"count": 3}
    assert load(Counted(), {"count": "4"}) == {"count": 4}  # query strings
    for bad in (2.5, 2.5890419884777833e-42):
        with pytest.raises(Invalid) as caught:
            load(Counted(), {"count": bad})
        assert "count" in caught.value.errors


def test_dates_outside_what_the_suite_reasons_about_are_refused():
    class Period(InputSchema):
        on = fields.Date()
        flag = fields.Boolean()

    assert load(Period(), {"on": "2026-01-31", "flag": "true"})["flag"] is True
    for bad in ({"on": "0001-01-01"}, {"on": "9999-12-31"}, {"flag": 0}):
        with pytest.raises(Invalid) as caught:
            load(Period(), bad)
        assert set(caught.value.errors) == set(bad)


def test_whole_numbers_past_the_databases_columns_are_refused_by_field():
    class Placed(InputSchema):
        building_id = fields.Integer(validate=validate.Range(min=1))
        floors = fields.List(fields.Integer())

    assert load(PageQuery(), {"offset": "2147483647"})["offset"] == 2_147_483_647
    assert load(Placed(), {"building_id": 2_147_483_647, "floors": [-2_147_483_647]})["floors"] == [-2_147_483_647]
    for bad, field in (({"offset": "9223372036854775808"}, "offset"), ({"offset": 2**31}, "offset")):
        with pytest.raises(Invalid) as caught:
            load(PageQuery(), bad)
        assert list(caught.value.errors) == [field]  # named (PageQuery bounds offset itself: 0 up to 2**31 - 1)
    with pytest.raises(Invalid) as caught:
        load(Placed(), {"building_id": 10**30, "floors": [1, -2**40]})
    assert set(caught.value.errors) == {"building_id", "floors.1"}


def test_settings_come_from_the_environment_converted_like_their_defaults(monkeypatch):
    from dataclasses import dataclass

    from services.kit.config import settings_from_env

    @dataclass(frozen=True)
    class Tuned:
        retries: int = 3
        pause_seconds: float = 0.5
        hosts: tuple = ()
        strict: bool = False
        name: str = "x"

    assert settings_from_env(Tuned, "T") == Tuned()
    for name, value in (("T_RETRIES", "7"), ("T_PAUSE_SECONDS", "1.5"), ("T_HOSTS", "a.example, b.example,"),
                        ("T_STRICT", "true"), ("T_NAME", "")):
        monkeypatch.setenv(name, value)
    assert settings_from_env(Tuned, "T") == Tuned(7, 1.5, ("a.example", "b.example"), True, "x")
    monkeypatch.setenv("T_RETRIES", "many")
    with pytest.raises(ValueError):
        settings_from_env(Tuned, "T")


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_exported_text_that_looks_like_a_formula_stays_text(text):
    import io

    from openpyxl import Workbook, load_workbook

    from services.kit.sheets import append_row, csv_cell

    book = Workbook()
    append_row(book.active, [text, 5, -3, None, "正常"])
    assert book.active["A1"].data_type == "s"
    buffer = io.BytesIO()
    book.save(buffer)
    row = [cell for cell in load_workbook(io.BytesIO(buffer.getvalue())).active[1]]
    assert row[0].data_type == "s" and row[0].value.strip() == text.strip()  # XML keeps \r as \n
    assert [cell.value for cell in row[1:]] == [5, -3, None, "正常"] and row[1].data_type == "n"
    assert csv_cell(text) == "'" + text and csv_cell("正常") == "正常" and csv_cell(-3) == -3


def test_what_happened_is_not_dated_in_the_future_and_every_such_field_is_named():
    from datetime import date
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 5, 5, 17, 0, tzinfo=timezone.utc)  # already 6 May in the county
    check_not_future(now, shanghai, filled_at=now, held_on=date(2026, 5, 6), missing=None)
    with pytest.raises(RuleViolation) as ahead:
        check_not_future(now, shanghai, filled_at=now + timedelta(seconds=1), held_on=date(2026, 5, 7),
                         serviced_on=date(2026, 5, 6))
    assert set(ahead.value.errors) == {"filled_at", "held_on"} and ahead.value.rule == "dates.in_future"


def test_every_xlsx_writer_appends_its_rows_through_the_kits_append_row():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers, direct = [], []
    for path in [*(root / "services").rglob("*.py"), *(root / "gateway").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        sheets = {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                  for target in node.targets if isinstance(target, ast.Name)
                  and ((isinstance(node.value, ast.Attribute) and node.value.attr == "active")
                       or (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute)
                           and node.value.func.attr == "create_sheet"))}
        if sheets:
            writers.append(path.name)
        direct += [f"{path.relative_to(root)}:{node.lineno}" for node in ast.walk(tree)
                   if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
                   and isinstance(node.func.value, ast.Name) and node.func.value.id in sheets]
    assert len(writers) >= 3 and direct == []


def test_every_services_settings_are_read_through_the_kit_and_clock_times_and_tables_too(monkeypatch):
    from dataclasses import dataclass, field
    from datetime import time
    from pathlib import Path

    from services.kit.config import settings_from_env

    root = Path(__file__).resolve().parents[2]
    modules = sorted((root / "services").glob("*/settings.py"))
    assert len(modules) >= 6
    assert [p.parent.name for p in modules if "settings_from_env(cls" not in p.read_text(encoding="utf-8")] == []

    @dataclass(frozen=True)
    class Shop:
        closing: time = time(17, 30)
        sheet: tuple = ("a",)
        prices: dict = field(default_factory=dict)

    monkeypatch.setenv("SHOP_CLOSING", "7:05")
    monkeypatch.setenv("SHOP_SHEET", "[1, 2]")
    monkeypatch.setenv("SHOP_PRICES", "{}")
    assert settings_from_env(Shop, "SHOP", apart=("sheet",)) == Shop(closing=time(7, 5))
