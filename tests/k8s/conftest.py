"""Fixtures of the chart tests: the tools from bin/, rendered value sets, a real control plane.

The control plane is etcd + kube-apiserver built from their Go modules by
scripts/k8s/build-tools.sh (see scripts/k8s/controlplane.py). In CI (CI set) missing tools are
a failure with the command to run; on a laptop without them the tests that need them skip.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "movieweb"
VALUE_SETS = sorted(
    p.name.removesuffix("-values.yaml") for p in (CHART / "ci").glob("*-values.yaml")
)
ADDON_CRDS = sorted((Path(__file__).parent / "crds").glob("*.yaml"))
CHART_CRDS = sorted((CHART / "crds").glob("*.yaml"))


def _load_controlplane():
    spec = importlib.util.spec_from_file_location(
        "movieweb_k8s_controlplane", REPO / "scripts/k8s/controlplane.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


controlplane = _load_controlplane()


def _need_tools(*names: str) -> None:
    missing = [n for n in names if n in controlplane.missing_tools()]
    if not missing:
        return
    msg = (
        f"missing {', '.join(missing)} in {controlplane.BIN}: run scripts/k8s/build-tools.sh "
        f"(builds kube-apiserver, etcd and helm from their Go modules, cached by version)"
    )
    if os.environ.get("CI"):
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def k8s_versions() -> dict[str, str]:
    return controlplane.versions()


@pytest.fixture(scope="session")
def helm() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run bin/helm; raises with its output when it fails (unless check=False)."""
    _need_tools("helm")

    def run(
        *args: str, check: bool = True, kubeconfig: Path | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "HELM_CACHE_HOME": str(REPO / "bin" / ".helm" / "cache"),
            "HELM_CONFIG_HOME": str(REPO / "bin" / ".helm" / "config"),
            "HELM_DATA_HOME": str(REPO / "bin" / ".helm" / "data"),
        }
        if kubeconfig is not None:
            env["KUBECONFIG"] = str(kubeconfig)
        proc = subprocess.run(
            [str(controlplane.BIN / "helm"), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"helm {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    return run


def values_args(value_set: str) -> list[str]:
    return ["-f", str(CHART / "ci" / f"{value_set}-values.yaml")]


@pytest.fixture(scope="session")
def render(helm) -> Callable[..., list[dict[str, Any]]]:
    """Render the chart for a value set (cached): the list of objects `helm template` prints."""
    cache: dict[tuple[str, str, tuple[str, ...]], list[dict[str, Any]]] = {}

    def _render(
        value_set: str = "default", namespace: str = "movieweb", extra: tuple[str, ...] = ()
    ) -> list[dict[str, Any]]:
        key = (value_set, namespace, extra)
        if key not in cache:
            out = helm(
                "template",
                "mw",
                str(CHART),
                "--namespace",
                namespace,
                *values_args(value_set),
                *extra,
            ).stdout
            cache[key] = [d for d in yaml.safe_load_all(out) if d]
        return cache[key]

    return _render


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real etcd + kube-apiserver on loopback (no kubelet), for the whole session."""
    _need_tools("etcd", "kube-apiserver")
    with controlplane.ControlPlane(tmp_path_factory.mktemp("controlplane")) as cp:
        yield cp


@pytest.fixture(scope="session")
def api(control_plane) -> Iterator[Any]:
    """The control plane's API with the add-on CRDs and the chart's CRDs installed."""
    with control_plane.client() as http:
        client = controlplane.Api(http)
        crds = controlplane.load_yaml_docs([*ADDON_CRDS, *CHART_CRDS])
        client.apply_all(crds)
        client.wait_established([c["metadata"]["name"] for c in crds])
        yield client


@pytest.fixture(scope="session")
def make_namespace(api) -> Callable[[str], str]:
    """Create a namespace with its `default` ServiceAccount (what kube-controller-manager would add)."""

    def make(name: str) -> str:
        api.apply_all(
            [
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
                {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"name": "default", "namespace": name},
                },
            ]
        )
        return name

    return make


def pod_specs(
    objs: list[dict[str, Any]],
) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, str]]]:
    """(object, pod spec, pod labels) of every workload and bare pod."""
    for obj in objs:
        kind = obj["kind"]
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
            tpl = obj["spec"]["template"]
            yield obj, tpl["spec"], tpl["metadata"].get("labels", {})
        elif kind == "CronJob":
            tpl = obj["spec"]["jobTemplate"]["spec"]["template"]
            yield obj, tpl["spec"], tpl["metadata"].get("labels", {})
        elif kind == "Pod":
            yield obj, obj["spec"], obj["metadata"].get("labels", {})
