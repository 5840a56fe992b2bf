"""Benchmark ``GET /movies/{id}`` of the real movies server (not a test: run it by hand).

    uv run python services/movies/bench/bench_get_movie.py [--concurrency 32] [--duration 10]

It starts an embedded Postgres in a temporary directory, migrates a database, inserts 1000
movies, starts ``movieweb serve movies`` (uvicorn, uvloop, httptools) as a subprocess, and then
drives it from a *separate* client process: an asyncio loop with ``--concurrency`` keep-alive
connections (httpx), each requesting random known ids back to back for ``--duration`` seconds
after a short warm-up, over loopback only. It prints requests/s and latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

MOVIES = 1000


# --- client process --------------------------------------------------------------------------


async def drive(url: str, ids: list[str], concurrency: int, duration: float, warmup: float) -> dict:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    errors = 0
    sent = 0
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as client:

        async def worker(until: float, record: bool) -> None:
            nonlocal errors, sent
            rng = random.Random()
            while (now := time.perf_counter()) < until:
                resp = await client.get(f"/movies/{rng.choice(ids)}")
                sent += 1
                if resp.status_code != 200:
                    errors += 1
                elif record:
                    latencies.append(time.perf_counter() - now)

        warm_until = time.perf_counter() + warmup
        await asyncio.gather(*(worker(warm_until, False) for _ in range(concurrency)))
        start = time.perf_counter()
        await asyncio.gather(*(worker(start + duration, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 2),
        "p90_ms": round(pct(0.90), 2),
        "p99_ms": round(pct(0.99), 2),
        "errors": errors,
        "sent_with_warmup": sent,
    }


def client_main(args: argparse.Namespace) -> None:
    ids = json.loads(Path(args.ids_file).read_text())
    result = asyncio.run(drive(args.url, ids, args.concurrency, args.duration, args.warmup))
    print(json.dumps(result))


# --- orchestrating process -------------------------------------------------------------------


async def prepare_database(dsn: str) -> list[str]:
    from movieweb_movies.catalog import insert_new_movies, row_values
    from movieweb_movies.schemas import MovieCreate
    from movieweb_movies.service import SERVICE
    from movieweb_movies.settings import MoviesSettings
    from movieweb_shared import migrations
    from movieweb_shared.db import ShardedDatabase
    from movieweb_shared.sharding import ShardMap

    shard_map = ShardMap.single(dsn)
    assert SERVICE.migrations_dir is not None
    await migrations.upgrade(SERVICE.migrations_dir, shard_map)
    settings = MoviesSettings(database_url=dsn)
    db = ShardedDatabase(shard_map, settings, "movies-bench")
    rng = random.Random(1)
    rows = []
    for i in range(MOVIES):
        movie = MovieCreate(
            title=f"Benchmark Movie {i}",
            year=rng.randint(1920, 2025),
            director=f"Director {i % 97}",
            country=rng.choice(["France", "Japan", "USA", "Italy"]),
            category=rng.choice(["Drama", "Comedy", "Action"]),
            poster_url=f"https://img.example.org/{i}.jpg",
        )
        rows.append(row_values(uuid.uuid4(), movie, created_by=None))
    try:
        await insert_new_movies(db, rows)
    finally:
        await db.dispose()
    return [str(r["id"]) for r in rows]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to price one request in CPU."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_ready(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become ready")


def main(args: argparse.Namespace) -> None:
    from movieweb_shared.embedded import free_port, quote_db, start_postgres

    with tempfile.TemporaryDirectory(prefix="movies-bench-") as tmp:
        pg = start_postgres(Path(tmp) / "pg", durable=False)
        server = None
        try:
            pg.psql(f"CREATE DATABASE {quote_db('movies_bench')};")
            dsn = pg.async_url("movies_bench")
            ids = asyncio.run(prepare_database(dsn))
            ids_file = Path(tmp) / "ids.json"
            ids_file.write_text(json.dumps(ids))

            port = free_port()
            url = f"http://127.0.0.1:{port}"
            env = {
                **os.environ,
                "MOVIEWEB_MOVIES_DATABASE_URL": dsn,
                "MOVIEWEB_MOVIES_ACCESS_LOG": "false",
                "MOVIEWEB_MOVIES_LOG_LEVEL": "WARNING",
                "MOVIEWEB_MOVIES_DB_POOL_SIZE": str(min(args.concurrency, 20)),
            }
            command = ["movieweb", "serve", "movies", "--host", "127.0.0.1", "--port", str(port),
                       "--workers", str(args.workers)]  # fmt: skip
            server = subprocess.Popen(command, env=env)  # noqa: S603 -- our own fixed command
            wait_ready(url, server)
            cpu_before = cpu_seconds(server.pid)

            client = subprocess.run(  # noqa: S603 -- this very script, client mode
                [
                    sys.executable,
                    __file__,
                    "--client",
                    "--url",
                    url,
                    "--ids-file",
                    str(ids_file),
                    "--concurrency",
                    str(args.concurrency),
                    "--duration",
                    str(args.duration),
                    "--warmup",
                    str(args.warmup),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(client.stdout)
            cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / result["sent_with_warmup"]
            load = os.getloadavg()[0]
            print(
                f"GET /movies/{{id}}: {result['requests_per_s']} requests/s over "
                f"{result['seconds']} s ({result['requests']} requests, {result['errors']} errors), "
                f"p50 {result['p50_ms']} ms, p90 {result['p90_ms']} ms, p99 {result['p99_ms']} ms; "
                f"server CPU {cpu_ms:.2f} ms/request (~{1000 / cpu_ms:.0f} requests/s per core); "
                f"{args.concurrency} connections, {args.workers} server worker(s), "
                f"{os.cpu_count()} CPUs, load average {load:.1f}"
            )
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=20)
            pg.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--ids-file", help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    client_main(parsed) if parsed.client else main(parsed)
