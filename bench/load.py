"""Load generators, each run in its own process so that it does not share a core's
interpreter with what it measures. Prints one JSON line.

- ``http``: GETs of the gateway over keep-alive connections
- ``post``: fuel transactions POSTed to the gateway (a write that emits an event)
- ``floor``: the echo server through the kit's RpcClient (bare request/reply)
- ``events``: outbox rows written and published at a steady rate, as a service's
  workers do after commit; the consumer's ``processed_event`` rows tell what arrived
"""
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.kit import green  # noqa: E402,F401

import eventlet  # noqa: E402


def percentile(sorted_values, fraction):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def summary(latencies, errors, seconds):
    latencies.sort()
    return {
        "requests": len(latencies), "errors": errors, "seconds": round(seconds, 3),
        "per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round((percentile(latencies, 0.50) or 0) * 1000, 2),
        "p99_ms": round((percentile(latencies, 0.99) or 0) * 1000, 2),
    }


def cpu_seconds(pid) -> float:
    """User and system CPU a process has used (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def watched() -> dict[str, list[int]]:
    """``BENCH_WATCH=gateway:12,vehicles:34``: the processes whose CPU a figure accounts for;
    the broker and PostgreSQL are found by name (on a shared machine they serve others too)."""
    named = {"broker": [], "PostgreSQL": []}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    name = comm.read().strip()
            except OSError:
                continue
            if name == "beam.smp":
                named["broker"].append(int(entry))
            elif name.startswith("postgres"):
                named["PostgreSQL"].append(int(entry))
    parts = {}
    for item in filter(None, os.environ.get("BENCH_WATCH", "").split(",")):
        name, _, pid = item.partition(":")
        parts.setdefault(name, []).append(int(pid))
    return {**parts, **{name: pids for name, pids in named.items() if pids}}


def cpu_snapshot(parts) -> dict[str, float]:
    taken = {"load generator": time.process_time()}
    for name, pids in parts.items():
        total = 0.0
        for pid in pids:
            try:
                total += cpu_seconds(pid)
            except OSError:  # a backend that ended meanwhile
                pass
        taken[name] = total
    return taken


def run(worker, concurrency, seconds):
    latencies, errors = [], [0]
    parts = watched()
    before = cpu_snapshot(parts)
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    pool = eventlet.GreenPool(concurrency)
    for index in range(concurrency):
        pool.spawn(worker, index, deadline, latencies, errors)
    pool.waitall()
    result = summary(latencies, errors[0], time.perf_counter() - started)
    after = cpu_snapshot(parts)
    done = max(1, len(latencies))
    result["cpu_ms_per_request"] = {name: round(1000 * (after[name] - before[name]) / done, 3) for name in before}
    return result


def http_worker_factory(host, port, next_request):
    """``next_request(n)`` gives (method, path, body bytes or b"") of the worker's n-th request."""

    def worker(index, deadline, latencies, errors):
        sock = eventlet.connect((host, port))
        reader = sock.makefile("rb")
        n = index
        while time.perf_counter() < deadline:
            method, path, body, headers = next_request(n)
            n += 1
            head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{headers}"
            if body:
                head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            started = time.perf_counter()
            sock.sendall(head.encode() + b"\r\n" + body)
            status = reader.readline()
            length = 0
            while True:
                line = reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            reader.read(length)
            latencies.append(time.perf_counter() - started)
            if not status.startswith(b"HTTP/1.1 2"):
                errors[0] += 1
        sock.close()

    return worker


def floor_worker_factory(amqp_uri):
    from services.kit.rpc_client import RpcClient

    client = RpcClient(amqp_uri, timeout=10, name="bench").start()

    def worker(index, deadline, latencies, errors):
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                client.call("bench_floor", "echo", index)
            except Exception:
                errors[0] += 1
                continue
            latencies.append(time.perf_counter() - started)

    return worker


def get_requests(ids, token):
    auth = f"Authorization: Bearer {token}\r\n"
    paths = [f"/api/v1/vehicles/{i}" for i in ids]
    return lambda n: ("GET", paths[n % len(paths)], b"", auth)


def post_requests(ids, token, vendor_id):
    """Each request a fuel transaction of the next vehicle, later and further than the last."""
    from datetime import datetime, timedelta, timezone

    auth = f"Authorization: Bearer {token}\r\n"
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    counter = iter(range(1, 1 << 40))

    def next_request(_n):
        k = next(counter)
        body = json.dumps({
            "vehicle_id": int(ids[k % len(ids)]), "vendor_id": vendor_id, "liters": "40.0", "amount_yuan": "300.00",
            "filled_at": (start + timedelta(seconds=10 * k)).isoformat(), "odometer_km": str(1000 + k // 10),
        }).encode()
        return "POST", "/api/v1/fuel-transactions", body, auth

    return next_request


def queue_depth(name: str) -> int:
    from kombu import Connection

    from services.kit.config import amqp_uri

    with Connection(amqp_uri()) as conn:
        return conn.default_channel.queue_declare(name, passive=True).message_count


def events(database_url, rate, seconds, consumer_url, consumer, drain_seconds=120.0):
    """Write ``rate`` outbox rows a second for ``seconds`` in small transactions, publish each
    batch after its commit (confirms, persistent), then wait for the consumer to have
    recorded them all. Lost = published but never recorded within the drain time."""
    from datetime import timezone
    from types import SimpleNamespace

    from sqlalchemy import select
    from sqlalchemy.orm import sessionmaker

    from services.energy.models import ProcessedEvent
    from services.kit.config import amqp_uri, normalise_database_url
    from services.kit.db import make_engine, utcnow
    from services.kit.outbox import Outbox
    from services.vehicles import contract
    from services.vehicles.models import OutboxEvent

    engine = make_engine(normalise_database_url(database_url), pool_size=8)
    database = SimpleNamespace(sessionmaker=sessionmaker(engine, expire_on_commit=False), outbox_model=OutboxEvent)
    outbox = Outbox(database, contract.SERVICE, {"AMQP_URI": amqp_uri()})
    tick = 0.02
    per_tick = max(1, round(rate * tick))
    sent_at, failures = {}, [0]
    pool = eventlet.GreenPool(8)
    base = 10_000_000
    fuel_recorded_out = contract.FuelRecorded()  # as services/vehicles/upkeep.py

    def emit_batch(first):
        rows = []
        with database.sessionmaker.begin() as session:
            for k in range(first, first + per_tick):
                body = fuel_recorded_out.dump({
                    "transaction_id": base + k, "vehicle_id": 1 + k % 500, "unit_code": f"U{k % 40:03d}",
                    "fuel_type": "gasoline", "liters": 40, "kwh": None, "amount_yuan": 300, "filled_at": utcnow(),
                })
                body = {"event_id": f"bench-{base + k}", "occurred_at": utcnow().isoformat(), **body}
                row = OutboxEvent(event_id=body["event_id"], event_type=contract.FUEL_RECORDED, payload=body, headers={})
                session.add(row)
                rows.append(row)
        try:
            outbox.publish_rows(rows)
        except Exception:
            failures[0] += len(rows)  # left to the relay in a service; counted here
        now = time.time()
        for row in rows:
            sent_at[row.event_id] = now

    started = time.perf_counter()
    emitted = 0
    while time.perf_counter() - started < seconds:
        due = int((time.perf_counter() - started) / tick) * per_tick
        while emitted < due + per_tick:
            pool.spawn(emit_batch, emitted)
            emitted += per_tick
        eventlet.sleep(tick - ((time.perf_counter() - started) % tick))
    pool.waitall()
    produced_seconds = time.perf_counter() - started

    consumer_engine = make_engine(normalise_database_url(consumer_url), pool_size=1)
    query = select(ProcessedEvent.event_id, ProcessedEvent.processed_at).where(
        ProcessedEvent.consumer == consumer, ProcessedEvent.event_id.like("bench-%"))
    # wait while the consumer makes progress; what is neither handled nor queued is lost
    deadline, last, last_progress = time.perf_counter() + drain_seconds, -1, time.perf_counter()
    while True:
        with consumer_engine.connect() as conn:
            handled = conn.execute(query).all()
        if len(handled) != last:
            last, last_progress = len(handled), time.perf_counter()
        if len(handled) >= len(sent_at) or time.perf_counter() > deadline or time.perf_counter() - last_progress > 10:
            break
        eventlet.sleep(0.5)
    queued = queue_depth(f"evt-{contract.SERVICE}-{contract.FUEL_RECORDED}--{consumer}")
    latencies = sorted(
        (at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at).timestamp() - sent_at[event_id]
        for event_id, at in handled if event_id in sent_at)
    times = [at for _, at in handled]
    span = (max(times) - min(times)).total_seconds() if len(times) > 1 else 0.0
    return {
        "target_per_second": rate, "seconds": round(produced_seconds, 3), "emitted": emitted,
        "published": len(sent_at), "publish_failures": failures[0], "handled": len(handled),
        "queued": queued, "lost": len(sent_at) - len(handled) - queued, "published_per_second": round(len(sent_at) / produced_seconds, 1),
        "handled_per_second": round(len(handled) / span, 1) if span else 0.0,
        "p50_ms": round((percentile(latencies, 0.5) or 0) * 1000, 1),
        "p99_ms": round((percentile(latencies, 0.99) or 0) * 1000, 1),
    }


def main():
    kind = sys.argv[1]
    if kind == "events":
        print(json.dumps(events(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6])),
              flush=True)
        return
    concurrency, seconds = int(sys.argv[2]), float(sys.argv[3])
    if kind in ("http", "post"):
        host, port, token, ids = sys.argv[4], int(sys.argv[5]), sys.argv[6], sys.argv[7].split(",")
        requests = get_requests(ids, token) if kind == "http" else post_requests(ids, token, int(sys.argv[8]))
        worker = http_worker_factory(host, port, requests)
    else:
        worker = floor_worker_factory(sys.argv[4])
    run(worker, concurrency, min(1.0, seconds / 5))  # warm-up
    print(json.dumps(run(worker, concurrency, seconds)), flush=True)


if __name__ == "__main__":
    main()
