"""The gateway's part of the audit trail: an administrator's operation refused to a caller, and a
change of the security-relevant configuration between two starts, each leave a sealed entry."""
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from werkzeug.test import Client

from gateway.app import Gateway
from gateway.auth import Accounts, Tokens
from gateway.configuration import record_changes
from gateway.models import AuditEntry
from services.kit.audit_chain import verify
from services.kit.db import make_engine
from services.kit.migrate import upgrade
from tests.unit.test_gateway_http import ServicesStandIn


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path}/gateway.db"
    upgrade("gateway", url)
    return url


@pytest.fixture
def accounts(url):
    return Accounts(sessionmaker(make_engine(url), expire_on_commit=False))


def trail(accounts, **where):
    with accounts.sessionmaker() as session:
        statement = select(AuditEntry).order_by(AuditEntry.id)
        for key, value in where.items():
            statement = statement.where(getattr(AuditEntry, key) == value)
        return session.scalars(statement).all()


def test_an_administrators_operation_refused_to_a_caller_is_in_the_trail(accounts, url):
    accounts.create_user("clerk", "office-pass-word", ["leader"])
    tokens = Tokens("k" * 64, 60)
    client = Client(Gateway(ServicesStandIn(), accounts, tokens))
    token = client.post("/api/v1/auth/token", json={"username": "clerk", "password": "office-pass-word"}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}", "X-Request-ID": "req-refused"}

    for path in ("/api/v1/audit-entries", "/api/v1/users"):
        answer = client.get(path, headers=headers, environ_base={"REMOTE_ADDR": "192.0.2.9"})
        assert answer.status_code == 403
    client.get("/api/v1/auth/me", headers=headers)  # allowed: no entry
    refused = trail(accounts, outcome="refused")
    assert [(entry.actor, entry.action, entry.entity_id) for entry in refused] == [
        ("clerk", "refused", "list_audit_entries"), ("clerk", "refused", "list_users")]
    assert (refused[0].address, refused[0].request_id) == ("192.0.2.9", "req-refused")
    assert refused[0].changes["path"] == [None, "/api/v1/audit-entries"]
    assert verify(url) == (4, None)  # the user's creation, the login, then the two refusals


def test_a_configuration_changed_between_two_starts_is_in_the_trail(accounts, monkeypatch):
    monkeypatch.setenv("PII_CIPHER", "sm4-gcm")
    monkeypatch.setenv("PII_KEYS", "k1:do-not-log-me")
    monkeypatch.delenv("AUDIT_CHAIN_KEY", raising=False)
    first = record_changes(accounts)
    assert first["PII_CIPHER"] == [None, "sm4-gcm"] and first["PII_KEYS_set"] == [None, True]
    assert record_changes(accounts) == {}  # the same settings: nothing to record

    monkeypatch.setenv("PII_CIPHER", "aes-256-gcm")
    monkeypatch.setenv("AUDIT_CHAIN_KEY", "chain-key")
    assert record_changes(accounts) == {"PII_CIPHER": ["sm4-gcm", "aes-256-gcm"], "AUDIT_CHAIN_KEY_set": [False, True]}
    entries = trail(accounts, entity="configuration")
    assert [(entry.action, entry.actor, entry.actor_kind) for entry in entries] == [("configure", "system", "system")] * 2
    assert "do-not-log-me" not in str([entry.changes for entry in entries])


def test_every_row_of_the_assessment_table_names_a_test_that_exists_or_a_deployment_duty():
    """docs/security.md: each item of GB/T 22239 and GB/T 39786 with the test that proves it."""
    import re

    from services.kit.config import ROOT

    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith(("| 22239", "| 39786"))]
    assert len(rows) >= 30
    items = {line.split("|")[1].strip().split(" ")[1] for line in rows if line.startswith("| 22239")}
    assert {"身份鉴别", "访问控制", "安全审计", "入侵防范", "数据完整性", "数据保密性", "数据备份恢复", "剩余信息保护",
            "个人信息保护"} <= items
    for line in rows:
        proof = line.rstrip(" |").rsplit("|", 1)[1]
        named = re.findall(r"(tests/[\w/]+\.py)::(test_\w+)", proof)
        assert named or "Deployment" in proof or "Deployment" in line or "TODO(identity)" in proof, line
        for path, test in named:
            assert re.search(rf"^def {test}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), (path, test)
