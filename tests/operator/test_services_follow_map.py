"""A service follows its shard map: rows land on the shard owning their slot, fan-out queries
merge every shard, and a new map version written to SHARD_MAP_FILE is picked up live.

The relations service over four real Postgres databases: map version 1 spreads the slots over
three of them (as the operator publishes a 3-shard ShardSet); version 2 moves the top slot
range of the third shard to the fourth database — the atomic cutover at the end of a slot
move — and new writes for keys in that range then land there, without a restart.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from movieweb_relations.service import SERVICE
from movieweb_relations.settings import RelationsSettings
from movieweb_shared import migrations
from movieweb_shared.app import create_app
from movieweb_shared.embedded import asyncpg_dsn
from movieweb_shared.sharding import ShardMap, ShardSpec, slot_of

MOVED = (3413, 4095)  # the slots map version 2 moves from shard-2 to shard-3


def in_moved(key: uuid.UUID) -> bool:
    return MOVED[0] <= slot_of(key) <= MOVED[1]


def keys(count: int, where: Callable[[uuid.UUID], bool]) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    while len(out) < count:
        key = uuid.uuid4()
        if where(key):
            out.append(key)
    return out


async def followers_in(dsn: str, followee: uuid.UUID) -> set[uuid.UUID]:
    """Read one database directly: the followers of ``followee`` stored there."""
    conn = await asyncpg.connect(asyncpg_dsn(dsn))
    try:
        rows = await conn.fetch("SELECT follower_id FROM follows WHERE followee_id = $1", followee)
    finally:
        await conn.close()
    return {r["follower_id"] for r in rows}


async def all_followers(
    client: httpx.AsyncClient, user: uuid.UUID, limit: int
) -> list[dict[str, Any]]:
    """Every page of the merged followers list, through the cursors."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = (
            (await client.get(f"/users/{user}/followers", params=params)).raise_for_status().json()
        )
        items += page["items"]
        cursor = page["info"]["next_cursor"]
        if cursor is None:
            return items


@pytest.fixture
def dsns(make_shard_map: Callable[..., ShardMap]) -> list[str]:
    """Four fresh databases (created synchronously, outside the test's event loop)."""
    return [s.dsn for s in make_shard_map(4, prefix="follow").shards if s.dsn]


async def test_relations_follows_a_live_shard_map(
    dsns: list[str],
    serve: Callable[[Any], str],
    tmp_path: Path,
    jwks_file: Path,
    mint_token: Callable[..., str],
) -> None:
    assert len(dsns) == 4
    assert SERVICE.migrations_dir is not None
    await migrations.upgrade(SERVICE.migrations_dir, ShardMap.even(dsns))
    v1 = ShardMap.even(dsns[:3], version=1)
    map_file = tmp_path / "shardmap.json"
    v1.dump(map_file)
    settings = RelationsSettings(
        shard_map_file=map_file,
        shard_map_poll_s=0.2,
        jwks_file=jwks_file,
        jwks_url=None,
        db_pool_size=2,
        db_max_overflow=2,
        log_level="WARNING",
        access_log=False,
    )
    base_url = serve(create_app(SERVICE, settings))
    star = uuid.uuid4()

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:

        async def follow(follower: uuid.UUID) -> None:
            resp = await client.put(
                f"/users/{star}/followers/{follower}",
                headers={"Authorization": f"Bearer {mint_token(follower)}"},
            )
            assert resp.status_code == 201, resp.text

        # Version 1: each edge is stored on the shard owning its follower's slot.
        first = keys(24, lambda k: not in_moved(k))
        for follower in first:
            await follow(follower)
        for index, dsn in enumerate(dsns[:3]):
            expected = {f for f in first if v1.shard_for_key(f).name == f"shard-{index}"}
            assert await followers_in(dsn, star) == expected
            assert expected  # 24 keys over 3 shards: every shard holds some
        assert await followers_in(dsns[3], star) == set()

        # Fan-out: the followers of one user come from every shard, merged newest first,
        # the same through any page size.
        merged = await all_followers(client, star, limit=100)
        assert [uuid.UUID(e["follower_id"]) for e in merged] == list(reversed(first))
        assert await all_followers(client, star, limit=5) == merged
        counts = (await client.get(f"/users/{star}/counts")).json()
        assert counts["followers"] == 24

        # Version 2, written as the operator (or a cutover) would: slots 3413-4095 now live
        # in the fourth database.
        shards = list(v1.shards)
        shards[2] = ShardSpec(name="shard-2", dsn=dsns[2], ranges=[[2730, MOVED[0] - 1]])
        shards.append(ShardSpec(name="shard-3", dsn=dsns[3], ranges=[list(MOVED)]))
        ShardMap(version=2, slots=v1.slots, shards=shards).dump(map_file)

        async def reloaded() -> bool:
            text = (await client.get("/metrics")).text
            return "movieweb_shard_map_version 2.0" in text

        for _ in range(100):
            if await reloaded():
                break
            await asyncio.sleep(0.1)
        assert await reloaded(), "the service did not pick up shard map version 2"

        moved = keys(6, in_moved)
        stay = keys(6, lambda k: not in_moved(k))
        for follower in moved + stay:
            await follow(follower)
        assert await followers_in(dsns[3], star) == set(moved)
        assert not set(moved) & (await followers_in(dsns[2], star))
        v2 = ShardMap.load(map_file)
        for follower in stay:
            assert follower in await followers_in(
                dsns[int(v2.shard_for_key(follower).name[-1])], star
            )
        # Single-shard reads route by the new map too, and the fan-out now spans four shards.
        for follower in moved:
            assert (await client.get(f"/users/{star}/followers/{follower}")).status_code == 200
        merged = await all_followers(client, star, limit=7)
        assert [uuid.UUID(e["follower_id"]) for e in merged] == list(reversed(first + moved + stay))
        assert (await client.get(f"/users/{star}/counts")).json()["followers"] == 36
