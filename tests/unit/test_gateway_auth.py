import math
import time
from datetime import timedelta

import eventlet

import jwt
import pytest
from sqlalchemy.orm import sessionmaker
from werkzeug.test import Client

from gateway import auth
from gateway.auth import (
    JWT_AUDIENCE, JWT_ISSUER, Accounts, LoginPolicy, Tokens, TooManyAttempts, Unauthorized, hash_password,
    verify_password,
)
from gateway.models import ApiKey
from services.kit.context import ADMIN_ROLES
from services.kit.db import make_engine, utcnow
from services.kit.errors import Conflict, Invalid, RuleViolation
from services.kit.migrate import upgrade

SECRET = "s" * 64


@pytest.fixture
def accounts(tmp_path):
    url = f"sqlite:///{tmp_path}/gateway.db"
    upgrade("gateway", url)
    return Accounts(sessionmaker(make_engine(url), expire_on_commit=False))


def test_passwords_are_hashed_with_argon2id():
    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert verify_password(stored, "correct horse") and not verify_password(stored, "wrong")


def test_login_accepts_the_right_password_only(accounts):
    accounts.create_user("dora", "dispatch-pass-1", ["dispatcher"])
    assert accounts.login("dora", "dispatch-pass-1").username == "dora"
    for username, password in (("dora", "nope"), ("nobody", "dispatch-pass-1")):
        with pytest.raises(Unauthorized):
            accounts.login(username, password)


def test_users_need_known_roles_and_unit_users_a_unit(accounts):
    with pytest.raises(Invalid):
        accounts.create_user("x", "long-enough-pw", ["emperor"])
    with pytest.raises(Invalid) as caught:
        accounts.create_user("x", "long-enough-pw", ["unit_user"])
    assert "unit_code" in caught.value.errors
    accounts.create_user("x", "long-enough-pw", ["unit_user"], "U1")
    with pytest.raises(Conflict):
        accounts.create_user("x", "long-enough-pw", ["dispatcher"])


def test_a_token_carries_the_users_roles_and_unit(accounts):
    user = accounts.create_user("clerk", "unit-seven-pass", ["unit_user"], "U7")
    issued = Tokens(SECRET, 60).issue(user)
    assert issued["token_type"] == "bearer" and issued["expires_in"] == 60
    caller = Tokens(SECRET, 60).caller(issued["access_token"])
    assert (caller.name, caller.roles, caller.unit_code) == ("clerk", ("unit_user",), "U7")



def test_a_verified_token_is_remembered_until_it_expires_and_not_a_moment_longer(accounts, monkeypatch):
    user = accounts.create_user("quick", "short-lived-pw", ["leader"])
    tokens = Tokens(SECRET, 1)
    token = tokens.issue(user)["access_token"]
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    checks = []
    decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: checks.append(1) or decode(*a, **k))
    assert tokens.caller(token).name == tokens.caller(token).name == "quick"
    assert len(checks) == 1  # the second request was answered from memory
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(Unauthorized):  # expired: checked again, and refused
        tokens.caller(token)
    assert len(checks) == 2

def _claims(**overrides):
    now = utcnow()
    claims = {"sub": "mallory", "roles": ["system_admin"], "iat": now, "exp": now + timedelta(minutes=5),
              "iss": JWT_ISSUER, "aud": JWT_AUDIENCE}
    claims.update(overrides)
    return claims


@pytest.mark.parametrize("token", [
    jwt.encode(_claims(exp=utcnow() - timedelta(seconds=1)), SECRET, algorithm="HS256"),  # expired
    jwt.encode(_claims(), "another-secret-of-enough-length-for-hs256", algorithm="HS256"),  # wrong key
    jwt.encode(_claims(), SECRET, algorithm="HS512"),  # wrong algorithm
    jwt.encode(_claims(), None, algorithm="none"),  # unsigned
    jwt.encode(_claims(aud="someone-else"), SECRET, algorithm="HS256"),
    "not.a.token",
])
def test_bad_tokens_are_refused(token):
    with pytest.raises(Unauthorized):
        Tokens(SECRET, 60).caller(token)


def test_a_tampered_token_is_refused(accounts):
    user = accounts.create_user("d", "dispatch-pass-1", ["dispatcher"])
    header, payload, signature = Tokens(SECRET, 60).issue(user)["access_token"].split(".")
    forged = jwt.encode(_claims(sub="d"), "x" * 40, algorithm="HS256").split(".")[1]
    with pytest.raises(Unauthorized):
        Tokens(SECRET, 60).caller(".".join((header, forged, signature)))


def test_api_keys_are_stored_hashed_and_can_be_revoked(accounts):
    record, key = accounts.create_api_key("gps-platform", ["dispatcher"], None, created_by="root")
    with accounts.sessionmaker() as session:
        stored = session.get(ApiKey, record.id)
        assert key.split("_", 2)[2] not in (stored.secret_hash, stored.prefix)
    caller = accounts.api_key_caller(key)
    assert caller.kind == "api_key" and caller.roles == ("dispatcher",)
    with pytest.raises(Unauthorized):
        accounts.api_key_caller(key[:-2] + "xx")
    accounts.revoke_api_key(record.id)
    with pytest.raises(Unauthorized):
        accounts.api_key_caller(key)


def test_a_key_belongs_to_a_client_carries_its_scopes_and_its_calls_are_logged(accounts):
    record, key = accounts.create_api_key("beidou", ["dispatcher"], None, created_by="root", client_id=7,
                                          scopes=["record_gps_trips"])
    other, _ = accounts.create_api_key("finance", ["leader"], None, created_by="root", client_id=8)
    key_id, caller = accounts.authenticate_key(key)
    assert key_id == record.id and caller.scopes == ("record_gps_trips",)
    accounts.record_call(key_id, "POST", "record_gps_trips", "/api/v1/gps-trips", 200, "req-1")
    accounts.record_call(key_id, "GET", "list_drivers", "/api/v1/drivers", 403, "req-2")
    accounts.record_call(other.id, "GET", "list_receptions", "/api/v1/receptions", 200, "req-3")
    calls, total = accounts.list_calls(50, 0, client_id=7)
    assert total == 2 and [(c.operation, c.status) for c in calls] == [("list_drivers", 403), ("record_gps_trips", 200)]
    assert accounts.list_calls(50, 0, key_id=other.id)[1] == 1
    assert accounts.list_calls(50, 0, client_id=9)[1] == 0


def test_the_jwt_secret_rotates_without_logging_everyone_out(accounts):
    user = accounts.create_user("r", "rotate-pass-1", ["leader"])
    old_token = Tokens(SECRET, 60).issue(user)["access_token"]
    new_secret = "n" * 64
    rotated = Tokens(new_secret, 60, previous_secret=SECRET)
    assert rotated.caller(old_token).name == "r"
    assert rotated.caller(rotated.issue(user)["access_token"]).name == "r"
    with pytest.raises(Unauthorized):  # once the previous secret is dropped, old tokens end
        Tokens(new_secret, 60).caller(old_token)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def throttled_accounts(tmp_path, clock, **policy):
    url = f"sqlite:///{tmp_path}/throttle.db"
    upgrade("gateway", url)
    return Accounts(sessionmaker(make_engine(url), expire_on_commit=False), LoginPolicy(**policy), clock=clock)


def _refusal(attempt):
    try:
        attempt()
    except (Unauthorized, TooManyAttempts) as exc:
        return type(exc).__name__, str(exc), getattr(exc, "retry_after", None)
    return "logged in", "", None


def test_a_known_and_an_unknown_name_are_answered_alike_and_neither_is_locked(tmp_path):
    clock = Clock()
    store = throttled_accounts(tmp_path, clock, free_failures_per_name=3, first_delay_seconds=2, max_delay_seconds=60)
    store.create_user("vic", "right-password-1", ["leader"])
    hashes = []
    verify = auth.verify_password
    auth.verify_password = lambda stored, password: hashes.append(stored) or verify(stored, password)
    try:
        known = [_refusal(lambda: store.login("vic", "wrong", "10.0.0.1")) for _ in range(6)]
        unknown = [_refusal(lambda: store.login("nobody", "wrong", "10.0.0.2")) for _ in range(6)]
    finally:
        auth.verify_password = verify
    assert known == unknown  # same answers, same order: whether the name exists does not show
    assert known[:3] == [("Unauthorized", "wrong username or password", None)] * 3
    assert known[3] == ("Unauthorized", "wrong username or password", None)  # the 4th failure starts the delays
    assert known[4] == ("TooManyAttempts", "too many failed logins: wait before trying again", 2)
    assert len(hashes) == 8  # a hash was checked for every attempt let through, known name or not
    clock.now += 2  # the delay has passed: the right password logs in, nothing was locked
    assert store.login("vic", "right-password-1", "10.0.0.1").username == "vic"


def test_each_further_failure_doubles_the_wait_up_to_the_cap(tmp_path):
    clock = Clock()
    store = throttled_accounts(tmp_path, clock, free_failures_per_name=2, first_delay_seconds=1, max_delay_seconds=8)
    store.create_user("vic", "right-password-1", ["leader"])
    waits = []
    for _ in range(7):
        refusal = _refusal(lambda: store.login("vic", "wrong", "10.0.0.1"))
        assert refusal[0] == "Unauthorized"
        waits.append(store.failures_by_name.wait("vic"))
        if waits[-1]:  # even the right password waits
            assert _refusal(lambda: store.login("vic", "right-password-1", "10.0.0.1"))[::2] == (
                "TooManyAttempts", math.ceil(waits[-1]))
        clock.now += waits[-1]
    assert waits == [0, 0, 1, 2, 4, 8, 8]
    assert store.login("vic", "right-password-1", "10.0.0.1").username == "vic"
    assert store.failures_by_name.wait("vic") == 0  # a success starts the name afresh


def test_attempts_sent_at_once_meet_the_delay_too(tmp_path):
    clock = Clock()
    store = throttled_accounts(tmp_path, clock, free_failures_per_name=2, first_delay_seconds=5)
    store.create_user("vic", "right-password-1", ["leader"])
    outcomes = [thread.wait() for thread in [
        eventlet.spawn(_refusal, lambda: store.login("vic", "guess", "10.0.0.9")) for _ in range(6)]]
    assert [kind for kind, _, _ in outcomes].count("Unauthorized") == 3  # the free two, and the one that set the wait


def test_an_office_behind_one_address_logs_in_freely_while_failures_from_it_slow_it_down(tmp_path):
    clock = Clock()
    store = throttled_accounts(tmp_path, clock, free_failures_per_address=5, first_delay_seconds=3)
    for n in range(2):
        store.create_user(f"clerk{n}", f"office-pass-{n}xyz", ["leader"])
    office = "192.0.2.7"
    for _ in range(5):  # ten logins from one address in a minute, past the old limit of six
        for n in range(2):
            assert store.login(f"clerk{n}", f"office-pass-{n}xyz", office).username == f"clerk{n}"
    for n in range(6):  # failures for many names from one address count against the address
        assert _refusal(lambda: store.login(f"guess{n}", "wrong", office))[0] == "Unauthorized"
    assert _refusal(lambda: store.login("clerk0", "office-pass-0xyz", office))[0] == "TooManyAttempts"
    assert store.login("clerk0", "office-pass-0xyz", "192.0.2.8").username == "clerk0"  # another address is not slowed
    clock.now += 3
    assert store.login("clerk0", "office-pass-0xyz", office).username == "clerk0"


def test_hashing_runs_in_real_threads_bounded_while_the_loop_keeps_serving(tmp_path, monkeypatch):
    """Logins whose hashing is held until the loop has answered another request: were the hash
    on the loop, that request could not be answered while it ran."""
    from eventlet import patcher

    from gateway.app import Gateway

    real_threading = patcher.original("threading")
    loop_thread = real_threading.get_ident()
    health_answered = real_threading.Event()
    lock, running, seen = real_threading.Lock(), [0], []

    def held_verify(stored, password):
        with lock:
            running[0] += 1
            seen.append((real_threading.get_ident(), running[0]))
        answered = health_answered.wait(3)
        with lock:
            running[0] -= 1
            seen.append(("answered while hashing", answered))
        return verify(stored, password)

    url = f"sqlite:///{tmp_path}/gateway.db"
    upgrade("gateway", url)
    store = Accounts(sessionmaker(make_engine(url), expire_on_commit=False))
    for n in range(6):
        store.create_user(f"dora{n}", "dispatch-pass-1", ["dispatcher"])
    client = Client(Gateway(rpc=None, accounts=store, tokens=Tokens(SECRET, 60)))
    real_hasher = auth._hasher
    verify = real_hasher.verify
    monkeypatch.setattr(auth, "_hasher", type("HeldHasher", (), {"verify": staticmethod(held_verify),
                                                                  "hash": staticmethod(real_hasher.hash)})())
    logins = [eventlet.spawn(client.post, "/api/v1/auth/token", json={"username": f"dora{n}", "password": "dispatch-pass-1"})
              for n in range(6)]
    for _ in range(300):  # until the first hash has started
        if seen:
            break
        eventlet.sleep(0.01)
    assert client.get("/health").status_code == 200
    health_answered.set()
    assert [login.wait().status_code for login in logins] == [200] * 6
    threads = [entry for entry in seen if entry[0] != "answered while hashing"]
    assert len(threads) == 6 and all(ident != loop_thread for ident, _ in threads)  # real threads, not the loop
    assert max(at_once for _, at_once in threads) <= 4  # PASSWORD_HASH_THREADS bounds them
    assert ("answered while hashing", False) not in seen


ENDINGS = {
    "disable": lambda store, user: store.disable(user.id, "root"),
    "delete": lambda store, user: store.delete_user(user.id, "root"),
    "set_password": lambda store, user: store.set_password(user.username, "a-fresh-passphrase", "root"),
    "logout": lambda store, user: store.logout(user.username),
}


@pytest.mark.parametrize("action", ENDINGS)
def test_disabling_deleting_a_new_password_and_logging_out_end_the_users_tokens_on_every_replica(accounts, action):
    clock = Clock()
    here, there = (Tokens(SECRET, 8 * 3600, standing=accounts.standing, recheck_seconds=2, clock=clock)
                   for _ in range(2))
    accounts.ended.append(here.forget)
    user = accounts.create_user("leaving", "farewell-pass-1", ["leader"], actor="root")
    token = here.issue(user)["access_token"]
    assert here.caller(token).name == there.caller(token).name == "leaving"  # both remember the verified token
    ENDINGS[action](accounts, user)
    with pytest.raises(Unauthorized):  # at once on the replica where it happened
        here.caller(token)
    clock.now += 2.01  # the other replica's copy of the standing is that old at most
    with pytest.raises(Unauthorized):
        there.caller(token)
    entries, _ = accounts.list_audit_entries({"limit": 10, "offset": 0, "entity_id": str(user.id)})
    assert [(e.action, e.actor) for e in entries] == [(action, "leaving" if action == "logout" else "root"),
                                                      ("create", "root")]
    assert "a-fresh-passphrase" not in str([e.changes for e in entries])
    if action in ("set_password", "logout"):  # logging in again gives a token that holds
        password = "a-fresh-passphrase" if action == "set_password" else "farewell-pass-1"
        assert here.caller(here.issue(accounts.login("leaving", password))["access_token"]).name == "leaving"


def test_neither_enabling_again_nor_a_new_user_of_the_same_name_revives_an_ended_token(accounts):
    tokens = Tokens(SECRET, 3600, standing=accounts.standing, recheck_seconds=0.001)
    user = accounts.create_user("again", "second-go-pass", ["leader"])
    token = tokens.issue(user)["access_token"]
    accounts.disable(user.id, "root")
    accounts.enable(user.id, "root")
    time.sleep(0.01)
    with pytest.raises(Unauthorized):
        tokens.caller(token)
    accounts.delete_user(user.id, "root")
    accounts.create_user("again", "second-go-pass", ["leader"])
    time.sleep(0.01)
    with pytest.raises(Unauthorized):
        tokens.caller(token)
    with pytest.raises(Unauthorized):  # a disabled user cannot log in either, and is told what anyone is told
        accounts.disable("again", "root") and accounts.login("again", "second-go-pass")
    with pytest.raises(Unauthorized, match="^wrong username or password$"):
        accounts.login("again", "second-go-pass")


def test_enabling_an_active_user_ends_none_of_their_sessions(accounts):
    """Enabling ends nothing (a disabled user's tokens were ended when it was disabled): an
    admin pressing 启用 on an active account does not log its user out."""
    tokens = Tokens(SECRET, 3600, standing=accounts.standing, recheck_seconds=0.001)
    user = accounts.create_user("still", "county-leader-pass", ["leader"])
    token = tokens.issue(user)["access_token"]
    accounts.enable(user.id, "root")
    time.sleep(0.01)
    assert tokens.caller(token).name == "still"


def test_an_admin_cannot_disable_or_delete_their_own_account(accounts):
    accounts.create_user("root", "chief-pass-123", list(ADMIN_ROLES))
    for end in (accounts.disable, accounts.delete_user):
        with pytest.raises(Conflict):
            end("root", "root")
    assert accounts.login("root", "chief-pass-123").active


@pytest.mark.parametrize("password, reasons", [
    ("aaaaaaaaaa", ["one_character"]),
    ("dora", ["too_short", "contains_username"]),
    ("DoraDoraDora", ["contains_username"]),
    ("short-pw", ["too_short"]),
    ("password123!", ["common"]),
    ("1qaz2wsx3edc", ["common"]),
    ("Qwertyuiop", ["common"]),
    ("woaini1314520", ["common"]),
    ("correct horse battery", []),
])
def test_the_password_policy(password, reasons):
    assert auth.weak_password_reasons("dora", password, 10) == reasons


def test_weak_passwords_are_refused_on_creation_and_change_naming_the_rule_and_field(accounts):
    with pytest.raises(RuleViolation) as weak:
        accounts.create_user("dora", "aaaaaaaaaa", ["dispatcher"])
    assert weak.value.rule == "auth.weak_password" and list(weak.value.errors) == ["password"]
    with pytest.raises(RuleViolation) as weak:
        accounts.create_user("dora", "dora", ["dispatcher"], language="zh-CN")
    assert weak.value.errors["password"] == ["密码至少 10 个字符", "密码不能包含用户名"]
    assert accounts.list_users(10, 0)[1] == 0  # nothing half-written
    accounts.create_user("dora", "dispatch-pass-1", ["dispatcher"])
    for change in (lambda: accounts.set_password("dora", "dora-dora-dora", "root"),
                   lambda: accounts.change_own_password("dora", "dispatch-pass-1", "password2024")):
        with pytest.raises(RuleViolation):
            change()
    assert accounts.login("dora", "dispatch-pass-1")  # the old password still holds


def _gateway(tmp_path):
    from gateway.app import Gateway

    url = f"sqlite:///{tmp_path}/gw.db"
    upgrade("gateway", url)
    store = Accounts(sessionmaker(make_engine(url), expire_on_commit=False))
    store.create_user("root", "chief-pass-123", list(ADMIN_ROLES))
    return store, Client(Gateway(rpc=None, accounts=store, tokens=Tokens(SECRET, 3600)))


def _bearer(client, username, password):
    token = client.post("/api/v1/auth/token", json={"username": username, "password": password}).get_json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_the_api_disables_enables_deletes_and_sets_passwords_and_ends_sessions(tmp_path):
    store, client = _gateway(tmp_path)
    admin = _bearer(client, "root", "chief-pass-123")
    weak = client.post("/api/v1/users", headers={**admin, "Accept-Language": "zh-CN"},
                       json={"username": "dora", "password": "aaaaaaaaaa", "roles": ["dispatcher"]})
    assert weak.status_code == 422 and weak.get_json()["rule"] == "auth.weak_password"
    assert weak.get_json()["errors"] == {"password": ["密码不能由同一个字符重复组成"]}
    dora = client.post("/api/v1/users", headers=admin,
                       json={"username": "dora", "password": "dispatch-pass-1", "roles": ["dispatcher"]}).get_json()
    theirs = _bearer(client, "dora", "dispatch-pass-1")
    assert client.get("/api/v1/auth/me", headers=theirs).status_code == 200
    disabled = client.post(f"/api/v1/users/{dora['id']}/disable", headers=admin)
    assert disabled.status_code == 200 and disabled.get_json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=theirs).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "dora", "password": "dispatch-pass-1"}).status_code == 401
    assert client.post(f"/api/v1/users/{dora['id']}/enable", headers=admin).get_json()["active"] is True
    theirs = _bearer(client, "dora", "dispatch-pass-1")
    assert client.post("/api/v1/auth/password", headers=theirs,
                       json={"current_password": "dispatch-pass-1", "password": "new-dispatch-pass"}).status_code == 204
    assert client.get("/api/v1/auth/me", headers=theirs).status_code == 401
    theirs = _bearer(client, "dora", "new-dispatch-pass")
    assert client.post("/api/v1/auth/logout", headers=theirs).status_code == 204
    assert client.get("/api/v1/auth/me", headers=theirs).status_code == 401
    theirs = _bearer(client, "dora", "new-dispatch-pass")
    assert client.post(f"/api/v1/users/{dora['id']}/password", headers=admin,
                       json={"password": "set-by-the-admin"}).status_code == 200
    assert client.get("/api/v1/auth/me", headers=theirs).status_code == 401
    theirs = _bearer(client, "dora", "set-by-the-admin")
    assert client.delete(f"/api/v1/users/{dora['id']}", headers=admin).status_code == 200
    assert client.get("/api/v1/auth/me", headers=theirs).status_code == 401
    trail = client.get("/api/v1/audit-entries?service=gateway", headers=admin).get_json()
    actions = [entry["action"] for entry in trail["items"]]
    assert [action for action in actions if not action.startswith("login")] == [
        "delete", "set_password", "logout", "set_password", "enable", "disable", "create", "create"]
    assert actions.count("login") == 6 and actions.count("login_failed") == 1  # the disabled user's attempt


def test_the_cli_refuses_weak_passwords_and_disables_enables_and_deletes_users(tmp_path, monkeypatch, capsys):
    from gateway import cli

    url = f"sqlite:///{tmp_path}/cli.db"
    upgrade("gateway", url)
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    assert cli.main(["create-user", "dora", "--role", "leader", "--password", "dora12345678"]) == 1
    assert "must not contain the username" in capsys.readouterr().err
    assert cli.main(["create-user", "dora", "--role", "leader", "--password", "good-pass-word"]) == 0
    store = cli.accounts()
    standing = store.standing("dora")
    assert cli.main(["disable-user", "dora"]) == 0 and store.standing("dora") is None
    assert cli.main(["enable-user", "dora"]) == 0 and store.standing("dora") not in (None, standing)
    assert cli.main(["delete-user", "dora"]) == 0 and store.standing("dora") is None
    entries, _ = store.list_audit_entries({"limit": 10, "offset": 0, "actor": "cli"})
    assert [e.action for e in entries] == ["delete", "enable", "disable", "create"]


def test_the_password_hash_cost_is_argon2s_default_unless_the_environment_sets_it(monkeypatch):
    assert auth.password_hasher(auth.HashCost()).hash("x").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    for name, value in (("TIME_COST", "2"), ("MEMORY_KIB", "16384"), ("PARALLELISM", "2")):
        monkeypatch.setenv(f"PASSWORD_HASH_{name}", value)
    stored = auth.password_hasher().hash("correct horse")
    assert stored.startswith("$argon2id$v=19$m=16384,t=2,p=2$")
    assert auth._hasher.verify(stored, "correct horse")  # a hash keeps its cost: either verifies the other's


def test_a_user_request_is_503_never_500_while_the_gateways_database_is_down(accounts):
    from sqlalchemy import create_engine

    from gateway.app import Gateway

    user = accounts.create_user("dora", "dispatch-pass-1", ["dispatcher"])
    token = Tokens(SECRET, 60).issue(user)["access_token"]
    down = Accounts(sessionmaker(create_engine("postgresql+psycopg://gateway@127.0.0.1:1/gateway",
                                               connect_args={"connect_timeout": 2})))
    client = Client(Gateway(rpc=None, accounts=down, tokens=Tokens(SECRET, 60)))
    response = client.get("/api/v1/vehicles", headers={"Authorization": f"Bearer {token}",
                                                      "Accept-Language": "zh-CN"})
    assert response.status_code == 503 and response.headers["Content-Type"] == "application/problem+json"
    assert "postgresql" not in response.get_data(as_text=True) and "127.0.0.1" not in response.get_data(as_text=True)


def test_ensure_admin_with_a_weak_admin_password_says_so_in_one_line_and_fails(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    environ = {key: value for key, value in os.environ.items() if not key.endswith("DATABASE_URL")}
    environ.update(VAR_DIR=str(tmp_path), ADMIN_PASSWORD="aaaaaaaaaa", PYTHONPATH=str(root), PYTHONWARNINGS="ignore")
    upgrade("gateway", f"sqlite:///{tmp_path}/gateway.db")
    done = subprocess.run([sys.executable, "-m", "gateway.cli", "ensure-admin"], env=environ, cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "ADMIN_PASSWORD does not meet the password policy" in done.stderr
    assert "must not be one character repeated" in done.stderr
    assert "aaaaaaaaaa" not in done.stderr + done.stdout


def test_a_repair_is_assigned_only_to_an_active_user_with_the_technician_role(accounts):
    from gateway.app import Gateway

    class Facilities:
        calls = []

        def call(self, service, method, *args, context=None, **kwargs):
            self.calls.append((service, method, args))
            return {"id": args[0], "technician": args[1]["technician"]}

    manager = accounts.create_user("fiona", "manage-pass-1", ["facility_manager"])
    accounts.create_user("tim", "repair-pass-1", ["technician"])
    accounts.create_user("dora", "dispatch-pass-1", ["dispatcher"])
    gone = accounts.create_user("old-tech", "repair-pass-2", ["technician"])
    accounts.disable(gone.id, "root")
    tokens = Tokens(SECRET, 60)
    rpc = Facilities()
    client = Client(Gateway(rpc=rpc, accounts=accounts, tokens=tokens))
    headers = {"Authorization": f"Bearer {tokens.issue(manager)['access_token']}", "Accept-Language": "zh-CN"}
    for name in ("nobody", "dora", "old-tech"):
        response = client.post("/api/v1/repairs/7/assign", json={"technician": name}, headers=headers)
        assert response.status_code == 422, name
        body = response.get_json()
        assert body["rule"] == "facilities.unknown_technician" and body["errors"]["technician"] == ["不是在用的维修技工账号"]
    assert rpc.calls == []
    response = client.post("/api/v1/repairs/7/assign", json={"technician": "tim"}, headers=headers)
    assert response.status_code == 200 and rpc.calls == [("facilities", "assign_repair", (7, {"technician": "tim"}))]


def test_passwords_are_hashed_at_a_lower_priority_than_the_event_loop():
    """A hash thread (and Argon2's threads, started from it) runs niced, so the loop that answers
    /health is not left a small share of the CPU while logins hash (issue 16, item 3)."""
    import os
    import threading

    own = os.getpriority(os.PRIO_PROCESS, 0)
    in_pool = auth._off_the_loop(lambda: (threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
    assert in_pool[0] != threading.get_native_id()
    assert in_pool[1] == min(19, own + auth.HASH_NICENESS) > own
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own  # the loop's own thread is untouched
