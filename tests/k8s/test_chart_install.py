"""A real `helm install` into a real kube-apiserver + etcd, then upgrade, then uninstall.

No kubelet or controllers run, so nothing schedules: what is proven is that the API server
accepts every object of the release (authentication, RBAC, admission, schema, CRD validation
of the chart's ShardSet CRD and the add-on CRDs), that generated secrets survive an upgrade,
and that `helm uninstall` leaves nothing of the release behind.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

CHART = Path(__file__).resolve().parents[2] / "charts" / "movieweb"
pytestmark = pytest.mark.k8s  # needs the real kube-apiserver + etcd
RELEASE = "mw"


def release_objects(helm, kubeconfig: Path, namespace: str) -> list[dict]:
    manifest = helm("get", "manifest", RELEASE, "-n", namespace, kubeconfig=kubeconfig).stdout
    return [d for d in yaml.safe_load_all(manifest) if d]


def get(api, obj: dict, namespace: str):
    return api.http.get(
        api.path(
            obj["apiVersion"],
            obj["kind"],
            obj["metadata"].get("namespace") or namespace,
            obj["metadata"]["name"],
        )
    )


@pytest.mark.parametrize("value_set", ["default", "external-db"])
def test_install_upgrade_uninstall(api, helm, control_plane, value_set: str) -> None:
    namespace = f"install-{value_set}"
    kc = control_plane.kubeconfig
    values = ["-f", str(CHART / "ci" / f"{value_set}-values.yaml")]
    before_cluster = cluster_scoped_names(api)

    out = helm(
        "install",
        RELEASE,
        str(CHART),
        "-n",
        namespace,
        "--create-namespace",
        "--wait=false",
        "--timeout",
        "60s",
        *values,
        kubeconfig=kc,
    )
    assert "STATUS: deployed" in out.stdout
    assert "https://movieweb.local" in out.stdout  # NOTES.txt

    objs = release_objects(helm, kc, namespace)
    assert len(objs) > 30
    for obj in objs:
        resp = get(api, obj, namespace)
        assert resp.status_code == 200, (
            f"{obj['kind']}/{obj['metadata']['name']} not stored: {resp.text}"
        )
    if value_set == "default":
        shardsets = api.http.get(
            f"/apis/movieweb.io/v1alpha1/namespaces/{namespace}/shardsets"
        ).json()["items"]
        assert sorted(s["spec"]["service"] for s in shardsets) == [
            "movies",
            "relations",
            "reviews",
            "users",
        ]
        assert all(s["spec"]["slots"] == 4096 for s in shardsets)

    secret_path = f"/api/v1/namespaces/{namespace}/secrets/mw-movieweb-jwt"
    key_before = api.http.get(secret_path).json()["data"]["signing-key.pem"]
    assert b"BEGIN PRIVATE KEY" in base64.b64decode(key_before)

    helm(
        "upgrade",
        RELEASE,
        str(CHART),
        "-n",
        namespace,
        "--wait=false",
        "--set",
        "logLevel=DEBUG",
        *values,
        kubeconfig=kc,
    )
    assert api.http.get(secret_path).json()["data"]["signing-key.pem"] == key_before, (
        "JWT key changed on upgrade"
    )
    gateway = api.http.get(
        f"/apis/apps/v1/namespaces/{namespace}/deployments/mw-movieweb-gateway"
    ).json()
    env = {
        e["name"]: e.get("value")
        for e in gateway["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["MOVIEWEB_GATEWAY_LOG_LEVEL"] == "DEBUG"

    present = api.list_namespaced(namespace)
    assert "Deployment/mw-movieweb-gateway" in present
    assert "NetworkPolicy/mw-movieweb-default-deny" in present
    # `helm test` needs a kubelet to run its pod; its manifest is accepted by the dry-run test.
    helm("uninstall", RELEASE, "-n", namespace, "--wait", "--timeout", "60s", kubeconfig=kc)
    left = [o for o in api.list_namespaced(namespace) if o != "ServiceAccount/default"]
    assert not left, f"left behind in {namespace}: {left}"
    assert cluster_scoped_names(api) == before_cluster, "cluster-scoped objects left behind"
    assert helm("list", "-n", namespace, "-q", kubeconfig=kc).stdout.strip() == ""


def cluster_scoped_names(api) -> set[str]:
    names = set()
    for path, kind in (
        ("/apis/rbac.authorization.k8s.io/v1/clusterroles", "ClusterRole"),
        ("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "ClusterRoleBinding"),
    ):
        for item in api.http.get(path).json()["items"]:
            names.add(f"{kind}/{item['metadata']['name']}")
    return names


def test_shardset_crd_validation(api, make_namespace) -> None:
    """The ShardSet CRD rejects bad specs with clear messages; slots and service are immutable."""
    namespace = make_namespace("crd-shardset")
    base = {
        "apiVersion": "movieweb.io/v1alpha1",
        "kind": "ShardSet",
        "metadata": {"name": "movies", "namespace": namespace},
        "spec": {"service": "movies", "shards": 2},
    }

    def spec(**kw):
        return {**base, "spec": {**base["spec"], **kw}}

    for bad, message in (
        (spec(shards=65), "spec.shards"),
        (spec(shards=0), "spec.shards"),
        (spec(service="ratings"), "spec.service"),
        (spec(reclaimPolicy="Keep"), "spec.reclaimPolicy"),
        (spec(unknown=1), 'unknown field "spec.unknown"'),
    ):
        resp = api.create(bad, dry_run=True)
        assert resp.status_code in (400, 422), bad
        assert message in resp.json()["message"], resp.json()["message"]

    created = api.create(base)
    assert created.status_code == 201, created.text
    obj = created.json()
    assert obj["spec"]["slots"] == 4096
    assert obj["spec"]["reclaimPolicy"] == "Retain"
    path = f"/apis/movieweb.io/v1alpha1/namespaces/{namespace}/shardsets/movies"
    patch = api.http.patch(
        path,
        json={"spec": {"slots": 1024}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patch.status_code == 422
    assert "spec.slots is immutable" in patch.json()["message"]
    patch = api.http.patch(
        path, json={"spec": {"shards": 3}}, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert patch.status_code == 200
    status = api.http.patch(
        path + "/status",
        headers={"Content-Type": "application/merge-patch+json"},
        json={
            "status": {
                "phase": "Ready",
                "readyShards": 3,
                "shardMapVersion": 2,
                "observedGeneration": 2,
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "AllShardsReady",
                        "message": "3/3 shards ready",
                        "lastTransitionTime": "2026-01-01T00:00:00Z",
                    }
                ],
            }
        },
    )
    assert status.status_code == 200, status.text
    table = api.http.get(
        path, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
    ).json()
    columns = [c["name"] for c in table["columnDefinitions"]]
    assert columns[:7] == ["Name", "Service", "Shards", "Ready", "Phase", "Map", "Age"]
    assert table["rows"][0]["cells"][1:6] == ["movies", 3, 3, "Ready", 2]
    assert api.http.delete(path).status_code == 200
