"""The chart and the operator agree: RBAC rules, the peering CRD, and the names of what the
operator creates for a ShardSet (shard-map ConfigMap, per-shard Secrets, password files, the
label the NetworkPolicies select Postgres pods by)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "movieweb"
OPERATOR = REPO / "operator"


def load(module: str):
    path = OPERATOR / "src" / "movieweb_operator" / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"_chart_contract_{module}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_role_matches_the_operators_rbac(render) -> None:
    rbac = OPERATOR / "deploy" / "rbac.yaml"
    theirs = next(d for d in yaml.safe_load_all(rbac.read_text()) if d and d["kind"] == "Role")[
        "rules"
    ]
    ours = next(o for o in render("default") if o["kind"] == "Role")["rules"]
    assert ours == theirs
    assert not [o for o in render("default") if o["kind"] in ("ClusterRole", "ClusterRoleBinding")]


def test_peering_crd_is_the_operators() -> None:
    theirs = OPERATOR / "crds" / "kopf-peering.yaml"
    ours = CHART / "crds" / "kopf-peering.yaml"
    assert list(yaml.safe_load_all(ours.read_text())) == list(
        yaml.safe_load_all(theirs.read_text())
    ), "copy operator/crds/kopf-peering.yaml to charts/movieweb/crds/"


def test_names_follow_the_operator(render) -> None:
    names = load("names")
    config = load("config")
    objs = render("shards")
    for ss in (o for o in objs if o["kind"] == "ShardSet"):
        name, service, shards = ss["metadata"]["name"], ss["spec"]["service"], ss["spec"]["shards"]
        assert len(name) <= names.MAX_SHARDSET_NAME
        dep = next(o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"] == name)
        pod = dep["spec"]["template"]["spec"]
        vols = {v["name"]: v for v in pod["volumes"]}
        assert vols["shardmap"]["configMap"]["name"] == names.shardmap_name(name)
        mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
        assert mounts["db-credentials"] == config.DEFAULT_SECRETS_DIR
        sources = vols["db-credentials"]["projected"]["sources"]
        assert len(sources) == shards
        for i, src in enumerate(sources):
            assert src["secret"]["name"] == names.secret_name(name, i)
            item = src["secret"]["items"][0]
            assert item["key"] == "password"
            assert f"{mounts['db-credentials']}/{item['path']}" == names.password_file(
                config.DEFAULT_SECRETS_DIR, name, i
            )
        env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
        assert (
            env[f"MOVIEWEB_{service.upper()}_SHARD_MAP_FILE"]
            == f"{mounts['shardmap']}/{names.SHARDMAP_KEY}"
        )
        policy = next(
            o
            for o in objs
            if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == f"{name}-postgres"
        )
        assert policy["spec"]["podSelector"]["matchLabels"] == {names.LABEL_SHARDSET: name}
        assert names.LABEL_SHARDSET in names.labels(name, service, 0)


def test_operator_deployment(render) -> None:
    config = load("config")
    objs = render("operator-ha")
    dep = next(
        o
        for o in objs
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "movieweb-operator"
    )
    c = dep["spec"]["template"]["spec"]["containers"][0]
    assert "--peering=movieweb-operator" in c["command"]
    assert "--standalone" not in c["command"]
    assert any(
        o["kind"] == "KopfPeering" and o["metadata"]["name"] == "movieweb-operator" for o in objs
    )
    env = {e["name"]: e.get("value") for e in c["env"]}
    assert int(env["MOVIEWEB_OPERATOR_METRICS_PORT"]) == config.OperatorSettings().metrics_port
    single = next(
        o
        for o in render("default")
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "mw-movieweb-operator"
    )
    assert "--standalone" in single["spec"]["template"]["spec"]["containers"][0]["command"]
