"""Provisioning on a real Postgres: shard databases, shard map files, the signing key."""

from __future__ import annotations

import stat
from pathlib import Path

import asyncpg
import pytest
from movieweb_devstack.layout import BACKENDS, Layout
from movieweb_devstack.provision import (
    ShardCountMismatch,
    ensure_databases,
    ensure_signing_key,
    write_shard_maps,
)
from movieweb_shared.embedded import start_postgres
from movieweb_shared.sharding import ShardMap


@pytest.fixture(scope="module")
def embedded(postgres, tmp_path_factory):
    """The devstack provisions an embedded Postgres: the suite's own one, or (when the other
    tests run against MOVIEWEB_TEST_DATABASE_URL) one started here — never a skip."""
    if postgres.embedded is not None:
        yield postgres.embedded
        return
    pg = start_postgres(tmp_path_factory.mktemp("devstack-pg") / "data", durable=False)
    yield pg
    pg.stop()


def test_shard_maps_cover_every_slot_and_refuse_another_shard_count(
    tmp_path: Path, embedded
) -> None:
    layout = Layout(tmp_path)
    maps = write_shard_maps(embedded, layout, 2)
    assert set(maps) == set(BACKENDS)
    loaded = ShardMap.load(layout.shard_map_file("reviews"))
    assert [s.name for s in loaded.shards] == ["shard-0", "shard-1"]
    assert "reviews_1" in (loaded.shards[1].dsn or "")
    # Same count again: the map is kept as it is (same version).
    assert write_shard_maps(embedded, layout, 2)["reviews"].version == loaded.version
    with pytest.raises(ShardCountMismatch, match="--shards 2"):
        write_shard_maps(embedded, layout, 3)


async def test_databases_are_created_once(embedded) -> None:
    names = ["devstack_t_a", "devstack_t_b"]
    first = await ensure_databases(embedded, names)
    again = await ensure_databases(embedded, names)
    assert sorted(first) == names
    assert again == []
    conn = await asyncpg.connect(embedded.uri("devstack_t_b"))
    assert await conn.fetchval("SELECT 1") == 1
    await conn.close()


def test_signing_key_is_private_and_kept(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    key = ensure_signing_key(layout)
    mode = stat.S_IMODE(layout.signing_key_file.stat().st_mode)
    assert mode == 0o600
    assert ensure_signing_key(layout).kid == key.kid
