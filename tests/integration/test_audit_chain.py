"""The audit trail an assessor accepts: each entry names who, from where, what, on which record, with
what outcome and in which request; the entries of a service form a hash chain that the command
line checks, naming the first broken link; two writers never fork it; retention keeps 180 days at
least; the trail is exported to a file an auditor takes away."""
import csv
import json
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import Accounts
from gateway.models import AuditEntry
from services.kit import audit_chain, retention
from services.kit.config import ROOT
from services.kit.context import Caller, current_address, current_request_id
from services.kit.db import utcnow

pytestmark = pytest.mark.integration

PASSWORD = "a-long-enough-passphrase"


@pytest.fixture
def gateway_url(databases):
    return databases.migrated_url("gateway")


@pytest.fixture
def accounts(gateway_url):
    engine = create_engine(gateway_url)
    yield Accounts(sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


def entries(url, **where):
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            statement = session.query(AuditEntry).order_by(AuditEntry.id)
            for key, value in where.items():
                statement = statement.filter(getattr(AuditEntry, key) == value)
            return statement.all()
    finally:
        engine.dispose()


def test_an_api_key_created_and_revoked_is_in_the_trail_with_who_where_and_which_request(accounts, gateway_url):
    current_address.set("10.1.2.3")
    current_request_id.set("req-key-1")
    key, _ = accounts.create_api_key("gps", ["dispatcher"], None, created_by="root")
    accounts.revoke_api_key(key.id, Caller("sec", ("security_admin",)))
    accounts.revoke_api_key(key.id, Caller("sec", ("security_admin",)))  # revoked already: nothing new happened

    created, revoked = entries(gateway_url, entity="api_key")
    assert (created.action, created.actor, created.entity_id) == ("create", "root", str(key.id))
    assert created.changes["name"] == [None, "gps"] and created.changes["roles"] == [None, ["dispatcher"]]
    assert (revoked.action, revoked.actor, revoked.actor_kind) == ("revoke", "sec", "user")
    for entry in (created, revoked):
        assert (entry.address, entry.outcome, entry.request_id) == ("10.1.2.3", "success", "req-key-1")
        assert entry.hash and entry.at
    assert revoked.prev_hash == created.hash


def _trail_with_entries(accounts, count=4):
    current_address.set("10.0.0.9")
    for n in range(count):
        accounts.record(Caller("auditor", ("audit_admin",)), "export", "visitor", n, {"rows": [None, n]})


def test_the_chain_check_names_the_first_altered_entry(accounts, gateway_url, monkeypatch, capsys):
    _trail_with_entries(accounts)
    monkeypatch.setenv("GATEWAY_DATABASE_URL", gateway_url)
    assert audit_chain.main(["verify", "--service", "gateway"]) == 0
    assert "4 entries, the chain holds" in capsys.readouterr().out

    ids = [entry.id for entry in entries(gateway_url)]
    engine = create_engine(gateway_url)
    with engine.begin() as connection:  # whoever holds the database changes who did it
        connection.execute(text("UPDATE audit_entry SET actor = 'someone-else' WHERE id = :id"), {"id": ids[2]})
    engine.dispose()
    assert audit_chain.main(["verify", "--service", "gateway"]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN at entry {ids[2]}" in out and "altered" in out and "2 entries before it hold" in out


def test_the_chain_check_names_the_link_after_a_removed_entry(accounts, gateway_url):
    _trail_with_entries(accounts)
    ids = [entry.id for entry in entries(gateway_url)]
    engine = create_engine(gateway_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": ids[1]})
    engine.dispose()
    checked, fault = audit_chain.verify(gateway_url)
    assert checked == 1 and fault["id"] == ids[2] and "removed" in fault["reason"]


def test_a_keyed_chain_rewritten_without_the_key_is_found(accounts, gateway_url, monkeypatch):
    monkeypatch.setenv("AUDIT_CHAIN_KEY", "the-installation's-chain-key")
    _trail_with_entries(accounts, 3)
    assert audit_chain.verify(gateway_url) == (3, None)
    assert all(entry.hash.startswith("hmac-") for entry in entries(gateway_url))
    # someone without the key alters the first entry and seals the whole chain again with a plain digest
    engine = create_engine(gateway_url)
    monkeypatch.delenv("AUDIT_CHAIN_KEY")
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET hash = NULL, prev_hash = NULL, actor = 'nobody'"))
        audit_chain.seal_existing(connection)
    engine.dispose()
    assert audit_chain.verify(gateway_url)[1] is None  # a plain chain holds for whoever lacks the key...
    monkeypatch.setenv("AUDIT_CHAIN_KEY", "the-installation's-chain-key")
    checked, fault = audit_chain.verify(gateway_url)  # ...but not where the key is set
    assert checked == 0 and "keyed" in fault["reason"]


WRITER = textwrap.dedent("""
    import sys
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from gateway.models import AuditEntry
    from services.kit.audit_chain import seal
    engine = create_engine(sys.argv[1])
    with Session(engine) as session, session.begin():
        seal(session, AuditEntry, [AuditEntry(actor="second", action="export", entity="visitor", changes={})])
""")


@pytest.mark.parametrize("engine_kind", ["sqlite", "postgresql"])
def test_two_writers_at_once_never_fork_the_chain(engine_kind, databases, test_backends, tmp_path):
    from services.kit.audit_chain import seal
    from services.kit.migrate import upgrade

    if engine_kind == "postgresql":
        if test_backends.postgres_url is None:
            pytest.skip("no PostgreSQL reachable")
        url = databases.migrated_url("gateway")
    else:
        url = f"sqlite:///{tmp_path}/gateway.db"
        upgrade("gateway", url)
    engine = create_engine(url)
    with Session(engine) as first:
        first.begin()
        seal(first, AuditEntry, [AuditEntry(actor="first", action="export", entity="visitor", changes={})])
        first.flush()
        # a second process writes while the first holds its transaction open
        second = subprocess.Popen([sys.executable, "-c", WRITER, url], cwd=ROOT, env={"PYTHONPATH": str(ROOT)},
                                  stderr=subprocess.PIPE)
        time.sleep(2.0)
        assert second.poll() is None  # it waits for the chain
        first.commit()
    assert second.wait(timeout=30) == 0, second.stderr.read()
    engine.dispose()
    first_entry, second_entry = entries(url)
    assert second_entry.prev_hash == first_entry.hash
    assert audit_chain.verify(url) == (2, None)


def test_retention_never_purges_audit_entries_younger_than_180_days(accounts, gateway_url):
    from services.kit.audit_chain import seal

    with accounts.sessionmaker.begin() as session:  # entries written 400, 179 and 1 days ago
        seal(session, AuditEntry, [AuditEntry(actor="a", action="export", entity="visitor", changes={},
                                              at=utcnow() - timedelta(days=days)) for days in (400, 179, 1)])
    ids = [entry.id for entry in entries(gateway_url)]
    # a setting of one day is raised to the 180 the law asks: only the 400-day-old entry goes
    removed = retention.purge("gateway", url=gateway_url, settings=retention.RetentionSettings(audit_entry_days=1))
    assert removed["audit_entry"] == 1
    assert [entry.id for entry in entries(gateway_url)] == ids[1:]
    assert audit_chain.verify(gateway_url) == (2, None)  # the first entry kept starts the chain
    assert retention.RetentionSettings().audit_entry_days >= retention.AUDIT_MIN_DAYS == 180


def test_the_trail_is_exported_to_a_file_an_auditor_takes_away(accounts, gateway_url, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    _trail_with_entries(accounts, 2)
    accounts.record("=cmd|' /C calc'!A0", "export", "visitor", 9)  # a name a spreadsheet would run
    monkeypatch.setenv("GATEWAY_DATABASE_URL", gateway_url)
    for fmt in ("jsonl", "csv", "xlsx"):
        assert audit_chain.main(["export", "gateway", "--output", str(tmp_path / f"trail.{fmt}")]) == 0
    lines = [json.loads(line) for line in (tmp_path / "trail.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["actor"] for line in lines][:2] == ["auditor", "auditor"] and len(lines) == 3
    assert {"service", "at", "actor", "actor_kind", "address", "action", "entity", "entity_id", "outcome",
            "request_id", "hash", "prev_hash"} <= set(lines[0])
    assert lines[0]["address"] == "10.0.0.9" and lines[0]["service"] == "gateway"
    with open(tmp_path / "trail.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[2]["actor"].startswith("'=")  # never a formula
    sheet = load_workbook(tmp_path / "trail.xlsx").active
    assert sheet.max_row == 4 and sheet.cell(4, 4).data_type == "s"
    # a window of time: nothing before the first entry
    assert audit_chain.export(["gateway"], str(tmp_path / "none.jsonl"), "jsonl",
                              until=utcnow() - timedelta(days=1), urls={"gateway": gateway_url}) == 0
