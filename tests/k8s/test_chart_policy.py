"""Policy checks over the rendered chart, for every value set.

Every container: non-root, read-only root filesystem, no privilege escalation, ALL
capabilities dropped, seccomp RuntimeDefault, requests and limits, probes (long-running
containers), a pinned image (never :latest). Every stateless Deployment has an HPA (when
autoscaling is on), every pod is selected by a NetworkPolicy, service accounts do not mount
API tokens unless the pod talks to the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CHART = Path(__file__).resolve().parents[2] / "charts" / "movieweb"
VALUE_SETS = sorted(
    p.name.removesuffix("-values.yaml") for p in (CHART / "ci").glob("*-values.yaml")
)
NEEDS_API_TOKEN = {"operator"}  # components that talk to the Kubernetes API


def pod_specs(objs: list[dict[str, Any]]):
    for obj in objs:
        if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            tpl = obj["spec"]["template"]
            yield obj, tpl["spec"], tpl["metadata"].get("labels", {})
        elif obj["kind"] == "Pod":
            yield obj, obj["spec"], obj["metadata"].get("labels", {})


def name_of(obj: dict[str, Any]) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def effective(pod: dict[str, Any], container: dict[str, Any], key: str) -> Any:
    """A security setting as the kubelet sees it: the container's, else the pod's."""
    c = container.get("securityContext", {})
    if key in c:
        return c[key]
    return pod.get("securityContext", {}).get(key)


def selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for k, v in selector.get("matchLabels", {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_containers_are_restricted(render, value_set: str) -> None:
    problems: list[str] = []
    for obj, pod, _labels in pod_specs(render(value_set)):
        if pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"):
            problems.append(f"{name_of(obj)} uses host namespaces")
        for vol in pod.get("volumes", []):
            if "hostPath" in vol:
                problems.append(f"{name_of(obj)} mounts a hostPath")
        for c in pod.get("initContainers", []) + pod["containers"]:
            where = f"{name_of(obj)} container {c['name']}"
            sc = c.get("securityContext", {})
            if effective(pod, c, "runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot is not true")
            uid = effective(pod, c, "runAsUser")
            if not isinstance(uid, int) or uid == 0:
                problems.append(f"{where}: runAsUser must be a non-zero UID, is {uid!r}")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem is not true")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if sc.get("privileged"):
                problems.append(f"{where}: privileged")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []) or sc.get(
                "capabilities", {}
            ).get("add"):
                problems.append(f"{where}: must drop ALL capabilities and add none")
            seccomp = (
                sc.get("seccompProfile")
                or pod.get("securityContext", {}).get("seccompProfile")
                or {}
            )
            if seccomp.get("type") != "RuntimeDefault":
                problems.append(f"{where}: seccompProfile is not RuntimeDefault")
            res = c.get("resources", {})
            for kind in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    if r not in res.get(kind, {}):
                        problems.append(f"{where}: no {kind}.{r}")
            image = c["image"]
            tag = image.rsplit("/", 1)[-1].partition(":")[2]
            if "@sha256:" not in image and (not tag or tag == "latest"):
                problems.append(f"{where}: image {image} is not pinned")
            if c.get("imagePullPolicy") == "Always":
                problems.append(f"{where}: imagePullPolicy Always (pinned tags need IfNotPresent)")
        is_test_hook = (
            obj["kind"] == "Pod"
            and obj["metadata"].get("annotations", {}).get("helm.sh/hook") == "test"
        )
        if not is_test_hook:
            for c in pod["containers"]:
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    if probe not in c:
                        problems.append(f"{name_of(obj)} container {c['name']}: no {probe}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_probes_use_the_health_endpoints(render, value_set: str) -> None:
    for obj, pod, labels in pod_specs(render(value_set)):
        if labels.get("app.kubernetes.io/component") not in (
            "movies",
            "users",
            "reviews",
            "relations",
            "gateway",
        ):
            continue
        c = pod["containers"][0]
        assert c["readinessProbe"]["httpGet"]["path"] == "/readyz", name_of(obj)
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz", name_of(obj)
        assert c["startupProbe"]["httpGet"]["path"] == "/healthz", name_of(obj)


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_service_account_tokens(render, value_set: str) -> None:
    for obj, pod, labels in pod_specs(render(value_set)):
        component = labels.get("app.kubernetes.io/component")
        wants = component in NEEDS_API_TOKEN
        assert pod.get("automountServiceAccountToken") is wants, (
            f"{name_of(obj)} automountServiceAccountToken"
        )
        if pod.get("serviceAccountName"):
            sa = [
                o
                for o in render(value_set)
                if o["kind"] == "ServiceAccount"
                and o["metadata"]["name"] == pod["serviceAccountName"]
            ]
            assert sa, f"{name_of(obj)}: ServiceAccount {pod['serviceAccountName']} is not rendered"
            assert sa[0].get("automountServiceAccountToken") is wants


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_every_stateless_deployment_has_an_hpa(render, value_set: str) -> None:
    objs = render(value_set)
    deployments = [
        o
        for o in objs
        if o["kind"] == "Deployment"
        and o["metadata"]["labels"].get("app.kubernetes.io/component") != "operator"
    ]
    hpas = {
        o["spec"]["scaleTargetRef"]["name"]: o
        for o in objs
        if o["kind"] == "HorizontalPodAutoscaler"
    }
    autoscaling = value_set != "no-autoscaling"
    for dep in deployments:
        name = dep["metadata"]["name"]
        if autoscaling:
            assert name in hpas, f"Deployment {name} has no HorizontalPodAutoscaler"
            hpa = hpas[name]
            assert hpa["apiVersion"] == "autoscaling/v2"
            assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
            assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
            assert "replicas" not in dep["spec"], f"{name}: the HPA owns replicas"
        else:
            assert not hpas
            assert dep["spec"]["replicas"] >= 1
    for name in hpas:
        assert name in {d["metadata"]["name"] for d in deployments}, f"HPA {name} targets nothing"


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_pdbs_and_topology_spread(render, value_set: str) -> None:
    objs = render(value_set)
    pdbs = [o for o in objs if o["kind"] == "PodDisruptionBudget"]
    for obj, pod, labels in pod_specs(objs):
        if obj["kind"] != "Deployment" or labels.get("app.kubernetes.io/component") == "operator":
            continue
        spread = pod.get("topologySpreadConstraints", [])
        assert any(t["topologyKey"] == "kubernetes.io/hostname" for t in spread), name_of(obj)
        if value_set != "no-autoscaling":
            assert any(selector_matches(p["spec"]["selector"], labels) for p in pdbs), (
                f"{name_of(obj)} has no PDB"
            )


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_network_policies_cover_every_pod(render, value_set: str) -> None:
    objs = render(value_set)
    policies = [o for o in objs if o["kind"] == "NetworkPolicy"]
    default_deny = [
        p
        for p in policies
        if p["spec"]["podSelector"].get("matchLabels", {}).keys()
        == {"app.kubernetes.io/name", "app.kubernetes.io/instance"}
    ]
    assert default_deny
    assert set(default_deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in default_deny[0]["spec"]
    for obj, _pod, labels in pod_specs(objs):
        selecting = [p for p in policies if selector_matches(p["spec"]["podSelector"], labels)]
        assert selecting, f"{name_of(obj)} is selected by no NetworkPolicy"
        # Besides the default deny, each pod has a policy of its own that opens what it needs.
        own = [p for p in selecting if p not in default_deny]
        assert own, f"{name_of(obj)} only has the default deny"


def test_network_paths(render) -> None:
    objs = render("default")
    pol = {o["metadata"]["name"]: o["spec"] for o in objs if o["kind"] == "NetworkPolicy"}
    gw = pol["mw-movieweb-gateway"]
    sources = gw["ingress"][0]["from"]
    assert {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    } in sources
    assert {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
    } in sources
    egress_components = {
        t["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for rule in gw["egress"]
        for t in rule.get("to", [])
        if "podSelector" in t
    }
    assert egress_components == {"movies", "users", "reviews", "relations", "redis"}
    movies = pol["mw-movieweb-movies"]
    assert movies["egress"][-1]["to"][0]["podSelector"]["matchLabels"] == {
        "movieweb.io/shardset": "mw-movieweb-movies"
    }
    assert movies["egress"][-1]["ports"] == [{"protocol": "TCP", "port": 5432}]
    postgres = pol["mw-movieweb-movies-postgres"]
    assert postgres["podSelector"]["matchLabels"] == {"movieweb.io/shardset": "mw-movieweb-movies"}
    redis = pol["mw-movieweb-redis"]
    assert [
        t["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for t in redis["ingress"][0]["from"]
    ] == ["gateway"]


@pytest.mark.parametrize("value_set", ["default", "gateway-api"])
def test_ingress_controllers_reach_every_edge_backend(render, value_set: str) -> None:
    """Each Service an Ingress or HTTPRoute names (the web host's /v1 too) admits the edge."""
    objs = render(value_set)
    services = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Service"}
    policies = [o for o in objs if o["kind"] == "NetworkPolicy"]
    controllers = [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}}
        for ns in ("ingress-nginx", "nginx-gateway")
    ]
    backends: set[tuple[str, str, str]] = set()  # (host, path, service)
    for o in objs:
        if o["kind"] == "Ingress":
            for rule in o["spec"]["rules"]:
                for p in rule["http"]["paths"]:
                    backends.add((rule["host"], p["path"], p["backend"]["service"]["name"]))
        elif o["kind"] == "HTTPRoute":
            for rule in o["spec"]["rules"]:
                for m in rule["matches"]:
                    for ref in rule["backendRefs"]:
                        for host in o["spec"]["hostnames"]:
                            backends.add((host, m["path"]["value"], ref["name"]))
    assert ("movieweb.local", "/v1", "mw-movieweb-gateway") in backends
    for host, path, name in backends:
        svc = services[name]["spec"]
        pods = [
            (obj, pod, labels)
            for obj, pod, labels in pod_specs(objs)
            if selector_matches({"matchLabels": svc["selector"]}, labels)
        ]
        assert pods, f"{host}{path}: Service {name} selects no pod"
        for obj, pod, labels in pods:
            ports = {
                p["name"]: p["containerPort"] for c in pod["containers"] for p in c.get("ports", [])
            }
            wanted = {ports.get(p["targetPort"], p["targetPort"]) for p in svc["ports"]}
            admitting = [
                rule
                for pol in policies
                if selector_matches(pol["spec"]["podSelector"], labels)
                for rule in pol["spec"].get("ingress", [])
            ]
            for port in wanted:
                for source in controllers:
                    assert any(
                        source in rule.get("from", [])
                        and any(p["port"] == port for p in rule.get("ports", []))
                        for rule in admitting
                    ), f"{host}{path}: {source} cannot reach {name_of(obj)} on {port}"


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_secrets_are_not_in_plain_env(render, value_set: str) -> None:
    for obj, pod, _labels in pod_specs(render(value_set)):
        for c in pod.get("initContainers", []) + pod["containers"]:
            for e in c.get("env", []):
                if any(
                    w in e["name"] for w in ("DATABASE_URL", "PASSWORD", "SECRET", "KEY")
                ) and not e["name"].endswith("_FILE"):
                    assert "valueFrom" in e, f"{name_of(obj)}: {e['name']} is set in plain text"
