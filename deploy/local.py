"""`make run`: migrate, create the first admin, start the suite, stop it on Ctrl-C.

With a RabbitMQ reachable at AMQP_URI every service runs as its own process (the
Procfile beside this file); with none it says so and runs everything in one process
on kombu's in-memory transport (all_in_one.py).
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


def start(entries, environ) -> list[tuple[str, subprocess.Popen]]:
    width = max(len(name) for name, _ in entries)
    children = []
    for index, (name, argv) in enumerate(entries):
        child = subprocess.Popen(
            argv, cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        )
        threading.Thread(target=relay, args=(name, COLOURS[index % len(COLOURS)], child.stdout, width), daemon=True).start()
        children.append((name, child))
    return children


def stop(children, grace: float) -> None:
    for _, child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for name, child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop within {grace:.0f} s: killing it")
            child.kill()


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
    children = start(entries, environ)
    banner(single)
    grace = env_float("SHUTDOWN_GRACE_SECONDS", 20.0) + 5
    stopping = False
    try:
        while True:
            alive = [child for _, child in children if child.poll() is None]
            if not alive:
                break
            for name, child in children:
                if child.poll() is not None and not getattr(child, "reported", False):
                    child.reported = True
                    print(f"{name} exited with code {child.returncode}", flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        stopping = True
    stop(children, grace)
    if not stopping:
        return 1
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
