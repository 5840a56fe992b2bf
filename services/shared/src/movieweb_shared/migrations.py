"""Alembic migrations, one script folder per service, applied to every shard of its map.

A service's ``migrations/env.py`` is two lines::

    from movieweb_shared.migrations import run_alembic_env
    run_alembic_env(metadata)

``upgrade()`` is what ``movieweb migrate <service>`` and ``MIGRATE_ON_START`` call. Each shard is
migrated under a Postgres advisory lock, so replicas starting together migrate once.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from .sharding import ShardMap

log = logging.getLogger("movieweb.migrations")


def alembic_config(script_location: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    # configparser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def run_alembic_env(metadata: MetaData) -> None:
    """Body of every service's env.py (online mode, asyncpg, advisory-locked)."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    lock_key = zlib.crc32(
        f"movieweb-migrate:{context.config.get_main_option('script_location')}".encode()
    )

    def migrate(conn: Connection) -> None:
        context.configure(connection=conn, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key})
                await conn.commit()
                await conn.run_sync(migrate)
                await conn.commit()
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
                await conn.commit()
        finally:
            await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run())


def upgrade_shard(script_location: Path, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(script_location, url), revision)


async def upgrade(script_location: Path, shard_map: ShardMap, revision: str = "head") -> None:
    """Migrate every shard, one after another, each in a worker thread with its own loop.

    Not concurrently: Alembic's ``context`` (and ``op``) are process-global proxies, so two
    shards migrating at once in one process would run against each other's connections.
    """
    for spec in shard_map.shards:
        await asyncio.to_thread(upgrade_shard, script_location, spec.url(), revision)
    log.info("migrated %d shard(s) to %s", len(shard_map.shards), revision)
