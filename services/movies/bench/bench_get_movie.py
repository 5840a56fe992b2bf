"""Benchmark ``GET /movies/{id}`` of the real movies server (not a test: run it by hand).

    uv run python services/movies/bench/bench_get_movie.py [--concurrency 32] [--duration 10]

It starts an embedded Postgres in a temporary directory, migrates a database, starts
``movieweb serve movies`` (uvicorn, uvloop, httptools) as a subprocess, inserts 1000 movies,
and then drives it from a *separate* client process: an asyncio loop with ``--concurrency``
keep-alive connections (httpx), each requesting random known ids back to back for
``--duration`` seconds after a short warm-up, over loopback only. It prints requests/s, latency
percentiles and the server's CPU time per request. (The machinery is movieweb_shared.benchkit.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import uuid

from movieweb_shared import benchkit
from movieweb_shared.sharding import ShardMap

MOVIES = 1000


async def insert_movies(shard_map: ShardMap) -> list[str]:
    from movieweb_movies.catalog import insert_new_movies, row_values
    from movieweb_movies.schemas import MovieCreate
    from movieweb_movies.settings import MoviesSettings
    from movieweb_shared.db import ShardedDatabase

    db = ShardedDatabase(shard_map, MoviesSettings(), "movies-bench")
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


def main(args: argparse.Namespace) -> None:
    settings = {"db_pool_size": min(args.concurrency, 20)}
    with benchkit.serve_on_postgres("movies", settings=settings, workers=args.workers) as server:
        ids = asyncio.run(insert_movies(server.shard_map))
        cpu_before = benchkit.process_cpu_seconds(server.process.pid)
        result = benchkit.run_load(
            server.url,
            benchkit.get_paths,
            [f"/movies/{i}" for i in ids],
            concurrency=args.concurrency,
            duration_s=args.duration,
            warmup_s=args.warmup,
        )
        cpu_ms = (benchkit.process_cpu_seconds(server.process.pid) - cpu_before) * 1000
        cpu_ms /= max(result.sent_with_warmup, 1)
    print(
        f"GET /movies/{{id}}: {result.requests_per_s:.1f} requests/s over {result.seconds:.2f} s "
        f"({result.requests} requests, {result.errors} errors), p50 {result.p50_ms:.2f} ms, "
        f"p90 {result.p90_ms:.2f} ms, p99 {result.p99_ms:.2f} ms; "
        f"server CPU {cpu_ms:.2f} ms/request (~{1000 / max(cpu_ms, 1e-9):.0f} requests/s per "
        f"core); {args.concurrency} connections, {args.workers} server worker(s), "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n"
    )
    print(
        benchkit.markdown_table(
            ["operation", *benchkit.RESULT_HEADERS, "server CPU ms"],
            [["GET /movies/{id}", *benchkit.result_row(result), cpu_ms]],
            digits=2,
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    main(parser.parse_args())
