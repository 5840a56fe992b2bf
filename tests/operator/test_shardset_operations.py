"""The operator as a process: metrics, health, and two replicas made safe by kopf peering."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from kubernetes import client
from movieweb_operator_testkit import (
    PEERING,
    SPEC,
    Cluster,
    OperatorProcess,
    eventually,
    new_name,
    prepare_namespace,
    published_map,
)
from prometheus_client.parser import text_string_to_metric_families


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(url, timeout=5).raise_for_status().text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_and_health(operator: OperatorProcess, cluster: Cluster) -> None:
    name = new_name("metrics")
    cluster.create_shardset(name, {**SPEC, "shards": 1})
    eventually(lambda: published_map(cluster, name))

    def reconciled() -> dict[Any, float] | None:
        samples = scrape(operator.metrics_url)
        return (
            samples
            if samples[("movieweb_operator_reconciles_total", (("result", "success"),))] >= 1
            else None
        )

    samples = eventually(reconciled, what="a successful reconcile counted")
    assert ("movieweb_operator_reconcile_errors_total", ()) in samples
    assert ("movieweb_operator_reconciles_total", (("result", "refused"),)) in samples
    assert samples[("movieweb_operator_reconcile_duration_seconds_count", ())] >= 1

    # kopf's liveness endpoint runs the probes at most every 10 s and caches their results.
    health = eventually(
        lambda: (r := httpx.get(operator.health_url, timeout=5)).json()["reconciles"] >= 1 and r,
        timeout=20,
        what="the health endpoint reporting reconciles",
    )
    assert health.status_code == 200


def test_two_replicas_one_works_the_other_takes_over(
    api: Any, kube_admin: client.ApiClient, control_plane: Any
) -> None:
    namespace = "mw-peering"
    kubeconfig = prepare_namespace(api, kube_admin, control_plane, namespace)
    cluster = Cluster(kube_admin, namespace)
    custom = client.CustomObjectsApi(kube_admin)
    # Each replica draws its own random priority (the default); equal priorities would make
    # kopf pause both.
    replicas = [
        OperatorProcess(
            kubeconfig, control_plane.workdir, f"replica-{x}", namespace=namespace, peering=True
        )
        for x in "ab"
    ]
    try:
        for replica in replicas:
            replica.wait_healthy()

        def peers() -> dict[str, Any] | None:
            body = custom.get_namespaced_custom_object(
                "kopf.dev", "v1", namespace, "kopfpeerings", PEERING
            )
            status = body.get("status") or {}
            return status if {"replica-a", "replica-b"} <= set(status) else None

        status = eventually(peers, what="both replicas in the peering object")
        priorities = {peer: info["priority"] for peer, info in status.items()}
        assert priorities["replica-a"] != priorities["replica-b"]
        leader, standby = sorted(replicas, key=lambda r: priorities[r.log_path.stem], reverse=True)

        name = new_name("peer")
        cluster.create_shardset(name, {**SPEC, "shards": 2})
        eventually(lambda: published_map(cluster, name), what="the map from the leader")
        assert f"{namespace}/{name}" in leader.log()
        # The standby is paused: it has not touched the ShardSet.
        assert f"{namespace}/{name}" not in standby.log()
        standby_log_before = standby.log()

        # The leader stops (a rolling update, a node drain): the standby takes over.
        leader.stop()
        eventually(
            lambda: (
                "Resuming operations after the pause" in standby.log()[len(standby_log_before) :]
            ),
            what="the standby resuming",
        )
        cluster.patch_shardset(name, {"shards": 3})
        shard_map = eventually(
            lambda: (m := published_map(cluster, name)) and m.version == 2 and m,
            what="the scale-up handled by the former standby",
        )
        assert len(shard_map.shards) == 3
        assert f"{namespace}/{name}" in standby.log()
        cluster.delete_shardset(name)
        eventually(lambda: cluster.shardset(name) is None, what="deletion by the former standby")
    finally:
        for replica in replicas:
            replica.stop()


def test_a_stale_replica_cannot_publish_an_outdated_map(
    operator: OperatorProcess, cluster: Cluster, kube_admin: client.ApiClient
) -> None:
    """Two replicas may overlap for a moment during a hand-over: the map is written with an
    optimistic lock, so the one that read an older map cannot overwrite a newer one."""
    from movieweb_operator import reconcile
    from movieweb_operator.kube import Kube
    from movieweb_operator.spec import ShardSetSpec

    name = new_name("stale")
    cluster.create_shardset(name, {**SPEC, "shards": 2})
    eventually(lambda: published_map(cluster, name))
    stale = Kube(kube_admin)
    body = stale.get_shardset(cluster.namespace, name)
    assert body is not None
    old_map, old_version = reconcile._published_map(stale, ShardSetSpec.from_body(body), body)
    assert old_map is not None
    assert old_map.version == 1

    cluster.patch_shardset(name, {"shards": 3})  # the working replica publishes version 2
    eventually(lambda: (m := published_map(cluster, name)) and m.version == 2)

    with pytest.raises(client.ApiException) as conflict:
        reconcile._publish(stale, body, ShardSetSpec.from_body(body), old_map, old_version)
    assert conflict.value.status == 409
    assert published_map(cluster, name).version == 2  # type: ignore[union-attr]
