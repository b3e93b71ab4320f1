"""`make bench`: a gateway GET that makes one RPC and one indexed read, beside the
floor (a bare request/reply round trip on the same broker), at the same concurrency,
in the same run. Prints requests/s, p50 and p99 for both, and the ratio.

    BENCH_SECONDS=10 BENCH_CONCURRENCY=32 make bench
    BENCH_DATABASE=postgresql://postgres@127.0.0.1:5432/postgres make bench   (PostgreSQL instead of SQLite)
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from services.kit.config import amqp_uri, env, env_float, env_int  # noqa: E402

VEHICLES = 500


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_urls(var: Path) -> dict:
    base = env("BENCH_DATABASE", "")
    if not base:
        return {owner: f"sqlite:///{var}/{owner}.db" for owner in ("vehicles", "gateway")}
    import psycopg

    urls = {}
    with psycopg.connect(base, autocommit=True) as conn:
        for owner in ("vehicles", "gateway"):
            name = f"bench_{owner}_{uuid.uuid4().hex[:6]}"
            conn.execute(f'CREATE DATABASE "{name}"')
            urls[owner] = base.rsplit("/", 1)[0] + "/" + name
    return urls


def seed(urls: dict) -> list[int]:
    from sqlalchemy.orm import sessionmaker

    from gateway.auth import Accounts
    from services.kit.db import make_engine
    from services.kit.migrate import upgrade
    from services.vehicles.domain import vin_check_digit
    from services.vehicles.models import Vehicle

    for owner, url in urls.items():
        upgrade(owner, url)
    Accounts(sessionmaker(make_engine(urls["gateway"]), expire_on_commit=False)).create_user(
        "bench", "bench-password", ["dispatcher"])
    engine = make_engine(urls["vehicles"])
    with sessionmaker(engine).begin() as session:
        for n in range(VEHICLES):
            body = f"LSVAU2180N{n:07d}"
            vin = body[:8] + vin_check_digit(body[:8] + "0" + body[9:]) + body[9:]
            session.add(Vehicle(plate=f"浙A{n:05d}", vin=vin, make="红旗", model="H5", category="sedan", seats=5,
                                fuel_type="gasoline", unit_code=f"U{n % 40:03d}"))
    with engine.connect() as conn:
        from sqlalchemy import text

        return [row[0] for row in conn.execute(text("SELECT id FROM vehicle ORDER BY id"))]


def wait_for(url: str, seconds: float = 30) -> None:
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
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def row(name, result):
    return (f"{name:<44} {result['per_second']:>9.1f} {result['p50_ms']:>9.2f} {result['p99_ms']:>9.2f} "
            f"{result['requests']:>8d} {result['errors']:>6d}")


def main() -> int:
    from services.kit.health import broker_reachable

    uri = amqp_uri()
    try:
        broker_reachable(uri)
    except Exception:
        print(f"No RabbitMQ at {uri.split('@')[-1]}: the benchmark measures against a real broker. Set AMQP_URI.")
        return 1
    seconds = env_float("BENCH_SECONDS", 10.0)
    concurrency = env_int("BENCH_CONCURRENCY", 32)
    var = Path(tempfile.mkdtemp(prefix="bench-"))
    urls = database_urls(var)
    ids = seed(urls)
    gateway_port, vehicles_port = free_port(), free_port()
    environ = dict(
        os.environ, PYTHONPATH=str(ROOT), VAR_DIR=str(var), AMQP_URI=uri, LOG_LEVEL=env("BENCH_LOG_LEVEL", "WARNING"),
        VEHICLES_DATABASE_URL=urls["vehicles"], GATEWAY_DATABASE_URL=urls["gateway"],
        GATEWAY_PORT=str(gateway_port), VEHICLES_PORT=str(vehicles_port),
    )
    parts = [
        subprocess.Popen([sys.executable, "-m", "services.vehicles"], cwd=ROOT, env=environ),
        subprocess.Popen([sys.executable, "-m", "gateway"], cwd=ROOT, env=environ),
        subprocess.Popen([sys.executable, str(ROOT / "bench" / "echo_server.py"), uri], cwd=ROOT, env=environ,
                         stdout=subprocess.DEVNULL),
    ]
    try:
        wait_for(f"http://127.0.0.1:{vehicles_port}/ready")
        wait_for(f"http://127.0.0.1:{gateway_port}/health")
        token = requests.post(f"http://127.0.0.1:{gateway_port}/api/v1/auth/token",
                              json={"username": "bench", "password": "bench-password"}, timeout=10).json()["access_token"]
        sample = ",".join(str(i) for i in ids[:: max(1, len(ids) // 100)])
        http = ("http", "{c}", seconds, "127.0.0.1", gateway_port, token, sample)
        floor = ("floor", "{c}", seconds, uri)
        results = {}
        for label, c in (("concurrency", concurrency), ("sequential", 1)):
            results[label] = {
                "floor": load(*[c if a == "{c}" else a for a in floor]),
                "gateway": load(*[c if a == "{c}" else a for a in http]),
            }
    finally:
        for part in parts:
            part.terminate()
        for part in parts:
            part.wait(timeout=30)
    database = "PostgreSQL" if env("BENCH_DATABASE", "") else "SQLite"
    print(f"\nGET /api/v1/vehicles/{{id}} (JWT, one RPC, one primary-key read on {database}); {seconds:g} s each")
    print(f"{'':<44} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'requests':>8} {'errors':>6}")
    for label, c in (("concurrency", concurrency), ("sequential", 1)):
        floor, gateway = results[label]["floor"], results[label]["gateway"]
        print(row(f"floor: bare request/reply, c={c}", floor))
        print(row(f"gateway GET, c={c}", gateway))
        print(f"{'  ratio gateway/floor (throughput)':<44} {gateway['per_second'] / floor['per_second']:>9.2f}"
              f"   latency p50 x{gateway['p50_ms'] / floor['p50_ms']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
