"""Benchmark of the reviews service: a real ``movieweb serve reviews`` process on embedded
Postgres with 1 and with 3 shards, driven by a separate load-generator process (asyncio + httpx)
over loopback. Measures requests/s, p50 and p99 of:

- a review write: ``PUT /movies/{id}/reviews/mine`` by random users on random movies (a mix of
  first writes and rewrites, each moving the movie's statistics in the same transaction);
- the by-movie list: ``GET /movies/{id}/reviews?limit=20`` on movies with ≥ 20 reviews.

    uv run python services/reviews/bench/bench_reviews.py [--seconds 8] [--concurrency 32]

The load generator and the server share this machine's cores with Postgres: the figures are
what one service process does here, not a capacity plan.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from movieweb_shared.embedded import free_port, start_postgres
from movieweb_shared.jwt import SigningKey, jwks_document
from movieweb_shared.sharding import ShardMap

USERS = 2000
WRITE_MOVIES = 500
LIST_MOVIES = 20
REVIEWS_PER_LISTED_MOVIE = 25


# --- load generator (runs in its own process) ------------------------------------------------


async def _run_load(
    args: argparse.Namespace, key: SigningKey, movies: list[uuid.UUID]
) -> dict[str, Any]:
    rng = random.Random(args.seed)
    users = [uuid.uuid4() for _ in range(USERS)]
    auth = {
        u: {
            "Authorization": "Bearer "
            + key.sign(u, issuer="movieweb-users", audience="movieweb", ttl_s=3600)
        }
        for u in users
    }
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    latencies: list[float] = []
    errors = 0

    async with httpx.AsyncClient(base_url=args.url, limits=limits, timeout=30) as client:

        async def one() -> int:
            if args.scenario == "list":
                movie = rng.choice(movies)
                resp = await client.get(f"/movies/{movie}/reviews", params={"limit": 20})
                if resp.status_code == 200 and len(resp.json()["items"]) != 20:
                    return 599
                return resp.status_code
            movie = rng.choice(movies)
            user = rng.choice(users)
            body = {"rating": rng.randint(1, 10), "comment": "benchmark review"}
            resp = await client.put(f"/movies/{movie}/reviews/mine", json=body, headers=auth[user])
            return resp.status_code

        if args.scenario == "seed":
            # Every listed movie gets REVIEWS_PER_LISTED_MOVIE distinct authors (not measured).
            jobs = [(m, users[i]) for m in movies for i in range(REVIEWS_PER_LISTED_MOVIE)]
            sem = asyncio.Semaphore(args.concurrency)

            async def seed(movie: uuid.UUID, user: uuid.UUID) -> None:
                async with sem:
                    r = await client.put(
                        f"/movies/{movie}/reviews/mine",
                        json={"rating": rng.randint(1, 10)},
                        headers=auth[user],
                    )
                    r.raise_for_status()

            await asyncio.gather(*(seed(m, u) for m, u in jobs))
            return {"seeded": len(jobs)}

        deadline = time.perf_counter() + args.seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    status = await one()
                except httpx.HTTPError:
                    status = 0
                latencies.append(time.perf_counter() - start)
                if status not in (200, 201):
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - began

    latencies.sort()
    q = (
        statistics.quantiles(latencies, n=100, method="inclusive")
        if len(latencies) > 1
        else [0.0] * 99
    )
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
    }


def loadgen_main(args: argparse.Namespace) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    key = SigningKey.from_pem(Path(args.key).read_bytes())
    movies = [uuid.UUID(m) for m in json.loads(Path(args.movies).read_text())]
    print(json.dumps(asyncio.run(_run_load(args, key, movies))))


# --- orchestration ---------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _times(pid: int) -> tuple[int, float, float]:
    """(parent pid, own CPU s, CPU s of reaped children) from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return int(fields[1]), (utime + stime) / _TICK, (cutime + cstime) / _TICK


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and all its children (live ones, and those it has reaped)."""
    _, own, reaped = _times(pid)
    total = own + reaped
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid, child, child_reaped = _times(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            if ppid == pid:
                total += child + child_reaped
    return total


def _postmaster_pid(datadir: Path) -> int:
    return int((datadir / "postmaster.pid").read_text().split()[0])


def _loadgen(
    url: str, key: Path, movies: Path, scenario: str, args: argparse.Namespace
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--loadgen",
        "--url",
        url,
        "--key",
        str(key),
        "--movies",
        str(movies),
        "--scenario",
        scenario,
        "--seconds",
        str(args.seconds),
        "--concurrency",
        str(args.concurrency),
        "--seed",
        "1",
    ]
    # Our own interpreter and script with generated arguments: no shell, no outside input.
    out = subprocess.run(  # noqa: S603
        cmd, check=True, stdout=subprocess.PIPE, text=True, timeout=args.seconds + 120
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the service exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError("the service did not become ready")


def bench_shards(
    pg: Any, shards: int, work: Path, args: argparse.Namespace
) -> list[dict[str, Any]]:
    postmaster = _postmaster_pid(pg.datadir)
    names = [f"bench_{shards}s_{i}" for i in range(shards)]
    for name in names:
        pg.psql(f'CREATE DATABASE "{name}";')
    shard_map = ShardMap.even([pg.async_url(n) for n in names])
    map_file = work / f"map-{shards}.json"
    shard_map.dump(map_file)
    key = SigningKey.generate()
    (work / "key.pem").write_bytes(key.pem())
    (work / "jwks.json").write_text(json.dumps(jwks_document(key)))
    rng = random.Random(shards)
    listed = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(LIST_MOVIES)]
    written = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(WRITE_MOVIES)]
    (work / "listed.json").write_text(json.dumps([str(m) for m in listed]))
    (work / "written.json").write_text(json.dumps([str(m) for m in written]))

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "MOVIEWEB_REVIEWS_SHARD_MAP_FILE": str(map_file),
        "MOVIEWEB_REVIEWS_JWKS_FILE": str(work / "jwks.json"),
        "MOVIEWEB_REVIEWS_MIGRATE_ON_START": "true",
        "MOVIEWEB_REVIEWS_ACCESS_LOG": "false",
        "MOVIEWEB_REVIEWS_LOG_LEVEL": "WARNING",
    }
    movieweb = shutil.which("movieweb") or str(Path(sys.executable).with_name("movieweb"))
    proc = subprocess.Popen(  # noqa: S603 (the installed movieweb command, fixed arguments)
        [movieweb, "serve", "reviews", "--host", "127.0.0.1", "--port", str(port)], env=env
    )
    try:
        _wait_ready(url, proc)
        _loadgen(url, work / "key.pem", work / "listed.json", "seed", args)
        results = []
        for label, scenario, movies in (
            ("PUT review (write)", "write", "written.json"),
            ("GET by-movie list (20)", "list", "listed.json"),
        ):
            # CPU per request of the service and of Postgres: comparable even when other work
            # shares the machine, unlike requests/s.
            srv0, pg0 = _cpu_seconds(proc.pid), _cpu_seconds(postmaster)
            result = _loadgen(url, work / "key.pem", work / movies, scenario, args)
            srv1, pg1 = _cpu_seconds(proc.pid), _cpu_seconds(postmaster)
            n = max(result["requests"], 1)
            result["srv_cpu_ms"] = (srv1 - srv0) * 1000 / n
            result["pg_cpu_ms"] = (pg1 - pg0) * 1000 / n
            results.append({"shards": shards, "operation": label, **result})
        return results
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


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
    parser.add_argument("--loadgen", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--movies", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", choices=["seed", "write", "list"], help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loadgen:
        loadgen_main(args)
        return

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
    header = (
        f"{'shards':>6}  {'operation':<24} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'errors':>6} {'svc CPU ms':>10} {'pg CPU ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['shards']:>6}  {r['operation']:<24} {r['requests']:>8} {r['rps']:>8.0f} "
            f"{r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['errors']:>6}"
            f" {r['srv_cpu_ms']:>10.2f} {r['pg_cpu_ms']:>9.2f}"
        )


if __name__ == "__main__":
    main()
