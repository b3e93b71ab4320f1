"""The whole suite as processes (one per service, as the Procfile says), for the end-to-end
and fault tiers. Without a broker the stack runs in one process on the in-memory transport."""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from services.kit.config import DEFAULT_PORTS, ROOT, SERVICES
from tests.support import Databases, free_port

ADMIN_PASSWORD = "e2e-county-chief-pass"


class Stack:
    def __init__(self, env: dict, log_dir: Path, single_process: bool):
        self.env = env
        self.log_dir = log_dir
        self.single_process = single_process
        self.base = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.commands = self._commands()

    def _commands(self) -> dict[str, list[str]]:
        if self.single_process:
            return {"suite": [sys.executable, str(ROOT / "deploy" / "all_in_one.py")]}
        commands = {}
        for line in (ROOT / "deploy" / "Procfile").read_text().splitlines():
            if line.strip():
                name, command = line.split(":", 1)
                argv = shlex.split(command)
                commands[name.strip()] = [sys.executable if argv[0] == "python" else argv[0], *argv[1:]]
        return commands

    def start(self, name: str) -> None:
        log = open(self.log_dir / f"{name}.log", "a")
        self.processes[name] = subprocess.Popen(self.commands[name], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def stop(self, name: str, sig=signal.SIGTERM) -> None:
        process = self.processes.pop(name)
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @contextmanager
    def stopped(self, name: str, sig=signal.SIGTERM):
        """The part stopped for the block; started again, and the suite healthy, however the block ends:
        a test that stops a part leaves the stack as it found it, whatever runs after it."""
        self.stop(name, sig)
        try:
            yield
        finally:
            self.start(name)
            self.wait_healthy()

    def logs(self) -> str:
        return "".join(path.read_text(errors="replace") for path in self.log_dir.glob("*.log"))

    def url(self, path: str) -> str:
        return self.base + path

    def ops_url(self, path: str) -> str:
        """On the gateway's ops port (its metrics)."""
        return f"http://127.0.0.1:{self.env['GATEWAY_OPS_PORT']}{path}"

    def wait_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = requests.get(self.url("/health/services"), timeout=5)
                if last.status_code == 200:
                    return
            except requests.RequestException as exc:
                last = exc
            time.sleep(0.3)
        raise AssertionError(f"the suite did not become healthy: {getattr(last, 'text', last)}\n{self.logs()[-4000:]}")


@contextmanager
def running_stack(test_backends, var: Path, **overrides):
    """Migrates fresh databases, starts every part, waits until healthy; stops all after."""
    env = dict(
        os.environ, VAR_DIR=str(var), AMQP_URI=test_backends.separate_broker(), ADMIN_USERNAME="admin",
        ADMIN_PASSWORD=ADMIN_PASSWORD, RPC_TIMEOUT="3", HEALTH_RPC_TIMEOUT="1", PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1", LOG_LEVEL="INFO", SHUTDOWN_GRACE_SECONDS="5",
        LOGIN_FREE_FAILURES_PER_ADDRESS="1000",  # every test logs in from 127.0.0.1; the delays have their own tests
        # the tier's one admin token may sit unused longer than 30 min while the browser and fuzz tests run on a
        # loaded machine; the idle timeout has its own tests (tests/unit/test_gateway_identity.py, test_level3_profile)
        SECURITY_PROFILE="basic", SESSION_IDLE_TIMEOUT_SECONDS="0",
    )
    for owner in DEFAULT_PORTS:
        env[f"{owner.upper()}_PORT"] = str(free_port())
    databases = Databases(test_backends, var)
    env.update(overrides)
    if test_backends.postgres_url:
        for owner in ("gateway",) + SERVICES:
            if f"{owner.upper()}_DATABASE_URL" not in overrides:
                env[f"{owner.upper()}_DATABASE_URL"] = databases.new_url(owner)
    for step in (["-m", "services.kit.migrate"], ["-m", "gateway.cli", "ensure-admin"]):
        subprocess.run([sys.executable, *step], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    log_dir = var / "logs"
    log_dir.mkdir(parents=True)
    suite = Stack(env, log_dir, single_process=not test_backends.real_broker)
    print(f"\nstack logs: {log_dir}")
    for name in suite.commands:
        suite.start(name)
    try:
        suite.wait_healthy()
        yield suite
    finally:
        for name in list(suite.processes):
            suite.stop(name)
        databases.drop_all()


def token_for(stack: Stack, username: str, password: str) -> str:
    response = requests.post(stack.url("/api/v1/auth/token"), json={"username": username, "password": password}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
