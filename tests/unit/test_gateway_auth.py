import time
from datetime import timedelta

import jwt
import pytest
from sqlalchemy.orm import sessionmaker

from gateway.auth import JWT_AUDIENCE, JWT_ISSUER, Accounts, Tokens, Unauthorized, hash_password, verify_password
from gateway.models import ApiKey
from services.kit.db import make_engine, utcnow
from services.kit.errors import Conflict, Invalid
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
    user = accounts.create_user("clerk", "clerk-pass-12", ["unit_user"], "U7")
    issued = Tokens(SECRET, 60).issue(user)
    assert issued["token_type"] == "bearer" and issued["expires_in"] == 60
    caller = Tokens(SECRET, 60).caller(issued["access_token"])
    assert (caller.name, caller.roles, caller.unit_code) == ("clerk", ("unit_user",), "U7")



def test_a_verified_token_is_remembered_until_it_expires_and_not_a_moment_longer(accounts, monkeypatch):
    user = accounts.create_user("quick", "quick-pass-12", ["leader"])
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
    claims = {"sub": "mallory", "roles": ["admin"], "iat": now, "exp": now + timedelta(minutes=5),
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


def test_an_account_locks_after_repeated_failures_even_for_the_right_password(tmp_path):
    from gateway.auth import LoginPolicy, TooManyAttempts

    url = f"sqlite:///{tmp_path}/lock.db"
    upgrade("gateway", url)
    store = Accounts(sessionmaker(make_engine(url), expire_on_commit=False), LoginPolicy(max_failures=3, lockout_seconds=60))
    store.create_user("vic", "right-password-1", ["leader"])
    store.login("vic", "right-password-1")
    for _ in range(2):
        with pytest.raises(Unauthorized):
            store.login("vic", "wrong")
    store.login("vic", "right-password-1")  # a success resets the count
    for _ in range(3):
        with pytest.raises(Unauthorized):
            store.login("vic", "wrong")
    with pytest.raises(TooManyAttempts) as locked:
        store.login("vic", "right-password-1")
    assert 0 < locked.value.retry_after <= 61


def test_the_login_window_limits_one_address():
    from gateway.ratelimit import SlidingWindow

    now = [0.0]
    window = SlidingWindow(limit=3, seconds=60, clock=lambda: now[0])
    assert [window.allow("1.2.3.4") for _ in range(3)] == [0, 0, 0]
    assert window.allow("1.2.3.4") == 60
    assert window.allow("5.6.7.8") == 0
    now[0] = 60.5
    assert window.allow("1.2.3.4") == 0
