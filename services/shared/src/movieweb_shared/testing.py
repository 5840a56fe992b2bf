"""Pytest plugin shared by every service's tests (enabled in the root pyproject).

Real parts only: a real Postgres (embedded ``pgserver``, or the server named by
``MOVIEWEB_TEST_DATABASE_URL``), real databases per test, apps served by a real uvicorn on a
loopback port and spoken to over HTTP.

Fixtures:
- ``postgres``: the server (session); ``postgres.create_database()`` makes a fresh database.
- ``make_shard_map(n)``: ``n`` fresh databases as an evenly split shard map.
- ``signing_key`` / ``jwks_file`` / ``mint_token(user_id)``: tokens as the users service makes them.
- ``serve(app)``: run an ASGI app on a free loopback port; returns its base URL.
- ``service_app(service, shards=1, **settings)``: a service's real app on ``shards`` fresh,
  migrated databases, verifying tokens from ``jwks_file``; returns a ``ServedService``.
  ``serve_service(...)`` is the same as a context manager, for session- or module-scoped
  fixtures.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import orjson
import pytest
import uvicorn

from .embedded import EmbeddedPostgres, asyncpg_dsn, quote_db, start_postgres
from .jwt import SigningKey, jwks_document
from .sharding import ShardMap

if TYPE_CHECKING:
    from .app import ServiceDef
    from .settings import ServiceSettings

_counter = itertools.count()


class PostgresForTests:
    def __init__(self, admin_url: str, embedded: EmbeddedPostgres | None) -> None:
        self.admin_url = admin_url  # libpq URI of the maintenance database
        self.embedded = embedded

    def url_for(self, database: str) -> str:
        if self.embedded is not None:
            return self.embedded.async_url(database)
        base, _, query = self.admin_url.partition("?")
        base = base.rsplit("/", 1)[0]
        url = f"{base}/{database}" + (f"?{query}" if query else "")
        return url.replace("postgresql://", "postgresql+asyncpg://", 1)

    def create_database(self, prefix: str = "t") -> str:
        """Create an empty database and return its SQLAlchemy asyncpg URL."""
        name = f"{prefix}_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"

        async def create() -> None:
            conn = await asyncpg.connect(self.admin_url, timeout=10)
            try:
                await conn.execute(f"CREATE DATABASE {quote_db(name)}")
            finally:
                await conn.close()

        asyncio.run(create())
        return self.url_for(name)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresForTests]:
    given = os.environ.get("MOVIEWEB_TEST_DATABASE_URL")
    if given:
        yield PostgresForTests(asyncpg_dsn(given), None)
        return
    embedded = start_postgres(tmp_path_factory.mktemp("pg") / "data", durable=False)
    try:
        yield PostgresForTests(embedded.uri("postgres"), embedded)
    finally:
        embedded.stop()
        # pgserver logs from an atexit hook after pytest has closed the captured streams.
        logging.raiseExceptions = False


@pytest.fixture
def make_shard_map(postgres: PostgresForTests) -> Callable[..., ShardMap]:
    def make(shards: int = 1, *, prefix: str = "t", slots: int = 4096) -> ShardMap:
        return ShardMap.even([postgres.create_database(prefix) for _ in range(shards)], slots=slots)

    return make


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="session")
def jwks_file(tmp_path_factory: pytest.TempPathFactory, signing_key: SigningKey) -> Path:
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_bytes(orjson.dumps(jwks_document(signing_key)))
    return path


@pytest.fixture(scope="session")
def mint_token(signing_key: SigningKey) -> Callable[..., str]:
    def mint(
        user_id: uuid.UUID | str,
        *,
        ttl_s: int = 600,
        issuer: str = "movieweb-users",
        audience: str = "movieweb",
        key: SigningKey | None = None,
    ) -> str:
        return (key or signing_key).sign(user_id, issuer=issuer, audience=audience, ttl_s=ttl_s)

    return mint


class ServerThread:
    """A real uvicorn server in a background thread (its own event loop)."""

    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        self.config = uvicorn.Config(
            app,
            host=host,
            port=0,
            log_config=None,
            access_log=False,
            lifespan="on",
            loop="asyncio",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = ""

    def start(self, timeout: float = 30.0) -> str:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("server thread died during start-up (see the log above)")
            if time.monotonic() > deadline:
                raise TimeoutError("server did not start")
            time.sleep(0.02)
        sock = self.server.servers[0].sockets[0]
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    server = ServerThread(app)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    servers: list[ServerThread] = []

    def start(app: Any) -> str:
        server = ServerThread(app)
        servers.append(server)
        return server.start()

    yield start
    for server in reversed(servers):
        server.stop()


# Settings every served service gets in tests: schema migrated at start-up, small pools (many
# tests share one Postgres), tokens checked against the local JWKS file, quiet logs.
TEST_SETTINGS: dict[str, Any] = {
    "migrate_on_start": True,
    "jwks_url": None,
    "db_pool_size": 4,
    "db_max_overflow": 4,
    "log_level": "WARNING",
    "access_log": False,
}


@dataclass(frozen=True)
class ServedService:
    """A service app served over HTTP: its base URL, its shard map and the settings it runs with."""

    url: str
    shard_map: ShardMap
    settings: ServiceSettings


def service_settings(
    service: ServiceDef, shard_map: ShardMap, directory: Path, jwks_file: Path, **overrides: Any
) -> ServiceSettings:
    """``service``'s settings for a test: ``TEST_SETTINGS`` with the shard map written to a file
    in ``directory`` (a unique name, so one directory can hold several) and ``overrides`` last."""
    map_file = directory / f"{service.name}-map-{uuid.uuid4().hex[:8]}.json"
    shard_map.dump(map_file)
    values = {**TEST_SETTINGS, "shard_map_file": map_file, "jwks_file": jwks_file, **overrides}
    return service.settings_cls(**values)


@contextmanager
def serve_service(
    service: ServiceDef,
    postgres: PostgresForTests,
    directory: Path,
    jwks_file: Path,
    shards: int = 1,
    *,
    prefix: str | None = None,
    **overrides: Any,
) -> Iterator[ServedService]:
    """Serve ``service`` on ``shards`` fresh databases (named ``prefix``…, default the service
    name) until the block ends. For fixtures of any scope; ``service_app`` is the per-test one."""
    from .app import create_app  # the plugin loads in every test run; FastAPI only when used

    shard_map = ShardMap.even(
        [postgres.create_database(prefix or service.name) for _ in range(shards)]
    )
    settings = service_settings(service, shard_map, directory, jwks_file, **overrides)
    with serve_app(create_app(service, settings)) as url:
        yield ServedService(url, shard_map, settings)


@pytest.fixture
def service_app(
    postgres: PostgresForTests, tmp_path: Path, jwks_file: Path
) -> Iterator[Callable[..., ServedService]]:
    """``service_app(service, shards=1, *, prefix=None, **settings)``: serve a service's real
    app on fresh, migrated shard databases for this test (stopped after it)."""
    with ExitStack() as stack:

        def start(
            service: ServiceDef, shards: int = 1, *, prefix: str | None = None, **overrides: Any
        ) -> ServedService:
            return stack.enter_context(
                serve_service(
                    service, postgres, tmp_path, jwks_file, shards, prefix=prefix, **overrides
                )
            )

        yield start
