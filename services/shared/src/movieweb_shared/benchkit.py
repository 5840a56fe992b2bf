"""Benchmark kit: what every service benchmark needs, so that each keeps only its scenario.

- ``run_load(url, make_request, *args, ...)``: a load generator in a *separate* process (spawned,
  so that it does not share the GIL or the event loop with anything measured), with
  ``concurrency`` keep-alive connections requesting back to back for a bounded time after a
  warm-up, over loopback only. Returns a ``LoadResult``: requests/s, p50, p90, p99, errors.
  ``drive(...)`` is the same loop in the calling process (the child runs it).
- ``serve_on_postgres(service, shards=...)``: an embedded Postgres with 1..N fresh shard
  databases, migrated, and ``movieweb serve <service>`` as a subprocess on a loopback port,
  ready (``/readyz``) when the block starts and stopped when it ends.
- ``markdown_table(headers, rows)``: results as a GitHub-flavoured markdown table.
- ``process_cpu_seconds(pid)``: CPU time of a process and its children (Linux ``/proc``), to
  price a request in CPU, which stays comparable when other work shares the machine.

Nothing here leaves the machine: the load generator refuses any URL that is not loopback, the
server binds 127.0.0.1, Postgres listens on a Unix socket.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, Unpack
from urllib.parse import urlsplit

import asyncpg
import httpx
import orjson

from .embedded import EmbeddedPostgres, free_port, quote_db, start_postgres
from .jwt import SigningKey, jwks_document
from .sharding import ShardMap

# One request of a scenario: given the shared client and the worker's own random generator,
# send one request and return its response.
RequestFn = Callable[[httpx.AsyncClient, random.Random], Awaitable[httpx.Response]]
# Builds a scenario's ``RequestFn`` inside the load process (from picklable arguments).
RequestFactory = Callable[..., RequestFn]

MAX_DURATION_S = 600.0


# --- results ----------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in [0, 1]) of ascending values; 0 when there are none."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass(frozen=True)
class LoadResult:
    """One measured run. Latencies and requests/s count successful requests only: a fast error
    (a 503 from an exhausted pool, say) must not flatter the figures; ``errors`` counts the rest.
    """

    requests: int  # measured requests, successful or not (warm-up excluded)
    ok: int
    errors: int
    seconds: float
    requests_per_s: float  # successful requests per second
    p50_ms: float
    p90_ms: float
    p99_ms: float
    concurrency: int
    # Why requests failed: HTTP status -> count (0: no response, e.g. a timeout).
    error_statuses: dict[int, int] = field(default_factory=dict)
    sent_with_warmup: int = 0


def summarize(
    latencies_s: Sequence[float],
    error_statuses: Mapping[int, int],
    seconds: float,
    concurrency: int,
    sent_with_warmup: int = 0,
) -> LoadResult:
    """A ``LoadResult`` from the latencies (seconds) of successful requests and the failures."""
    ordered = sorted(latencies_s)
    errors = sum(error_statuses.values())
    return LoadResult(
        requests=len(ordered) + errors,
        ok=len(ordered),
        errors=errors,
        seconds=seconds,
        requests_per_s=len(ordered) / seconds if seconds > 0 else 0.0,
        p50_ms=percentile(ordered, 0.50) * 1000,
        p90_ms=percentile(ordered, 0.90) * 1000,
        p99_ms=percentile(ordered, 0.99) * 1000,
        concurrency=concurrency,
        error_statuses=dict(error_statuses),
        sent_with_warmup=sent_with_warmup or len(ordered) + errors,
    )


# --- load generation --------------------------------------------------------------------------


def require_loopback(url: str) -> None:
    """Refuse a URL whose host is not this machine's loopback (a benchmark is a small DoS)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"load generation is for loopback URLs only, not {url!r}")


def is_2xx(response: httpx.Response) -> bool:
    """The default success test of a request: a 2xx answer."""
    return response.is_success


async def drive(
    url: str,
    request: RequestFn,
    *,
    concurrency: int = 32,
    duration_s: float = 10.0,
    warmup_s: float = 1.0,
    timeout_s: float = 30.0,
    ok: Callable[[httpx.Response], bool] = is_2xx,
    seed: int | None = None,
) -> LoadResult:
    """``concurrency`` workers sharing one client of as many keep-alive connections send
    requests back to back: unmeasured for ``warmup_s`` (connections opened, pools and caches
    filled), then measured for ``duration_s``. A request still in flight at the deadline
    completes and counts. ``ok`` decides what a success is (default: a 2xx)."""
    require_loopback(url)
    if not 0 < duration_s <= MAX_DURATION_S or not 0 <= warmup_s <= MAX_DURATION_S:
        raise ValueError(f"duration and warm-up are bounded to {MAX_DURATION_S:g} s")
    if not 1 <= concurrency <= 1024:
        raise ValueError("concurrency must be within 1..1024")
    latencies: list[float] = []
    failures: dict[int, int] = {}
    sent = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout_s) as client:

        async def worker(index: int, until: float, record: bool) -> None:
            nonlocal sent
            rng = random.Random(None if seed is None else seed * 1_000_003 + index)
            while (started := time.perf_counter()) < until:
                try:
                    response = await request(client, rng)
                    status, success = response.status_code, ok(response)
                except httpx.HTTPError:
                    status, success = 0, False
                sent += 1
                if not record:
                    continue
                if success:
                    latencies.append(time.perf_counter() - started)
                else:
                    failures[status] = failures.get(status, 0) + 1

        if warmup_s > 0:
            until = time.perf_counter() + warmup_s
            await asyncio.gather(*(worker(i, until, False) for i in range(concurrency)))
        began = time.perf_counter()
        until = began + duration_s
        await asyncio.gather(*(worker(i, until, True) for i in range(concurrency)))
        elapsed = time.perf_counter() - began
    return summarize(latencies, failures, elapsed, concurrency, sent)


def _load_process(
    url: str, factory: RequestFactory, args: tuple[Any, ...], options: dict[str, Any]
) -> LoadResult:
    try:  # the same event loop the server runs on, so the client is not the bottleneck
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency; only for odd platforms
        pass
    return asyncio.run(drive(url, factory(*args), **options))


def get_paths(paths: Sequence[str], headers: Mapping[str, str] | None = None) -> RequestFn:
    """A ``RequestFactory`` for the common case: GET one of ``paths`` at random."""
    choices = list(paths)
    if not choices:
        raise ValueError("no paths to request")
    fixed = dict(headers or {})

    def request(client: httpx.AsyncClient, rng: random.Random) -> Awaitable[httpx.Response]:
        return client.get(rng.choice(choices), headers=fixed)

    return request


class LoadOptions(TypedDict, total=False):
    """``drive``'s keyword arguments, as ``run_load`` passes them on to the load process."""

    concurrency: int
    duration_s: float
    warmup_s: float
    timeout_s: float
    ok: Callable[[httpx.Response], bool]
    seed: int | None


def run_load(
    url: str, factory: RequestFactory, *args: Any, **options: Unpack[LoadOptions]
) -> LoadResult:
    """Run ``drive(url, factory(*args), **options)`` in a fresh (spawned) process.

    ``factory``, ``args`` and ``ok`` travel by pickle, so they must be module-level objects
    (functions of the benchmark script are; the script needs an ``if __name__ == "__main__"``
    guard, as the child imports it)."""
    require_loopback(url)
    bound = options.get("warmup_s", 1.0) + options.get("duration_s", 10.0)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(_load_process, url, factory, args, dict(options))
        return future.result(timeout=bound + options.get("timeout_s", 30.0) + 120)


# --- the server under test ----------------------------------------------------------------------


def movieweb_command() -> str:
    """The ``movieweb`` command of this environment (beside its interpreter, or on PATH)."""
    beside = Path(sys.executable).with_name("movieweb")
    found = str(beside) if beside.exists() else shutil.which("movieweb")
    if found is None:
        raise RuntimeError("the movieweb command is not installed in this environment")
    return found


def setting_env(service: str, settings: Mapping[str, object]) -> dict[str, str]:
    """Settings as the service's environment variables (``MOVIEWEB_<SERVICE>_<NAME>``)."""

    def text(value: object) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    return {f"MOVIEWEB_{service.upper()}_{k.upper()}": text(v) for k, v in settings.items()}


@dataclass
class BenchServer:
    """A served service: where it listens, its shards and what load processes need."""

    service: str
    url: str
    shard_map: ShardMap
    postgres: EmbeddedPostgres
    process: subprocess.Popen[bytes]
    workdir: Path
    env: dict[str, str]
    # Signs tokens the service accepts (its JWKS file); None when ``jwks=False``.
    signing_key: SigningKey | None

    @property
    def postmaster_pid(self) -> int:
        return int((self.postgres.datadir / "postmaster.pid").read_text().split()[0])


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode} during start-up")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the service at {url} did not become ready in {timeout_s:g} s")


async def _create_databases(admin_uri: str, names: Sequence[str]) -> None:
    conn = await asyncpg.connect(admin_uri, timeout=10)
    try:
        for name in names:
            await conn.execute(f"DROP DATABASE IF EXISTS {quote_db(name)}")
            await conn.execute(f"CREATE DATABASE {quote_db(name)}")
    finally:
        await conn.close()


@contextmanager
def _workdir(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    path = Path(tempfile.mkdtemp(prefix="movieweb-bench-"))
    # The embedded Postgres runs as its own system user when we are root: it must reach its
    # data directory inside this one.
    os.chmod(path, 0o755)  # noqa: S103
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def serve_on_postgres(
    service: str,
    *,
    shards: int = 1,
    settings: Mapping[str, object] | None = None,
    workers: int = 1,
    postgres: EmbeddedPostgres | None = None,
    workdir: Path | None = None,
    durable: bool = False,
    jwks: bool = True,
    ready_timeout_s: float = 90.0,
) -> Iterator[BenchServer]:
    """Serve ``movieweb serve <service>`` on ``shards`` fresh, migrated databases.

    Postgres is ``postgres`` if given (databases named per service and shard count, so runs can
    share one server) or an embedded one in ``workdir`` (default: a temporary directory), stopped
    afterwards; ``durable=False`` turns fsync off for it. ``settings`` (setting name -> value)
    reach the service as its environment; the defaults keep logging out of the measurement.
    With ``jwks``, the service verifies tokens of a fresh ``BenchServer.signing_key``."""
    from . import migrations
    from .registry import load_service

    if not 1 <= shards <= 64:
        raise ValueError("shards must be within 1..64")
    definition = load_service(service)
    with _workdir(workdir) as work:
        pg = postgres or start_postgres(work / "pg", durable=durable)
        process: subprocess.Popen[bytes] | None = None
        try:
            run = uuid.uuid4().hex[:6]
            names = [f"{service}_bench_{shards}s_{i}_{run}" for i in range(shards)]
            asyncio.run(_create_databases(pg.uri("postgres"), names))
            shard_map = ShardMap.even([pg.async_url(name) for name in names])
            if definition.migrations_dir is not None:
                asyncio.run(migrations.upgrade(definition.migrations_dir, shard_map))
            map_file = work / f"{service}-map-{shards}-{run}.json"
            shard_map.dump(map_file)
            values: dict[str, object] = {
                "shard_map_file": map_file,
                "access_log": False,
                "log_level": "WARNING",
            }
            key: SigningKey | None = None
            if jwks:
                key = SigningKey.generate()
                jwks_file = work / f"{service}-jwks-{run}.json"
                jwks_file.write_bytes(orjson.dumps(jwks_document(key)))
                values["jwks_file"] = jwks_file
            env = {**os.environ, **setting_env(service, {**values, **(settings or {})})}
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            command = [movieweb_command(), "serve", service, "--host", "127.0.0.1",
                       "--port", str(port), "--workers", str(workers)]  # fmt: skip
            process = subprocess.Popen(command, env=env)  # noqa: S603 - our command, fixed args
            _wait_ready(url, process, ready_timeout_s)
            yield BenchServer(service, url, shard_map, pg, process, work, env, key)
        finally:
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if postgres is None:
                pg.stop()


# --- measurement and reporting ----------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_times(pid: int) -> tuple[int, float, float]:
    """(parent pid, own CPU s, CPU s of reaped children) from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return int(fields[1]), (utime + stime) / _TICK, (cutime + cstime) / _TICK


def process_cpu_seconds(pid: int, *, children: bool = True) -> float:
    """User + system CPU seconds of a process and (``children``) of its direct children, live
    or reaped: uvicorn workers, Postgres backends."""
    _, own, reaped = _proc_times(pid)
    if not children:
        return own
    total = own + reaped
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent, child, child_reaped = _proc_times(int(entry.name))
        except (OSError, IndexError, ValueError):  # gone meanwhile, or not a process
            continue
        if parent == pid:
            total += child + child_reaped
    return total


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, digits: int = 1
) -> str:
    """A markdown table; numbers right-aligned (floats with ``digits`` decimals), text left."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.{digits}f}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    numeric = [
        bool(rows) and all(isinstance(row[i], int | float) for row in rows)
        for i in range(len(headers))
    ]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        padded = (
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if num else "-" * (w + 2)
            for w, num in zip(widths, numeric, strict=True)
        )
        + "|"
    )
    return "\n".join([line(headers), rule, *(line(r) for r in cells)])


def result_row(result: LoadResult) -> list[object]:
    """The usual columns of a ``LoadResult``, in the order of ``RESULT_HEADERS``."""
    return [
        result.requests,
        result.requests_per_s,
        result.p50_ms,
        result.p90_ms,
        result.p99_ms,
        result.errors,
    ]


RESULT_HEADERS = ["requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors"]
