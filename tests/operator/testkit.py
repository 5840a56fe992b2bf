"""Helpers of the operator tests, loaded by conftest.py as the module ``movieweb_operator_testkit``.

A plain module name: this folder is not a package (as a package it would be named
``operator`` and shadow the standard library module of that name).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import importlib.util
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml
from kubernetes import client
from movieweb_shared.sharding import ShardMap

REPO = Path(__file__).resolve().parents[2]
OPERATOR = REPO / "operator"
NAMESPACE = "mw-operator"
SERVICE_ACCOUNT = "movieweb-operator"
PEERING = "movieweb-operator"
# Short enough that drift repair is observable within a test, long enough to stay quiet.
RECONCILE_INTERVAL_S = 2.0


def _controlplane() -> Any:
    """scripts/k8s/controlplane.py (the Kubernetes engineer's), loaded once by path."""
    name = "movieweb_k8s_controlplane"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts/k8s/controlplane.py")
        assert spec
        assert spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


controlplane = _controlplane()


def eventually(
    check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2, what: str = ""
) -> Any:
    """Poll ``check`` until it returns a truthy value (returned) or fails on timeout."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = check()
            if last:
                return last
        except (AssertionError, KeyError, TypeError, AttributeError) as exc:
            # Not there yet (e.g. no status so far): keep polling, report it on timeout.
            last = exc
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what or check}: last {last!r}"
            )
        time.sleep(interval)


def prepare_namespace(
    api: Any, kube_admin: client.ApiClient, control_plane: Any, namespace: str
) -> Path:
    """The namespace, kopf's peering CRDs and object, the operator's RBAC (operator/deploy)
    and a kubeconfig holding a token of the operator's ServiceAccount; returns its path."""
    peering_crds = controlplane.load_yaml_docs([OPERATOR / "crds/kopf-peering.yaml"])
    api.apply_all(peering_crds)
    api.wait_established([c["metadata"]["name"] for c in peering_crds])
    api.apply_all([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}])
    for doc in controlplane.load_yaml_docs(
        [OPERATOR / "deploy/rbac.yaml", OPERATOR / "deploy/peering.yaml"]
    ):
        doc = copy.deepcopy(doc)
        if "namespace" in doc["metadata"]:
            doc["metadata"]["namespace"] = namespace
        for subject in doc.get("subjects", []):
            subject["namespace"] = namespace
        api.apply_all([doc])
    # A bound token of the ServiceAccount (the TokenRequest API needs no controller).
    core = client.CoreV1Api(kube_admin)
    token = core.create_namespaced_service_account_token(
        SERVICE_ACCOUNT, namespace, {"spec": {"expirationSeconds": 3600 * 6}}
    ).status.token
    kubeconfig = control_plane.workdir / f"operator-{namespace}.kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "test",
                        "cluster": {
                            "server": control_plane.url,
                            "certificate-authority": str(control_plane.ca_file),
                        },
                    }
                ],
                "users": [{"name": "operator", "user": {"token": token}}],
                "contexts": [
                    {
                        "name": "test",
                        "context": {"cluster": "test", "user": "operator", "namespace": namespace},
                    }
                ],
                "current-context": "test",
            }
        )
    )
    kubeconfig.chmod(0o600)
    return kubeconfig


class OperatorProcess:
    """``kopf run -m movieweb_operator`` in a subprocess, as the operator's ServiceAccount."""

    def __init__(
        self,
        kubeconfig: Path,
        workdir: Path,
        name: str,
        *,
        namespace: str = NAMESPACE,
        peering: bool = False,
    ) -> None:
        self.health_port = controlplane.free_port()
        self.metrics_port = controlplane.free_port()
        self.log_path = workdir / f"{name}.log"
        env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(OPERATOR / "src"), os.environ.get("PYTHONPATH")])
            ),
            "MOVIEWEB_OPERATOR_RECONCILE_INTERVAL_S": str(RECONCILE_INTERVAL_S),
            "MOVIEWEB_OPERATOR_METRICS_HOST": "127.0.0.1",
            "MOVIEWEB_OPERATOR_METRICS_PORT": str(self.metrics_port),
            "MOVIEWEB_OPERATOR_LOG_LEVEL": "INFO",
        }
        if peering:
            env["POD_ID"] = name  # kopf's peer identity (the chart sets it to the pod name)
        args = [
            sys.executable,
            "-m",
            "kopf",
            "run",
            "--namespace",
            namespace,
            "-m",
            "movieweb_operator",
            f"--liveness=http://127.0.0.1:{self.health_port}/healthz",
        ]
        args += [f"--peering={PEERING}"] if peering else ["--standalone"]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            args,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.health_port}/healthz"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_healthy(self, timeout: float = 60) -> None:
        def up() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"operator exited with {self.proc.returncode}:\n{self.log()[-4000:]}"
                )
            with contextlib.suppress(httpx.HTTPError):
                return httpx.get(self.health_url, timeout=2).status_code == 200
            return False

        eventually(up, timeout=timeout, what="the operator's health endpoint")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=5)
        self._log.close()


class Cluster:
    """Typed access for the assertions (as the admin)."""

    def __init__(self, api_client: client.ApiClient, namespace: str) -> None:
        self.namespace = namespace
        self.core = client.CoreV1Api(api_client)
        self.apps = client.AppsV1Api(api_client)
        self.custom = client.CustomObjectsApi(api_client)

    def create_shardset(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        body = {
            "apiVersion": "movieweb.io/v1alpha1",
            "kind": "ShardSet",
            "metadata": {"name": name, "namespace": self.namespace},
            "spec": spec,
        }
        out: dict[str, Any] = self.custom.create_namespaced_custom_object(
            "movieweb.io", "v1alpha1", self.namespace, "shardsets", body
        )
        return out

    def shardset(self, name: str) -> dict[str, Any] | None:
        try:
            out: dict[str, Any] = self.custom.get_namespaced_custom_object(
                "movieweb.io", "v1alpha1", self.namespace, "shardsets", name
            )
        except client.ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return out

    def patch_shardset(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = self.custom.patch_namespaced_custom_object(
            "movieweb.io",
            "v1alpha1",
            self.namespace,
            "shardsets",
            name,
            {"spec": spec},
            _content_type="application/merge-patch+json",
        )
        return out

    def delete_shardset(self, name: str) -> None:
        self.custom.delete_namespaced_custom_object(
            "movieweb.io", "v1alpha1", self.namespace, "shardsets", name
        )

    def statefulset(self, name: str) -> client.V1StatefulSet | None:
        return _or_none(lambda: self.apps.read_namespaced_stateful_set(name, self.namespace))

    def service(self, name: str) -> client.V1Service | None:
        return _or_none(lambda: self.core.read_namespaced_service(name, self.namespace))

    def secret(self, name: str) -> dict[str, str] | None:
        found = _or_none(lambda: self.core.read_namespaced_secret(name, self.namespace))
        if found is None:
            return None
        return {k: base64.b64decode(v).decode() for k, v in (found.data or {}).items()}

    def configmap(self, name: str) -> client.V1ConfigMap | None:
        return _or_none(lambda: self.core.read_namespaced_config_map(name, self.namespace))

    def claims(self, selector: str = "") -> list[str]:
        items = self.core.list_namespaced_persistent_volume_claim(
            self.namespace, label_selector=selector
        ).items
        return sorted(c.metadata.name for c in items)


def _or_none(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except client.ApiException as exc:
        if exc.status == 404:
            return None
        raise


_ids = itertools.count()

SPEC: dict[str, Any] = {
    "service": "relations",
    "shards": 3,
    "postgres": {"image": "docker.io/library/postgres", "version": "17.6"},
    "storage": {"size": "2Gi", "storageClassName": "fast"},
    "resources": {
        "requests": {"cpu": "100m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    },
}


def new_name(prefix: str = "rel") -> str:
    return f"{prefix}-{next(_ids)}"


def condition(body: dict[str, Any] | None, type_: str) -> dict[str, Any]:
    for cond in ((body or {}).get("status") or {}).get("conditions") or []:
        if cond["type"] == type_:
            return dict(cond)
    return {}


def published_map(cluster: Cluster, name: str) -> ShardMap | None:
    cm = cluster.configmap(f"{name}-shardmap")
    if cm is None:
        return None
    return ShardMap.model_validate_json(cm.data["shardmap.json"])


def create_and_wait(cluster: Cluster, name: str, spec: dict[str, Any] | None = None) -> ShardMap:
    cluster.create_shardset(name, spec or SPEC)
    return eventually(lambda: published_map(cluster, name), what=f"the shard map of {name}")


def make_claims(cluster: Cluster, name: str, shards: int) -> list[str]:
    """The claims the StatefulSet controller would create from the claim templates, bound
    (as the volume controller would mark them)."""
    made = []
    for i in range(shards):
        claim = f"data-{name}-{i}-0"
        cluster.core.create_namespaced_persistent_volume_claim(
            cluster.namespace,
            {
                "metadata": {
                    "name": claim,
                    "labels": {"movieweb.io/shardset": name, "movieweb.io/shard": str(i)},
                },
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": "fast",
                    "resources": {"requests": {"storage": "2Gi"}},
                },
            },
        )
        cluster.core.patch_namespaced_persistent_volume_claim_status(
            claim, cluster.namespace, {"status": {"phase": "Bound", "capacity": {"storage": "2Gi"}}}
        )
        made.append(claim)
    return made
