"""deploy/k8s: every manifest valid for Kubernetes, kustomize renders it, and the parts agree.

``kubernetes-validate`` checks each document against the API's OpenAPI schemas in strict mode
(unknown fields fail), for the oldest Kubernetes we support and the newest it knows.
``kubectl kustomize`` (kustomize v5 inside kubectl) renders the kustomization as ``apply -k``
would. The cross-checks catch what no schema can: selectors that miss, a probe on the wrong
port, a grace period shorter than the bot's drain, a read-only root with no writable DATA_DIR.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.deploy.tools import (
    BOT_IMAGE,
    K8S,
    REPO,
    Doc,
    env_of,
    k8s_resources,
    pod_spec,
    require,
    require_binary,
    yaml_docs,
    yaml_file,
)

OLDEST_KUBERNETES = "1.29.0"
GLOSSARY_CONFIGMAP = "partner-glossary-bot-glossary"
CONFIGMAP_COMMAND = (
    f"kubectl create configmap {GLOSSARY_CONFIGMAP} --from-file=glossary/ --dry-run=client -o yaml"
)
"""deploy/README.md pipes this into ``kubectl apply --server-side -f -``."""
KUBECTL = "install kubectl, which bundles kustomize"


@pytest.fixture(scope="module")
def resources() -> dict[str, Doc]:
    return k8s_resources()


def validate_all(docs: list[Doc], version: str) -> list[str]:
    """Each document's kind/name once it passes strict validation (raises on the first error)."""
    kubernetes_validate = require("kubernetes_validate", "kubernetes-validate")
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)
    return [f"{doc['kind']}/{doc['metadata']['name']}" for doc in docs]


@pytest.mark.parametrize("version", [OLDEST_KUBERNETES, "latest"])
def test_every_manifest_is_valid_kubernetes(resources: dict[str, Doc], version: str) -> None:
    if version == "latest":
        version = require("kubernetes_validate", "kubernetes-validate").latest_version()
    secret = yaml_file(K8S / "secret.example.yaml")
    assert validate_all([*resources.values(), secret], version) == [
        "Deployment/partner-glossary-bot",
        "Service/partner-glossary-bot",
        "Job/partner-glossary-bot-migrate",
        "PodDisruptionBudget/partner-glossary-bot",
        "HorizontalPodAutoscaler/partner-glossary-bot",
        "Secret/partner-glossary-bot",
    ]


def test_strict_validation_rejects_a_misspelt_field(resources: dict[str, Doc]) -> None:
    kubernetes_validate = require("kubernetes_validate", "kubernetes-validate")
    container = dict(pod_spec(resources["Deployment/partner-glossary-bot"])["containers"][0])
    container["livenesProbe"] = container.pop("livenessProbe")
    broken = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}
    broken["spec"] = {"containers": [container]}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, OLDEST_KUBERNETES, strict=True)


def kubectl(*args: str) -> str:
    binary = require_binary("kubectl", KUBECTL)
    result = subprocess.run(
        [binary, *args], capture_output=True, text=True, cwd=REPO, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_kustomize_renders_the_listed_resources_with_the_registry_image() -> None:
    rendered = yaml_docs(kubectl("kustomize", str(K8S)))
    assert sorted(validate_all(rendered, OLDEST_KUBERNETES)) == [
        "Deployment/partner-glossary-bot",
        "HorizontalPodAutoscaler/partner-glossary-bot",
        "Job/partner-glossary-bot-migrate",
        "PodDisruptionBudget/partner-glossary-bot",
        "Service/partner-glossary-bot",
    ]
    images = {
        container["image"]
        for doc in rendered
        if doc["kind"] in ("Deployment", "Job")
        for container in pod_spec(doc)["containers"]
    }
    assert images == {"registry.example.com/partner-glossary-bot:0.1.0"}


def test_the_documented_glossary_configmap_is_valid_fits_and_is_the_one_mounted(
    resources: dict[str, Doc],
) -> None:
    assert CONFIGMAP_COMMAND in (REPO / "deploy" / "README.md").read_text()
    [configmap] = yaml_docs(kubectl(*CONFIGMAP_COMMAND.split()[1:]))
    assert validate_all([configmap], OLDEST_KUBERNETES) == [f"ConfigMap/{GLOSSARY_CONFIGMAP}"]
    glossary_files = sorted(p.name for p in (REPO / "glossary").iterdir() if p.is_file())
    assert sorted(configmap["data"]) == glossary_files
    # The API server refuses a ConfigMap over 1 MiB; server-side apply adds no annotation copy.
    assert sum(len(text.encode()) for text in configmap["data"].values()) < 1024 * 1024
    volumes = pod_spec(resources["Deployment/partner-glossary-bot"])["volumes"]
    assert {"name": "glossary", "configMap": {"name": GLOSSARY_CONFIGMAP}} in volumes


def test_service_pdb_and_hpa_find_the_deployment_and_not_the_job(
    resources: dict[str, Doc],
) -> None:
    deployment = resources["Deployment/partner-glossary-bot"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector == {
        "app.kubernetes.io/name": "partner-glossary-bot",
        "app.kubernetes.io/component": "http",
    }
    assert deployment["spec"]["template"]["metadata"]["labels"] == selector
    assert resources["Service/partner-glossary-bot"]["spec"]["selector"] == selector
    pdb = resources["PodDisruptionBudget/partner-glossary-bot"]["spec"]
    assert (pdb["selector"]["matchLabels"], pdb["maxUnavailable"]) == (selector, 1)
    job_labels = resources["Job/partner-glossary-bot-migrate"]["spec"]["template"]["metadata"]
    assert not selector.items() <= job_labels["labels"].items()
    hpa = resources["HorizontalPodAutoscaler/partner-glossary-bot"]["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "partner-glossary-bot",
    }
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 6)
    # The HPA owns the replica count; a fixed one would be reset on every apply.
    assert "replicas" not in deployment["spec"]


def bot_container(resources: dict[str, Doc]) -> Doc:
    [container] = pod_spec(resources["Deployment/partner-glossary-bot"])["containers"]
    assert isinstance(container, dict)
    return container


def test_probes_and_service_reach_the_port_the_bot_listens_on(
    resources: dict[str, Doc],
) -> None:
    container = bot_container(resources)
    assert container["ports"] == [{"name": "http", "containerPort": 3000}]
    assert env_of(container)["PORT"] == "3000"
    probes = {
        kind: (container[kind]["httpGet"]["path"], container[kind]["httpGet"]["port"])
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
    }
    assert probes == {
        "startupProbe": ("/healthz", "http"),
        "livenessProbe": ("/healthz", "http"),
        "readinessProbe": ("/readyz", "http"),
    }
    [port] = resources["Service/partner-glossary-bot"]["spec"]["ports"]
    assert port == {"name": "http", "port": 80, "targetPort": "http"}


def test_pods_get_the_time_to_drain_their_jobs(resources: dict[str, Doc]) -> None:
    spec = pod_spec(resources["Deployment/partner-glossary-bot"])
    container = bot_container(resources)
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop == ["sleep", "5"]
    grace = float(env_of(container)["SHUTDOWN_GRACE_S"])
    assert (spec["terminationGracePeriodSeconds"], grace) == (30, 20.0)
    assert int(pre_stop[1]) + grace < spec["terminationGracePeriodSeconds"]


@pytest.mark.parametrize(
    "name", ["Deployment/partner-glossary-bot", "Job/partner-glossary-bot-migrate"]
)
def test_pods_run_as_the_images_numeric_user_with_a_read_only_root(
    resources: dict[str, Doc], name: str
) -> None:
    spec = pod_spec(resources[name])
    context = spec["securityContext"]
    assert (context["runAsNonRoot"], context["runAsUser"], context["runAsGroup"]) == (
        True,
        10001,  # USER 10001:10001 in deploy/Dockerfile
        10001,
    )
    [container] = spec["containers"]
    assert container["image"] == BOT_IMAGE
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    # With a read-only root, DATA_DIR and /tmp must be volumes.
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert (mounts[env_of(container)["DATA_DIR"]], mounts["/tmp"]) == ("data", "tmp")
    assert container["envFrom"] == [{"secretRef": {"name": "partner-glossary-bot"}}]


def test_http_pods_read_the_glossary_from_the_configmap_and_leave_migrations_to_the_job(
    resources: dict[str, Doc],
) -> None:
    container = bot_container(resources)
    env = env_of(container)
    [mount] = [m for m in container["volumeMounts"] if m["name"] == "glossary"]
    # No subPath: kubelet only refreshes ConfigMap files in a whole-volume mount.
    assert mount == {"name": "glossary", "mountPath": env["GLOSSARY_PATH"], "readOnly": True}
    assert (env["AUTO_MIGRATE"], env["LOG_FORMAT"]) == ("false", "json")
    assert container["args"] == ["python", "-m", "bot", "serve"]
    [job] = pod_spec(resources["Job/partner-glossary-bot-migrate"])["containers"]
    assert job["args"] == ["python", "-m", "bot", "migrate"]
    assert container["resources"]["requests"]["cpu"] == "500m"  # the HPA's 100 %


def test_example_secret_is_left_out_of_the_kustomization() -> None:
    listed: list[Any] = yaml_file(K8S / "kustomization.yaml")["resources"]
    assert "secret.example.yaml" not in listed
    secret = yaml_file(K8S / "secret.example.yaml")
    assert sorted(secret["stringData"]) == [
        "DATABASE_URL",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
    ]
    assert all("replace-me" in value for value in secret["stringData"].values())
