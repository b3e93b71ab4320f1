"""The ``county`` section of ``make bench``: county-scale data at two sizes.

For each size (``county-10y-tenth``, then ``county-10y`` of bench/seed.py: ten years of a county,
one tenth of it and all of it) it makes databases and a vhost of its own, migrates, seeds, starts
the services the answers need and the gateway, and times each answer sequentially through the
gateway's HTTP API after a warm-up: the median and the 99th percentile (with 20 samples, the
nearest rank), the full size beside the tenth and the data's growth, and the goal.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from services.kit.config import DEFAULT_PORTS, amqp_uri, env, env_float, env_int
from suite import ROOT, Databases, Stack, Vhost, free_port, wait_for

SIZES = (("tenth", "county-10y-tenth"), ("full", "county-10y"))
SERVICES = ("vehicles", "facilities", "reception", "energy")
YEAR = 2025  # the last year seeded
SHANGHAI = ZoneInfo("Asia/Shanghai")
GOAL_MS = 200.0
REPORT_GOAL_MS = 1000.0
# name, goal of the median; each is called WARM_UP + BENCH_COUNTY_REPEATS times (the report a third as often)
QUERIES = (
    ("dispatch conflict check (POST assign)", GOAL_MS),
    ("vehicle suggestions (GET available)", GOAL_MS),
    ("repair statistics (GET repairs/stats)", GOAL_MS),
    ("energy indicators, county (GET)", GOAL_MS),
    ("energy benchmark ranking (GET)", GOAL_MS),
    ("annual report (GET reports/annual)", REPORT_GOAL_MS),
)
WARM_UP = 2


def nearest_rank(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))]


def timed(calls, budget: float) -> dict:
    """Runs ``calls`` (each answers a requests.Response and whether its body is right) one
    after the other; the first WARM_UP are not counted; stops early after ``budget`` seconds."""
    latencies, errors, first_error = [], 0, None
    deadline = None
    for index, call in enumerate(calls):
        started = time.perf_counter()
        response, right = call()
        took = time.perf_counter() - started
        if not right:
            errors += 1
            first_error = first_error or f"{response.status_code} {response.text[:200]}"
        if index < WARM_UP:
            continue
        latencies.append(took * 1000)
        deadline = deadline or time.monotonic() + budget
        if time.monotonic() > deadline:
            break
    latencies.sort()
    return {"n": len(latencies), "p50": nearest_rank(latencies, 0.5), "p99": nearest_rank(latencies, 0.99),
            "errors": errors, "first_error": first_error}


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def assignments(vehicles_url: str, count: int) -> list[tuple[datetime, datetime, int, int]]:
    """``count`` intervals over the last weeks of the year seeded (where dispatches are still under
    way), each with a vehicle and a driver free over it (picked by the vehicles service's own query)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from services.kit.db import make_engine
    from services.vehicles import repository
    from services.vehicles.models import Driver, Vehicle

    engine = make_engine(vehicles_url)
    out = []
    with Session(engine) as session:
        vehicles = list(session.scalars(select(Vehicle.id).where(Vehicle.status == "available").order_by(Vehicle.id)))
        drivers = list(session.scalars(select(Driver.id).order_by(Driver.id)))
        for k in range(count):
            start = local(date(YEAR, 12, 31) - timedelta(days=k % 20), 8 + 3 * (k // 20))
            end = start + timedelta(hours=2)
            busy = repository.busy_vehicle_ids(session, start, end)
            vehicle = next(v for n in range(len(vehicles)) if (v := vehicles[(7 * k + n) % len(vehicles)]) not in busy)
            driver = next(d for n in range(len(drivers)) if not repository.holding_dispatches(
                session, start, end, driver_id=(d := drivers[(3 * k + n) % len(drivers)])))
            out.append((start, end, vehicle, driver))
    engine.dispose()
    return out


def measure_size(scale_name: str, repeats: int, budget: float) -> dict:
    from sqlalchemy.orm import Session, sessionmaker

    from gateway.auth import Accounts
    from services.kit.db import make_engine
    from services.kit.migrate import upgrade

    spec = importlib.util.spec_from_file_location("bench_seed", ROOT / "bench" / "seed.py")
    seed = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = seed
    spec.loader.exec_module(seed)
    owners = SERVICES + ("gateway",)
    var = Path(tempfile.mkdtemp(prefix="bench-county-"))
    with Vhost(amqp_uri()) as vhost, Databases(var, owners) as databases:
        urls = databases.urls
        for owner, url in urls.items():
            upgrade(owner, url)
        engines = {name: make_engine(urls[name]) for name in SERVICES}
        started = time.perf_counter()
        took = seed.seed({name: Session(engine) for name, engine in engines.items()}, YEAR, scale_name, analyze=True)
        seeded = time.perf_counter() - started
        for engine in engines.values():
            engine.dispose()
        gateway_engine = make_engine(urls["gateway"])
        accounts = Accounts(sessionmaker(gateway_engine, expire_on_commit=False))
        accounts.create_user("bench-leader", "bench-password", ["leader"])
        accounts.create_user("bench-dispatcher", "bench-password", ["dispatcher"])
        gateway_engine.dispose()
        ports = {owner: free_port() for owner in DEFAULT_PORTS}
        stack = Stack(dict(
            os.environ, PYTHONPATH=str(ROOT), VAR_DIR=str(var), AMQP_URI=vhost.uri,
            LOG_LEVEL=env("BENCH_LOG_LEVEL", "WARNING"),
            # long enough to time a slow answer instead of a 504
            RPC_TIMEOUT="120", REPORT_RPC_TIMEOUT="120", GATEWAY_SOCKET_TIMEOUT="300",
            **{f"{owner.upper()}_PORT": str(port) for owner, port in ports.items()},
            **{f"{owner.upper()}_DATABASE_URL": url for owner, url in urls.items()},
        ))
        try:
            for name in SERVICES:
                stack.start("-m", f"services.{name}")
            stack.start("-m", "gateway")
            for name in SERVICES:
                wait_for(f"http://127.0.0.1:{ports[name]}/ready")
            wait_for(f"http://127.0.0.1:{ports['gateway']}/health")
            results = run_queries(f"http://127.0.0.1:{ports['gateway']}", urls["vehicles"], repeats, budget)
        finally:
            stack.stop()
            shutil.rmtree(var, ignore_errors=True)
    return {"scale": seed.SCALES[scale_name], "seeded": seeded, "took": took, "results": results}


def report_answered(body: dict) -> bool:
    """Every section answered, but equipment upkeep and security where facilities does not keep them yet."""
    from services.facilities.service import FacilitiesService

    kept = all(hasattr(FacilitiesService, name) for name in ("equipment_stats", "patrol_stats", "training_stats"))
    pending = () if kept else ("upkeep", "security")
    return all(section["status"] == "ok" for section in body["sections"] if section["name"] not in pending)


def run_queries(base: str, vehicles_url: str, repeats: int, budget: float) -> dict:
    http = requests.Session()

    def token(user):
        answer = http.post(f"{base}/api/v1/auth/token", json={"username": user, "password": "bench-password"}, timeout=30)
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    leader, dispatcher = token("bench-leader"), token("bench-dispatcher")
    count = WARM_UP + repeats

    def get(path, params, right=lambda body: True):
        def call():
            response = http.get(f"{base}{path}", params=params, headers=leader, timeout=300)
            return response, response.status_code == 200 and right(response.json())
        return [call] * count

    # the dispatches to assign: requested and approved beforehand (not timed)
    plans = assignments(vehicles_url, count)
    pending = []
    for start, end, vehicle, driver in plans:
        created = http.post(f"{base}/api/v1/dispatches", headers=dispatcher, timeout=60, json={
            "unit_code": "U001", "purpose": "公务出行", "passengers": 3, "origin": "县政府", "destination": "乡镇",
            "start_at": start.isoformat(), "end_at": end.isoformat()})
        created.raise_for_status()
        dispatch_id = created.json()["id"]
        http.post(f"{base}/api/v1/dispatches/{dispatch_id}/approve", headers=dispatcher, timeout=60).raise_for_status()
        pending.append((dispatch_id, vehicle, driver))

    def assign(dispatch_id, vehicle, driver):
        def call():
            response = http.post(f"{base}/api/v1/dispatches/{dispatch_id}/assign", headers=dispatcher, timeout=300,
                                 json={"vehicle_id": vehicle, "driver_id": driver})
            return response, response.status_code == 200
        return call

    start, end = plans[0][0], plans[0][1]
    year = {"year": YEAR}
    report_count = WARM_UP + max(3, repeats // 3)
    calls = {
        QUERIES[0][0]: [assign(*item) for item in pending],
        QUERIES[1][0]: get("/api/v1/vehicles/available", {"start": start.isoformat(), "end": end.isoformat(),
                                                          "seats": 3}, lambda body: body["total"] > 0),
        QUERIES[2][0]: get("/api/v1/repairs/stats", {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"},
                           lambda body: body["total"]["count"] > 0),
        QUERIES[3][0]: get("/api/v1/energy/indicators", year, lambda body: body["institutions"] > 0),
        QUERIES[4][0]: get("/api/v1/energy/benchmark", year, lambda body: body["total"] > 0),
        QUERIES[5][0]: get("/api/v1/reports/annual", year, report_answered)[:report_count],
    }
    return {name: timed(items, budget) for name, items in calls.items()}


def county_section() -> int:
    repeats = env_int("BENCH_COUNTY_REPEATS", 20)
    budget = env_float("BENCH_COUNTY_SECONDS", 30.0)
    sizes = {label: measure_size(scale_name, repeats, budget) for label, scale_name in SIZES}
    small, full = sizes["tenth"], sizes["full"]
    lines = [f"\nCounty-scale data: ten years {YEAR - 9}-{YEAR}, answers for {YEAR} timed one after the other "
             f"through the gateway, {WARM_UP} warm-up calls first; machine: {os.cpu_count()} cores, "
             f"load average {os.getloadavg()[0]:.1f}"]
    for label, size in sizes.items():
        s = size["scale"]
        lines.append(f"  {label}: {s.units} institutions, {s.vehicles} vehicles, {s.dispatches:,} dispatches, "
                     f"{s.repairs:,} repairs, {s.fuel_fills:,} fuel transactions; seeded in {size['seeded']:.1f} s ("
                     + ", ".join(f"{name} {seconds:.1f}" for name, seconds in size["took"].items()) + ")")
    data_ratio = full["scale"].dispatches / small["scale"].dispatches
    lines.append(f"{'':<40} {'tenth p50':>9} {'p99':>8} {'full p50':>9} {'p99':>8} {'full/tenth':>10} {'data':>5} "
                 f"{'goal p50':>8} {'n':>3} {'met':>4}")
    for name, goal in QUERIES:
        a, b = small["results"][name], full["results"][name]
        met = "yes" if b["p50"] <= goal and not b["errors"] else "no"
        lines.append(f"{name:<40} {a['p50']:>9.1f} {a['p99']:>8.1f} {b['p50']:>9.1f} {b['p99']:>8.1f} "
                     f"{b['p50'] / a['p50']:>9.2f}x {data_ratio:>4.0f}x {goal:>5.0f} ms {b['n']:>3} {met:>4}")
        for label, result in (("tenth", a), ("full", b)):
            if result["errors"]:
                lines.append(f"  {label}: {result['errors']} wrong answers, the first: {result['first_error']}")
    lines.append("(ms; p99 by nearest rank of n samples; 'met': the full size's p50 within the goal, no wrong answer)")
    print("\n".join(lines))
    return 0
