"""The ``hostile`` section of ``make bench``: what requests anyone can send do to the gateway.

- memory: the gateway's resident size (RSS) before and after a flood of odd-method requests
  (``M<n> /x``, no credentials), and the size of its ``/metrics`` (goal: growth under 20 MB)
- ``GET /health`` latency during concurrent logins (password hashing)
- ``GET /health`` latency, the gateway's and the energy service's, while a hostile .xlsx is
  imported: a small sheet with the form's header that declares ``A1:XFD20001`` and holds one
  cell at row 20001

Figures are printed, never asserted. It makes its own vhost, databases and processes and
removes them after. ``BENCH_HOSTILE_REQUESTS`` (20000) and ``BENCH_HOSTILE_LOGINS`` (20) size it.
"""
from __future__ import annotations

import http.client
import io
import os
import shutil
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import requests

from services.kit.config import DEFAULT_PORTS, amqp_uri, env, env_int
from suite import Databases, Stack, Vhost, free_port, wait_for

OWNERS = ("energy", "gateway")
PASSWORD = "bench-password"
MEMORY_GOAL_MB = 20.0
HEALTH_GOAL_MS = 100.0
SHEET = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '</Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'),
    "xl/worksheets/sheet1.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:XFD20001"/><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>unit_code</t></is></c><c r="B1" t="inlineStr"><is><t>period</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>electricity(kWh)</t></is></c></row>'
        '<row r="20001"><c r="A20001" t="inlineStr"><is><t>U001</t></is></c></row></sheetData></worksheet>'),
}


def hostile_sheet() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as sheet:
        for name, text in SHEET.items():
            sheet.writestr(name, text)
    return buffer.getvalue()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class HealthProbe:
    """``GET /health`` on one port, one after the other every 10 ms, until stopped."""

    def __init__(self, port: int):
        self.port, self.latencies, self.failures = port, [], 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        while not self.done.is_set():
            started = time.perf_counter()
            try:
                connection.request("GET", "/health")
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    self.failures += 1
            except (OSError, http.client.HTTPException):
                self.failures += 1
                connection.close()
            self.latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(0.01)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()

    def line(self, name: str) -> str:
        values = sorted(self.latencies) or [float("nan")]
        p50, p99 = values[len(values) // 2], values[min(len(values) - 1, round(0.99 * len(values)))]
        return (f"  {name:<34} p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  max {values[-1]:8.1f} ms  "
                f"({len(self.latencies)} probes, {self.failures} failed; goal under {HEALTH_GOAL_MS:.0f} ms)")


def in_threads(count: int, work) -> float:
    threads = [threading.Thread(target=work, args=(index,)) for index in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def flood(port: int, total: int, connections: int = 4) -> dict:
    statuses: dict[int, int] = {}

    def work(index):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in range(index, total, connections):
            try:
                connection.request(f"M{n}", "/x")
                response = connection.getresponse()
                response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1
            except (OSError, http.client.HTTPException):
                statuses[0] = statuses.get(0, 0) + 1
                connection.close()

    took = in_threads(connections, work)
    return {"seconds": took, "statuses": statuses}


def hostile_section() -> int:
    requests_total = env_int("BENCH_HOSTILE_REQUESTS", 20_000)
    logins = env_int("BENCH_HOSTILE_LOGINS", 20)
    var = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    lines = ["\nHostile requests (no credentials, or an ordinary user's)"]
    with Vhost(amqp_uri()) as vhost, Databases(var, OWNERS) as databases:
        from sqlalchemy.orm import sessionmaker

        from gateway.auth import Accounts
        from services.kit.db import make_engine
        from services.kit.migrate import upgrade

        for owner, url in databases.urls.items():
            upgrade(owner, url)
        engine = make_engine(databases.urls["gateway"])
        accounts = Accounts(sessionmaker(engine, expire_on_commit=False))
        accounts.create_user("bench-energy", PASSWORD, ["energy_officer"])
        engine.dispose()
        ports = {owner: free_port() for owner in DEFAULT_PORTS}
        stack = Stack(dict(
            os.environ, VAR_DIR=str(var), AMQP_URI=vhost.uri, LOG_LEVEL=env("BENCH_LOG_LEVEL", "WARNING"),
            LOGIN_RATE_PER_MINUTE="1000000",  # every login comes from 127.0.0.1; the limit is not measured here
            **{f"{owner.upper()}_PORT": str(port) for owner, port in ports.items()},
            **{f"{owner.upper()}_DATABASE_URL": url for owner, url in databases.urls.items()},
        ))
        base = f"http://127.0.0.1:{ports['gateway']}"
        try:
            stack.start("-m", "services.energy")
            gateway = stack.start("-m", "gateway")
            wait_for(f"http://127.0.0.1:{ports['energy']}/ready")
            wait_for(f"{base}/health")

            # (a) memory under odd methods
            flood(ports["gateway"], 200)  # warm-up: the first requests of a process allocate for good
            before, metrics_before = rss_mb(gateway.pid), len(requests.get(
                f"http://127.0.0.1:{ports['gateway_ops']}/metrics", timeout=60).content)
            result = flood(ports["gateway"], requests_total)
            after, metrics_after = rss_mb(gateway.pid), len(requests.get(
                f"http://127.0.0.1:{ports['gateway_ops']}/metrics", timeout=60).content)
            lines.append(f"  {requests_total} requests M<n> /x in {result['seconds']:.1f} s, answers {result['statuses']}")
            lines.append(f"  gateway RSS {before:.1f} -> {after:.1f} MB: growth {after - before:.1f} MB "
                         f"(goal under {MEMORY_GOAL_MB:.0f} MB); /metrics {metrics_before / 1024:.0f} -> "
                         f"{metrics_after / 1024:.0f} KB")

            # (b) /health during concurrent logins
            with HealthProbe(ports["gateway"]) as idle:
                time.sleep(2)
            lines.append(idle.line("gateway /health, idle"))
            answers: list[int] = []

            def login(_index):
                answers.append(requests.post(f"{base}/api/v1/auth/token", timeout=120,
                                             json={"username": "bench-energy", "password": PASSWORD}).status_code)

            with HealthProbe(ports["gateway"]) as during:
                took = in_threads(logins, login)
            lines.append(during.line(f"gateway /health, {logins} logins"))
            lines.append(f"  the {logins} concurrent logins took {took:.2f} s, answers "
                         f"{ {status: answers.count(status) for status in sorted(set(answers))} }")

            # (c) /health while a hostile sheet is imported
            token = requests.post(f"{base}/api/v1/auth/token", timeout=120,
                                  json={"username": "bench-energy", "password": PASSWORD}).json()["access_token"]
            sheet = hostile_sheet()
            with HealthProbe(ports["gateway"]) as gateway_probe, HealthProbe(ports["energy"]) as energy_probe:
                started = time.perf_counter()
                answer = requests.post(f"{base}/api/v1/energy/imports", headers={"Authorization": f"Bearer {token}"},
                                       files={"file": ("readings.xlsx", sheet)}, timeout=600)
                took = time.perf_counter() - started
                time.sleep(2)  # work that goes on after the answer (an import job) is measured too
            detail = answer.json().get("detail", "") if answer.headers.get("Content-Type", "").endswith("json") else ""
            lines.append(f"  a {len(sheet)}-byte .xlsx with a header, declaring A1:XFD20001, one cell at row 20001: answered "
                         f"{answer.status_code} in {took:.2f} s {detail[:100]}".rstrip())
            lines.append(gateway_probe.line("gateway /health, importing"))
            lines.append(energy_probe.line("energy service /health, importing"))
        finally:
            stack.stop()
            shutil.rmtree(var, ignore_errors=True)
    print("\n".join(lines))
    return 0
