"""`make bench`: every figure of the suite's performance beside its comparison, in one run.

- gateway reads (GET /api/v1/vehicles/{id}) and writes (POST /api/v1/fuel-transactions,
  which also emits ``fuel_recorded``), each one RPC, at concurrency 32 and sequentially,
  beside the floor: a bare request/reply round trip on the same broker, same concurrency
- events end to end through the outbox (vehicles -> energy) at a sustained rate, with
  the count lost
- two replicas of the vehicles service beside one
- county-scale data (``county``): ten years of a county, at full size and at one tenth, each in
  databases of its own: the answers behind dispatching, repairs, energy and the annual report,
  sequentially through the gateway, with the growth from one size to the other beside the data's
- hostile requests (``hostile``, bench/hostile.py): the gateway's memory under a flood of odd
  methods, its /health during logins and while a hostile .xlsx is imported

It makes its own RabbitMQ vhost and its own databases (PostgreSQL when one answers,
else SQLite files), starts and stops its own processes and removes what it made.

    BENCH_SECONDS=5 BENCH_CONCURRENCY=32 BENCH_EVENT_RATE=1000 make bench
    BENCH_DATABASE=sqlite make bench      (SQLite even when PostgreSQL answers)
    BENCH_DATABASE=postgresql://user@host:5432/postgres make bench
    BENCH_ONLY=read,write,events,replicas,county,hostile make bench   (a subset)
    BENCH_COUNTY_REPEATS=20 BENCH_COUNTY_SECONDS=30 BENCH_ONLY=county make bench
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from services.kit.config import amqp_uri, env, env_float, env_int  # noqa: E402
from tests import support  # noqa: E402
from tests.support import free_port  # noqa: E402,F401  (the benches take their ports as the tests do)

VEHICLES = 500
OWNERS = ("vehicles", "energy", "gateway")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"




class Vhost:
    """A vhost of our own on the shared broker, made and removed as the tests make theirs
    (``tests.support.create_vhost``: the management API, else rabbitmqctl)."""

    def __init__(self, base_uri: str):
        parts = urlsplit(base_uri)
        self.name = f"bench-{uuid.uuid4().hex[:8]}"
        self.user = parts.username or "guest"
        self.auth = (self.user, parts.password or "guest")
        self.api = env("BENCH_RABBIT_API", f"http://{parts.hostname or '127.0.0.1'}:15672")
        self.uri = urlunsplit(parts._replace(path="/" + quote(self.name, safe="")))
        self.via = None

    def __enter__(self):
        self.via = support.create_vhost(self.name, self.api, self.auth, self.user)
        if self.via is None:
            raise RuntimeError("no way to make a vhost: neither the management API nor rabbitmqctl answers")
        return self

    def __exit__(self, *exc):
        support.remove_vhost(self.name, self.via, self.api, self.auth)


class Databases:
    """One database per owner: on PostgreSQL when it answers, else SQLite files. Made and dropped
    by the tests' own ``tests.support.Databases``."""

    def __init__(self, var: Path, owners=OWNERS):
        self.var, self.owners = var, owners
        self.base = env("BENCH_DATABASE", DEFAULT_POSTGRES)
        self.urls: dict[str, str] = {}
        self.backend = "SQLite"
        self._made = None

    def __enter__(self):
        postgres = None
        if self.base.startswith("postgres"):
            try:
                import psycopg

                with psycopg.connect(self.base, autocommit=True, connect_timeout=3) as conn:
                    self.backend = "PostgreSQL " + conn.info.parameter_status("server_version").split()[0]
                postgres = self.base
            except Exception as exc:
                print(f"PostgreSQL at {self.base.split('@')[-1]} not usable ({type(exc).__name__}): SQLite instead")
                self.backend = "SQLite"
        self._made = support.Databases(support.Backends("memory://", postgres), self.var)
        self.urls = {owner: self._made.new_url(owner) for owner in self.owners}
        return self

    def __exit__(self, *exc):
        if self._made is not None:
            self._made.drop_all()


def seed(urls: dict) -> tuple[list[int], int]:
    from sqlalchemy import select
    from sqlalchemy.orm import sessionmaker

    from gateway.auth import Accounts
    from services.kit.db import make_engine
    from services.kit.migrate import upgrade
    from services.vehicles.domain import vin_check_digit
    from services.vehicles.models import Vehicle, Vendor

    for owner, url in urls.items():
        upgrade(owner, url)
    gateway_engine = make_engine(urls["gateway"])
    Accounts(sessionmaker(gateway_engine, expire_on_commit=False)).create_user("bench", "suite-dispatch-pass", ["dispatcher"])
    gateway_engine.dispose()
    engine = make_engine(urls["vehicles"])
    with sessionmaker(engine).begin() as session:
        for n in range(VEHICLES):
            body = f"LSVAU2180N{n:07d}"
            vin = body[:8] + vin_check_digit(body[:8] + "0" + body[9:]) + body[9:]
            session.add(Vehicle(plate=f"浙A{n:05d}", vin=vin, make="红旗", model="H5", category="sedan", seats=5,
                                fuel_type="gasoline", unit_code=f"U{n % 40:03d}"))
        vendor = Vendor(name="County fuel station", kind="fuel", designated=True)
        session.add(vendor)
        session.flush()
        vendor_id = vendor.id
    with sessionmaker(engine)() as session:
        ids = list(session.scalars(select(Vehicle.id).order_by(Vehicle.id)))
    engine.dispose()
    return ids, vendor_id


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def load(*args) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "load.py"), *map(str, args)],
                         capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if out.returncode:
        raise SystemExit(f"load {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def row(name, result):
    return (f"{name:<40} {result['per_second']:>9.1f} {result['p50_ms']:>9.2f} {result['p99_ms']:>9.2f} "
            f"{result['requests']:>8d} {result['errors']:>6d}")


def cpu_line(result) -> str:
    """Where a request's CPU went, by process (the broker and PostgreSQL serve the whole machine)."""
    parts = {name: ms for name, ms in result.get("cpu_ms_per_request", {}).items() if ms >= 0.005}
    shown = ", ".join(f"{name} {ms:.2f}" for name, ms in sorted(parts.items(), key=lambda item: -item[1]))
    return f"  CPU ms per request: {shown}; total {sum(parts.values()):.2f}"


def budget_line(floor) -> str:
    goal = floor["per_second"] / 2
    return (f"  at half the floor ({goal:.0f} req/s) {os.cpu_count()} cores allow "
            f"{os.cpu_count() * 1000 / goal:.2f} CPU ms per request, all processes together")


def compare(gateway, floor):
    return (f"{'  ratio to the floor':<40} {gateway['per_second'] / floor['per_second']:>9.2f}"
            f" {gateway['p50_ms'] / floor['p50_ms']:>8.2f}x {gateway['p99_ms'] / floor['p99_ms']:>8.2f}x")


class Stack:
    def __init__(self, environ: dict):
        self.environ = environ
        self.parts: list[subprocess.Popen] = []

    def start(self, *argv, **extra_env) -> subprocess.Popen:
        part = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env={**self.environ, **extra_env},
                                stdout=subprocess.DEVNULL)
        self.parts.append(part)
        return part

    def stop(self) -> None:
        for part in self.parts:
            part.terminate()
        for part in self.parts:
            try:
                part.wait(timeout=30)
            except subprocess.TimeoutExpired:
                part.kill()


def measure(only: set[str]) -> int:
    from services.kit.health import broker_reachable

    try:
        broker_reachable(amqp_uri())
    except Exception:
        print(f"No RabbitMQ at {amqp_uri().split('@')[-1]}: the benchmark measures against a real broker. Set AMQP_URI.")
        return 1
    seconds = env_float("BENCH_SECONDS", 5.0)
    concurrency = env_int("BENCH_CONCURRENCY", 32)
    event_rate = env_float("BENCH_EVENT_RATE", 1000.0)
    event_seconds = env_float("BENCH_EVENT_SECONDS", 10.0)
    var = Path(tempfile.mkdtemp(prefix="bench-"))
    lines = []
    with Vhost(amqp_uri()) as vhost, Databases(var) as databases:
        urls = databases.urls
        ids, vendor_id = seed(urls)
        gateway_port, vehicles_port, energy_port = free_port(), free_port(), free_port()
        stack = Stack(dict(
            os.environ, PYTHONPATH=str(ROOT), VAR_DIR=str(var), AMQP_URI=vhost.uri,
            LOG_LEVEL=env("BENCH_LOG_LEVEL", "WARNING"), GATEWAY_PORT=str(gateway_port),
            VEHICLES_PORT=str(vehicles_port), ENERGY_PORT=str(energy_port), GATEWAY_OPS_PORT=str(free_port()),
            **{f"{owner.upper()}_DATABASE_URL": url for owner, url in urls.items()},
        ))
        try:
            vehicles = stack.start("-m", "services.vehicles")
            stack.start("-m", "services.energy")
            gateway_process = stack.start("-m", "gateway")
            echo = stack.start(str(ROOT / "bench" / "echo_server.py"), vhost.uri)
            # the processes whose CPU per request each figure accounts for (bench/load.py)
            os.environ["BENCH_WATCH"] = f"gateway:{gateway_process.pid},vehicles:{vehicles.pid},echo server:{echo.pid}"
            wait_for(f"http://127.0.0.1:{vehicles_port}/ready")
            wait_for(f"http://127.0.0.1:{energy_port}/ready")
            wait_for(f"http://127.0.0.1:{gateway_port}/health")
            token = requests.post(f"http://127.0.0.1:{gateway_port}/api/v1/auth/token", timeout=10,
                                  json={"username": "bench", "password": "suite-dispatch-pass"}).json()["access_token"]
            sample = ",".join(str(i) for i in ids[:: max(1, len(ids) // 100)])
            gateway = ("127.0.0.1", gateway_port, token, sample)
            os.environ["AMQP_URI"] = vhost.uri  # for the load processes
            results = {}
            for c in (concurrency, 1):
                results[c] = {"floor": load("floor", c, seconds, vhost.uri)}
                if "read" in only:
                    results[c]["read"] = load("http", c, seconds, *gateway)
                if "write" in only:
                    results[c]["write"] = load("post", c, seconds, *gateway, vendor_id)
            if "events" in only:
                results["events"] = load("events", urls["vehicles"], event_rate, event_seconds, urls["energy"],
                                         "energy.on_fuel_recorded")
            if "replicas" in only:
                results["one replica"] = load("http", concurrency, seconds, *gateway)
                second = stack.start("-m", "services.vehicles", VEHICLES_PORT=str(free_port()))
                os.environ["BENCH_WATCH"] += f",vehicles:{second.pid}"
                time.sleep(3)  # the second replica's consumer is up once its health answers; give it a moment
                results["two replicas"] = load("http", concurrency, seconds, *gateway)
        finally:
            stack.stop()
            shutil.rmtree(var, ignore_errors=True)

    lines.append(f"\nBackend: {databases.backend}; broker: RabbitMQ vhost of its own; {seconds:g} s per figure, "
                 f"after a warm-up; machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    lines.append(f"{'':<40} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'requests':>8} {'errors':>6}")
    for c in (concurrency, 1):
        floor = results[c]["floor"]
        lines.append(row(f"floor: bare request/reply, c={c}", floor))
        lines.append(cpu_line(floor))
        if c == concurrency:
            lines.append(budget_line(floor))
        for kind, title in (("read", "GET /vehicles/{id}"), ("write", "POST /fuel-transactions")):
            if kind in results[c]:
                lines.append(row(f"gateway {title}, c={c}", results[c][kind]))
                lines.append(compare(results[c][kind], floor))
                lines.append(cpu_line(results[c][kind]))
    if "events" in results:
        e = results["events"]
        lines.append(f"\nEvents fuel_recorded, vehicles outbox -> energy handler, target {e['target_per_second']:g}/s "
                     f"for {e['seconds']:g} s (goal: 1,000/s, none lost)")
        lines.append(f"  published {e['published']} ({e['published_per_second']:.1f}/s), handled {e['handled']} "
                     f"({e['handled_per_second']:.1f}/s), still queued {e['queued']}, lost {e['lost']}, publish failures {e['publish_failures']}; "
                     f"commit to handled p50 {e['p50_ms']:.1f} ms p99 {e['p99_ms']:.1f} ms")
    if "two replicas" in results:
        one, two = results["one replica"], results["two replicas"]
        lines.append(f"\nScale-out: the vehicles service, GET at c={concurrency}")
        lines.append(row("one replica", one))
        lines.append(cpu_line(one))
        lines.append(row("two replicas", two))
        lines.append(cpu_line(two))
        lines.append(f"{'  two / one':<40} {two['per_second'] / one['per_second']:>9.2f}"
                     f" {two['p50_ms'] / one['p50_ms']:>8.2f}x {two['p99_ms'] / one['p99_ms']:>8.2f}x")
    print("\n".join(lines))
    return 0


def main() -> int:
    only = set(env("BENCH_ONLY", "read,write,events,replicas,county,hostile").split(","))
    status = measure(only) if only & {"read", "write", "events", "replicas"} else 0
    if "county" in only and not status:
        from county import county_section  # bench/county.py, beside this file

        status = county_section()
    if "hostile" in only and not status:
        from hostile import hostile_section  # bench/hostile.py

        status = hostile_section()
    return status


if __name__ == "__main__":
    sys.exit(main())
