"""Benchmark of the relations service: follow (PUT) and the followers list (fan-out GET).

For 1 and 3 shards: starts an embedded Postgres in a temporary directory, creates the shard
databases, serves the service as a real ``movieweb serve relations`` subprocess on loopback,
seeds a user with followers, and drives load from a separate process (asyncio + httpx) for a
bounded time per operation. Prints requests/s, p50 and p99 per operation and shard count.

    uv run python services/relations/bench/bench_relations.py [--seconds 8] [--concurrency 32]

Everything listens on 127.0.0.1 (Postgres on a Unix socket); nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from movieweb_shared.embedded import asyncpg_dsn, free_port, quote_db, start_postgres
from movieweb_shared.jwt import SigningKey, jwks_document
from movieweb_shared.sharding import ShardMap

SEEDED_FOLLOWERS = 2000
FOLLOWERS_PAGE = 20
TOKENS = 400


# --- load generator (runs in its own process) -------------------------------------------------


async def drive(
    url: str, kind: str, seconds: float, concurrency: int, key_pem: bytes, target: str
) -> dict[str, Any]:
    key = SigningKey.from_pem(key_pem)
    users = [uuid.uuid4() for _ in range(TOKENS)]
    tokens = {
        u: key.sign(u, issuer="movieweb-users", audience="movieweb", ttl_s=3600) for u in users
    }
    latencies: list[float] = []
    errors: dict[int, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:

        async def one() -> int:
            if kind == "follow":
                follower = random.choice(users)
                resp = await client.put(
                    f"/users/{uuid.uuid4()}/followers/{follower}",
                    headers={"Authorization": f"Bearer {tokens[follower]}"},
                )
            else:
                resp = await client.get(
                    f"/users/{target}/followers", params={"limit": FOLLOWERS_PAGE}
                )
            return resp.status_code

        for _ in range(min(concurrency, 20)):  # warm connections and caches
            await one()
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                status = await one()
                latencies.append(time.perf_counter() - start)
                if status >= 300:
                    errors[status] = errors.get(status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
    }


# --- orchestration ----------------------------------------------------------------------------


async def create_databases(admin_uri: str, names: list[str]) -> None:
    conn = await asyncpg.connect(admin_uri)
    try:
        for name in names:
            await conn.execute(f"DROP DATABASE IF EXISTS {quote_db(name)}")
            await conn.execute(f"CREATE DATABASE {quote_db(name)}")
    finally:
        await conn.close()


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


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the service exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError("the service did not become ready")


def run_load(
    url: str, kind: str, args: argparse.Namespace, key_file: Path, target: str
) -> dict[str, Any]:
    # Our own interpreter and script with arguments we built: nothing untrusted.
    out = subprocess.run(  # noqa: S603
        [
            sys.executable,
            __file__,
            "--load",
            kind,
            "--url",
            url,
            "--key-file",
            str(key_file),
            "--target",
            target,
            "--seconds",
            str(args.seconds),
            "--concurrency",
            str(args.concurrency),
        ],
        check=True,
        capture_output=True,
        timeout=args.seconds + 120,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def bench_shards(shards: int, args: argparse.Namespace, work: Path) -> dict[str, dict[str, Any]]:
    pg = start_postgres(work / "pg")
    try:
        names = [f"relations_bench_{shards}_{i}" for i in range(shards)]
        asyncio.run(create_databases(pg.uri("postgres"), names))
        shard_map = ShardMap.even([pg.async_url(n) for n in names])
        map_file = work / f"map-{shards}.json"
        shard_map.dump(map_file)
        key = SigningKey.generate()
        key_file = work / "key.pem"
        key_file.write_bytes(key.pem())
        jwks = work / "jwks.json"
        jwks.write_bytes(orjson.dumps(jwks_document(key)))

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "MOVIEWEB_RELATIONS_SHARD_MAP_FILE": str(map_file),
            "MOVIEWEB_RELATIONS_MIGRATE_ON_START": "true",
            "MOVIEWEB_RELATIONS_JWKS_FILE": str(jwks),
            "MOVIEWEB_RELATIONS_ACCESS_LOG": "false",
            "MOVIEWEB_RELATIONS_LOG_LEVEL": "WARNING",
        }
        # The ``movieweb`` command of this environment (beside its interpreter).
        movieweb = str(Path(sys.executable).parent / "movieweb")
        proc = subprocess.Popen(  # noqa: S603
            [movieweb, "serve", "relations", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
        )
        try:
            wait_ready(url, proc)
            target = uuid.uuid4()
            asyncio.run(seed_followers(shard_map, target, SEEDED_FOLLOWERS))
            return {
                "follow (PUT)": run_load(url, "follow", args, key_file, str(target)),
                f"followers list (GET, limit {FOLLOWERS_PAGE})": run_load(
                    url, "followers", args, key_file, str(target)
                ),
            }
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    finally:
        pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="load time per operation")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--shards", default="1,3", help="comma-separated shard counts")
    parser.add_argument("--load", choices=["follow", "followers"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--key-file", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        result = asyncio.run(
            drive(
                args.url,
                args.load,
                args.seconds,
                args.concurrency,
                Path(args.key_file).read_bytes(),
                args.target,
            )
        )
        print(json.dumps(result))
        return

    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    for shards in (int(s) for s in args.shards.split(",")):
        with tempfile.TemporaryDirectory(prefix="relations-bench-") as tmp:
            results = bench_shards(shards, args, Path(tmp))
        for name, r in results.items():
            errs = f"  non-2xx: {r['errors']}" if r["errors"] else ""
            print(
                f"{shards} shard(s)  {name:32s} {r['rps']:8.1f} req/s  "
                f"p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
                f"({r['requests']} requests, {args.seconds:.0f} s, {args.concurrency} clients){errs}",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
