import os

# The relay timer is read when services are imported: make it quick for the tests.
os.environ.setdefault("OUTBOX_RELAY_INTERVAL", "0.3")
os.environ.setdefault("OUTBOX_RELAY_GRACE", "0.5")
os.environ.setdefault("EVENT_RETRY_BACKOFF", "0.02")

from services.kit import green  # noqa: E402,F401  (first of the suite: it runs on eventlet)

import pytest  # noqa: E402

from tests.support import Databases, delete_vhost, detect_backends  # noqa: E402

_backends = None


def backends():
    global _backends
    if _backends is None:
        _backends = detect_backends()
    return _backends


def pytest_report_header(config):
    found = backends()
    if os.environ.get("CI") == "true":
        missing = [name for name, ok in (("RabbitMQ", found.real_broker), ("PostgreSQL", found.postgres_url)) if not ok]
        if missing:
            pytest.exit(f"CI=true needs a real RabbitMQ and PostgreSQL; not reachable: {', '.join(missing)}", returncode=3)
    return found.describe()


def pytest_sessionfinish(session, exitstatus):
    if _backends is not None and _backends.real_broker:
        delete_vhost(_backends)


@pytest.fixture(scope="session")
def test_backends():
    return backends()


@pytest.fixture
def databases(test_backends, tmp_path):
    dbs = Databases(test_backends, tmp_path)
    yield dbs
    dbs.drop_all()


@pytest.fixture(autouse=True)
def _isolated_var_dir(tmp_path_factory, monkeypatch):
    """Secrets and SQLite files of a test never land in the working tree's var/."""
    monkeypatch.setenv("VAR_DIR", str(tmp_path_factory.getbasetemp() / "var"))
