"""Fixtures of the operator tests: the real control plane of tests/k8s, the operator running
as it runs in the cluster (``kopf run`` in a subprocess, as its own ServiceAccount under the
RBAC of operator/deploy/rbac.yaml), and a Kubernetes client for the assertions.

The control plane (etcd + kube-apiserver, no kubelet, no controller-manager) comes from
tests/k8s/conftest.py, loaded here rather than copied. Without a controller-manager nothing
creates pods or claims and no garbage collector follows owner references: the tests set
StatefulSet status and create claims themselves where a controller would.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config

_HERE = Path(__file__).resolve().parent


def _load(name: str, path: Path) -> Any:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec
        assert spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


testkit = _load("movieweb_operator_testkit", _HERE / "testkit.py")
_k8s = _load("movieweb_tests_k8s_conftest", _HERE.parent / "k8s" / "conftest.py")

from movieweb_operator_testkit import (  # noqa: E402
    NAMESPACE,
    Cluster,
    OperatorProcess,
    prepare_namespace,
)

# The fixtures of tests/k8s, re-exported: etcd + kube-apiserver for the session, with the
# chart's CRDs (ShardSet) installed.
control_plane = _k8s.control_plane
api = _k8s.api


@pytest.fixture(scope="session")
def kube_admin(control_plane: Any) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(control_plane.kubeconfig))


@pytest.fixture(scope="session")
def operator_namespace(
    api: Any, kube_admin: client.ApiClient, control_plane: Any
) -> tuple[str, Path]:
    return NAMESPACE, prepare_namespace(api, kube_admin, control_plane, NAMESPACE)


@pytest.fixture(scope="session")
def operator(operator_namespace: tuple[str, Path], control_plane: Any) -> Iterator[OperatorProcess]:
    """The operator, running for the whole session (standalone)."""
    _, kubeconfig = operator_namespace
    proc = OperatorProcess(kubeconfig, control_plane.workdir, "operator")
    try:
        proc.wait_healthy()
        yield proc
    finally:
        proc.stop()
        # Visible with -rA / on failure: what the operator said.
        sys.stderr.write(f"\n--- operator log tail ---\n{proc.log()[-3000:]}\n")


@pytest.fixture(scope="session")
def cluster(kube_admin: client.ApiClient, operator_namespace: tuple[str, Path]) -> Cluster:
    # The storage class of the test ShardSets; expandable, so that claims can grow.
    with contextlib.suppress(client.ApiException):
        client.StorageV1Api(kube_admin).create_storage_class(
            {
                "metadata": {"name": "fast"},
                "provisioner": "example.com/none",
                "allowVolumeExpansion": True,
            }
        )
    return Cluster(kube_admin, operator_namespace[0])
