"""The register of units over real RPC, database and broker: registering, the rules that refuse
bad input with nothing written, merges announced through the outbox and applied by the kit's
consumer in another service, and the .xlsx round trip."""
import base64
import io
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Session

from services.directory.models import OutboxEvent, Unit
from services.directory.service import DirectoryService
from services.kit.context import Caller
from services.kit.db import Database, OutboxMixin, ProcessedEventMixin
from services.kit.errors import Conflict, Forbidden, Invalid, RuleViolation
from services.kit.units import KnownUnitMixin, known_units_consumer, require_unit
from tests.support import admin_caller, call_as, database_of, eventually

pytestmark = pytest.mark.integration

ADMIN = admin_caller()


def code():
    return f"U{uuid.uuid4().hex[:8]}"


def d(rpc, method, *args, caller=ADMIN):
    return call_as(rpc, caller, "directory", method, *args)


def outbox(container, event_type):
    with database_of(container).sessionmaker() as session:
        rows = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == event_type).order_by(OutboxEvent.id))
        return [row.payload for row in rows]


def count_units(container):
    with database_of(container).sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(Unit))


@pytest.fixture
def directory(start_service):
    return start_service(DirectoryService)


def a_unit(rpc, name=None, **fields):
    return d(rpc, "create_unit", {"code": code(), "name": name or f"县单位{uuid.uuid4().hex[:6]}",
                                  "kind": "party_government", **fields})


def test_register_read_search_by_pinyin_and_change(directory, rpc):
    bureau = a_unit(rpc, "县教育局", short_name="教育局", staffing=40, headcount_on_staff=36, headcount_off_staff=5)
    school = a_unit(rpc, "县第一中学", kind="school", parent_code=bureau["code"])
    assert bureau["initials"] == "xjyj jyj" and bureau["kind_label"] == "党政机关"
    found = d(rpc, "list_units", {"q": "JYJ"})
    assert [unit["code"] for unit in found["items"]] == [bureau["code"]]
    assert [u["code"] for u in d(rpc, "list_units", {"parent_code": bureau["code"]})["items"]] == [school["code"]]
    assert d(rpc, "list_units", {"kind": "school"})["total"] == 1
    synced = d(rpc, "list_units", {"updated_since": bureau["created_at"], "q": "x"})  # oldest change first
    assert [unit["code"] for unit in synced["items"]] == [bureau["code"], school["code"]]
    changed = d(rpc, "update_unit", bureau["code"], {"name": "县教育体育局"})
    assert changed["initials"].startswith("xjytyj")
    assert [e["name"] for e in outbox(directory, "unit_changed")] == ["县教育体育局"]
    assert {e["unit_code"] for e in outbox(directory, "unit_registered")} == {bureau["code"], school["code"]}
    # every role reads names, a unit user all of them; only the administrator writes
    clerk = Caller("clerk", ("unit_user",), unit_code=school["code"])
    assert d(rpc, "get_unit", bureau["code"], caller=clerk)["name"] == "县教育体育局"
    assert d(rpc, "unit_names", [bureau["code"], school["code"], "NOPE"], caller=clerk) == {
        bureau["code"]: "教育局", school["code"]: "县第一中学"}
    with pytest.raises(Forbidden):
        d(rpc, "create_unit", {"code": code(), "name": "某局", "kind": "other"}, caller=Caller("fm", ("facility_manager",)))


def test_bad_input_names_the_field_and_writes_nothing(directory, rpc):
    parent = a_unit(rpc)
    child = a_unit(rpc, parent_code=parent["code"])
    before = count_units(directory), len(outbox(directory, "unit_registered"))
    with pytest.raises(Conflict) as caught:
        a_unit(rpc, parent["name"])
    assert list(caught.value.errors) == ["name"]
    with pytest.raises(Conflict) as caught:
        d(rpc, "create_unit", {"code": parent["code"], "name": "另一个局", "kind": "other"})
    assert list(caught.value.errors) == ["code"]
    with pytest.raises(RuleViolation) as caught:
        a_unit(rpc, parent_code="NOPE")
    assert caught.value.rule == "units.unknown" and "parent_code" in caught.value.errors
    with pytest.raises(RuleViolation) as caught:
        d(rpc, "update_unit", parent["code"], {"parent_code": child["code"]})
    assert caught.value.rule == "units.parent_cycle"
    with pytest.raises(Invalid) as caught:
        a_unit(rpc, kind="ministry")
    assert "kind" in caught.value.errors
    assert (count_units(directory), len(outbox(directory, "unit_registered"))) == before
    assert d(rpc, "get_unit", parent["code"])["parent_code"] is None
    # abolished: not with an active unit under it; restored: not under an abolished parent
    with pytest.raises(RuleViolation) as caught:
        d(rpc, "update_unit", parent["code"], {"status": "abolished"})
    assert caught.value.rule == "units.has_active_children"
    d(rpc, "update_unit", child["code"], {"status": "abolished"})
    d(rpc, "update_unit", parent["code"], {"status": "abolished"})
    with pytest.raises(RuleViolation) as caught:
        d(rpc, "update_unit", child["code"], {"status": "active"})
    assert caught.value.rule == "units.abolished" and "parent_code" in caught.value.errors
    assert d(rpc, "get_unit", child["code"])["status"] == "abolished"


def test_a_merge_keeps_history_moves_children_and_is_refused_into_self_or_an_abolished_unit(directory, rpc):
    old, new, gone = a_unit(rpc), a_unit(rpc), a_unit(rpc)
    under = a_unit(rpc, parent_code=old["code"])
    d(rpc, "update_unit", gone["code"], {"status": "abolished"})
    for successor, rule in ((old["code"], "units.merge_into_self"), (gone["code"], "units.abolished")):
        with pytest.raises(RuleViolation) as caught:
            d(rpc, "merge_unit", old["code"], {"successor_code": successor, "effective_date": "2026-01-01"})
        assert caught.value.rule == rule and "successor_code" in caught.value.errors
    assert outbox(directory, "unit_merged") == []
    merge = d(rpc, "merge_unit", old["code"], {"successor_code": new["code"], "effective_date": "2026-01-01"})
    assert merge["predecessor_code"] == old["code"] and merge["created_by"] == ADMIN.name
    assert d(rpc, "get_unit", old["code"])["status"] == "merged"
    assert d(rpc, "get_unit", under["code"])["parent_code"] == new["code"]
    [event] = outbox(directory, "unit_merged")
    assert (event["unit_code"], event["successor_code"], event["effective_date"]) == (old["code"], new["code"],
                                                                                       "2026-01-01")
    assert d(rpc, "unit_history", new["code"])["rolls_up"] == [new["code"], old["code"]]
    with pytest.raises(RuleViolation) as caught:
        d(rpc, "merge_unit", old["code"], {"successor_code": new["code"], "effective_date": "2026-01-01"})
    assert caught.value.rule == "units.merged"


class ConsumerBase(DeclarativeBase):
    pass


class KnownUnit(KnownUnitMixin, ConsumerBase):
    pass


class ConsumerOutbox(OutboxMixin, ConsumerBase):
    pass


class ConsumerProcessed(ProcessedEventMixin, ConsumerBase):
    pass


class UnitCopyService(known_units_consumer(KnownUnit, "copy")):
    name = "unit_copy"
    db = Database(ConsumerOutbox, ConsumerProcessed)


def test_another_service_keeps_its_copy_from_the_events(directory, start_service, rpc, databases):
    url = databases.new_url("unit_copy")
    engine = create_engine(url)
    ConsumerBase.metadata.create_all(engine)
    start_service(UnitCopyService, database_url=url)
    old, new = a_unit(rpc, "县老干部局"), a_unit(rpc, "县委组织部")
    d(rpc, "merge_unit", old["code"], {"successor_code": new["code"], "effective_date": "2026-03-01"})

    def merged():
        with Session(engine) as session:
            known = session.get(KnownUnit, old["code"])
            return known if known is not None and known.status == "merged" else None

    known = eventually(merged)
    assert (known.name, known.successor_code, known.merged_on) == ("县老干部局", new["code"], date(2026, 3, 1))
    with Session(engine) as session:
        assert require_unit(session, KnownUnit, new["code"]).name == "县委组织部"
        with pytest.raises(RuleViolation) as caught:
            require_unit(session, KnownUnit, old["code"], on=date(2026, 3, 1))
        assert caught.value.rule == "units.merged"
        assert require_unit(session, KnownUnit, old["code"], on=date(2026, 2, 28)).code == old["code"]
    engine.dispose()


def sheet(rows):
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return {"filename": "units.xlsx", "content_base64": base64.b64encode(out.getvalue()).decode("ascii")}


HEADER = ["单位代码", "单位全称", "单位简称", "单位类别", "上级单位代码", "编制数", "实有在编", "编外", "地址"]


def test_import_is_all_or_nothing_with_row_errors_and_export_round_trips(directory, rpc):
    a, b = code(), code()
    bad = sheet([HEADER, [b, "县卫健局下属医院", None, "医疗卫生机构", a, 80, 70, 20, None],
                 [a, "县卫生健康局", "卫健局", "党政机关", None, 30, 28, 2, "县府路1号"],
                 ["=1+2", "某局", None, "其他", None, None, None, None, None],
                 [code(), "县卫生健康局", None, "其他", None, None, None, None, None]])
    before = count_units(directory)
    with pytest.raises(RuleViolation) as caught:
        d(rpc, "import_units", bad)
    assert caught.value.rule == "units.import_rejected"
    assert set(caught.value.errors) == {"rows.4.code", "rows.5.name"}
    assert count_units(directory) == before and outbox(directory, "unit_registered") == []

    good = sheet([HEADER, [b, "县卫健局下属医院", None, "医疗卫生机构", a, 80, 70, 20, None],
                  [a, "县卫生健康局", "卫健局", "党政机关", None, 30, 28, 2, "县府路1号"]])
    assert d(rpc, "import_units", good) == {"rows_total": 2, "created": 2, "updated": 0, "unchanged": 0,
                                            "rejected": []}
    assert d(rpc, "get_unit", b)["parent_code"] == a and d(rpc, "get_unit", b)["kind"] == "medical"
    with pytest.raises(Invalid) as caught:  # the export is whole: no paging
        d(rpc, "export_units", {"limit": "501"})
    assert "limit" in caught.value.errors
    assert d(rpc, "export_units", {"kind": "school"})["content_base64"]
    exported = d(rpc, "export_units", {})
    again = d(rpc, "import_units", {"filename": "units.xlsx", "content_base64": exported["content_base64"]})
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert len(outbox(directory, "unit_registered")) == 2 and outbox(directory, "unit_changed") == []
    # a sheet without the parent column changes what it lists and leaves each parent as it is
    staffing = sheet([["单位代码", "单位全称", "单位类别", "编制数"], [b, "县卫健局下属医院", "医疗卫生机构", 85]])
    assert d(rpc, "import_units", staffing)["updated"] == 1
    assert (d(rpc, "get_unit", b)["parent_code"], d(rpc, "get_unit", b)["staffing"]) == (a, 85)
    assert [event["staffing"] for event in outbox(directory, "unit_changed")] == [85]


def test_adopt_lists_the_codes_a_service_holds_that_the_register_lacks(directory, start_service, rpc):
    from services.directory import adopt
    from services.facilities.service import FacilitiesService

    start_service(FacilitiesService)
    known = a_unit(rpc)
    manager = Caller("fm", ("facility_manager",))
    phantom = f"KK{uuid.uuid4().hex[:6]}"
    building = call_as(rpc, manager, "facilities", "create_building", {"name": "一号楼", "floors": 3,
                                                                        "unit_code": phantom})
    for number, unit_code in (("101", phantom), ("102", known["code"]), ("103", None)):
        call_as(rpc, manager, "facilities", "create_room", {"building_id": building["id"], "number": number,
                                                             "floor": 1, "usable_area_m2": "20", "type": "office",
                                                             "unit_code": unit_code})
    in_use = call_as(rpc, ADMIN, "facilities", "unit_codes_in_use")
    assert in_use == {"service": "facilities", "codes": sorted(
        [{"unit_code": known["code"], "records": 1}, {"unit_code": phantom, "records": 2}],
        key=lambda entry: entry["unit_code"])}
    with pytest.raises(Forbidden):
        call_as(rpc, manager, "facilities", "unit_codes_in_use")
    unknown, silent = adopt.report(rpc, services=("facilities",))
    assert unknown == {"facilities": [{"unit_code": phantom, "records": 2}]} and silent == []


def test_two_registrations_of_one_name_at_once_leave_one_unit(directory, rpc):
    import eventlet

    name = f"县审计局{uuid.uuid4().hex[:6]}"

    def register():
        try:
            return d(rpc, "create_unit", {"code": code(), "name": name, "kind": "party_government"})
        except Conflict as exc:
            return exc

    outcomes = [thread.wait() for thread in [eventlet.spawn(register) for _ in range(4)]]
    assert sum(isinstance(outcome, dict) for outcome in outcomes) == 1
    assert all(list(outcome.errors) == ["name"] for outcome in outcomes if isinstance(outcome, Conflict))
    assert d(rpc, "list_units", {"q": name})["total"] == 1
    assert [e["name"] for e in outbox(directory, "unit_registered")].count(name) == 1


def test_a_file_that_is_not_the_register_is_a_rule_refusal_naming_what_is_wrong(directory, rpc):
    """A well-formed upload of the wrong file (an image, a workbook without the register's
    columns) is refused as a rule (422 units.unreadable_sheet), never as malformed input."""
    before = count_units(directory)
    png = {"filename": "file.png", "content_base64": base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()}
    for upload, field in ((png, "file"), (sheet([["名称", "地址"], ["某局", "县府路1号"]]), "header")):
        with pytest.raises(RuleViolation) as caught:
            d(rpc, "import_units", upload)
        assert caught.value.rule == "units.unreadable_sheet" and field in caught.value.errors
    assert count_units(directory) == before
