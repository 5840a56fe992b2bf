"""Direct reads and writes of the shards, to check the service against the rows themselves."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import asyncpg
from movieweb_shared.embedded import asyncpg_dsn
from movieweb_shared.sharding import ShardMap


async def edges_to(shard_map: ShardMap, followee: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Every (follower, followee) row naming ``followee``, from every shard, duplicates kept."""
    out: list[tuple[uuid.UUID, uuid.UUID]] = []
    for spec in shard_map.shards:
        conn = await asyncpg.connect(asyncpg_dsn(spec.url()))
        try:
            rows = await conn.fetch(
                "SELECT follower_id, followee_id FROM follows WHERE followee_id = $1", followee
            )
        finally:
            await conn.close()
        out += [(r["follower_id"], r["followee_id"]) for r in rows]
    return out


async def insert_edges(
    shard_map: ShardMap, edges: Iterable[tuple[uuid.UUID, uuid.UUID, datetime]]
) -> None:
    """Insert (follower, followee, created_at) rows on the shard of each follower."""
    by_shard: dict[str, list[tuple[uuid.UUID, uuid.UUID, datetime]]] = {}
    for edge in edges:
        by_shard.setdefault(shard_map.shard_for_key(edge[0]).name, []).append(edge)
    for spec in shard_map.shards:
        rows = by_shard.get(spec.name)
        if not rows:
            continue
        conn = await asyncpg.connect(asyncpg_dsn(spec.url()))
        try:
            await conn.executemany(
                "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3)",
                rows,
            )
        finally:
            await conn.close()
