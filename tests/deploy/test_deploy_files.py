"""The deployment files describe the suite as it is."""
import os
import shutil
import subprocess

import pytest
import yaml

from services.kit.config import DEFAULT_PORTS, ROOT, SERVICES

COMPOSE = ROOT / "deploy" / "docker-compose.yml"
SECRETS = {"JWT_SECRET": "j", "ID_NUMBER_HASH_KEY": "k", "ADMIN_PASSWORD": "p"}


def compose(*args, env=None):
    if not shutil.which("docker-compose"):
        if os.environ.get("CI") == "true":
            pytest.fail("docker-compose is needed to validate deploy/docker-compose.yml (.ci/run installs it)")
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    return subprocess.run(["docker-compose", "-f", str(COMPOSE), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=60)


def test_the_compose_file_is_valid():
    result = compose("config", "-q", env=SECRETS)
    assert result.returncode == 0, result.stderr


def test_the_compose_file_refuses_to_run_without_its_secrets():
    env = {name: "" for name in SECRETS}
    result = compose("config", "-q", env=env)
    assert result.returncode != 0 and "JWT_SECRET" in result.stderr


def test_compose_runs_every_part_with_a_health_check_and_its_own_database():
    result = compose("config", env=SECRETS)
    config = yaml.safe_load(result.stdout)["services"]
    for part in SERVICES + ("gateway",):
        assert "healthcheck" in config[part], part
        assert config[part]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    urls = {config["vehicles"]["environment"][f"{owner.upper()}_DATABASE_URL"] for owner in SERVICES + ("gateway",)}
    assert len(urls) == len(SERVICES) + 1
    init = (ROOT / "deploy" / "postgres-init.sql").read_text()
    assert all(f"CREATE DATABASE {owner};" in init for owner in SERVICES + ("gateway",))


def test_the_gateway_publishes_its_public_port_and_keeps_its_metrics_port_inside():
    gateway = yaml.safe_load(COMPOSE.read_text())["services"]["gateway"]
    assert gateway["ports"] == [f"{DEFAULT_PORTS['gateway']}:{DEFAULT_PORTS['gateway']}"]
    assert str(DEFAULT_PORTS["gateway_ops"]) in gateway["expose"]


def test_the_procfile_starts_every_service_and_the_gateway():
    names = [line.split(":")[0] for line in (ROOT / "deploy" / "Procfile").read_text().splitlines() if line.strip()]
    assert sorted(names) == sorted(SERVICES + ("gateway",))
