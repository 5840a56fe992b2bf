"""How a ShardSet's published map may change (the operator's rules, without a cluster)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from movieweb_operator import shardmap
from movieweb_operator.spec import ShardSetSpec
from movieweb_operator.status import Observation, build_status
from movieweb_shared.sharding import ShardMap

SECRETS = "/var/run/secrets/movieweb/db"


def spec(shards: int, slots: int = 4096) -> ShardSetSpec:
    return ShardSetSpec(
        name="movies", namespace="prod", service="movies", shards=shards, slots=slots
    )


def first_map(shards: int, slots: int = 4096) -> ShardMap:
    made = shardmap.plan(spec(shards, slots), None, SECRETS).shard_map
    assert made is not None
    return made


def test_a_new_map_splits_the_slots_evenly_and_names_everything() -> None:
    made = first_map(3)
    assert made.version == 1
    assert [s.ranges for s in made.shards] == [[[0, 1364]], [[1365, 2729]], [[2730, 4095]]]
    shard = made.shards[1]
    assert shard.name == "movies-1"
    assert shard.host == "movies-1-rw.prod.svc"
    assert shard.database == "movies"
    assert shard.user == "movies"
    assert shard.password_file == Path(f"{SECRETS}/movies-1/password")
    # What the ConfigMap holds is what the services load.
    assert ShardMap.model_validate_json(shardmap.to_json(made)) == made


def test_more_shards_than_slots_leaves_some_shards_empty() -> None:
    made = first_map(3, slots=2)
    assert [s.ranges for s in made.shards] == [[], [[0, 0]], [[1, 1]]]


def test_a_map_made_again_after_loss_gets_a_newer_version() -> None:
    made = shardmap.plan(spec(2), None, SECRETS, last_version=7).shard_map
    assert made is not None
    assert made.version == 8


def test_the_same_spec_keeps_the_map_and_its_version() -> None:
    current = first_map(3)
    again = shardmap.plan(spec(3), current, SECRETS)
    assert again.shard_map == current
    assert not again.changed


def test_scaling_up_adds_empty_shards_and_bumps_the_version() -> None:
    current = first_map(3)
    grown = shardmap.plan(spec(5), current, SECRETS)
    assert grown.changed
    assert grown.shard_map is not None
    assert grown.shard_map.version == 2
    assert grown.shard_map.shards[:3] == current.shards
    assert [s.ranges for s in grown.shard_map.shards[3:]] == [[], []]


def test_scaling_down_over_assigned_slots_is_refused() -> None:
    current = first_map(3)
    refused = shardmap.plan(spec(1), current, SECRETS)
    assert refused.shard_map is None
    assert refused.refused == (
        "cannot scale down to 1 shards: movies-1 owns slots 1365-2729; movies-2 owns slots "
        "2730-4095. Move those slots to the remaining shards first (a new shard map version), "
        "or set spec.shards back to 3"
    )


def test_scaling_down_over_empty_shards_drops_them() -> None:
    grown = shardmap.plan(spec(5), first_map(3), SECRETS).shard_map
    assert grown is not None
    shrunk = shardmap.plan(spec(4), grown, SECRETS)
    assert shrunk.shard_map is not None
    assert shrunk.changed
    assert shrunk.shard_map.version == 3
    assert [s.name for s in shrunk.shard_map.shards] == [f"movies-{i}" for i in range(4)]


def test_slots_moved_by_a_later_cutover_are_kept() -> None:
    # A map where movies-3 got slots (a future slot move) keeps them through reconciles.
    grown = shardmap.plan(spec(4), first_map(3), SECRETS).shard_map
    assert grown is not None
    shards = list(grown.shards)
    shards[2] = shards[2].model_copy(update={"ranges": [[2730, 3412]]})
    shards[3] = shards[3].model_copy(update={"ranges": [[3413, 4095]]})
    moved = ShardMap(version=grown.version + 1, slots=4096, shards=shards)
    assert shardmap.plan(spec(4), moved, SECRETS).shard_map == moved
    assert "movies-3 owns slots 3413-4095" in (shardmap.plan(spec(3), moved, SECRETS).refused or "")


def test_a_changed_slot_count_is_refused() -> None:
    refused = shardmap.plan(spec(3, slots=1024), first_map(3), SECRETS)
    assert refused.shard_map is None
    assert "the number of slots cannot change" in (refused.refused or "")


@pytest.mark.parametrize("text", [None, "", "{", '{"version": 1, "slots": 4, "shards": []}'])
def test_an_unreadable_map_reads_as_none(text: str | None) -> None:
    assert shardmap.parse(text) is None


def test_conditions_keep_their_transition_time_until_they_flip() -> None:
    t0, t1 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    waiting = Observation(
        generation=1, shards=2, ready_shards=0, not_ready=["a", "b"], map_version=1
    )
    first = build_status(waiting, None, now=t0)
    assert first["phase"] == "Provisioning"
    same = build_status(waiting, first, now=t1)
    assert [c["lastTransitionTime"] for c in same["conditions"]] == ["2026-01-01T00:00:00Z"] * 3
    ready = Observation(generation=1, shards=2, ready_shards=2, not_ready=[], map_version=1)
    flipped = {c["type"]: c for c in build_status(ready, same, now=t1)["conditions"]}
    assert flipped["Ready"]["status"] == "True"
    assert flipped["Ready"]["lastTransitionTime"] == "2026-01-02T00:00:00Z"
    assert flipped["Degraded"]["lastTransitionTime"] == "2026-01-01T00:00:00Z"
