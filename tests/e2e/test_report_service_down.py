"""With one service stopped the report and the dashboard still answer, partial, that section marked.
The service is started again however the test ends (``Stack.stopped``)."""
import time

import pytest

from gateway.report import ReportSettings
from tests.support import report_complete

pytestmark = pytest.mark.e2e


def test_a_stopped_service_makes_the_report_partial_not_failed(stack, admin):
    if stack.single_process:
        pytest.skip("in one process a single service cannot be stopped")
    rpc_timeout = float(stack.env.get("REPORT_RPC_TIMEOUT", ReportSettings.rpc_timeout))
    with stack.stopped("energy"):
        started = time.monotonic()
        report = admin.get(stack.url("/api/v1/reports/annual"), timeout=rpc_timeout + 10)
        elapsed = time.monotonic() - started
        assert report.status_code == 200 and elapsed <= rpc_timeout + 1, (report.status_code, elapsed)
        answer = report.json()
        assert answer["status"] == "partial"
        sections = {s["name"]: s for s in answer["sections"]}
        assert sections["energy"]["status"] == "unavailable" and sections["energy"]["reason"].startswith("节能服务")
        assert all(sections[name]["status"] == "ok" and sections[name]["figures"]
                   for name in ("vehicles", "facilities", "reception"))
        md = admin.get(stack.url("/api/v1/reports/annual"), params={"format": "md"}, timeout=rpc_timeout + 10)
        assert md.status_code == 200 and "说明：节能与垃圾分类、" in md.text and "部分的数据暂时无法取得" in md.text
        board = admin.get(stack.url("/api/v1/dashboard"), timeout=rpc_timeout + 10).json()
        assert board["status"] == "partial"
        assert {s["name"]: s["status"] for s in board["sections"]}["energy"] == "unavailable"
    again = admin.get(stack.url("/api/v1/reports/annual"), timeout=rpc_timeout + 10).json()
    assert report_complete(again), [s["reason"] for s in again["sections"]]
