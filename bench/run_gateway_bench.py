"""Benchmark of the public API gateway against a bare ASGI app, on this machine, in one run.

    uv run python bench/run_gateway_bench.py --data-dir .data --port-base 8000 [--start] [--load]

With the stack running (``movieweb up --no-access-log``: a log line per request would be
rendered by the runner and cost CPU the benchmark measures) and the bulk volume loaded (``movieweb seed --bulk``),
it drives the gateway from a separate load-generator process (``wrk``, loopback only, a bounded
duration per scenario) and prints requests/s, p50 and p99 for:

- ``GET /v1/movies/{id}`` of one movie, over and over (hot cache: L1, then Redis);
- ``GET /v1/movies/{id}/reviews?limit=20`` of a popular movie (20 reviews, each with its user);
- ``POST /v1/reviews`` by 50 users over 200 movies (upserts: a review and the movie's stats
  written in one transaction, then the enriched answer);
- ``GET /v1/users/{id}/review-feed`` of 20 users who follow others (fan-out plus enrichment);

each beside the same scenario against ``bench/bare_app.py`` answering the bytes captured from
the gateway, served by the same uvicorn stack: the ratio is what the gateway's own work costs.

``--start`` starts the stack itself (devstack functions) if the gateway does not answer;
``--load`` bulk-loads the benchmark volume first when the catalogue is nearly empty.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
HOT_IP = "10.99.0.1"


@dataclass
class Request:
    method: str
    path: str
    body: str = ""
    token: str = ""


@dataclass
class Scenario:
    name: str
    requests: list[Request]
    expect: tuple[int, ...] = (200,)


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    total: int


# -- load generator (wrk, a separate process) ------------------------------------------------
LUA = """
local reqs = %s
local counter = 0
request = function()
  counter = counter + 1
  local r = reqs[(counter %% #reqs) + 1]
  local headers = {}
  if r[4] ~= "" then headers["Authorization"] = "Bearer " .. r[4] end
  if r[3] ~= "" then headers["Content-Type"] = "application/json" end
  return wrk.format(r[1], r[2], headers, r[3] ~= "" and r[3] or nil)
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_script(requests: list[Request]) -> str:
    rows = ",\n".join(
        "{" + ", ".join(lua_string(v) for v in (r.method, r.path, r.body, r.token)) + "}"
        for r in requests
    )
    return LUA % ("{\n" + rows + "\n}")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(
    base_url: str, scenario: Scenario, duration: int, connections: int, threads: int
) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(scenario.requests))
    try:
        # A fixed command line (wrk, our own arguments): no untrusted input.
        out = subprocess.run(  # noqa: S603
            [
                shutil.which("wrk") or "/usr/bin/wrk",
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{duration}s",
                "--latency",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return Result(rps, p50, p99, errors, total)


# -- the bare baseline --------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BareApp:
    def __init__(self, body: bytes, status: int, content_type: str) -> None:
        self.file = tempfile.NamedTemporaryFile(suffix=".body", delete=False)  # noqa: SIM115
        self.file.write(body)
        self.file.close()
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter, our script
            [
                sys.executable,
                str(HERE / "bare_app.py"),
                self.file.name,
                str(status),
                content_type,
                str(self.port),
            ]
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(self.url, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        os.unlink(self.file.name)


# -- preparing the scenarios from the loaded data ---------------------------------------------------
def authorize(client: httpx.Client, login: str, password: str, ip: str) -> dict[str, Any] | None:
    reply = client.post(
        "/v1/auth/authorize",
        json={"login": login, "password": password},
        headers={"X-Forwarded-For": ip},
    )
    return reply.json() if reply.status_code == 200 else None


def prepare(client: httpx.Client, seed: int, password: str) -> list[Scenario]:
    movies = client.get("/v1/movies", params={"limit": 100}).json()["items"]
    if not movies:
        raise SystemExit("the catalogue is empty: load it with `movieweb seed --bulk` (or --load)")
    popular = max(movies, key=lambda m: (m["rating"] or {}).get("count", 0))
    hot = movies[0]

    # Bulk users are bulk<seed>_<n> (see movieweb_devstack.seed_bulk); each comes from its own
    # address so the per-IP log-in limit is not what we measure.
    writers: list[dict[str, Any]] = []
    readers: list[dict[str, Any]] = []
    for n in range(400):
        if len(writers) >= 50 and len(readers) >= 20:
            break
        session = authorize(client, f"bulk{seed}_{n}", password, f"10.98.{n >> 8}.{n & 255}")
        if session is None:
            continue
        if len(writers) < 50:
            writers.append(session)
        if len(readers) < 20:
            me = session["user"]["id"]
            feed = client.get(
                f"/v1/users/{me}/review-feed",
                headers={"Authorization": f"Bearer {session['access_token']}"},
            )
            if feed.status_code == 200 and len(feed.json()["items"]) >= 20:
                readers.append(session)
    if not writers or not readers:
        raise SystemExit(f"no bulk users bulk{seed}_* found or none with a feed: load with --load")

    rng = random.Random(1)
    targets = [m["id"] for m in movies] * 2
    posts = [
        Request(
            "POST",
            "/v1/reviews",
            json.dumps(
                {
                    "movie_id": rng.choice(targets),
                    "rating": rng.randint(1, 10),
                    "comment": "Benchmarked, and still worth it.",
                }
            ),
            w["access_token"],
        )
        for w in writers
        for _ in range(4)
    ]
    return [
        Scenario("GET /v1/movies/{id} (hot cache)", [Request("GET", f"/v1/movies/{hot['id']}")]),
        Scenario(
            f"GET /v1/movies/{{id}}/reviews (20 enriched; movie has {popular['rating']['count']})",
            [Request("GET", f"/v1/movies/{popular['id']}/reviews?limit=20")],
        ),
        Scenario("POST /v1/reviews (upsert + stats)", posts, expect=(200, 201)),
        Scenario(
            "GET /v1/users/{id}/review-feed (20 users)",
            [
                Request(
                    "GET",
                    f"/v1/users/{r['user']['id']}/review-feed?limit=20",
                    token=r["access_token"],
                )
                for r in readers
            ],
        ),
    ]


def capture(client: httpx.Client, request: Request) -> httpx.Response:
    headers = {"Authorization": f"Bearer {request.token}"} if request.token else {}
    if request.body:
        headers["Content-Type"] = "application/json"
    return client.request(
        request.method, request.path, content=request.body or None, headers=headers
    )


# -- optional: start the stack and load the volume ---------------------------------------------------
def start_stack(data_dir: Path, port_base: int) -> Any:
    """Start the stack in a child process (`movieweb up --no-seed`); returns the process."""
    movieweb = shutil.which("movieweb") or str(Path(sys.executable).parent / "movieweb")
    log = open(data_dir.parent / f"{data_dir.name}-bench-stack.log", "w")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - the movieweb command itself
        [
            movieweb,
            "up",
            "--no-seed",
            "--no-access-log",
            "--data-dir",
            str(data_dir),
            "--port-base",
            str(port_base),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 300
    url = f"http://127.0.0.1:{port_base}/readyz"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"movieweb up exited; see {log.name}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit("the stack did not come up in 5 minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".data"))
    parser.add_argument("--port-base", type=int, default=8000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario and target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--random-seed", type=int, default=42, help="the bulk load's seed")
    parser.add_argument("--start", action="store_true", help="start the stack if it is not up")
    parser.add_argument("--load", action="store_true", help="bulk-load if the catalogue is small")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed as the load generator: apt-get install wrk")
    from movieweb_devstack.synth import DEMO_PASSWORD

    base_url = f"http://127.0.0.1:{args.port_base}"
    stack = None
    try:
        try:
            httpx.get(f"{base_url}/readyz", timeout=2)
        except httpx.HTTPError:
            if not args.start:
                raise SystemExit(
                    f"no gateway on {base_url}: run `movieweb up` or pass --start"
                ) from None
            stack = start_stack(args.data_dir.resolve(), args.port_base)
        client = httpx.Client(base_url=base_url, timeout=30)
        if (
            args.load
            and client.get("/v1/movies", params={"limit": 1}).json()["info"]["total"] < 1000
        ):
            from movieweb_devstack.layout import Layout
            from movieweb_devstack.seed_bulk import BulkVolume, seed_bulk

            asyncio.run(
                seed_bulk(
                    Layout(args.data_dir.resolve(), args.port_base),
                    BulkVolume(random_seed=args.random_seed),
                )
            )
        scenarios = prepare(client, args.random_seed, DEMO_PASSWORD)
        rows = []
        for scenario in scenarios:
            sample = capture(client, scenario.requests[0])
            if sample.status_code not in scenario.expect:
                raise SystemExit(
                    f"{scenario.name}: the gateway answered {sample.status_code}: {sample.text[:300]}"
                )
            # Warm up (fills L1/L2 and the backends' pools), then measure.
            run_wrk(base_url, scenario, 2, args.connections, args.threads)
            gateway = run_wrk(base_url, scenario, args.duration, args.connections, args.threads)
            bare_app = BareApp(
                sample.content,
                sample.status_code,
                sample.headers.get("content-type", "application/json"),
            )
            try:
                run_wrk(bare_app.url, scenario, 2, args.connections, args.threads)
                bare = run_wrk(
                    bare_app.url, scenario, args.duration, args.connections, args.threads
                )
            finally:
                bare_app.stop()
            rows.append((scenario.name, len(sample.content), gateway, bare))
            print(f"done: {scenario.name}", file=sys.stderr)
    finally:
        if stack is not None:
            stack.send_signal(2)
            stack.wait(60)

    print()
    print(
        f"wrk, {args.connections} connections, {args.threads} threads, {args.duration} s per run; "
        f"{os.cpu_count()} CPUs shared by the stack, the baseline and the load generator"
    )
    print()
    print(
        "| scenario | bytes | gateway req/s | p50 ms | p99 ms | errors | bare req/s | bare p50 ms | bare p99 ms | gateway / bare |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, size, g, b in rows:
        print(
            f"| {name} | {size} | {g.rps:.0f} | {g.p50_ms:.1f} | {g.p99_ms:.1f} | {g.errors} | "
            f"{b.rps:.0f} | {b.p50_ms:.2f} | {b.p99_ms:.2f} | {g.rps / b.rps:.3f} |"
        )


if __name__ == "__main__":
    main()
