"""Every rendered object validates against the pinned Kubernetes version's real API server.

Each object of each value set is sent to kube-apiserver (built from k8s.io/kubernetes at the
version in scripts/k8s/versions.env) as a server-side dry-run create with
fieldValidation=Strict: OpenAPI schema, unknown or duplicate fields, admission, and CRD
validation (structural schemas, CEL rules) for the add-on CRDs and the chart's own ShardSet.
Deprecation warnings fail too. Also checks that every kind rendered is in the server's
/openapi/v3 documents.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHART = Path(__file__).resolve().parents[2] / "charts" / "movieweb"
pytestmark = pytest.mark.k8s  # needs the real kube-apiserver + etcd
VALUE_SETS = sorted(
    p.name.removesuffix("-values.yaml") for p in (CHART / "ci").glob("*-values.yaml")
)


def test_server_is_the_pinned_version(api, k8s_versions) -> None:
    assert api.http.get("/version").json()["gitVersion"] == k8s_versions["K8S_VERSION"]


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_every_object_passes_server_side_dry_run(
    api, render, make_namespace, value_set: str
) -> None:
    namespace = make_namespace(f"dryrun-{value_set}"[:63])
    objs = render(value_set, namespace=namespace)
    failures = []
    for obj in objs:
        resp = api.create(obj, namespace=namespace, dry_run=True)
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        if resp.status_code >= 300:
            failures.append(f"{where}: {resp.status_code} {resp.json().get('message')}")
        elif resp.headers.get("Warning"):
            failures.append(f"{where}: warning {resp.headers['Warning']}")
    assert not failures, "\n".join(failures)


def test_rendered_kinds_are_in_the_openapi_documents(api, render) -> None:
    paths = api.http.get("/openapi/v3").raise_for_status().json()["paths"]
    kinds = {(o["apiVersion"], o["kind"]) for vs in VALUE_SETS for o in render(vs)}
    cache: dict[str, set[tuple[str, str]]] = {}
    missing = []
    for api_version, kind in sorted(kinds):
        key = f"api/{api_version}" if "/" not in api_version else f"apis/{api_version}"
        if key not in paths:
            missing.append(f"{api_version} (no OpenAPI document)")
            continue
        if key not in cache:
            doc = api.http.get(paths[key]["serverRelativeURL"]).raise_for_status().json()
            gvks = set()
            for schema in doc.get("components", {}).get("schemas", {}).values():
                for gvk in schema.get("x-kubernetes-group-version-kind", []):
                    gv = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
                    gvks.add((gv, gvk["kind"]))
            cache[key] = gvks
        if (api_version, kind) not in cache[key]:
            missing.append(f"{api_version} {kind}")
    assert not missing, f"not served by the pinned API server: {missing}"


def test_schema_catches_a_bad_object(api, render, make_namespace) -> None:
    """The dry-run really validates: a typo'd field and a bad CEL-checked policy are refused."""
    namespace = make_namespace("dryrun-negative")
    dep = next(o for o in render("default", namespace=namespace) if o["kind"] == "Deployment")
    bad = {**dep, "spec": {**dep["spec"], "replica": 3}}
    resp = api.create(bad, namespace=namespace, dry_run=True)
    assert resp.status_code == 400
    assert 'unknown field "spec.replica"' in resp.json()["message"]
    policy = next(
        o
        for o in render("gateway-api", namespace=namespace)
        if o["kind"] == "UpstreamSettingsPolicy" and o["spec"].get("hashMethodKey")
    )
    spec = {k: v for k, v in policy["spec"].items() if k != "hashMethodKey"}
    resp = api.create({**policy, "spec": spec}, namespace=namespace, dry_run=True)
    assert resp.status_code == 422
    assert "hashMethodKey is required" in resp.json()["message"]
