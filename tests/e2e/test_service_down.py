"""A stopped service is reported down and answers 503/504 within the timeout; the
others keep answering. The service is started again however the test ends (``Stack.stopped``)."""
import time

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_a_stopped_service_fails_fast_and_alone_then_recovers(stack, admin):
    if stack.single_process:
        pytest.skip("in one process a single service cannot be stopped")
    rpc_timeout = float(stack.env["RPC_TIMEOUT"])
    with stack.stopped("vehicles"):
        started = time.monotonic()
        health = requests.get(stack.url("/health/services"), timeout=10)
        assert health.status_code == 503
        assert health.json()["services"]["vehicles"]["status"] == "down"
        assert health.json()["services"]["facilities"]["status"] == "ok"
        assert time.monotonic() - started < 3
        for path in ("/api/v1/vehicles", "/api/v1/vehicles/1"):
            started = time.monotonic()
            response = admin.get(stack.url(path), timeout=rpc_timeout + 5)
            elapsed = time.monotonic() - started
            assert response.status_code in (503, 504) and elapsed <= rpc_timeout + 1, (response.status_code, elapsed)
            assert response.headers["Content-Type"] == "application/problem+json"
        assert admin.get(stack.url("/api/v1/buildings"), timeout=5).status_code == 200
        assert admin.get(stack.url("/api/v1/institutions"), timeout=5).status_code == 200
    assert admin.get(stack.url("/api/v1/vehicles"), timeout=5).status_code == 200
