"""A service follows its shard-map file live: a higher version is applied without a restart."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from movieweb_shared.app import create_app
from movieweb_shared.sharding import ShardMap, ShardSpec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from .test_app import _create_tables
from .toy_service import SERVICE, ToySettings, items


async def _count(url: str) -> int:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        n = int((await conn.execute(select(func.count()).select_from(items))).scalar_one())
    await engine.dispose()
    return n


def _wait_for_version(client: httpx.Client, version: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if f"movieweb_shard_map_version {version}.0" in client.get("/metrics").text:
            return
        time.sleep(0.1)
    raise AssertionError(f"map version {version} was not applied")


def test_new_map_version_is_applied_live(
    make_shard_map: Callable[..., ShardMap],
    serve: Callable[[Any], str],
    tmp_path: Path,
    jwks_file: Path,
    mint_token: Callable[..., str],
) -> None:
    a, b = make_shard_map(1).shards[0], make_shard_map(1).shards[0]
    v1 = ShardMap(version=1, shards=[ShardSpec(name="a", dsn=a.dsn, ranges=[[0, 4095]])])
    asyncio.run(_create_tables(ShardMap.even([a.url(), b.url()])))
    path = tmp_path / "map.json"
    v1.dump(path)
    settings = ToySettings(
        shard_map_file=path,
        shard_map_poll_s=0.1,
        jwks_url=None,
        jwks_file=jwks_file,
        db_pool_size=2,
        db_max_overflow=1,
    )
    url = serve(create_app(SERVICE, settings))
    auth = {"Authorization": f"Bearer {mint_token(uuid.uuid4())}"}
    with httpx.Client(base_url=url, headers=auth) as client:
        _wait_for_version(client, 1)
        for i in range(4):
            assert client.post("/items", json={"name": f"v1-{i}", "score": i}).status_code == 201
        assert asyncio.run(_count(a.url())) == 4

        # Same version, other content: refused (a cutover must bump the version).
        ShardMap(version=1, shards=[ShardSpec(name="b", dsn=b.dsn, ranges=[[0, 4095]])]).dump(path)
        time.sleep(0.5)
        client.post("/items", json={"name": "still-a", "score": 1})
        assert asyncio.run(_count(a.url())) == 5

        # Garbage in the file: kept on the old map, still serving.
        path.write_text("{not a map")
        time.sleep(0.5)
        assert client.get("/readyz").status_code == 200

        # Version 2 moves every slot to b: new writes land there, without a restart.
        ShardMap(
            version=2,
            shards=[
                ShardSpec(name="a", dsn=a.dsn, ranges=[]),
                ShardSpec(name="b", dsn=b.dsn, ranges=[[0, 4095]]),
            ],
        ).dump(path)
        _wait_for_version(client, 2)
        for i in range(3):
            assert client.post("/items", json={"name": f"v2-{i}", "score": i}).status_code == 201
        assert asyncio.run(_count(a.url())) == 5
        assert asyncio.run(_count(b.url())) == 3
        ready = client.get("/readyz").json()["checks"]
        assert ready == {"db:a": True, "db:b": True}


def test_added_shards_are_prepared_before_routing_reaches_them(
    make_shard_map: Callable[..., ShardMap], tmp_path: Path
) -> None:
    a, b = make_shard_map(1).shards[0], make_shard_map(1).shards[0]
    asyncio.run(_prepare_flow(a, b, tmp_path))


async def _prepare_flow(a: ShardSpec, b: ShardSpec, tmp_path: Path) -> None:
    from movieweb_shared.db import ShardedDatabase
    from movieweb_shared.mapwatch import check_once

    v1 = ShardMap(version=1, shards=[ShardSpec(name="a", dsn=a.dsn, ranges=[[0, 4095]])])
    await _create_tables(v1)
    db = ShardedDatabase(v1, ToySettings(db_pool_size=1, db_max_overflow=0), "toy")
    path = tmp_path / "map.json"
    v2 = ShardMap(
        version=2,
        shards=[
            ShardSpec(name="a", dsn=a.dsn, ranges=[[0, 2047]]),
            ShardSpec(name="b", dsn=b.dsn, ranges=[[2048, 4095]]),
        ],
    )
    v2.dump(path)
    prepared: list[list[str]] = []

    async def failing(specs: list[ShardSpec]) -> None:
        prepared.append([s.name for s in specs])
        raise RuntimeError("database not reachable yet")

    # Preparation fails: the old map stays, and the next poll tries again.
    assert await check_once(path, db, None, failing) is None
    assert db.map.version == 1

    async def prepare(specs: list[ShardSpec]) -> None:
        prepared.append([s.name for s in specs])
        await _create_tables(
            ShardMap(shards=[ShardSpec(name=s.name, dsn=s.dsn, ranges=[[0, 4095]]) for s in specs])
        )

    assert await check_once(path, db, None, prepare) is not None
    assert db.map.version == 2 and prepared == [["b"], ["b"]]
    # The new shard is usable at once: the fan-out reaches a migrated table.
    counts = await db.fan_out(lambda conn: conn.execute(select(func.count()).select_from(items)))
    assert [r.scalar_one() for r in counts] == [0, 0]
    await db.dispose()
