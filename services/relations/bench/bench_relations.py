"""Benchmark of the relations service: follow (PUT) and the followers list (fan-out GET).

For 1 and 3 shards: starts an embedded Postgres in a temporary directory, creates the shard
databases, serves the service as a real ``movieweb serve relations`` subprocess on loopback,
seeds a user with followers, and drives load from a separate process (asyncio + httpx) for a
bounded time per operation. Prints requests/s, p50, p90 and p99 per operation and shard count.

    uv run python services/relations/bench/bench_relations.py [--seconds 8] [--concurrency 32]

Everything listens on 127.0.0.1 (Postgres on a Unix socket); nothing leaves the machine. The
machinery (load process, server, table) is movieweb_shared.benchkit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from movieweb_shared import benchkit
from movieweb_shared.embedded import asyncpg_dsn
from movieweb_shared.jwt import SigningKey
from movieweb_shared.sharding import ShardMap

SEEDED_FOLLOWERS = 2000
FOLLOWERS_PAGE = 20
TOKENS = 400


def follow_requests(key_pem: bytes) -> benchkit.RequestFn:
    """PUT a follow by one of TOKENS users of a random (new) user (runs in the load process)."""
    key = SigningKey.from_pem(key_pem)
    users = [uuid.uuid4() for _ in range(TOKENS)]
    auth = {
        u: {
            "Authorization": "Bearer "
            + key.sign(u, issuer="movieweb-users", audience="movieweb", ttl_s=3600)
        }
        for u in users
    }

    def request(client: httpx.AsyncClient, rng: random.Random) -> Awaitable[httpx.Response]:
        follower = rng.choice(users)
        return client.put(f"/users/{uuid.uuid4()}/followers/{follower}", headers=auth[follower])

    return request


async def seed_followers(shard_map: ShardMap, target: uuid.UUID, n: int) -> None:
    base = datetime.now(UTC) - timedelta(days=30)
    by_shard: dict[str, list[tuple[uuid.UUID, uuid.UUID, datetime]]] = {}
    for i in range(n):
        follower = uuid.uuid4()
        row = (follower, target, base + timedelta(seconds=i))
        by_shard.setdefault(shard_map.shard_for_key(follower).name, []).append(row)
    for spec in shard_map.shards:
        conn = await asyncpg.connect(asyncpg_dsn(spec.url()))
        try:
            await conn.executemany(
                "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3)",
                by_shard.get(spec.name, []),
            )
            await conn.execute("ANALYZE follows")
        finally:
            await conn.close()


def bench_shards(shards: int, args: argparse.Namespace) -> dict[str, benchkit.LoadResult]:
    with benchkit.serve_on_postgres("relations", shards=shards, durable=True) as server:
        assert server.signing_key is not None
        target = uuid.uuid4()
        asyncio.run(seed_followers(server.shard_map, target, SEEDED_FOLLOWERS))
        # Warm connections and caches briefly (a second at most, bounded by the run).
        options = {
            "concurrency": args.concurrency,
            "duration_s": args.seconds,
            "warmup_s": min(1.0, args.seconds / 4),
        }
        followers_path = f"/users/{target}/followers?limit={FOLLOWERS_PAGE}"
        return {
            "follow (PUT)": benchkit.run_load(
                server.url, follow_requests, server.signing_key.pem(), **options
            ),
            f"followers list (GET, limit {FOLLOWERS_PAGE})": benchkit.run_load(
                server.url, benchkit.get_paths, [followers_path], **options
            ),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="load time per operation")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--shards", default="1,3", help="comma-separated shard counts")
    args = parser.parse_args()

    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    rows: list[list[object]] = []
    for shards in (int(s) for s in args.shards.split(",")):
        for name, result in bench_shards(shards, args).items():
            rows.append([shards, name, *benchkit.result_row(result)])
            if result.error_statuses:
                print(f"{shards} shard(s) {name}: non-2xx {result.error_statuses}", flush=True)
    print(
        f"\n{args.seconds:g} s per operation, {args.concurrency} clients; "
        f"load average after: {os.getloadavg()[0]:.2f}\n"
    )
    print(benchkit.markdown_table(["shards", "operation", *benchkit.RESULT_HEADERS], rows))


if __name__ == "__main__":
    main()
