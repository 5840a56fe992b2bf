"""Benchmark ``POST /auth/token`` of a real users service, on loopback only.

    uv run python services/users/bench/bench_login.py [--duration 10] [--concurrency 8]

Starts an embedded Postgres in a temporary directory, migrates it, serves the service with
``movieweb serve users`` in a subprocess (production argon2id cost unless overridden through
MOVIEWEB_USERS_ARGON2_* variables), registers 50 users, then drives log-ins from a separate
load process (a tight asyncio httpx loop) for ``--duration`` seconds and prints requests/s,
p50, p90 and p99. Log-in cost is dominated by one argon2id verification. (The machinery is
movieweb_shared.benchkit.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

import httpx
from movieweb_shared import benchkit
from movieweb_users.settings import UsersSettings

PASSWORD = "benchmark password"  # noqa: S105 (throwaway accounts in a temp database)


def login_requests(logins: list[str]) -> benchkit.RequestFn:
    """Log in as a random registered user (built in the load process)."""

    def request(client: httpx.AsyncClient, rng: random.Random) -> Awaitable[httpx.Response]:
        return client.post("/auth/token", json={"login": rng.choice(logins), "password": PASSWORD})

    return request


async def user_ids(url: str) -> list[str]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        page = (await http.get("/users", params={"login_prefix": "bench", "limit": 100})).json()
    return [u["id"] for u in page["items"]]


async def register_users(url: str, count: int) -> list[str]:
    logins = [f"bench{i:03d}" for i in range(count)]
    limit = asyncio.Semaphore(4)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:

        async def one(login: str) -> None:
            async with limit:
                body = {"login": login, "email": f"{login}@example.org", "password": PASSWORD}
                response = await http.post("/users", json=body)
                if response.status_code != 201:
                    raise SystemExit(f"registration failed: {response.status_code} {response.text}")

        await asyncio.gather(*(one(login) for login in logins))
    return logins


def report(label: str, result: benchkit.LoadResult) -> None:
    if result.ok < 2:
        raise SystemExit(f"{label}: too few successful requests ({result.errors} errors)")
    print(
        f"{label}: {result.ok} ok, {result.errors} errors in {result.seconds:.1f} s "
        f"with {result.concurrency} concurrent clients"
    )
    print(
        f"  requests/s {result.requests_per_s:.1f}   p50 {result.p50_ms:.1f} ms   "
        f"p90 {result.p90_ms:.1f} ms   p99 {result.p99_ms:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load (≤ 60)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--users", type=int, default=50, help="users to register")
    parser.add_argument(
        "--reference-s", type=float, default=5.0, help="seconds of GET /users/{id} (0: none)"
    )
    args = parser.parse_args()
    duration = min(max(args.duration, 1.0), 60.0)

    with tempfile.TemporaryDirectory(prefix="movieweb-bench-users-") as tmp:
        workdir = Path(tmp)
        os.chmod(workdir, 0o755)  # noqa: S103 - the embedded Postgres runs as its own user as root
        settings = {"signing_key_file": workdir / "signing-key.pem"}
        rows: list[list[object]] = []
        with benchkit.serve_on_postgres(
            "users", settings=settings, workdir=workdir, durable=True, jwks=False
        ) as server:
            # This process has the server's environment but for the variables the kit set, so
            # it reads the same hashing parameters.
            served = UsersSettings()
            print(
                f"users service on {server.url} (1 worker); argon2id t={served.argon2_time_cost} "
                f"m={served.argon2_memory_kib} KiB p={served.argon2_parallelism}, "
                f"{served.hash_threads} hashing threads; {os.cpu_count()} CPUs, "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            started = time.perf_counter()
            logins = asyncio.run(register_users(server.url, args.users))
            print(f"registered {len(logins)} users in {time.perf_counter() - started:.1f} s")
            # Warm-up: connections opened, the hashing threads and the DB pool used.
            options = {"concurrency": args.concurrency, "warmup_s": 0.5}
            result = benchkit.run_load(
                server.url, login_requests, logins, duration_s=duration, **options
            )
            report("POST /auth/token", result)
            rows.append(["POST /auth/token", *benchkit.result_row(result)])
            if args.reference_s > 0:
                # The same service and client answering a read with no hashing: what is left
                # of a log-in's cost once argon2 is taken away, on this machine right now.
                paths = [f"/users/{i}" for i in asyncio.run(user_ids(server.url))]
                result = benchkit.run_load(
                    server.url,
                    benchkit.get_paths,
                    paths,
                    duration_s=min(args.reference_s, 30.0),
                    **options,
                )
                report("GET /users/{id} (reference)", result)
                rows.append(["GET /users/{id} (reference)", *benchkit.result_row(result)])
    print()
    print(benchkit.markdown_table(["operation", *benchkit.RESULT_HEADERS], rows))


if __name__ == "__main__":
    main()
