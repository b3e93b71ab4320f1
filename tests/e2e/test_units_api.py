"""The register of units over HTTP: the administrator registers and merges, every role reads
names, bad input is a problem naming the field, the sheet comes back as .xlsx, and the service
answers in /health/services."""
import uuid

import requests

BASE = "/api/v1/units"


def test_the_register_over_http(stack, admin):
    parent_code, child_code = f"E{uuid.uuid4().hex[:8]}", f"E{uuid.uuid4().hex[:8]}"
    created = admin.post(stack.url(BASE), json={"code": parent_code, "name": f"县发改局{parent_code}",
                                                "short_name": "发改局", "kind": "party_government"}, timeout=10)
    assert created.status_code == 201 and created.json()["kind_label"] == "党政机关"
    child = admin.post(stack.url(BASE), json={"code": child_code, "name": f"县粮食站{child_code}", "kind": "other",
                                              "parent_code": parent_code}, timeout=10)
    assert child.status_code == 201
    duplicate = admin.post(stack.url(BASE), json={"code": parent_code, "name": "另一个局", "kind": "other"}, timeout=10)
    assert duplicate.status_code == 409 and "code" in duplicate.json()["errors"]
    assert duplicate.headers["Content-Type"].startswith("application/problem+json")
    cycle = admin.patch(stack.url(f"{BASE}/{parent_code}"), json={"parent_code": child_code}, timeout=10)
    assert cycle.status_code == 422 and cycle.json()["rule"] == "units.parent_cycle"
    found = admin.get(stack.url(BASE), params={"q": "fgj"}, timeout=10)
    assert parent_code in [unit["code"] for unit in found.json()["items"]]
    into_self = admin.post(stack.url(f"{BASE}/{child_code}/merge"),
                           json={"successor_code": child_code, "effective_date": "2026-01-01"}, timeout=10)
    assert into_self.status_code == 422 and into_self.json()["rule"] == "units.merge_into_self"
    merged = admin.post(stack.url(f"{BASE}/{child_code}/merge"),
                        json={"successor_code": parent_code, "effective_date": "2026-01-01"}, timeout=10)
    assert merged.status_code == 201
    history = admin.get(stack.url(f"{BASE}/{parent_code}/history"), timeout=10)
    assert history.json()["rolls_up"] == [parent_code, child_code]
    exported = admin.get(stack.url(f"{BASE}/export"), timeout=10)
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    assert requests.get(stack.url(BASE), timeout=10).status_code == 401
    services = requests.get(stack.url("/health/services"), timeout=10).json()["services"]
    assert services["directory"]["status"] == "ok"
