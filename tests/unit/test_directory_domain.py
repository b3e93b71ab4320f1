"""The register's rules as plain functions (services/directory/domain.py) and the kit's copy of it."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Session

from services.directory import contract, domain
from services.kit.errors import Conflict, Invalid, RuleViolation
from services.kit.schemas import load
from services.kit.units import KnownUnitMixin, apply_unit_event, require_unit

TODAY = date(2026, 12, 7)


def test_initials_of_full_and_short_names():
    assert domain.initials("县教育局", "教育局") == "xjyj jyj"
    assert domain.initials("县第1中学", None) == "xd1zx"


@pytest.mark.parametrize("code, parent, parents", [
    ("A", "A", {"A": None}),  # its own parent
    ("A", "C", {"A": None, "B": "A", "C": "B"}),  # A's grandchild as its parent
])
def test_a_cycle_of_parents_is_refused_naming_parent_code(code, parent, parents):
    with pytest.raises(RuleViolation) as caught:
        domain.check_parent(code, parent, "active", parents)
    assert caught.value.rule == "units.parent_cycle" and "parent_code" in caught.value.errors


def test_a_parent_elsewhere_in_the_tree_is_accepted():
    domain.check_parent("C", "A", "active", {"A": None, "B": "A", "C": "B"})


@pytest.mark.parametrize("status, rule", [(None, "units.unknown"), ("abolished", "units.abolished"),
                                          ("merged", "units.merged")])
def test_an_unknown_or_gone_parent_is_refused(status, rule):
    with pytest.raises(RuleViolation) as caught:
        domain.check_parent("B", "A", status, {"B": None})
    assert caught.value.rule == rule and "parent_code" in caught.value.errors


@pytest.mark.parametrize("field", ["code", "name"])
def test_a_duplicate_code_or_name_is_a_conflict_naming_the_field(field):
    with pytest.raises(Conflict) as caught:
        domain.check_unique(field, True)
    assert list(caught.value.errors) == [field]


@pytest.mark.parametrize("successor, successor_status, effective, rule, field", [
    ("A", "active", TODAY, "units.merge_into_self", "successor_code"),
    ("B", "abolished", TODAY, "units.abolished", "successor_code"),
    ("B", "merged", TODAY, "units.merged", "successor_code"),
    ("Z", None, TODAY, "units.unknown", "successor_code"),
    ("B", "active", TODAY + timedelta(days=1), "units.merge_in_future", "effective_date"),
])
def test_bad_merges_are_refused_naming_the_field(successor, successor_status, effective, rule, field):
    with pytest.raises(RuleViolation) as caught:
        domain.check_merge("A", "active", successor, successor_status, effective, TODAY)
    assert caught.value.rule == rule and field in caught.value.errors


def test_a_merged_or_abolished_unit_is_merged_no_more():
    for status in ("merged", "abolished"):
        with pytest.raises(RuleViolation) as caught:
            domain.check_merge("A", status, "B", "active", TODAY, TODAY)
        assert caught.value.rule == f"units.{status}"
    domain.check_merge("A", "active", "B", "active", TODAY, TODAY)


def test_status_changes():
    domain.check_status_change("active", "abolished", 0)
    domain.check_status_change("abolished", "active", 0)
    with pytest.raises(RuleViolation, match="active unit"):
        domain.check_status_change("active", "abolished", 2)
    with pytest.raises(RuleViolation) as caught:
        domain.check_status_change("merged", "active", 0)
    assert caught.value.rule == "units.merged"


def test_children_of_a_merged_unit_move_under_the_successor_which_takes_its_parent():
    parents = {"ROOT": None, "A": "ROOT", "B": "A", "C": "A", "D": None}
    assert domain.children_after_merge("A", "B", "ROOT", ["B", "C"], parents) == {"B": "ROOT", "C": "B"}
    assert domain.children_after_merge("A", "D", "ROOT", ["B", "C"], parents) == {"B": "D", "C": "D"}


def test_a_successor_deep_under_the_merged_unit_rises_to_its_place_without_a_cycle():
    parents = {"ROOT": None, "A": "ROOT", "C": "A", "B": "C"}
    moves = domain.children_after_merge("A", "B", "ROOT", ["C"], parents)
    assert moves == {"C": "B", "B": "ROOT"}
    after = {**parents, **moves}
    for unit in after:  # every chain of parents ends
        domain.check_parent(unit, after[unit], "active", {k: v for k, v in after.items() if k != unit})


def test_history_rolls_up_through_chains_of_merges():
    merges = [("A", "B"), ("B", "C"), ("D", "C"), ("E", "F")]
    assert domain.rolls_up("C", merges) == ["C", "B", "D", "A"]
    assert domain.rolls_up("F", merges) == ["F", "E"]
    assert domain.successor_of("A", dict(merges)) == "C"


@pytest.mark.parametrize("code", ["=1+2", "KK5+", "", "a" * 41, "-A", "export", "import"])
def test_codes_a_spreadsheet_would_run_or_nobody_could_type_are_refused(code):
    with pytest.raises(Invalid) as caught:
        load(contract.UnitCreate(), {"code": code, "name": "县教育局", "kind": "party_government"})
    assert "code" in caught.value.errors


def test_kinds_are_english_codes_with_chinese_labels():
    assert contract.KIND_LABELS["medical"] == "医疗卫生机构" and len(contract.KINDS) == 7


# the kit's copy of the register ------------------------------------------------------------
class Base(DeclarativeBase):
    pass


class KnownUnit(KnownUnitMixin, Base):
    pass


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def at(minutes):
    return datetime(2026, 12, 7, tzinfo=timezone.utc) + timedelta(minutes=minutes)


def registered(code, name, minutes, status="active"):
    return {"event_id": f"e{minutes}", "occurred_at": at(minutes), "unit_code": code, "name": name,
            "short_name": None, "status": status}


def test_require_unit_refuses_unknown_and_abolished_units(session):
    apply_unit_event(session, KnownUnit, "unit_registered", registered("U1", "县教育局", 1))
    apply_unit_event(session, KnownUnit, "unit_registered", registered("U2", "县档案局", 1))
    apply_unit_event(session, KnownUnit, "unit_changed", registered("U2", "县档案局", 2, status="abolished"))
    assert require_unit(session, KnownUnit, "U1").name == "县教育局"
    assert require_unit(session, KnownUnit, None) is None
    for code, rule in (("U9", "units.unknown"), ("U2", "units.abolished")):
        with pytest.raises(RuleViolation) as caught:
            require_unit(session, KnownUnit, code, field="host_unit_code")
        assert caught.value.rule == rule and list(caught.value.errors) == ["host_unit_code"]


def test_a_merged_unit_takes_records_dated_before_its_merge_only(session):
    apply_unit_event(session, KnownUnit, "unit_registered", registered("U1", "县教育局", 1))
    apply_unit_event(session, KnownUnit, "unit_merged", {"event_id": "m", "occurred_at": at(2), "unit_code": "U1",
                                                         "successor_code": "U3", "effective_date": TODAY})
    assert require_unit(session, KnownUnit, "U1", on=TODAY - timedelta(days=1)).successor_code == "U3"
    with pytest.raises(RuleViolation) as caught:
        require_unit(session, KnownUnit, "U1", on=TODAY)
    assert caught.value.rule == "units.merged"


def test_an_older_event_arriving_late_changes_nothing(session):
    assert apply_unit_event(session, KnownUnit, "unit_changed", registered("U1", "县教育体育局", 5))
    assert not apply_unit_event(session, KnownUnit, "unit_registered", registered("U1", "县教育局", 1))
    assert session.get(KnownUnit, "U1").name == "县教育体育局"


def test_adopt_lists_only_codes_the_register_lacks_most_records_first():
    from services.directory.adopt import unknown_codes

    in_use = {"vehicles": [{"unit_code": "U001", "records": 3}, {"unit_code": "=1+2", "records": 1},
                           {"unit_code": "KK5", "records": 7}], "energy": [{"unit_code": "U001", "records": 9}]}
    assert unknown_codes(in_use, {"U001"}) == {
        "vehicles": [{"unit_code": "KK5", "records": 7}, {"unit_code": "=1+2", "records": 1}], "energy": []}


def test_the_export_writes_text_as_text_never_as_a_formula():
    import io
    import zipfile
    from types import SimpleNamespace

    from services.directory.sheets import read_sheet, workbook_bytes

    unit = SimpleNamespace(code="A1", name="=1+2", short_name=None, kind="other", parent_code=None, staffing=3,
                           headcount_on_staff=None, headcount_off_staff=None, address=None, status="active",
                           successor_code=None, merged_on=None)
    content = workbook_bytes([unit])
    assert "<f>" not in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert read_sheet(content) == [(2, {"code": "A1", "name": "=1+2", "short_name": None, "kind": "other",
                                        "parent_code": None, "staffing": 3, "headcount_on_staff": None,
                                        "headcount_off_staff": None, "address": None})]


def test_the_kit_migration_helper_makes_the_table_the_copy_model_describes():
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from services.kit.units import create_known_unit_table, drop_known_unit_table

    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        with Operations.context(context):
            create_known_unit_table()
        assert compare_metadata(context, Base.metadata) == []
        with Operations.context(context):
            drop_known_unit_table()
        assert len(compare_metadata(context, Base.metadata)) == 1  # the table, gone


def test_the_events_catalogue_and_the_webhook_sources_list_the_unit_events():
    from gateway.asyncapi import build_asyncapi
    from services.integrations import contract as integrations

    channels = build_asyncapi()["channels"]
    assert {f"directory.events/{event}" for event in contract.EVENTS} <= set(channels)
    assert {"unit_registered", "unit_changed", "unit_merged"} <= set(integrations.EVENT_TYPES)


@pytest.mark.parametrize("field", ["name", "short_name", "address"])
def test_names_and_addresses_are_printable_text(field):
    body = {"code": "A1", "name": "县教育局", "kind": "other", field: "县\x01局"}
    with pytest.raises(Invalid) as caught:
        load(contract.UnitCreate(), body)
    assert field in caught.value.errors


@pytest.mark.parametrize("name", ["县教育局 ", " 县教育局", "\u3000县教育局", " "])
def test_a_name_has_no_spaces_around_it(name):
    with pytest.raises(Invalid) as caught:
        load(contract.UnitCreate(), {"code": "A1", "name": name, "kind": "other"})
    assert "name" in caught.value.errors
    assert load(contract.UnitCreate(), {"code": "A1", "name": "县 教育局", "kind": "other"})["name"] == "县 教育局"
