"""Benchmark ``POST /auth/token`` of a real users service, on loopback only.

    uv run python services/users/bench/bench_login.py [--duration 10] [--concurrency 8]

Starts an embedded Postgres in a temporary directory, migrates it with ``movieweb migrate
users``, serves the service with ``movieweb serve users`` in a subprocess (production argon2id
cost unless overridden through MOVIEWEB_USERS_ARGON2_* variables), registers 50 users, then
this process drives log-ins with a tight asyncio httpx loop for ``--duration`` seconds and
prints requests/s, p50 and p99. Log-in cost is dominated by one argon2id verification.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
from movieweb_shared.embedded import free_port, start_postgres
from movieweb_users.settings import UsersSettings

PASSWORD = "benchmark password"  # noqa: S105 (throwaway accounts in a temp database)


def movieweb_command() -> str:
    found = shutil.which("movieweb") or str(Path(sys.executable).with_name("movieweb"))
    if not Path(found).exists():
        raise SystemExit("the movieweb command is not installed in this environment")
    return found


async def create_database(admin_uri: str, name: str) -> None:
    conn = await asyncpg.connect(admin_uri, timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=url, timeout=2) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"the service exited with {proc.returncode} during start-up")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("the service did not become ready")


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


async def drive(
    url: str,
    label: str,
    request: Callable[[httpx.AsyncClient, random.Random], Awaitable[httpx.Response]],
    duration_s: float,
    concurrency: int,
) -> None:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        # Warm-up: connections opened, the hashing threads and the DB pool used once.
        warm = random.Random(0)
        await asyncio.gather(*(request(http, warm) for _ in range(concurrency)))
        stop_at = time.perf_counter() + duration_s

        async def worker() -> None:
            nonlocal errors
            rng = random.Random()
            while time.perf_counter() < stop_at:
                start = time.perf_counter()
                response = await request(http, rng)
                elapsed = time.perf_counter() - start
                if response.status_code == 200:
                    latencies.append(elapsed)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started

    if len(latencies) < 2:
        raise SystemExit(f"{label}: too few successful requests ({errors} errors)")
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{label}: {len(latencies)} ok, {errors} errors in {wall:.1f} s "
        f"with {concurrency} concurrent clients"
    )
    print(
        f"  requests/s {len(latencies) / wall:.1f}   p50 {cuts[49] * 1000:.1f} ms   "
        f"p99 {cuts[98] * 1000:.1f} ms"
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
        pg = start_postgres(workdir / "pg")
        proc: subprocess.Popen[bytes] | None = None
        try:
            asyncio.run(create_database(pg.uri("postgres"), "users"))
            port = free_port()
            env = {
                **os.environ,
                "MOVIEWEB_USERS_DATABASE_URL": pg.async_url("users"),
                "MOVIEWEB_USERS_SIGNING_KEY_FILE": str(workdir / "signing-key.pem"),
                "MOVIEWEB_USERS_LOG_LEVEL": "WARNING",
                "MOVIEWEB_USERS_ACCESS_LOG": "false",
            }
            cli = movieweb_command()
            subprocess.run([cli, "migrate", "users"], env=env, check=True)  # noqa: S603
            proc = subprocess.Popen(  # noqa: S603
                [cli, "serve", "users", "--host", "127.0.0.1", "--port", str(port)], env=env
            )
            url = f"http://127.0.0.1:{port}"
            asyncio.run(wait_ready(url, proc))
            # This process has the server's environment but for the variables set above, so
            # it reads the same hashing parameters.
            served = UsersSettings()
            print(
                f"users service on {url} (1 worker); argon2id t={served.argon2_time_cost} "
                f"m={served.argon2_memory_kib} KiB p={served.argon2_parallelism}, "
                f"{served.hash_threads} hashing threads; {os.cpu_count()} CPUs, "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            started = time.perf_counter()
            logins = asyncio.run(register_users(url, args.users))
            print(f"registered {len(logins)} users in {time.perf_counter() - started:.1f} s")

            def log_in(http: httpx.AsyncClient, rng: random.Random) -> Awaitable[httpx.Response]:
                body = {"login": rng.choice(logins), "password": PASSWORD}
                return http.post("/auth/token", json=body)

            asyncio.run(drive(url, "POST /auth/token", log_in, duration, args.concurrency))
            if args.reference_s > 0:
                # The same service and client answering a read with no hashing: what is left
                # of a log-in's cost once argon2 is taken away, on this machine right now.
                ids = asyncio.run(user_ids(url))

                def get_user(
                    http: httpx.AsyncClient, rng: random.Random
                ) -> Awaitable[httpx.Response]:
                    return http.get(f"/users/{rng.choice(ids)}")

                asyncio.run(
                    drive(
                        url,
                        "GET /users/{id} (reference)",
                        get_user,
                        min(args.reference_s, 30.0),
                        args.concurrency,
                    )
                )
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
            pg.stop()


if __name__ == "__main__":
    main()
