"""helm lint --strict and helm template over every value set, and what the schema refuses."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

CHART = Path(__file__).resolve().parents[2] / "charts" / "movieweb"
VALUE_SETS = sorted(
    p.name.removesuffix("-values.yaml") for p in (CHART / "ci").glob("*-values.yaml")
)


def values_args(value_set: str) -> list[str]:
    return ["-f", str(CHART / "ci" / f"{value_set}-values.yaml")]


REQUIRED_SETS = {"default", "external-db", "gateway-api", "no-autoscaling", "shards"}


def test_value_sets_cover_the_required_cases() -> None:
    assert set(VALUE_SETS) >= REQUIRED_SETS


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_lint_strict(helm, value_set: str) -> None:
    out = helm("lint", "--strict", str(CHART), *values_args(value_set))
    assert "0 chart(s) failed" in out.stdout


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_template_renders_unique_objects(render, value_set: str) -> None:
    objs = render(value_set)
    assert objs, "nothing rendered"
    keys = Counter(
        (o["apiVersion"], o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"])
        for o in objs
    )
    dupes = [k for k, n in keys.items() if n > 1]
    assert not dupes, f"duplicate objects: {dupes}"
    for o in objs:
        labels = o["metadata"].get("labels", {})
        for key in (
            "app.kubernetes.io/name",
            "app.kubernetes.io/instance",
            "app.kubernetes.io/managed-by",
            "app.kubernetes.io/version",
            "helm.sh/chart",
        ):
            assert key in labels, f"{o['kind']}/{o['metadata']['name']} lacks label {key}"


def kinds(objs) -> Counter:
    return Counter(o["kind"] for o in objs)


def test_default_values_shape(render) -> None:
    objs = render("default")
    k = kinds(objs)
    assert k["Deployment"] == 7  # 4 services, gateway, web app, operator
    assert k["HorizontalPodAutoscaler"] == 6
    assert k["ShardSet"] == 4
    assert k["Ingress"] == 3  # API host, web host, web host's /v1 (ingress.webApiPath)
    assert k["StatefulSet"] == 1  # redis
    assert k["ServiceMonitor"] >= 1
    assert k["PrometheusRule"] == 1
    ingresses = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Ingress"}
    api = ingresses["mw-movieweb-api"]
    web = ingresses["mw-movieweb-web"]
    assert (
        api["metadata"]["annotations"]["nginx.ingress.kubernetes.io/upstream-hash-by"]
        == "$binary_remote_addr"
    )
    assert web["metadata"]["annotations"]["nginx.ingress.kubernetes.io/load-balance"] == "ewma"
    assert api["spec"]["rules"][0]["host"] == "api.movieweb.local"
    assert web["spec"]["rules"][0]["host"] == "movieweb.local"
    assert api["spec"]["tls"][0]["secretName"] == "movieweb-tls"
    dashboard = next(
        o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"].endswith("-dashboard")
    )
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["movieweb-overview.json"])["uid"] == "movieweb-overview"


def test_web_host_v1_goes_to_the_gateway(render) -> None:
    """One origin for the browser: movieweb.local/v1 reaches the API gateway, hashed by client."""
    objs = render("default")
    ingresses = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Ingress"}
    web_api = ingresses["mw-movieweb-web-api"]
    assert (
        web_api["metadata"]["annotations"]["nginx.ingress.kubernetes.io/upstream-hash-by"]
        == "$binary_remote_addr"
    )
    # EWMA would make ingress-nginx balance the gateway's upstream differently per Ingress.
    assert "nginx.ingress.kubernetes.io/load-balance" not in web_api["metadata"]["annotations"]
    assert web_api["spec"]["tls"] == [{"hosts": ["movieweb.local"], "secretName": "movieweb-tls"}]
    assert ingresses["mw-movieweb-web"]["spec"]["tls"][0]["hosts"] == ["movieweb.local"]
    # Every path of the web host, across Ingresses: / to the web app, /v1 to the gateway.
    paths = {
        (p["path"], p["pathType"]): p["backend"]["service"]
        for ing in ingresses.values()
        for rule in ing["spec"]["rules"]
        if rule["host"] == "movieweb.local"
        for p in rule["http"]["paths"]
    }
    assert paths == {
        ("/", "Prefix"): {"name": "mw-movieweb-webapp", "port": {"name": "http"}},
        ("/v1", "Prefix"): {"name": "mw-movieweb-gateway", "port": {"name": "http"}},
    }
    services = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Service"}
    assert (
        services["mw-movieweb-gateway"]["spec"]["selector"]["app.kubernetes.io/component"]
        == "gateway"
    )
    assert [p["name"] for p in services["mw-movieweb-gateway"]["spec"]["ports"]] == ["http"]
    # The API host stays for API clients.
    assert ingresses["mw-movieweb-api"]["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/"
    # The gateway accepts cookie writes from the web origin, with Secure cookies.
    gw = next(
        o
        for o in objs
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "mw-movieweb-gateway"
    )
    env = {
        e["name"]: e.get("value") for e in gw["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert "https://movieweb.local" in json.loads(env["MOVIEWEB_GATEWAY_ALLOWED_ORIGINS"])
    assert env["MOVIEWEB_GATEWAY_COOKIE_SECURE"] == "true"


def test_web_api_path_can_be_turned_off(render) -> None:
    ingresses = [
        o
        for o in render("default", extra=("--set", "ingress.webApiPath=false"))
        if o["kind"] == "Ingress"
    ]
    assert sorted(o["metadata"]["name"] for o in ingresses) == [
        "mw-movieweb-api",
        "mw-movieweb-web",
    ]
    web_routes = [
        o
        for o in render("gateway-api", extra=("--set", "ingress.webApiPath=false"))
        if o["kind"] == "HTTPRoute" and o["metadata"]["name"] == "mw-movieweb-web"
    ]
    assert [m["path"]["value"] for r in web_routes[0]["spec"]["rules"] for m in r["matches"]] == [
        "/"
    ]


def test_external_databases(render) -> None:
    objs = render("external-db")
    k = kinds(objs)
    assert k["ShardSet"] == 0
    assert k["StatefulSet"] == 0
    assert not [o for o in objs if o["metadata"]["name"].endswith("-operator")]
    deps = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Deployment"}
    env = {
        e["name"]: e
        for e in deps["mw-movieweb-relations"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["MOVIEWEB_RELATIONS_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "relations-dsn",
        "key": "dsn",
    }
    env = {
        e["name"]: e
        for e in deps["mw-movieweb-movies"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["MOVIEWEB_MOVIES_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "mw-movieweb-movies-db",
        "key": "database-url",
    }
    secrets = [o for o in objs if o["kind"] == "Secret" and o["metadata"]["name"].endswith("-db")]
    assert len(secrets) == 3  # relations uses its existing Secret
    gw = {
        e["name"]: e.get("value")
        for e in deps["mw-movieweb-gateway"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert gw["MOVIEWEB_GATEWAY_REDIS_URL"] == "redis://cache.example.internal:6379/0"


def test_gateway_api(render) -> None:
    objs = render("gateway-api")
    k = kinds(objs)
    assert k["Ingress"] == 0
    assert k["HTTPRoute"] == 2
    assert k["Gateway"] == 1
    assert k["UpstreamSettingsPolicy"] == 2
    policies = {
        o["metadata"]["name"]: o["spec"] for o in objs if o["kind"] == "UpstreamSettingsPolicy"
    }
    assert policies["mw-movieweb-web"]["loadBalancingMethod"] == "least_conn"
    assert policies["mw-movieweb-web"]["targetRefs"][0]["name"] == "mw-movieweb-webapp"
    assert policies["mw-movieweb-api"]["loadBalancingMethod"] == "hash consistent"
    assert policies["mw-movieweb-api"]["hashMethodKey"] == "$binary_remote_addr"
    assert policies["mw-movieweb-api"]["targetRefs"][0]["name"] == "mw-movieweb-gateway"
    # The web host's HTTPRoute sends /v1 to the gateway Service, which the API policy (client-IP
    # hash) targets, and everything else to the web app.
    routes = {o["metadata"]["name"]: o["spec"] for o in objs if o["kind"] == "HTTPRoute"}
    web = routes["mw-movieweb-web"]
    assert web["hostnames"] == ["movieweb.local"]
    assert web["parentRefs"][0]["sectionName"] == "https-web"
    by_path = {
        (m["path"]["type"], m["path"]["value"]): rule["backendRefs"]
        for rule in web["rules"]
        for m in rule["matches"]
    }
    assert by_path == {
        ("PathPrefix", "/"): [{"name": "mw-movieweb-webapp", "port": 8080}],
        ("PathPrefix", "/v1"): [{"name": "mw-movieweb-gateway", "port": 8000}],
    }
    assert policies["mw-movieweb-api"]["targetRefs"] == [
        {"group": "", "kind": "Service", "name": by_path[("PathPrefix", "/v1")][0]["name"]}
    ]
    gateway = next(o for o in objs if o["kind"] == "Gateway")
    web_listener = next(x for x in gateway["spec"]["listeners"] if x["name"] == "https-web")
    assert (web_listener["hostname"], web_listener["protocol"]) == ("movieweb.local", "HTTPS")
    assert web_listener["tls"]["certificateRefs"][0]["name"] == "movieweb-tls"
    shared = render("gateway-api-shared-gateway")
    routes = [o for o in shared if o["kind"] == "HTTPRoute"]
    assert all(r["spec"]["parentRefs"][0]["name"] == "shared-gateway" for r in routes)
    assert not [o for o in shared if o["kind"] in ("Gateway", "UpstreamSettingsPolicy")]


def test_no_autoscaling(render) -> None:
    objs = render("no-autoscaling")
    assert kinds(objs)["HorizontalPodAutoscaler"] == 0
    replicas = {
        o["metadata"]["name"]: o["spec"].get("replicas") for o in objs if o["kind"] == "Deployment"
    }
    assert replicas["mw-movieweb-movies"] == 3
    assert replicas["mw-movieweb-gateway"] == 4
    assert replicas["mw-movieweb-users"] == 2
    assert replicas["mw-movieweb-webapp"] == 1


def test_autoscaling_leaves_replicas_to_the_hpa(render) -> None:
    objs = render("default")
    hpas = {
        o["spec"]["scaleTargetRef"]["name"]: o["spec"]
        for o in objs
        if o["kind"] == "HorizontalPodAutoscaler"
    }
    for dep in (o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"] in hpas):
        assert "replicas" not in dep["spec"], dep["metadata"]["name"]
    gw = hpas["mw-movieweb-gateway"]
    assert (gw["minReplicas"], gw["maxReplicas"]) == (2, 12)
    assert gw["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300
    assert {m["resource"]["name"] for m in gw["metrics"]} == {"cpu", "memory"}


def test_shards(render) -> None:
    objs = render("shards")
    shardsets = {o["spec"]["service"]: o["spec"] for o in objs if o["kind"] == "ShardSet"}
    assert {s: v["shards"] for s, v in shardsets.items()} == {
        "movies": 3,
        "users": 3,
        "reviews": 8,
        "relations": 4,
    }
    assert shardsets["reviews"]["storage"] == {"size": "20Gi", "storageClassName": "fast-ssd"}
    assert shardsets["reviews"]["reclaimPolicy"] == "Delete"
    reviews = next(
        o
        for o in objs
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "mw-movieweb-reviews"
    )
    vol = next(
        v for v in reviews["spec"]["template"]["spec"]["volumes"] if v["name"] == "db-credentials"
    )
    assert [s["secret"]["name"] for s in vol["projected"]["sources"]] == [
        f"mw-movieweb-reviews-{i}-app" for i in range(8)
    ]
    images = {
        c["image"]
        for o in objs
        if o["kind"] == "Deployment"
        for c in o["spec"]["template"]["spec"]["containers"]
    }
    assert "registry.example.internal/movieweb/gateway:0.1.0-rc.1" in images


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "image.tag=latest"], "/image/tag"),
        (["--set", "database.shardSet.shards=65"], "shards"),
        (["--set", "database.mode=sqlite"], "mode"),
        (["--set", "services.movies.resources.limits=null"], "limits"),
        (["--set", "securityContext.readOnlyRootFilesystem=false"], "readOnlyRootFilesystem"),
        (["--set", "podSecurityContext.runAsNonRoot=false"], "runAsNonRoot"),
        (["--set", "unknownKey=1"], "unknownKey"),
        (["--set", "database.mode=external"], "database.external.movies.url"),
        (["--set", "redis.enabled=false"], "redis.externalUrl"),
    ],
)
def test_bad_values_are_refused(helm, args: list[str], message: str) -> None:
    proc = helm("template", "mw", str(CHART), *args, check=False)
    assert proc.returncode != 0, f"helm accepted {args}"
    assert message in proc.stderr, proc.stderr


def test_readme_values_table_is_current() -> None:
    import subprocess
    import sys

    script = CHART.parents[1] / "scripts" / "k8s" / "gen_chart_readme.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, (
        f"run python3 {script.relative_to(CHART.parents[1])} ({proc.stderr})"
    )


def test_notes_show_the_urls(helm, api, control_plane) -> None:
    out = helm(
        "install",
        "mw",
        str(CHART),
        "--dry-run=server",
        "-n",
        "notes",
        "--create-namespace",
        kubeconfig=control_plane.kubeconfig,
    ).stdout
    notes = out[out.index("NOTES:") :]
    assert "https://movieweb.local" in notes
    assert "https://api.movieweb.local" in notes
    assert "BEGIN PRIVATE KEY" not in notes
