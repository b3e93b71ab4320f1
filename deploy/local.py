"""`make run`: migrate, create the first admin, start the suite, stop it on Ctrl-C.

With a RabbitMQ reachable at AMQP_URI every service runs as its own process (the
Procfile beside this file); with none it says so and runs everything in one process
on kombu's in-memory transport (all_in_one.py). A part that exits while the suite runs
is started again after a pause that doubles from 1 s to 30 s (back to 1 s once it ran a
minute), and the output says so.
"""
from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.kit.config import SHARED_SECRETS, amqp_uri, env_float, http_address, secret  # noqa: E402

COLOURS = ("36", "32", "33", "35", "34", "31")


def broker_reachable(uri: str) -> bool:
    from kombu import Connection

    try:
        with Connection(uri, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def procfile() -> list[tuple[str, list[str]]]:
    entries = []
    for line in (ROOT / "deploy" / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            argv = shlex.split(command)
            entries.append((name.strip(), [sys.executable if argv[0] == "python" else argv[0], *argv[1:]]))
    return entries


def relay(name: str, colour: str, stream, width: int) -> None:
    tty = sys.stdout.isatty()
    for line in iter(stream.readline, ""):
        label = f"{name:<{width}}"
        sys.stdout.write((f"\033[{colour}m{label}\033[0m | " if tty else f"{label} | ") + line)
        sys.stdout.flush()


@dataclass(frozen=True)
class Backoff:
    """How long a child that exited waits before it is started again: ``first`` seconds,
    doubled at each exit up to ``longest``; a child that ran ``steady`` seconds before it
    exited starts again after ``first`` (as compose's and Kubernetes' restart policies do)."""

    first: float = 1.0
    longest: float = 30.0
    steady: float = 60.0


class Child:
    def __init__(self, name: str, argv: list[str], colour: str):
        self.name, self.argv, self.colour = name, argv, colour
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.delay = 0.0  # the last wait before a restart; 0 until the child first exits
        self.restart_at: float | None = None
        self.restarts = 0


class Supervisor:
    """Starts the children, relays their output, and starts again a child that exits while
    the suite is running (a child that exits is a service down until someone notices)."""

    def __init__(self, entries, environ, backoff: Backoff = Backoff(), out=None, clock=time.monotonic):
        self.environ, self.backoff, self.clock = environ, backoff, clock
        self.out = out or sys.stdout
        self.width = max(len(name) for name, _ in entries)
        self.children = [Child(name, argv, COLOURS[index % len(COLOURS)]) for index, (name, argv) in enumerate(entries)]
        self.stopping = False

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def launch(self, child: Child) -> None:
        child.process = subprocess.Popen(
            child.argv, cwd=ROOT, env=self.environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            bufsize=1,
        )
        child.started_at, child.restart_at = self.clock(), None
        threading.Thread(target=relay, args=(child.name, child.colour, child.process.stdout, self.width),
                         daemon=True).start()

    def start(self) -> None:
        for child in self.children:
            self.launch(child)

    def check(self) -> None:
        """One look at every child: an exit is reported and its restart scheduled; a child
        whose wait is over is started again."""
        if self.stopping:
            return
        now = self.clock()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self.say(f"{child.name}: starting it again (restart {child.restarts})")
                    self.launch(child)
                continue
            code = child.process.poll()
            if code is None:
                continue
            uptime = now - child.started_at
            steady = uptime >= self.backoff.steady or not child.delay
            child.delay = self.backoff.first if steady else min(child.delay * 2, self.backoff.longest)
            child.restart_at = now + child.delay
            self.say(f"{child.name} exited with code {code} after {uptime:.1f} s: restarting it in {child.delay:g} s")

    def stop(self, grace: float) -> None:
        self.stopping = True
        running = [child.process for child in self.children if child.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.children:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} did not stop within {grace:.0f} s: killing it")
                child.process.kill()
                child.process.wait()


def interrupt(_signum, _frame):
    raise KeyboardInterrupt


def banner(single: bool) -> None:
    url = f"http://{http_address('gateway')}"
    print(f"""
  County logistics suite {'(one process, in-memory broker)' if single else '(one process per service)'}
  gateway   {url}
  docs      {url}/docs
  health    {url}/health/services
  metrics   http://{http_address('gateway_ops')}/metrics (and each service's on its own port)
  log in    curl -X POST {url}/api/v1/auth/token -H 'Content-Type: application/json' \\
                 -d '{{"username": "admin", "password": "..."}}'
  stop      Ctrl-C
""", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single-process", action="store_true", help="run everything in one process (in-memory broker)")
    args = parser.parse_args()

    uri = amqp_uri()
    single = args.single_process or uri.startswith("memory")
    if not single and not broker_reachable(uri):
        print(f"No RabbitMQ answers at {uri.split('@')[-1]}: running everything in one process on "
              "kombu's in-memory transport (set AMQP_URI to use a broker).")
        single = True

    from gateway.cli import accounts, ensure_admin
    from services.kit.migrate import OWNERS, upgrade

    for owner in OWNERS:
        upgrade(owner)
    for name in SHARED_SECRETS:
        secret(name)
    ensure_admin(accounts())

    environ = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    environ.setdefault("LOG_FORMAT", "text")  # read by a person here; deployments log JSON
    if single:
        environ["AMQP_URI"] = "memory://"
        entries = [("suite", [sys.executable, str(ROOT / "deploy" / "all_in_one.py")])]
    else:
        entries = procfile()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    signal.signal(signal.SIGTERM, interrupt)
    supervisor = Supervisor(entries, environ)
    supervisor.start()
    banner(single)
    grace = env_float("SHUTDOWN_GRACE_SECONDS", 20.0) + 5
    try:
        while True:
            supervisor.check()
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    supervisor.stop(grace)
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
