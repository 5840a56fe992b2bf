"""Invalid ShardSets are refused by the API server (the CRD's schema), with the field named."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client
from movieweb_operator_testkit import Cluster

GOOD: dict[str, Any] = {"service": "movies", "shards": 2}


def refusal(call: Any) -> str:
    with pytest.raises(client.ApiException) as info:
        call()
    assert info.value.status == 422, info.value.body
    message: str = json.loads(info.value.body)["message"]
    return message


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {**GOOD, "shards": 0},
            "spec.shards: Invalid value: 0: spec.shards in body should be greater than or equal to 1",
        ),
        (
            {**GOOD, "shards": 65},
            "spec.shards: Invalid value: 65: spec.shards in body should be less than or equal to 64",
        ),
        (
            {**GOOD, "service": "bad"},
            'spec.service: Unsupported value: "bad": supported values: "movies", "users", "reviews", "relations"',
        ),
        ({"service": "movies"}, "spec.shards: Required value"),
        (
            {**GOOD, "reclaimPolicy": "Keep"},
            'spec.reclaimPolicy: Unsupported value: "Keep": supported values: "Retain", "Delete"',
        ),
        (
            {**GOOD, "slots": 0},
            "spec.slots: Invalid value: 0: spec.slots in body should be greater than or equal to 1",
        ),
    ],
    ids=["shards-0", "shards-65", "bad-service", "no-shards", "bad-reclaim-policy", "slots-0"],
)
def test_invalid_specs_are_rejected(cluster: Cluster, spec: dict[str, Any], expected: str) -> None:
    message = refusal(lambda: cluster.create_shardset("invalid", spec))
    assert expected in message
    assert cluster.shardset("invalid") is None


def test_slots_and_service_cannot_change(cluster: Cluster) -> None:
    cluster.create_shardset("fixed", {**GOOD, "slots": 1024})
    try:
        assert "spec.slots: Invalid value: 2048: spec.slots is immutable" in refusal(
            lambda: cluster.patch_shardset("fixed", {"slots": 2048})
        )
        assert 'spec.service: Invalid value: "users": spec.service is immutable' in refusal(
            lambda: cluster.patch_shardset("fixed", {"service": "users"})
        )
        assert cluster.shardset("fixed")["spec"]["slots"] == 1024  # type: ignore[index]
    finally:
        cluster.delete_shardset("fixed")


def test_names_longer_than_40_characters_are_rejected(cluster: Cluster) -> None:
    # Pods are named <name>-<i>-0 and Services <name>-<i>-rw: they must fit in 63 characters.
    name = "a" * 41
    message = refusal(lambda: cluster.create_shardset(name, GOOD))
    assert "metadata.name must be at most 40 characters" in message
    assert cluster.shardset(name) is None
