"""What the deploy tests share: paths, the deploy files parsed once, and the validators.

The validators are third-party tools (PyPI packages, and kubectl for ``kustomize``). On a
developer's machine a missing one skips its tests with the package to install; with ``CI=true``
it fails instead, so CI can never go green by validating nothing.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
BOT_IMAGE = "partner-glossary-bot"
"""The image name the k8s manifests use; kustomization.yaml maps it to a registry."""

Doc = dict[str, Any]


def _missing(what: str) -> NoReturn:
    reason = f"{what}: needed to validate the deploy files"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


def require(module: str, package: str) -> ModuleType:
    """Import ``module`` from the PyPI ``package``, or skip (fail under CI) naming the package."""
    try:
        return importlib.import_module(module)
    except ImportError:
        _missing(f"{package} is not installed (pip install {package})")


def require_binary(name: str, how: str) -> str:
    """The path of a command-line tool, looked up beside this Python first (a venv's bin/)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        _missing(f"{name} is not on PATH ({how})")
    return found


def yaml_file(path: Path) -> Doc:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict), path
    return loaded


def yaml_docs(text: str) -> list[Doc]:
    """Every non-empty document of a YAML stream, such as ``kubectl kustomize`` output."""
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def kustomization() -> Doc:
    return yaml_file(K8S / "kustomization.yaml")


def k8s_resources() -> dict[str, Doc]:
    """The resources kustomization.yaml lists, keyed ``Kind/name``, one document per file."""
    found: dict[str, Doc] = {}
    for name in kustomization()["resources"]:
        for doc in yaml_docs((K8S / name).read_text()):
            found[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return found


def pod_spec(resource: Doc) -> Doc:
    """The pod template's spec of a Deployment or a Job."""
    spec: Doc = resource["spec"]["template"]["spec"]
    return spec


def env_of(container: Doc) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container.get("env", [])}
