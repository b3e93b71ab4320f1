"""Load generators, each run in its own process: `http` drives the gateway over
keep-alive connections, `floor` drives the echo server through the kit's RpcClient.
Prints one JSON line: requests, errors, seconds, and latencies' percentiles."""
import json
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
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2), "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


def run(worker, concurrency, seconds):
    latencies, errors = [], [0]
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    pool = eventlet.GreenPool(concurrency)
    for index in range(concurrency):
        pool.spawn(worker, index, deadline, latencies, errors)
    pool.waitall()
    return summary(latencies, errors[0], time.perf_counter() - started)


def http_worker_factory(host, port, paths, token):
    def worker(index, deadline, latencies, errors):
        sock = eventlet.connect((host, port))
        reader = sock.makefile("rb")
        n = index
        while time.perf_counter() < deadline:
            path = paths[n % len(paths)]
            n += 1
            request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
            started = time.perf_counter()
            sock.sendall(request)
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
            if not status.startswith(b"HTTP/1.1 200"):
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


def main():
    kind, concurrency, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if kind == "http":
        host, port, token, ids = sys.argv[4], int(sys.argv[5]), sys.argv[6], sys.argv[7].split(",")
        worker = http_worker_factory(host, port, [f"/api/v1/vehicles/{i}" for i in ids], token)
    else:
        worker = floor_worker_factory(sys.argv[4])
    run(worker, concurrency, min(1.0, seconds / 5))  # warm-up
    print(json.dumps(run(worker, concurrency, seconds)), flush=True)


if __name__ == "__main__":
    main()
