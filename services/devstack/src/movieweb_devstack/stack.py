"""The whole site on one laptop: embedded Postgres and Redis, the four backend services and the
gateway as supervised processes, the posters' static route, and the demo data on first start.

``Stack.start()`` / ``Stack.stop()`` are what ``movieweb up`` runs and what the end-to-end
tests use; stopping goes children first, then Redis, then Postgres, so no service ever sees
its database vanish under a request it is still answering.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from movieweb_shared.embedded import EmbeddedPostgres, EmbeddedRedis, start_postgres, start_redis
from rich.console import Console

from .layout import BACKENDS, Layout
from .posters import posters_app
from .provision import provision
from .supervisor import ProcessSpec, Supervisor
from .synth import DEMO_PASSWORD


@dataclass(frozen=True)
class StackOptions:
    data_dir: Path
    shards: int = 1
    gateway_processes: int = 1
    port_base: int = 8000
    seed: bool = True
    # Durable Postgres for the laptop; tests turn fsync off (much faster, data is throwaway).
    durable: bool = True
    ready_timeout_s: float = 120.0
    # One log line per request from every service; off for benchmarks (the runner renders
    # every line of the combined log, which costs CPU at thousands of requests a second).
    access_log: bool = True

    @property
    def layout(self) -> Layout:
        return Layout(self.data_dir.resolve(), self.port_base, self.gateway_processes)


def movieweb_argv() -> list[str]:
    """How to run the ``movieweb`` command in a child (the script beside this interpreter)."""
    script = Path(sys.executable).parent / "movieweb"
    if script.exists():
        return [str(script)]
    found = shutil.which("movieweb")
    if found:
        return [found]
    return [sys.executable, "-c", "from movieweb_shared.cli import main; main()"]


def service_env(
    service: str, layout: Layout, port: int, *, access_log: bool = True
) -> dict[str, str]:
    prefix = f"MOVIEWEB_{service.upper()}_"
    env = {
        f"{prefix}PORT": str(port),
        f"{prefix}HOST": layout.host,
        f"{prefix}JWKS_URL": layout.jwks_url,
        # Human-readable lines: the combined log is for a person at a terminal.
        f"{prefix}LOG_JSON": "false",
        f"{prefix}ACCESS_LOG": "true" if access_log else "false",
    }
    if service in BACKENDS:
        env[f"{prefix}SHARD_MAP_FILE"] = str(layout.shard_map_file(service))
    if service == "users":
        env[f"{prefix}SIGNING_KEY_FILE"] = str(layout.signing_key_file)
    if service == "gateway":
        env[f"{prefix}REDIS_URL"] = f"redis://{layout.host}:{layout.redis_port}/0"
        for backend in BACKENDS:
            env[f"{prefix}{backend.upper()}_URL"] = layout.url(backend)
        # Plain http on a laptop: a Secure cookie would never be sent back by the browser.
        env[f"{prefix}COOKIE_SECURE"] = "false"
        origins = [
            layout.gateway_url,
            f"http://localhost:{layout.port_base}",
            "http://localhost:5173",
            "http://127.0.0.1:5173",
        ]
        env[f"{prefix}ALLOWED_ORIGINS"] = json.dumps(origins)
    return env


def process_specs(layout: Layout, *, access_log: bool = True) -> list[ProcessSpec]:
    base = movieweb_argv()
    specs = []
    for service in BACKENDS:
        port = layout.port(service)
        specs.append(
            ProcessSpec(
                name=service,
                argv=[*base, "serve", service, "--port", str(port)],
                env=service_env(service, layout, port, access_log=access_log),
                ready_url=f"{layout.url(service)}/readyz",
            )
        )
    for index, port in enumerate(layout.gateway_ports):
        name = "gateway" if layout.gateway_processes == 1 else f"gateway-{index}"
        specs.append(
            ProcessSpec(
                name=name,
                argv=[*base, "serve", "gateway", "--port", str(port)],
                env=service_env("gateway", layout, port, access_log=access_log),
                ready_url=f"http://{layout.host}:{port}/readyz",
            )
        )
    webapp = webapp_spec(layout)
    if webapp is not None:
        specs.append(webapp)
    return specs


class PortsInUse(RuntimeError):
    pass


WEBAPP_OFFSET = 80
WEBAPP_DIR = Path(__file__).resolve().parents[3] / "webapp"


def webapp_port(layout: Layout) -> int:
    return layout.port_base + WEBAPP_OFFSET


def all_ports(layout: Layout) -> list[int]:
    return [
        *(layout.port(s) for s in BACKENDS),
        *layout.gateway_ports,
        layout.posters_port,
        layout.redis_port,
        webapp_port(layout),
    ]


def busy_ports(layout: Layout) -> list[int]:
    busy = []
    for port in all_ports(layout):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((layout.host, port))
            except OSError:
                busy.append(port)
    return busy


def webapp_spec(layout: Layout) -> ProcessSpec | None:
    """The web app's static server (services/webapp/scripts/serve.mjs) on ``port_base + 80``.

    It serves the built app (``npm run build`` → ``dist/``; ``scripts/run-local`` builds it) and
    forwards ``/v1`` to the gateway, so the browser talks to one origin and the session cookie
    is first-party. Without Node.js or the web app's sources, the stack runs API-only.
    """
    node = shutil.which("node")
    server = WEBAPP_DIR / "scripts" / "serve.mjs"
    if node is None or not server.exists():
        return None
    port = webapp_port(layout)
    return ProcessSpec(
        name="webapp",
        argv=[
            node,
            str(server),
            "--host",
            layout.host,
            "--port",
            str(port),
            "--gateway",
            layout.gateway_url,
        ],
        ready_url=f"http://{layout.host}:{port}/healthz",
    )


class _QuietServer(uvicorn.Server):
    """A uvicorn server on the runner's event loop that leaves signals alone: Ctrl-C belongs to
    the runner, which stops everything in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Stack:
    def __init__(self, options: StackOptions, console: Console | None = None) -> None:
        self.options = options
        self.layout = options.layout
        self.console = console or Console(highlight=False)
        self.supervisor = Supervisor(self.console)
        self.postgres: EmbeddedPostgres | None = None
        self.redis: EmbeddedRedis | None = None
        self._posters: uvicorn.Server | None = None
        self._posters_task: asyncio.Task[None] | None = None
        self._booting_postgres: asyncio.Future[EmbeddedPostgres] | None = None
        self._booting_redis: asyncio.Future[EmbeddedRedis] | None = None
        self.seeded_now = False

    # -- start ---------------------------------------------------------------------------
    async def start(self) -> None:
        layout = self.layout
        note = self.supervisor.note
        busy = busy_ports(layout)
        if busy:
            raise PortsInUse(
                f"port(s) {', '.join(map(str, busy))} already in use (another stack running?); "
                "stop it or pick another --port-base"
            )
        layout.data_dir.mkdir(parents=True, exist_ok=True)
        note(f"data directory {layout.data_dir}")
        # Starting a server runs in a thread that a Ctrl-C cannot interrupt: keep its future, so
        # that stop() waits for it and stops what it started instead of leaving it orphaned.
        self._booting_postgres = asyncio.ensure_future(
            asyncio.to_thread(start_postgres, layout.postgres_dir, durable=self.options.durable)
        )
        self.postgres = await asyncio.shield(self._booting_postgres)
        note(f"postgres up (socket in {layout.postgres_dir})")
        self._booting_redis = asyncio.ensure_future(
            asyncio.to_thread(start_redis, layout.redis_dir, layout.redis_port)
        )
        self.redis = await asyncio.shield(self._booting_redis)
        note(f"redis up on {self.redis.url}")
        await provision(self.postgres, layout, self.options.shards)
        note(f"databases ready: {self.options.shards} shard(s) per service, migrated")
        await self._start_posters()
        for spec in process_specs(layout, access_log=self.options.access_log):
            self.supervisor.start(spec)
        await self.supervisor.wait_ready(
            self.options.ready_timeout_s, on_ready=lambda name: note(f"{name} is ready")
        )
        if self.options.seed and not layout.seeded_marker.exists():
            await self._seed()

    async def _seed(self) -> None:
        """Demo data on first start. A failure leaves the site running without it (and no
        marker, so the next start tries again; ``movieweb seed`` can be run by hand)."""
        from .seed_demo import DemoVolume, seed_demo

        note = self.supervisor.note
        note("first start: seeding demo data through the gateway")
        try:
            await seed_demo(
                self.layout.gateway_url, self.layout, DemoVolume(), console=self.console
            )
        except Exception as exc:
            note(f"demo seed failed ({exc}); the site runs without demo data")
            return
        self.layout.seeded_marker.write_text("demo data loaded\n")
        self.seeded_now = True

    async def _start_posters(self) -> None:
        config = uvicorn.Config(
            posters_app(self.layout.posters_dir),
            host=self.layout.host,
            port=self.layout.posters_port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
        self._posters = _QuietServer(config)
        self._posters_task = asyncio.create_task(self._posters.serve(), name="posters")
        while not self._posters.started:
            if self._posters_task.done():
                self._posters_task.result()
                raise RuntimeError(f"the posters route could not bind {config.port}")
            await asyncio.sleep(0.02)

    # -- stop ----------------------------------------------------------------------------
    async def stop(self) -> None:
        """Children first, then the posters route, then Redis, then Postgres."""
        note = self.supervisor.note
        await self.supervisor.stop()
        if self._posters is not None and self._posters_task is not None:
            self._posters.should_exit = True
            with contextlib.suppress(Exception):
                await self._posters_task
        if self.redis is None and self._booting_redis is not None:
            with contextlib.suppress(Exception):
                self.redis = await self._booting_redis
        if self.postgres is None and self._booting_postgres is not None:
            with contextlib.suppress(Exception):
                self.postgres = await self._booting_postgres
        if self.redis is not None:
            try:
                await asyncio.to_thread(self.redis.stop)
                note("redis stopped (data saved)")
            except Exception as exc:  # Postgres must still be stopped
                note(f"redis did not stop cleanly: {exc}")
            self.redis = None
        if self.postgres is not None:
            await asyncio.to_thread(self.postgres.stop)
            self.postgres = None
            note("postgres stopped")

    # -- what to tell the user -----------------------------------------------------------
    def urls(self) -> list[tuple[str, str]]:
        layout = self.layout
        rows = [("gateway API", layout.gateway_url), ("API docs", f"{layout.gateway_url}/docs")]
        if webapp_spec(layout) is not None:
            rows.insert(0, ("web app", f"http://{layout.host}:{webapp_port(layout)}"))
        for port in layout.gateway_ports[1:]:
            rows.append(("gateway (extra process)", f"http://{layout.host}:{port}"))
        for service in BACKENDS:
            rows.append((f"{service} service", f"{layout.url(service)}/docs"))
        rows.append(("posters", f"{layout.posters_url}/"))
        if layout.seeded_marker.exists():
            rows.append(("demo log-in", f"any seeded user, password {DEMO_PASSWORD!r}"))
        assert self.redis is not None
        rows.append(("redis", self.redis.url))
        assert self.postgres is not None
        rows.append(("postgres", self.postgres.uri("postgres")))
        return rows


@contextlib.asynccontextmanager
async def running_stack(
    options: StackOptions, console: Console | None = None
) -> AsyncIterator[Stack]:
    stack = Stack(options, console)
    try:
        await stack.start()
        yield stack
    finally:
        await stack.stop()
