"""等保 level 3's identification and separation of duties at the gateway (issue 23, docs/security.md):
the three administrators apart, a second factor (TOTP, recovery codes) for them under level 3, the
idle timeout, password expiry and reuse, both profiles, and the trail of each security event."""
import json

import pyotp
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker
from werkzeug.test import Client

from gateway import cli
from gateway.auth import (
    PASSWORD_EXPIRED, PASSWORD_REUSED, TOTP_INVALID, TOTP_NOT_ENROLLED, TOTP_REQUIRED, Accounts, IdleSessions,
    LoginPolicy, Tokens, Unauthorized, otpauth_uri, qr_svg,
)
from gateway.models import AuditEntry, User
from gateway.security import BASIC, LEVEL3, NOT_GRADED, SEPARATION_OF_DUTIES, SecurityProfile
from services.kit.context import ADMIN_ROLES, AUDIT_ADMIN, SECURITY_ADMIN, SYSTEM_ADMIN
from services.kit.db import make_engine
from services.kit.errors import RuleViolation
from services.kit.migrate import upgrade
from tests.unit.conftest import FakeClock

SECRET = "s" * 64
PASSWORD = "county-chief-pass-7"
LEVEL3_PROFILE = SecurityProfile(name=LEVEL3, admin_password_max_age_days=90, admin_password_reuse_history=5)
LENIENT = LoginPolicy(free_failures_per_name=100, free_failures_per_address=100)
SECRETS = {role: pyotp.random_base32() for role in ADMIN_ROLES}
NAMES = {SYSTEM_ADMIN: "sysadmin", SECURITY_ADMIN: "secadmin", AUDIT_ADMIN: "auditadmin"}


def _sessions(tmp_path):
    url = f"sqlite:///{tmp_path}/gateway.db"
    upgrade("gateway", url)
    return sessionmaker(make_engine(url), expire_on_commit=False)


@pytest.fixture
def wall():
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def level3(tmp_path, wall):
    """The level-3 profile's three first administrators, each with a second factor."""
    accounts = Accounts(_sessions(tmp_path), LENIENT, profile=LEVEL3_PROFILE, wall=wall)
    for role in ADMIN_ROLES:
        accounts.create_user(NAMES[role], PASSWORD, [role], totp_secret=SECRETS[role])
    return accounts


def code(role: str, wall) -> str:
    """The current code of the administrator's authenticator, a new time step each time (a code is good once)."""
    wall.advance(30)
    return pyotp.TOTP(SECRETS[role]).at(wall.now)


def trail(accounts, **filters) -> list:
    return accounts.list_audit_entries({"limit": 200, "offset": 0, **filters})[0]


# the second factor ---------------------------------------------------------------------------
def test_under_level3_a_password_alone_is_refused_for_each_administrator(level3, wall):
    for role in ADMIN_ROLES:
        with pytest.raises(Unauthorized) as refused:
            level3.login(NAMES[role], PASSWORD, "10.0.0.5")
        assert refused.value.rule == TOTP_REQUIRED
        assert level3.login(NAMES[role], PASSWORD, "10.0.0.5", totp_code=code(role, wall)).username == NAMES[role]


def test_a_wrong_or_replayed_code_is_refused_and_counts_as_a_failure(level3, wall):
    with pytest.raises(Unauthorized) as wrong:
        level3.login("sysadmin", PASSWORD, "10.0.0.5", totp_code="000000" if code(SYSTEM_ADMIN, wall) != "000000"
                     else "111111")
    assert wrong.value.rule == TOTP_INVALID
    used = code(SYSTEM_ADMIN, wall)
    level3.login("sysadmin", PASSWORD, "10.0.0.5", totp_code=used)
    with pytest.raises(Unauthorized) as replayed:
        level3.login("sysadmin", PASSWORD, "10.0.0.5", totp_code=used)
    assert replayed.value.rule == TOTP_INVALID
    failures = [entry for entry in trail(level3, action="login_failed") if entry.actor == "sysadmin"]
    assert [entry.changes["reason"][1] for entry in failures] == ["totp", "totp"]
    assert all(entry.outcome == "failure" for entry in failures)


def test_an_administrator_without_a_second_factor_is_refused_under_level3_only(tmp_path, wall):
    sessions = _sessions(tmp_path)
    basic = Accounts(sessions, LENIENT, wall=wall)
    basic.create_user("admin", PASSWORD, list(ADMIN_ROLES))
    assert basic.login("admin", PASSWORD).username == "admin"  # basic: the password, as before
    basic.create_user("keeper", PASSWORD, [SYSTEM_ADMIN])
    graded = Accounts(sessions, LENIENT, profile=LEVEL3_PROFILE, wall=wall)
    with pytest.raises(Unauthorized) as refused:  # a basic installation's admin after the switch
        graded.login("admin", PASSWORD)
    assert refused.value.rule == SEPARATION_OF_DUTIES
    with pytest.raises(Unauthorized) as refused:
        graded.login("keeper", PASSWORD)
    assert refused.value.rule == TOTP_NOT_ENROLLED
    # the installation's command line gives a second factor and splits the roles
    _, secret, _ = graded.reset_totp("admin")
    graded.set_roles("admin", [SYSTEM_ADMIN], None, "cli")
    wall.advance(30)
    assert graded.login("admin", PASSWORD, totp_code=pyotp.TOTP(secret).at(wall.now)).roles == [SYSTEM_ADMIN]


def test_others_may_enrol_a_second_factor_and_then_need_it(level3, wall):
    level3.create_user("dora", "dispatch-pass-1", ["dispatcher"])
    assert level3.login("dora", "dispatch-pass-1").username == "dora"  # optional for a dispatcher
    secret, uri = level3.start_totp("dora")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    with pytest.raises(Exception):
        level3.confirm_totp("dora", "000000" if pyotp.TOTP(secret).at(wall.now) != "000000" else "111111")
    recovery = level3.confirm_totp("dora", pyotp.TOTP(secret).at(wall.now))
    assert len(recovery) == 10 and len(set(recovery)) == 10
    with pytest.raises(Unauthorized) as refused:
        level3.login("dora", "dispatch-pass-1")
    assert refused.value.rule == TOTP_REQUIRED
    wall.advance(30)
    assert level3.login("dora", "dispatch-pass-1", totp_code=pyotp.TOTP(secret).at(wall.now))
    # a recovery code stands in for the device, once
    assert level3.login("dora", "dispatch-pass-1", recovery_code=recovery[0].upper())
    with pytest.raises(Unauthorized) as used:
        level3.login("dora", "dispatch-pass-1", recovery_code=recovery[0])
    assert used.value.rule == TOTP_INVALID
    with level3.sessionmaker() as session:
        stored = session.scalar(sa.select(User).where(User.username == "dora"))
    assert len(stored.recovery_codes) == 9 and recovery[1] not in json.dumps(stored.recovery_codes)
    used_entry = trail(level3, action="recovery_code_used")[0]
    assert used_entry.changes["recovery_codes_left"] == [10, 9]


def test_the_qr_code_is_an_svg_of_the_otpauth_uri():
    svg = qr_svg(otpauth_uri(pyotp.random_base32(), "dora"))
    assert svg.startswith("<svg") and "path" in svg


# 三员分立 ------------------------------------------------------------------------------------------
def test_no_account_holds_two_administrators_roles_under_level3(level3):
    with pytest.raises(RuleViolation) as refused:
        level3.create_user("both", PASSWORD, [SYSTEM_ADMIN, AUDIT_ADMIN], totp_secret=pyotp.random_base32())
    assert refused.value.rule == SEPARATION_OF_DUTIES
    with pytest.raises(RuleViolation) as refused:
        level3.set_roles("auditadmin", [AUDIT_ADMIN, SECURITY_ADMIN], None, "secadmin")
    assert refused.value.rule == SEPARATION_OF_DUTIES


def test_nobody_changes_their_own_roles_and_an_administrators_role_needs_a_second_factor(level3):
    with pytest.raises(RuleViolation) as refused:
        level3.set_roles("secadmin", [SECURITY_ADMIN, "leader"], None, "secadmin")
    assert refused.value.rule == SEPARATION_OF_DUTIES
    level3.create_user("newcomer", "fresh-start-pass-9", ["leader"])
    with pytest.raises(RuleViolation) as refused:
        level3.set_roles("newcomer", [AUDIT_ADMIN], None, "secadmin")
    assert refused.value.rule == TOTP_NOT_ENROLLED


@pytest.fixture
def api(tmp_path, wall):
    """The gateway under level 3 with its three administrators, and a way to log each in."""
    from gateway.app import Gateway

    sessions = _sessions(tmp_path)
    accounts = Accounts(sessions, LENIENT, profile=LEVEL3_PROFILE, wall=wall)
    for role in ADMIN_ROLES:
        accounts.create_user(NAMES[role], PASSWORD, [role], totp_secret=SECRETS[role])
    client = Client(Gateway(rpc=None, accounts=accounts, tokens=Tokens(SECRET, 3600)))

    def bearer(role):
        answer = client.post("/api/v1/auth/token", json={"username": NAMES[role], "password": PASSWORD,
                                                         "totp_code": code(role, wall)})
        assert answer.status_code == 200, answer.get_json()
        return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}

    return accounts, client, bearer


def test_the_three_administrators_cannot_act_as_one_another(api):
    accounts, client, bearer = api
    system, security, audit = (bearer(role) for role in ADMIN_ROLES)
    ids = {user.username: user.id for user in accounts.list_users(10, 0)[0]}
    new_user = {"username": "clerk2", "password": "unit-clerk-pass-2", "roles": ["leader"]}
    # the system administrator: users, yes; roles, keys, the trail, no
    created = client.post("/api/v1/users", headers=system, json=new_user)
    assert created.status_code == 201
    assert client.post("/api/v1/users", headers=system, json={**new_user, "username": "rogue",
                                                              "roles": [AUDIT_ADMIN]}).status_code == 403
    assert client.post(f"/api/v1/users/{created.get_json()['id']}/roles", headers=system,
                       json={"roles": ["dispatcher"]}).status_code == 403
    assert client.get("/api/v1/api-keys", headers=system).status_code == 403
    assert client.get("/api/v1/audit-entries?service=gateway", headers=system).status_code == 403
    # nor does it take the audit administrator's account over by its password
    taken = client.post(f"/api/v1/users/{ids['auditadmin']}/password", headers=system, json={"password": "taken-over-pw-1"})
    assert taken.status_code == 422 and taken.get_json()["rule"] == SEPARATION_OF_DUTIES
    assert client.post(f"/api/v1/users/{ids['auditadmin']}/disable", headers=system).status_code == 422
    # the security administrator: roles and keys, yes; users and the trail, no
    assert client.post(f"/api/v1/users/{created.get_json()['id']}/roles", headers=security,
                       json={"roles": ["dispatcher"]}).get_json()["roles"] == ["dispatcher"]
    own = client.post(f"/api/v1/users/{ids['secadmin']}/roles", headers=security, json={"roles": [AUDIT_ADMIN]})
    assert own.status_code == 422 and own.get_json()["rule"] == SEPARATION_OF_DUTIES
    assert client.get("/api/v1/api-keys", headers=security).status_code == 200
    assert client.post("/api/v1/users", headers=security, json={**new_user, "username": "clerk3"}).status_code == 403
    assert client.get("/api/v1/audit-entries?service=gateway", headers=security).status_code == 403
    # the audit administrator: the trail only
    read = client.get("/api/v1/audit-entries?service=gateway", headers=audit)
    assert read.status_code == 200 and read.get_json()["total"] > 0
    for method, path in (("POST", "/api/v1/users"), ("GET", "/api/v1/users"), ("GET", "/api/v1/api-keys"),
                         ("POST", f"/api/v1/users/{ids['auditadmin']}/roles")):
        assert client.open(path, method=method, headers=audit, json=new_user).status_code == 403, (method, path)


def test_the_trail_records_logins_with_address_and_request_id_and_never_a_secret(api, wall):
    accounts, client, bearer = api
    refused = client.post("/api/v1/auth/token", headers={"X-Request-ID": "req-login-1"},
                          environ_base={"REMOTE_ADDR": "10.1.2.3"},
                          json={"username": "auditadmin", "password": PASSWORD})
    assert refused.status_code == 401 and refused.get_json()["rule"] == TOTP_REQUIRED
    wrong = client.post("/api/v1/auth/token", headers={"X-Request-ID": "req-login-2"},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"},
                        json={"username": "auditadmin", "password": "not-the-password"})
    assert wrong.status_code == 401
    audit = bearer(AUDIT_ADMIN)
    assert client.post("/api/v1/auth/logout", headers=audit).status_code == 204
    entries = trail(accounts, actor="auditadmin")
    failed = next(entry for entry in entries if entry.request_id == "req-login-2")
    assert failed.action == "login_failed" and failed.address == "10.1.2.3"
    assert failed.outcome == "failure"
    assert [entry.action for entry in entries][:2] == ["logout", "login"]
    with accounts.sessionmaker() as session:
        everything = json.dumps([entry.changes for entry in session.scalars(sa.select(AuditEntry))])
    assert PASSWORD not in everything and not any(secret in everything for secret in SECRETS.values())


def test_enrolment_over_the_api_answers_the_qr_code_and_then_the_recovery_codes_once(api, wall):
    accounts, client, bearer = api
    security = bearer(SECURITY_ADMIN)
    system = bearer(SYSTEM_ADMIN)
    client.post("/api/v1/users", headers=system, json={"username": "dora", "password": "dispatch-pass-1",
                                                       "roles": ["dispatcher"]})
    token = client.post("/api/v1/auth/token", json={"username": "dora", "password": "dispatch-pass-1"}).get_json()
    theirs = {"Authorization": f"Bearer {token['access_token']}"}
    started = client.post("/api/v1/auth/totp", headers=theirs)
    assert started.status_code == 201 and started.get_json()["qr_svg"].startswith("<svg")
    secret = started.get_json()["secret"]
    confirmed = client.post("/api/v1/auth/totp/confirm", headers=theirs, json={"code": pyotp.TOTP(secret).at(wall.now)})
    assert confirmed.status_code == 200 and len(confirmed.get_json()["recovery_codes"]) == 10
    assert client.post("/api/v1/auth/totp", headers=theirs).status_code == 409  # a reset is the installation's
    # enrolled, the user may now be made an administrator by the security administrator
    dora = next(user for user in accounts.list_users(10, 0)[0] if user.username == "dora")
    granted = client.post(f"/api/v1/users/{dora.id}/roles", headers=security, json={"roles": [AUDIT_ADMIN]})
    assert granted.status_code == 200 and granted.get_json()["totp_enabled"] is True
    assert [entry.action for entry in trail(accounts, entity_id=str(dora.id))][:3] == [
        "set_roles", "totp_enabled", "totp_enrolment_started"]


# the idle timeout ----------------------------------------------------------------------------
def test_a_session_unused_for_the_idle_timeout_ends_on_every_replica(tmp_path):
    sessions = _sessions(tmp_path)
    accounts = Accounts(sessions, LENIENT)
    user = accounts.create_user("dora", "dispatch-pass-1", ["dispatcher"])
    clock = FakeClock(1_800_000_000.0)
    one = Tokens(SECRET, 8 * 3600, idle=IdleSessions(sessions, 60, clock=clock))
    other = Tokens(SECRET, 8 * 3600, idle=IdleSessions(sessions, 60, clock=clock))  # a second replica
    token = one.issue(user)["access_token"]
    for _ in range(4):  # used every 50 s on the first replica: it holds on the second too
        clock.advance(50)
        assert one.caller(token).name == "dora"
    assert other.caller(token).name == "dora"
    clock.advance(61)
    with pytest.raises(Unauthorized):
        one.caller(token)
    with pytest.raises(Unauthorized):  # ended for good, on the other replica too
        other.caller(token)
    ended = trail(accounts, action="session_idle_expired")
    assert len(ended) == 1 and ended[0].actor == "dora" and ended[0].outcome == "refused"


def test_the_idle_timeout_defaults_to_30_minutes_and_level3_refuses_to_switch_it_off(monkeypatch):
    monkeypatch.delenv("SESSION_IDLE_TIMEOUT_SECONDS", raising=False)
    monkeypatch.setenv("SECURITY_PROFILE", "level3")
    profile = SecurityProfile.from_env()
    assert profile.idle_timeout_seconds == 1800 and profile.graded
    assert profile.max_age_days_for([AUDIT_ADMIN]) == 90 and profile.max_age_days_for(["leader"]) == 0
    monkeypatch.setenv("SESSION_IDLE_TIMEOUT_SECONDS", "0")
    with pytest.raises(SystemExit):
        SecurityProfile.from_env()
    monkeypatch.delenv("SESSION_IDLE_TIMEOUT_SECONDS")
    monkeypatch.setenv("SECURITY_PROFILE", "basic")
    basic = SecurityProfile.from_env()
    assert basic.name == BASIC and basic.idle_timeout_seconds == 1800 and not basic.totp_required(ADMIN_ROLES)
    assert basic.max_age_days_for(ADMIN_ROLES) == 0 and basic.reuse_history_for(ADMIN_ROLES) == 0


# the password rules --------------------------------------------------------------------------
def test_an_administrators_password_expires_under_level3_and_is_not_reused(level3, wall):
    wall.advance(91 * 86400)
    with pytest.raises(Unauthorized) as expired:
        level3.login("auditadmin", PASSWORD, totp_code=code(AUDIT_ADMIN, wall))
    assert expired.value.rule == PASSWORD_EXPIRED
    with pytest.raises(RuleViolation) as reused:
        level3.login("auditadmin", PASSWORD, totp_code=code(AUDIT_ADMIN, wall), new_password=PASSWORD)
    assert reused.value.rule == PASSWORD_REUSED
    assert level3.login("auditadmin", PASSWORD, totp_code=code(AUDIT_ADMIN, wall), new_password="audit-pass-two-2")
    assert level3.login("auditadmin", "audit-pass-two-2", totp_code=code(AUDIT_ADMIN, wall))
    with pytest.raises(RuleViolation) as reused:  # the one before, too
        level3.change_own_password("auditadmin", "audit-pass-two-2", PASSWORD)
    assert reused.value.rule == PASSWORD_REUSED
    # a dispatcher's password does not expire by default
    level3.create_user("dora", "dispatch-pass-1", ["dispatcher"])
    wall.advance(400 * 86400)
    assert level3.login("dora", "dispatch-pass-1")


def test_the_password_rules_are_configuration_for_everyone(tmp_path, wall):
    profile = SecurityProfile(password_max_age_days=30, password_reuse_history=2)
    accounts = Accounts(_sessions(tmp_path), LENIENT, profile=profile, wall=wall)
    accounts.create_user("dora", "dispatch-pass-1", ["dispatcher"])
    wall.advance(31 * 86400)
    with pytest.raises(Unauthorized) as expired:
        accounts.login("dora", "dispatch-pass-1")
    assert expired.value.rule == PASSWORD_EXPIRED


# the profiles' first administrators ------------------------------------------------------------
def test_ensure_admin_under_basic_gives_one_admin_the_three_roles_and_says_it_is_not_graded(tmp_path, monkeypatch):
    lines = []
    accounts = Accounts(_sessions(tmp_path), LENIENT)
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)
    cli.ensure_admin(accounts, lines.append)
    assert lines[0] == NOT_GRADED
    assert [(user.username, user.roles) for user in accounts.list_users(10, 0)[0]] == [("admin", list(ADMIN_ROLES))]


def test_ensure_admin_under_level3_creates_the_three_apart_with_second_factors_shown_once(tmp_path, monkeypatch, wall):
    lines = []
    accounts = Accounts(_sessions(tmp_path), LENIENT, profile=LEVEL3_PROFILE, wall=wall)
    monkeypatch.setenv("SECURITY_ADMIN_USERNAME", "anquan")
    monkeypatch.setenv("AUDIT_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("AUDIT_ADMIN_TOTP_SECRET", SECRETS[AUDIT_ADMIN])
    cli.ensure_admin(accounts, lines.append)
    users = {user.username: user for user in accounts.list_users(10, 0)[0]}
    assert {name: user.roles for name, user in users.items()} == {
        "sysadmin": [SYSTEM_ADMIN], "anquan": [SECURITY_ADMIN], "auditadmin": [AUDIT_ADMIN]}
    assert all(user.totp_secret for user in users.values())
    shown = "\n".join(lines)
    assert NOT_GRADED not in shown
    assert users["sysadmin"].totp_secret in shown and SECRETS[AUDIT_ADMIN] not in shown  # a given one is not printed
    assert accounts.login("auditadmin", PASSWORD, totp_code=code(AUDIT_ADMIN, wall))


# the migration -------------------------------------------------------------------------------
def test_the_migration_turns_the_one_admin_into_the_three_administrators(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    upgrade("gateway", url, "0004")
    engine = make_engine(url)
    with engine.begin() as connection:
        for name, roles in (("admin", ["admin"]), ("boss", ["leader"])):
            connection.execute(sa.text("INSERT INTO app_user (username, password_hash, roles, active, token_version, "
                                       "created_at, updated_at) VALUES (:n, 'x', :r, 1, 0, '2026-01-01', '2026-01-01')"),
                               {"n": name, "r": json.dumps(roles)})
    upgrade("gateway", url)
    with engine.connect() as connection:
        roles = dict(connection.execute(sa.text("SELECT username, roles FROM app_user")).all())
    assert json.loads(roles["admin"]) == list(ADMIN_ROLES) and json.loads(roles["boss"]) == ["leader"]
