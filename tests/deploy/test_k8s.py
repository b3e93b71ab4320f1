"""The Kubernetes manifests validate against the Kubernetes schemas and describe the
suite as it runs: probes, resources, grace periods, autoscaling, migrations, secrets."""
import kubernetes_validate
import pytest
import yaml

from services.kit.config import DEFAULT_PORTS, ROOT, SERVICES

BASE = ROOT / "deploy" / "k8s" / "base"
KUBERNETES_VERSIONS = ("1.33.0", "1.37.0")
OPERATOR_KINDS = {("rabbitmq.com/v1beta1", "RabbitmqCluster"), ("postgresql.cnpg.io/v1", "Cluster"),
                  ("postgresql.cnpg.io/v1", "Database"), ("postgresql.cnpg.io/v1", "ScheduledBackup"),
                  ("barmancloud.cnpg.io/v1", "ObjectStore"), ("monitoring.coreos.com/v1", "PodMonitor"),
                  ("monitoring.coreos.com/v1", "PrometheusRule")}
EXAMPLES = ROOT / "deploy" / "k8s" / "examples"
BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"
PARTS = SERVICES + ("gateway",)


def documents():
    for path in sorted(BASE.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                yield path.name, doc


def by_kind(kind):
    return {doc["metadata"]["name"]: doc for _, doc in documents() if doc["kind"] == kind}


@pytest.mark.parametrize("name, doc", list(documents()), ids=lambda v: v if isinstance(v, str) else v["kind"])
def test_each_manifest_validates(name, doc):
    if (doc["apiVersion"], doc["kind"]) in OPERATOR_KINDS:
        # The operators' CRD schemas are not vendored here; check the shape we rely on.
        assert doc["metadata"]["namespace"] == "county-logistics" and isinstance(doc["spec"], dict)
        return
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_kustomization_lists_every_manifest():
    listed = set(yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"])
    assert listed == {path.name for path in BASE.glob("*.yaml") if path.name != "kustomization.yaml"}


def test_every_part_has_probes_resources_a_grace_period_and_an_autoscaler():
    config = by_kind("ConfigMap")["suite-config"]["data"]
    deployments, autoscalers = by_kind("Deployment"), by_kind("HorizontalPodAutoscaler")
    assert set(deployments) == set(PARTS) and set(autoscalers) == set(PARTS)
    for part, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        assert container["ports"][0]["containerPort"] == DEFAULT_PORTS[part]
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
        assert pod["terminationGracePeriodSeconds"] > float(config["SHUTDOWN_GRACE_SECONDS"]) > float(config["RPC_TIMEOUT"])
        assert autoscalers[part]["spec"]["scaleTargetRef"]["name"] == part


def test_prometheus_scrapes_the_port_that_serves_metrics():
    # a service serves /metrics on its one port; the gateway on its ops port, never the public one
    for part, deployment in by_kind("Deployment").items():
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        ports = {port["containerPort"] for port in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]}
        metrics_port = DEFAULT_PORTS["gateway_ops" if part == "gateway" else part]
        assert annotations["prometheus.io/path"] == "/metrics"
        assert int(annotations["prometheus.io/port"]) == metrics_port and metrics_port in ports, part


# the shared secrets a part reads, and only those (gateway/app.py, services/reception/visitors.py; the keys of
# personal data at rest, services/kit/crypto.py, where a phone number is kept)
SHARED_SECRETS_OF = {"gateway": {"JWT_SECRET", "JWT_PREVIOUS_SECRET"}, "reception": {"ID_NUMBER_HASH_KEY"},
                     "vehicles": {"PII_KEYS"}, "integrations": {"PII_KEYS"}}


def env_of(pod_spec) -> dict:
    return {item["name"]: item for item in pod_spec["containers"][0].get("env", [])}


def test_secrets_come_from_secrets_never_from_the_manifests_or_the_image():
    for part, deployment in by_kind("Deployment").items():
        env = env_of(deployment["spec"]["template"]["spec"])
        for secret in ("DB_USER", "DB_PASSWORD", "AMQP_PASSWORD", *SHARED_SECRETS_OF.get(part, ())):
            assert "secretKeyRef" in env[secret]["valueFrom"], (part, secret)
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "SECRET" not in dockerfile and "PASSWORD" not in dockerfile


def test_each_part_gets_its_own_database_role_and_only_the_secrets_it_reads():
    jobs = by_kind("Job")
    for part, deployment in by_kind("Deployment").items():
        for pod in (deployment["spec"]["template"]["spec"], jobs[f"migrate-{part}"]["spec"]["template"]["spec"]):
            env = env_of(pod)
            assert [name for name in env if name.endswith("_DATABASE_URL")] == [f"{part.upper()}_DATABASE_URL"], part
            assert env[f"{part.upper()}_DATABASE_URL"]["value"].endswith(f"/{part}")
            assert {env[name]["valueFrom"]["secretKeyRef"]["name"] for name in ("DB_USER", "DB_PASSWORD")} == \
                {f"suite-pg-{part}"}
            shared = {name for name in env if name in {"JWT_SECRET", "JWT_PREVIOUS_SECRET", "ID_NUMBER_HASH_KEY",
                                                       "PII_KEYS"}}
            assert shared <= SHARED_SECRETS_OF.get(part, set()), (part, shared)
    cluster = by_kind("Cluster")["suite-pg"]["spec"]
    roles = {role["name"]: role["passwordSecret"]["name"] for role in cluster["managed"]["roles"]}
    roles[cluster["bootstrap"]["initdb"]["owner"]] = cluster["bootstrap"]["initdb"]["secret"]["name"]
    assert roles == {part: f"suite-pg-{part}" for part in PARTS}
    assert {doc["spec"]["name"]: doc["spec"]["owner"] for doc in by_kind("Database").values()} == \
        {part: part for part in SERVICES}


def test_the_gateway_takes_the_previous_jwt_secret_for_a_rotation():
    env = env_of(by_kind("Deployment")["gateway"]["spec"]["template"]["spec"])
    ref = env["JWT_PREVIOUS_SECRET"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "suite-secrets", "key": "JWT_PREVIOUS_SECRET", "optional": True}


def test_every_part_keeps_a_pod_through_a_drain():
    budgets = by_kind("PodDisruptionBudget")
    for part, deployment in by_kind("Deployment").items():
        budget = budgets[part]["spec"]
        assert budget["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
        assert budget["minAvailable"] == 1 < by_kind("HorizontalPodAutoscaler")[part]["spec"]["minReplicas"]


def test_network_policies_let_each_part_reach_its_database_and_the_broker_only():
    policies = by_kind("NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"]["matchLabels"] == {"app.kubernetes.io/part-of": "county-logistics"}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"} and not deny.get("ingress") and not deny.get("egress")
    database = {"podSelector": {"matchLabels": {"cnpg.io/cluster": "suite-pg"}}}
    broker = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "suite-rabbitmq"}}}
    for part, deployment in by_kind("Deployment").items():
        assert deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "county-logistics"
        spec = policies[part]["spec"]
        assert spec["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": part}
        reached = [(rule["to"][0], [p["port"] for p in rule["ports"]]) for rule in spec["egress"]]
        assert (database, [5432]) in reached and (broker, [5672]) in reached
        others = [(to, ports) for to, ports in reached if to not in (database, broker) and ports != [53, 53]]
        if part == "integrations":  # webhook receivers
            assert others == [({"ipBlock": {"cidr": "0.0.0.0/0"}}, [443, 80])]
        elif part == "notifications":  # the county's mail server
            assert others == [({"ipBlock": {"cidr": "0.0.0.0/0"}}, [25, 465, 587])]
        else:
            assert others == [], part
        allowed_in = {p["port"] for rule in spec["ingress"] for p in rule["ports"]}
        metrics = DEFAULT_PORTS["gateway_ops" if part == "gateway" else part]
        assert allowed_in == ({metrics, DEFAULT_PORTS["gateway"]} if part == "gateway" else {metrics})
    for job in by_kind("Job").values():
        assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"


def test_the_gateway_is_served_over_tls_by_cert_manager():
    [ingress] = by_kind("Ingress").values()
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
    [tls] = ingress["spec"]["tls"]
    hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
    assert tls["secretName"] and set(tls["hosts"]) == hosts
    backends = {path["backend"]["service"]["name"] + ":" + path["backend"]["service"]["port"]["name"]
                for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
    assert backends == {"gateway:http"}


def test_each_database_owner_has_a_database_and_a_migration_job():
    jobs = by_kind("Job")
    databases = {doc["spec"]["name"] for doc in by_kind("Database").values()}
    initdb = by_kind("Cluster")["suite-pg"]["spec"]["bootstrap"]["initdb"]["database"]
    assert databases | {initdb} == set(PARTS)
    for owner in PARTS:
        command = " ".join(jobs[f"migrate-{owner}"]["spec"]["template"]["spec"]["containers"][0]["command"])
        assert f"services.kit.migrate {owner}" in command


def test_rabbitmq_runs_three_nodes_with_quorum_queues_by_default():
    cluster = by_kind("RabbitmqCluster")["suite-rabbitmq"]
    assert cluster["spec"]["replicas"] == 3
    assert "default_queue_type = quorum" in cluster["spec"]["rabbitmq"]["additionalConfig"]


def test_the_production_overlay_patches_what_the_base_has():
    overlay = yaml.safe_load((ROOT / "deploy" / "k8s" / "overlays" / "production" / "kustomization.yaml").read_text())
    assert overlay["resources"] == ["../../base"]
    for patch in overlay.get("patches", []):
        kind, name = patch["target"]["kind"], patch["target"]["name"]
        assert name in by_kind(kind)


def test_every_database_is_backed_up_with_wal_archiving_to_an_object_store():
    cluster = by_kind("Cluster")["suite-pg"]["spec"]
    assert "backup" not in cluster  # the built-in Barman support is deprecated (CloudNativePG 1.26)
    [plugin] = [p for p in cluster["plugins"] if p["name"] == BARMAN_PLUGIN]
    assert plugin["isWALArchiver"] is True
    store = by_kind("ObjectStore")[plugin["parameters"]["barmanObjectName"]]["spec"]
    assert store["retentionPolicy"] == "30d"
    assert store["configuration"]["destinationPath"].startswith("s3://")
    assert {ref["name"] for ref in store["configuration"]["s3Credentials"].values()} == {"suite-backup-s3"}
    [scheduled] = by_kind("ScheduledBackup").values()
    assert scheduled["spec"]["cluster"]["name"] == "suite-pg" and scheduled["spec"]["method"] == "plugin"
    assert scheduled["spec"]["pluginConfiguration"]["name"] == BARMAN_PLUGIN
    assert len(scheduled["spec"]["schedule"].split()) == 6  # CloudNativePG's schedule has seconds first
    # the cluster's databases are every owner's: one WAL stream, one base backup, all of them
    databases = {doc["spec"]["name"] for doc in by_kind("Database").values()}
    assert databases | {cluster["bootstrap"]["initdb"]["database"]} == set(PARTS)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_the_examples_validate(path):
    for doc in yaml.safe_load_all(path.read_text()):
        for version in KUBERNETES_VERSIONS:
            kubernetes_validate.validate(doc, version, strict=True)
