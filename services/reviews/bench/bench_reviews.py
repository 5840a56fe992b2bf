"""Benchmark of the reviews service: a real ``movieweb serve reviews`` process on embedded
Postgres with 1 and with 3 shards, driven by a separate load-generator process (asyncio + httpx)
over loopback. Measures requests/s, p50, p90 and p99 of:

- a review write: ``PUT /movies/{id}/reviews/mine`` by random users on random movies (a mix of
  first writes and rewrites, each moving the movie's statistics in the same transaction);
- the by-movie list: ``GET /movies/{id}/reviews?limit=20`` on movies with ≥ 20 reviews.

    uv run python services/reviews/bench/bench_reviews.py [--seconds 8] [--concurrency 32]

The load generator and the server share this machine's cores with Postgres: the figures are
what one service process does here, not a capacity plan. (The machinery is
movieweb_shared.benchkit.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import tempfile
import uuid
from collections.abc import Awaitable
from pathlib import Path

import httpx
from movieweb_shared import benchkit
from movieweb_shared.embedded import EmbeddedPostgres, start_postgres
from movieweb_shared.jwt import SigningKey

USERS = 2000
WRITE_MOVIES = 500
LIST_MOVIES = 20
REVIEWS_PER_LISTED_MOVIE = 25


def bearer(key: SigningKey, user: uuid.UUID) -> dict[str, str]:
    token = key.sign(user, issuer="movieweb-users", audience="movieweb", ttl_s=3600)
    return {"Authorization": f"Bearer {token}"}


# --- scenarios (built in the load process) ---------------------------------------------------


def write_requests(key_pem: bytes, movies: list[uuid.UUID]) -> benchkit.RequestFn:
    key = SigningKey.from_pem(key_pem)
    auth = {u: bearer(key, u) for u in (uuid.uuid4() for _ in range(USERS))}
    users = list(auth)

    def request(client: httpx.AsyncClient, rng: random.Random) -> Awaitable[httpx.Response]:
        body = {"rating": rng.randint(1, 10), "comment": "benchmark review"}
        user = rng.choice(users)
        return client.put(
            f"/movies/{rng.choice(movies)}/reviews/mine", json=body, headers=auth[user]
        )

    return request


def list_requests(movies: list[uuid.UUID]) -> benchkit.RequestFn:
    def request(client: httpx.AsyncClient, rng: random.Random) -> Awaitable[httpx.Response]:
        return client.get(f"/movies/{rng.choice(movies)}/reviews", params={"limit": 20})

    return request


def full_page(response: httpx.Response) -> bool:
    """A list answer counts only if it is a full page (the listed movies all have ≥ 20)."""
    return response.status_code == 200 and len(response.json()["items"]) == 20


# --- orchestration ---------------------------------------------------------------------------


async def seed(url: str, key: SigningKey, movies: list[uuid.UUID], concurrency: int) -> None:
    """Every listed movie gets REVIEWS_PER_LISTED_MOVIE distinct authors (not measured)."""
    rng = random.Random(1)
    authors = [uuid.uuid4() for _ in range(REVIEWS_PER_LISTED_MOVIE)]
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def one(movie: uuid.UUID, user: uuid.UUID) -> None:
            async with sem:
                response = await client.put(
                    f"/movies/{movie}/reviews/mine",
                    json={"rating": rng.randint(1, 10)},
                    headers=bearer(key, user),
                )
                response.raise_for_status()

        await asyncio.gather(*(one(m, u) for m in movies for u in authors))


def bench_shards(
    pg: EmbeddedPostgres, shards: int, work: Path, args: argparse.Namespace
) -> list[list[object]]:
    rng = random.Random(shards)
    listed = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(LIST_MOVIES)]
    written = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(WRITE_MOVIES)]
    with benchkit.serve_on_postgres("reviews", shards=shards, postgres=pg, workdir=work) as server:
        assert server.signing_key is not None
        asyncio.run(seed(server.url, server.signing_key, listed, args.concurrency))
        key_pem = server.signing_key.pem()
        results: list[list[object]] = []
        for label, factory, factory_args, ok in (
            ("PUT review (write)", write_requests, (key_pem, written), benchkit.is_2xx),
            ("GET by-movie list (20)", list_requests, (listed,), full_page),
        ):
            # CPU per request of the service and of Postgres: comparable even when other work
            # shares the machine, unlike requests/s.
            srv0 = benchkit.process_cpu_seconds(server.process.pid)
            pg0 = benchkit.process_cpu_seconds(server.postmaster_pid)
            result = benchkit.run_load(
                server.url,
                factory,
                *factory_args,
                concurrency=args.concurrency,
                duration_s=args.seconds,
                warmup_s=0,
                seed=args.seed,
                ok=ok,
            )
            n = max(result.requests, 1)
            srv_ms = (benchkit.process_cpu_seconds(server.process.pid) - srv0) * 1000 / n
            pg_ms = (benchkit.process_cpu_seconds(server.postmaster_pid) - pg0) * 1000 / n
            results.append([shards, label, *benchkit.result_row(result), srv_ms, pg_ms])
        return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per operation")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 3])
    parser.add_argument(
        "--no-fsync", action="store_true", help="Postgres without fsync (not durable)"
    )
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="reviews-bench-"))
    os.chmod(work, 0o755)  # noqa: S103 - the embedded Postgres runs as its own system user when we are root
    pg = start_postgres(work / "pg", durable=not args.no_fsync)
    try:
        rows = [r for n in args.shards for r in bench_shards(pg, n, work, args)]
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nreviews service, 1 uvicorn worker, {args.concurrency} requests in flight, "
        f"{args.seconds:g} s per row, fsync {'off' if args.no_fsync else 'on'}, "
        f"{os.cpu_count()} CPUs shared by server, Postgres and load generator\n"
    )
    load = os.getloadavg()[0]
    print(
        f"load average at the end: {load:.1f}; CPU ms = CPU time per request (service / Postgres)\n"
    )
    headers = ["shards", "operation", *benchkit.RESULT_HEADERS, "svc CPU ms", "pg CPU ms"]
    print(benchkit.markdown_table(headers, rows, digits=2))


if __name__ == "__main__":
    main()
