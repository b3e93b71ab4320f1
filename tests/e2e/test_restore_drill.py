"""The restore drill (docs/operations.md, "Back up and restore"): a populated suite is backed up
while it runs, restored into fresh databases, started on them, and answers the same figures
from every service and the same annual report."""
import os
from datetime import date

import pytest
import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from services.kit import backup
from services.kit.config import SERVICES
from tests.integration.test_report_seeded_year import load_seed
from tests.stack import ADMIN_PASSWORD, running_stack, token_for
from tests.support import Databases, report_complete

pytestmark = pytest.mark.e2e

OWNERS = SERVICES + ("gateway",)
YEAR = date.today().year
SAME_KEYS = {"JWT_SECRET": "drill-jwt-secret-" + "x" * 32, "ID_NUMBER_HASH_KEY": "drill-hash-key-" + "y" * 32}
PERIOD = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"}
# what each service answers: its statistics, its lists, and the report composed from them all
READS = [
    ("/api/v1/reports/annual", {"year": YEAR}),
    ("/api/v1/vehicles/stats", {"year": YEAR}),
    ("/api/v1/vehicles", {"limit": 200}),
    ("/api/v1/repairs/stats", PERIOD),
    ("/api/v1/inspections/stats", PERIOD),
    ("/api/v1/receptions/stats", PERIOD),
    ("/api/v1/energy/indicators", {"year": YEAR}),
    ("/api/v1/waste/summary", {"year": YEAR}),
    ("/api/v1/energy/projects/summary", {"year": YEAR}),
    ("/api/v1/integrations/clients", {}),
    ("/api/v1/integrations/subscriptions", {}),
    ("/api/v1/users", {"limit": 200}),
    ("/api/v1/api-keys", {}),
]


def admin_session(stack):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token_for(stack, 'admin', ADMIN_PASSWORD)}"
    return session


def read_all(stack) -> dict:
    admin = admin_session(stack)
    answers = {}
    for path, params in READS:
        response = admin.get(stack.url(path), params=params, timeout=30)
        assert response.status_code == 200, (path, response.text)
        answers[path] = response.json()
    answers["/api/v1/reports/annual"].pop("generated_at", None)
    return answers


def urls_of(stack) -> dict:
    return {owner: stack.env[f"{owner.upper()}_DATABASE_URL"] for owner in OWNERS}


@pytest.mark.timeout(300)  # two suites start one after the other
def test_a_backup_restored_into_fresh_databases_answers_the_same(test_backends, tmp_path):
    if test_backends.postgres_url is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the restore drill needs PostgreSQL")
        pytest.skip("the restore drill runs on PostgreSQL")
    folder = tmp_path / "backup"
    with running_stack(test_backends, tmp_path / "before", **SAME_KEYS) as stack:
        urls = urls_of(stack)
        sessions = {name: sessionmaker(create_engine(urls[name]))() for name in ("vehicles", "facilities",
                                                                                  "reception", "energy")}
        try:
            load_seed().seed(sessions, YEAR, "test", seed_value=11)
        finally:
            for session in sessions.values():
                session.close()
                session.get_bind().dispose()
        admin = admin_session(stack)
        client = admin.post(stack.url("/api/v1/integrations/clients"), timeout=10, json={
            "name": "GPS 平台", "department": "县公安局", "contact_name": "王工"}).json()
        assert admin.post(stack.url("/api/v1/integrations/subscriptions"), timeout=10, json={
            "client_id": client["id"], "url": "https://1.2.3.4/hook",
            "event_types": ["visitor_checked_in"]}).status_code == 201
        assert admin.post(stack.url("/api/v1/api-keys"), timeout=10,
                          json={"name": "gps-platform", "roles": ["dispatcher"]}).status_code == 201
        assert admin.post(stack.url("/api/v1/users"), timeout=10,
                          json={"username": "drill-leader", "password": "drill-pass-1", "roles": ["leader"]}).status_code == 201
        before = read_all(stack)
        manifest = backup.backup(folder, urls)  # online, while the suite runs
    assert sorted(manifest["files"]) == sorted(OWNERS)

    fresh = Databases(test_backends, tmp_path)
    try:
        restored_urls = {owner: fresh.new_url(owner) for owner in OWNERS}
        backup.restore(folder, restored_urls)
        overrides = {f"{owner.upper()}_DATABASE_URL": url for owner, url in restored_urls.items()}
        with running_stack(test_backends, tmp_path / "after", **SAME_KEYS, **overrides) as stack:
            after = read_all(stack)
            assert token_for(stack, "drill-leader", "drill-pass-1")  # the gateway's users came back
    finally:
        fresh.drop_all()
    assert report_complete(before["/api/v1/reports/annual"])
    assert before["/api/v1/repairs/stats"] and before["/api/v1/integrations/clients"]
    for path in before:
        assert after[path] == before[path], path
