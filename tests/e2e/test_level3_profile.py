"""The level-3 security profile end to end (docs/security.md): the suite started as deploy/ starts
it (SECURITY_PROFILE=level3, its three first administrators from the environment), in one process
on the in-memory transport: a password alone refused for an administrator, the three unable to act
as one another, and a session ended after a short configured idle timeout. The rest of the e2e
tier runs under basic (tests/stack.py)."""
import os
import subprocess
import sys
import time

import pyotp
import pytest
import requests

from services.kit.config import DEFAULT_PORTS, ROOT, SERVICES
from tests.support import eventually, free_port

pytestmark = pytest.mark.e2e

PASSWORDS = {"SYSTEM_ADMIN": "level3-system-pass", "SECURITY_ADMIN": "level3-security-pass",
             "AUDIT_ADMIN": "level3-audit-pass"}
SECRETS = {prefix: pyotp.random_base32() for prefix in PASSWORDS}
NAMES = {"SYSTEM_ADMIN": "sysadmin", "SECURITY_ADMIN": "secadmin", "AUDIT_ADMIN": "auditadmin"}
IDLE_SECONDS = 10


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    var = tmp_path_factory.mktemp("level3")
    ports = {owner: free_port() for owner in DEFAULT_PORTS}
    env = dict(os.environ, VAR_DIR=str(var), PYTHONPATH=str(ROOT), LOG_FORMAT="text", SECURITY_PROFILE="level3",
               SESSION_IDLE_TIMEOUT_SECONDS=str(IDLE_SECONDS), SESSION_RECHECK_SECONDS="0.5",
               **{f"{owner.upper()}_PORT": str(port) for owner, port in ports.items()},
               **{f"{prefix}_PASSWORD": password for prefix, password in PASSWORDS.items()},
               **{f"{prefix}_TOTP_SECRET": secret for prefix, secret in SECRETS.items()})
    for owner in ("gateway",) + SERVICES:
        env.pop(f"{owner.upper()}_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "services.kit.migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    created = subprocess.run([sys.executable, "-m", "gateway.cli", "ensure-admin"], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True)
    log = open(var / "suite.log", "w")
    process = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "all_in_one.py")], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{ports['gateway']}"

    def healthy():
        try:
            return requests.get(f"{base}/health/services", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    try:
        try:
            eventually(healthy, timeout=180)
        except AssertionError:
            raise AssertionError((var / "suite.log").read_text()[-3000:]) from None
        yield base, created.stdout, var / "suite.log"
    finally:
        process.terminate()
        process.wait(timeout=30)


def log_in(base, prefix, with_code=True):
    body = {"username": NAMES[prefix], "password": PASSWORDS[prefix]}
    if with_code:
        # a code is good once: wait for the next one when this step's was spent by an earlier login
        totp = pyotp.TOTP(SECRETS[prefix])
        body["totp_code"] = totp.now()
        answer = requests.post(f"{base}/api/v1/auth/token", json=body, timeout=10)
        if answer.status_code == 401 and answer.json().get("rule") == "auth.totp_invalid":
            time.sleep(30 - time.time() % 30 + 0.5)
            body["totp_code"] = totp.now()
            answer = requests.post(f"{base}/api/v1/auth/token", json=body, timeout=10)
        return answer
    return requests.post(f"{base}/api/v1/auth/token", json=body, timeout=10)


def test_the_first_administrators_come_from_the_environment_and_need_their_code(suite):
    base, created, log = suite
    assert all(NAMES[prefix] in created for prefix in NAMES)
    assert not any(secret in created for secret in SECRETS.values())  # given ones are not printed
    for prefix in NAMES:
        alone = log_in(base, prefix, with_code=False)
        assert alone.status_code == 401 and alone.json()["rule"] == "auth.totp_required", alone.text
    assert "NOT a graded" not in log.read_text()


def test_the_three_administrators_cannot_act_as_one_another_and_sessions_end_when_idle(suite):
    base, _, _ = suite

    def bearer(prefix):
        answer = log_in(base, prefix)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    trail = f"{base}/api/v1/audit-entries?service=gateway"
    # each one's checks right after its login (a login takes seconds here: a real Argon2 hash)
    system = bearer("SYSTEM_ADMIN")
    assert requests.get(trail, headers=system, timeout=10).status_code == 403
    assert requests.get(f"{base}/api/v1/api-keys", headers=system, timeout=10).status_code == 403
    system_last_used = time.monotonic()
    security = bearer("SECURITY_ADMIN")
    assert requests.get(trail, headers=security, timeout=10).status_code == 403
    assert requests.get(f"{base}/api/v1/api-keys", headers=security, timeout=10).status_code == 200
    audit = bearer("AUDIT_ADMIN")
    assert requests.post(f"{base}/api/v1/users", headers=audit, timeout=10,
                         json={"username": "x1", "password": "some-long-pass-1", "roles": ["leader"]}).status_code == 403
    read = requests.get(trail, headers=audit, timeout=10)
    assert read.status_code == 200 and {"login", "create"} <= {entry["action"] for entry in read.json()["items"]}
    # the system administrator's token, left unused past the idle timeout, ends; the auditor's, used, holds
    while time.monotonic() - system_last_used < IDLE_SECONDS + 2:
        assert requests.get(f"{base}/api/v1/auth/me", headers=audit, timeout=10).status_code == 200
        time.sleep(1)
    ended = requests.get(f"{base}/api/v1/auth/me", headers=system, timeout=10)
    assert ended.status_code == 401
    entries = eventually(lambda: [entry for entry in requests.get(
        f"{trail}&action=session_idle_expired", headers=audit, timeout=10).json()["items"]])
    assert entries[0]["actor"] == "sysadmin"
