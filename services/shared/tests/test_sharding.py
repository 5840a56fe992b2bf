"""The slot hash is a storage format: rows live where it says. These vectors must never change."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from movieweb_shared.sharding import ShardMap, ShardSpec, slot_of
from pydantic import ValidationError

VECTORS = [
    (uuid.UUID(int=0), 1038, 14, 29710),
    (uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), 3928, 8, 36696),
    (uuid.UUID("123e4567-e89b-12d3-a456-426614174000"), 2653, 13, 59997),
    ("alice", 2697, 9, 55945),
    ("bob@example.com", 3487, 15, 15775),
    ("Amélie", 375, 7, 61815),
]


@pytest.mark.parametrize(("key", "s4096", "s16", "s65536"), VECTORS)
def test_pinned_slot_vectors(key: uuid.UUID | str, s4096: int, s16: int, s65536: int) -> None:
    assert slot_of(key) == s4096
    assert slot_of(key, 16) == s16
    assert slot_of(key, 65536) == s65536


def test_uuid_and_its_bytes_hash_alike_but_not_its_text() -> None:
    key = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
    assert slot_of(key) == slot_of(key.bytes)
    assert slot_of(key) != slot_of(str(key))


def test_slots_spread_evenly() -> None:
    counts = [0] * 16
    for i in range(16_000):
        counts[slot_of(uuid.UUID(int=i * 7919), 16)] += 1
    assert min(counts) > 850 and max(counts) < 1150


def test_even_map_covers_all_slots_in_contiguous_ranges() -> None:
    m = ShardMap.even(["postgresql://h/a", "postgresql://h/b", "postgresql://h/c"])
    assert [s.ranges for s in m.shards] == [[[0, 1364]], [[1365, 2729]], [[2730, 4095]]]
    assert m.shard_for_slot(0).name == "shard-0"
    assert m.shard_for_slot(1365).name == "shard-1"
    assert m.shard_for_slot(4095).name == "shard-2"
    key = uuid.UUID("123e4567-e89b-12d3-a456-426614174000")  # slot 2653
    assert m.shard_for_key(key).name == "shard-1"


def test_map_rejects_gaps_overlaps_and_out_of_range() -> None:
    def make(ranges: list[list[list[int]]]) -> ShardMap:
        return ShardMap(
            slots=16,
            shards=[
                ShardSpec(name=f"s{i}", dsn="postgresql://h/d", ranges=r)
                for i, r in enumerate(ranges)
            ],
        )

    make([[[0, 7]], [[8, 15]]])
    with pytest.raises(ValidationError, match="not assigned"):
        make([[[0, 7]], [[9, 15]]])
    with pytest.raises(ValidationError, match="assigned twice"):
        make([[[0, 8]], [[8, 15]]])
    with pytest.raises(ValidationError, match="outside"):
        make([[[0, 16]]])
    with pytest.raises(ValidationError, match="unique"):
        ShardMap(
            slots=2,
            shards=[
                ShardSpec(name="a", dsn="x", ranges=[[0, 0]]),
                ShardSpec(name="a", dsn="x", ranges=[[1, 1]]),
            ],
        )


def test_shard_location_from_host_and_password_file(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("p@ss/word%\n")
    spec = ShardSpec(
        name="s",
        host="pg-0",
        port=5433,
        database="movies",
        user="app",
        password_file=secret,
        ranges=[[0, 0]],
    )
    assert spec.url() == "postgresql+asyncpg://app:p%40ss%2Fword%25@pg-0:5433/movies"
    with pytest.raises(ValidationError, match="either dsn or host"):
        ShardSpec(name="s", ranges=[[0, 0]])


def test_map_file_round_trip(tmp_path: Path) -> None:
    m = ShardMap.even(["postgresql://h/a", "postgresql://h/b"], version=7)
    path = tmp_path / "map.json"
    m.dump(path)
    loaded = ShardMap.load(path)
    assert loaded == m and loaded.version == 7
    assert ShardMap.single("postgresql://h/a").shards[0].url() == "postgresql+asyncpg://h/a"
