"""The operator against a real kube-apiserver: a ShardSet becomes shards, a map and a status."""

from __future__ import annotations

import time
from typing import Any

from movieweb_operator_testkit import (
    RECONCILE_INTERVAL_S,
    SPEC,
    Cluster,
    OperatorProcess,
    condition,
    create_and_wait,
    eventually,
    make_claims,
    new_name,
    published_map,
)


def test_a_shardset_becomes_shards_a_map_and_a_status(
    operator: OperatorProcess, cluster: Cluster
) -> None:
    name = new_name()
    owner = cluster.create_shardset(name, SPEC)
    uid = owner["metadata"]["uid"]

    sets = eventually(
        lambda: (
            [cluster.statefulset(f"{name}-{i}") for i in range(3)]
            if all(cluster.statefulset(f"{name}-{i}") for i in range(3))
            else None
        ),
        what="3 StatefulSets",
    )
    shard_map = eventually(lambda: published_map(cluster, name), what="the shard map")
    for i, sts in enumerate(sets):
        refs = sts.metadata.owner_references
        assert [(r.kind, r.name, r.uid, r.controller) for r in refs] == [
            ("ShardSet", name, uid, True)
        ]
        assert sts.spec.replicas == 1
        assert sts.spec.service_name == f"{name}-{i}-rw"
        pod = sts.spec.template.spec
        (pg,) = pod.containers
        assert pg.image == "docker.io/library/postgres:17.6"
        assert pg.readiness_probe._exec.command[0] == "pg_isready"
        assert pg.liveness_probe._exec.command[0] == "pg_isready"
        assert pg.resources.limits == {"cpu": "1", "memory": "1Gi"}
        assert pod.security_context.run_as_user == 999
        assert pod.security_context.fs_group == 999
        assert pod.security_context.run_as_non_root is True
        assert pg.security_context.allow_privilege_escalation is False
        assert pg.security_context.capabilities.drop == ["ALL"]
        assert pg.security_context.read_only_root_filesystem is True
        (claim,) = sts.spec.volume_claim_templates
        assert claim.spec.resources.requests == {"storage": "2Gi"}
        assert claim.spec.storage_class_name == "fast"
        assert sts.spec.template.metadata.labels["movieweb.io/shardset"] == name

        svc = cluster.service(f"{name}-{i}-rw")
        assert svc is not None
        assert svc.spec.cluster_ip == "None"
        assert svc.spec.selector == {"movieweb.io/shardset": name, "movieweb.io/shard": str(i)}
        assert svc.metadata.owner_references[0].uid == uid
        secret = cluster.secret(f"{name}-{i}-app")
        assert secret is not None
        assert secret["username"] == "relations"
        assert secret["dbname"] == "relations"
        assert len(secret["password"]) >= 32
    # Each shard has its own generated password.
    passwords = {cluster.secret(f"{name}-{i}-app")["password"] for i in range(3)}  # type: ignore[index]
    assert len(passwords) == 3

    # The map: the shared model parses it (so every slot has exactly one owner); even split.
    assert shard_map.version == 1
    assert shard_map.slots == 4096
    assert [s.name for s in shard_map.shards] == [f"{name}-{i}" for i in range(3)]
    owners = {shard_map.shard_for_slot(slot).name for slot in range(4096)}
    assert owners == {f"{name}-{i}" for i in range(3)}
    assert [s.ranges for s in shard_map.shards] == [[[0, 1364]], [[1365, 2729]], [[2730, 4095]]]
    first = shard_map.shards[0]
    assert first.host == f"{name}-0-rw.{cluster.namespace}.svc"
    assert first.port == 5432
    assert first.database == "relations"
    assert first.user == "relations"
    assert str(first.password_file) == f"/var/run/secrets/movieweb/db/{name}-0/password"

    def status_reported() -> dict[str, Any] | None:
        body = cluster.shardset(name)
        return body if (body or {}).get("status", {}).get("shardMapVersion") == 1 else None

    body = eventually(status_reported, what="the status")
    status = body["status"]
    assert status["observedGeneration"] == body["metadata"]["generation"]
    # No kubelet: no pod ever becomes ready, and the status says so.
    assert status["readyShards"] == 0
    assert status["phase"] == "Provisioning"
    ready = condition(body, "Ready")
    assert ready["status"] == "False"
    assert ready["reason"] == "ShardsNotReady"
    assert f"0/3 shards ready; waiting for {name}-0, {name}-1, {name}-2" in ready["message"]
    assert condition(body, "Progressing")["status"] == "True"
    assert condition(body, "Degraded")["status"] == "False"
    assert "movieweb.io/finalizer" in body["metadata"]["finalizers"]


def test_readiness_comes_from_the_statefulsets(operator: OperatorProcess, cluster: Cluster) -> None:
    name = new_name()
    create_and_wait(cluster, name)
    # What the StatefulSet controller would report once each pod passes pg_isready.
    for i in range(3):
        cluster.apps.patch_namespaced_stateful_set_status(
            f"{name}-{i}",
            cluster.namespace,
            {"status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}},
        )
    body = eventually(
        lambda: (b := cluster.shardset(name)) and b["status"].get("readyShards") == 3 and b,
        what="readyShards 3",
    )
    assert body["status"]["phase"] == "Ready"
    ready = condition(body, "Ready")
    assert ready["status"] == "True"
    assert ready["reason"] == "AllShardsReady"
    assert condition(body, "Progressing")["status"] == "False"


def test_a_spec_change_rolls_into_the_statefulsets(
    operator: OperatorProcess, cluster: Cluster
) -> None:
    name = new_name()
    before = create_and_wait(cluster, name)
    eventually(lambda: all(cluster.statefulset(f"{name}-{i}") for i in range(3)))
    passwords = [cluster.secret(f"{name}-{i}-app")["password"] for i in range(3)]  # type: ignore[index]

    # (a merge patch: null removes the requests from the spec)
    cluster.patch_shardset(
        name,
        {
            "postgres": {"version": "17.7"},
            "resources": {"requests": None, "limits": {"cpu": "2", "memory": "2Gi"}},
        },
    )

    def rolled() -> bool:
        for i in range(3):
            (pg,) = cluster.statefulset(f"{name}-{i}").spec.template.spec.containers  # type: ignore[union-attr]
            if pg.image != "docker.io/library/postgres:17.7" or pg.resources.limits != {
                "cpu": "2",
                "memory": "2Gi",
            }:
                return False
        return True

    eventually(rolled, what="the new image and limits in every StatefulSet")
    # Resources are replaced, not merged: the requests removed from the spec are gone.
    (pg,) = cluster.statefulset(f"{name}-0").spec.template.spec.containers  # type: ignore[union-attr]
    assert not pg.resources.requests
    # Credentials are generated once and kept; the map does not depend on the image.
    assert [cluster.secret(f"{name}-{i}-app")["password"] for i in range(3)] == passwords  # type: ignore[index]
    assert published_map(cluster, name) == before
    body = eventually(
        lambda: (
            (b := cluster.shardset(name))
            and b["status"]["observedGeneration"] == b["metadata"]["generation"]
            and b
        )
    )
    assert body["metadata"]["generation"] == 2


def test_deleted_children_come_back(operator: OperatorProcess, cluster: Cluster) -> None:
    name = new_name()
    shard_map = create_and_wait(cluster, name)
    eventually(lambda: all(cluster.statefulset(f"{name}-{i}") for i in range(3)))
    password = cluster.secret(f"{name}-2-app")["password"]  # type: ignore[index]

    cluster.apps.delete_namespaced_stateful_set(f"{name}-1", cluster.namespace)
    cluster.core.delete_namespaced_service(f"{name}-0-rw", cluster.namespace)
    cluster.core.delete_namespaced_config_map(f"{name}-shardmap", cluster.namespace)
    # An edit of an owned field is drift too.
    cluster.apps.patch_namespaced_stateful_set(
        f"{name}-2",
        cluster.namespace,
        {"spec": {"template": {"spec": {"containers": [{"name": "postgres", "image": "evil:1"}]}}}},
    )
    assert cluster.statefulset(f"{name}-1") is None

    eventually(lambda: cluster.statefulset(f"{name}-1"), what="the StatefulSet back")
    eventually(lambda: cluster.service(f"{name}-0-rw"), what="the Service back")
    # The map comes back unchanged: same ranges, same version (kept on the ShardSet).
    assert eventually(lambda: published_map(cluster, name), what="the map back") == shard_map
    eventually(
        lambda: (
            cluster.statefulset(f"{name}-2").spec.template.spec.containers[0].image  # type: ignore[union-attr]
            == "docker.io/library/postgres:17.6"
        ),
        what="the edited image put right",
    )
    assert cluster.secret(f"{name}-2-app")["password"] == password  # type: ignore[index]


def test_scaling_up_adds_empty_shards_and_bumps_the_map(
    operator: OperatorProcess, cluster: Cluster
) -> None:
    name = new_name()
    v1 = create_and_wait(cluster, name)

    cluster.patch_shardset(name, {"shards": 4})
    v2 = eventually(
        lambda: (m := published_map(cluster, name)) and m.version == 2 and m, what="map version 2"
    )
    assert cluster.statefulset(f"{name}-3") is not None
    assert cluster.secret(f"{name}-3-app") is not None
    assert cluster.service(f"{name}-3-rw") is not None
    # No slot moved: the first three shards keep their ranges, the new one has none.
    assert v2.shards[:3] == v1.shards
    assert v2.shards[3].name == f"{name}-3"
    assert v2.shards[3].ranges == []
    cm = cluster.configmap(f"{name}-shardmap")
    assert cm.metadata.annotations["movieweb.io/shardmap-version"] == "2"  # type: ignore[union-attr]
    eventually(lambda: cluster.shardset(name)["status"]["shardMapVersion"] == 2)  # type: ignore[index]


def test_scaling_down_is_refused_while_the_shards_own_slots(
    operator: OperatorProcess, cluster: Cluster
) -> None:
    name = new_name()
    create_and_wait(cluster, name)
    cluster.patch_shardset(name, {"shards": 4})
    v2 = eventually(lambda: (m := published_map(cluster, name)) and m.version == 2 and m)

    cluster.patch_shardset(name, {"shards": 2})

    def refused() -> dict[str, Any] | None:
        body = cluster.shardset(name)
        return body if condition(body, "Degraded").get("status") == "True" else None

    body = eventually(refused, what="the refusal")
    degraded = condition(body, "Degraded")
    assert degraded["reason"] == "SpecRefused"
    assert degraded["message"] == (
        f"cannot scale down to 2 shards: {name}-2 owns slots 2730-4095. Move those slots to the "
        "remaining shards first (a new shard map version), or set spec.shards back to 4"
    )
    assert condition(body, "Ready")["status"] == "False"
    assert body["status"]["phase"] == "Degraded"
    # Nothing was touched: every shard and the map as they were.
    assert all(cluster.statefulset(f"{name}-{i}") for i in range(4))
    assert published_map(cluster, name) == v2

    # Removing only the empty shard is allowed: its children go, the map loses it.
    cluster.patch_shardset(name, {"shards": 3})
    v3 = eventually(
        lambda: (m := published_map(cluster, name)) and m.version == 3 and m, what="map version 3"
    )
    assert v3.shards == v2.shards[:3]
    eventually(
        lambda: (
            cluster.statefulset(f"{name}-3") is None
            and cluster.secret(f"{name}-3-app") is None
            and cluster.service(f"{name}-3-rw") is None
        ),
        what="shard 3 removed",
    )
    body = eventually(
        lambda: (
            (b := cluster.shardset(name)) and condition(b, "Degraded")["status"] == "False" and b
        )
    )
    assert condition(body, "Degraded")["reason"] == "AsExpected"


def test_deletion_keeps_the_volumes_under_retain(
    operator: OperatorProcess, cluster: Cluster
) -> None:
    name = new_name()
    create_and_wait(cluster, name, {**SPEC, "shards": 2})
    claims = make_claims(cluster, name, 2)

    cluster.delete_shardset(name)

    eventually(lambda: cluster.shardset(name) is None, what="the ShardSet gone (finalizer done)")
    # No garbage collector runs here: the finalizer deleted the children itself.
    for i in range(2):
        assert cluster.statefulset(f"{name}-{i}") is None
        assert cluster.service(f"{name}-{i}-rw") is None
        assert cluster.secret(f"{name}-{i}-app") is None
    assert cluster.configmap(f"{name}-shardmap") is None
    assert cluster.claims(f"movieweb.io/shardset={name}") == sorted(claims)


def test_deletion_deletes_the_volumes_under_delete(
    operator: OperatorProcess, cluster: Cluster
) -> None:
    name, other = new_name(), new_name()
    create_and_wait(cluster, name, {**SPEC, "shards": 2, "reclaimPolicy": "Delete"})
    make_claims(cluster, name, 2)
    unrelated = make_claims(cluster, other, 1)
    # A claim grows with spec.storage.size (claim templates cannot change).
    cluster.patch_shardset(name, {"storage": {"size": "3Gi"}})
    eventually(
        lambda: all(
            cluster.core.read_namespaced_persistent_volume_claim(
                f"data-{name}-{i}-0", cluster.namespace
            ).spec.resources.requests["storage"]
            == "3Gi"
            for i in range(2)
        ),
        what="claims resized",
    )

    cluster.delete_shardset(name)

    eventually(lambda: cluster.shardset(name) is None, what="the ShardSet gone")

    # Deleting claims sets their deletionTimestamp; the pvc-protection finalizer would wait for
    # pods, and with no controller-manager it is not removed here: count only live claims.
    def live_claims() -> list[str]:
        items = cluster.core.list_namespaced_persistent_volume_claim(
            cluster.namespace, label_selector=f"movieweb.io/shardset in ({name},{other})"
        ).items
        return sorted(c.metadata.name for c in items if c.metadata.deletion_timestamp is None)

    assert eventually(lambda: live_claims() == unrelated and live_claims())
    assert cluster.statefulset(f"{name}-0") is None


def test_repeated_reconciles_change_nothing(operator: OperatorProcess, cluster: Cluster) -> None:
    name = new_name()
    create_and_wait(cluster, name, {**SPEC, "shards": 2})

    def versions() -> dict[str, str]:
        out = {"map": cluster.configmap(f"{name}-shardmap").metadata.resource_version}  # type: ignore[union-attr]
        for i in range(2):
            out[f"sts{i}"] = cluster.statefulset(f"{name}-{i}").metadata.resource_version  # type: ignore[union-attr]
            out[f"svc{i}"] = cluster.service(f"{name}-{i}-rw").metadata.resource_version  # type: ignore[union-attr]
            out[f"secret{i}"] = cluster.core.read_namespaced_secret(
                f"{name}-{i}-app", cluster.namespace
            ).metadata.resource_version
        out["shardset"] = cluster.shardset(name)["metadata"]["resourceVersion"]  # type: ignore[index]
        return out

    eventually(lambda: cluster.shardset(name)["status"].get("shardMapVersion") == 1)  # type: ignore[index]
    time.sleep(RECONCILE_INTERVAL_S)  # the first timer run settles kopf's own annotations
    before = versions()
    time.sleep(RECONCILE_INTERVAL_S * 2.5)  # at least two more timer reconciles
    assert "Timer 'repair_drift' succeeded" in operator.log()
    assert versions() == before
