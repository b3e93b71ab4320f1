"""The alert rules pass their promtool tests; the Kubernetes PrometheusRule carries the same rules;
the dashboard is Grafana JSON whose panels all query Prometheus."""
import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from services.kit.config import ROOT

MONITORING = ROOT / "deploy" / "monitoring"
RULES = MONITORING / "alerts.yml"
DASHBOARD = MONITORING / "dashboard.json"
# Named by the rules and the dashboard before their service exports them: each must be missing
# from every /metrics until it lands, then leave this list.
PENDING = set()
SYNTHETIC = {"up"}  # Prometheus's own, per target
PROMQL_WORDS = {"sum", "by", "rate", "increase", "histogram_quantile", "le", "without", "and", "or", "unless",
                "on", "ignoring", "group_left", "group_right", "max", "min", "avg", "count", "bool", "offset"}


def promtool():
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("promtool is needed to test the alert rules (`make setup` installs Debian's prometheus)")
        pytest.skip("promtool is not installed (apt-get install prometheus, or `make setup` as root)")
    return path


def expressions() -> list[str]:
    rules = [rule["expr"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]
    panels = [target["expr"] for panel in json.loads(DASHBOARD.read_text())["panels"] for target in panel["targets"]]
    return rules + panels


def metric_names() -> set[str]:
    """Every metric a rule or a panel queries."""
    names = set()
    for expr in expressions():
        expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values
        expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)  # matchers, ranges
        names |= {word for word in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr)
                  if word not in PROMQL_WORDS and not re.fullmatch(r"\d.*", word)}
    return names - {"service", "outcome", "status", "queue", "pod", "method", "route"}


def test_the_alert_rules_pass_their_promtool_tests():
    tool = promtool()
    checked = subprocess.run([tool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run([tool, "test", "rules", "alerts-test.yml"], cwd=MONITORING, capture_output=True,
                            text=True, timeout=120)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_scrape_config_for_compose_is_valid_and_scrapes_every_part():
    tool = promtool()
    checked = subprocess.run([tool, "check", "config", "prometheus.yml"], cwd=MONITORING, capture_output=True,
                             text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    from services.kit.config import DEFAULT_PORTS, SERVICES

    jobs = {job["job_name"]: job for job in yaml.safe_load((MONITORING / "prometheus.yml").read_text())["scrape_configs"]}
    targets = {t for config in jobs["suite"]["static_configs"] for t in config["targets"]}
    assert targets == {f"{part}:{DEFAULT_PORTS[part]}" for part in SERVICES} | {f"gateway:{DEFAULT_PORTS['gateway_ops']}"}


def test_every_alert_rule_has_a_promtool_test():
    alerts = {rule["alert"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]}
    tests = yaml.safe_load((MONITORING / "alerts-test.yml").read_text())["tests"]
    tested = {case["alertname"] for test in tests for case in test["alert_rule_test"] if case["exp_alerts"]}
    assert alerts == tested


def test_kubernetes_carries_the_same_rules():
    docs = yaml.safe_load_all((ROOT / "deploy" / "k8s" / "base" / "monitoring.yaml").read_text())
    [rule] = [doc for doc in docs if doc["kind"] == "PrometheusRule"]
    assert rule["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]


def test_the_dashboard_is_grafana_json_on_prometheus():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["datasource"]["type"] == "prometheus" and panel["targets"], panel["title"]
    queried = metric_names()
    assert "rabbitmq_detailed_queue_consumers" in queried and "suite_outbox_oldest_unsent_age_seconds" in queried
