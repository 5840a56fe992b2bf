"""Provisioning on the embedded Postgres: one database per shard per service, the shard map
files the services read, the users service's signing key, and the migrations.

This is the laptop twin of what the Kubernetes operator does (create the shard databases,
publish each service's ``ShardMap``), so the services run the same code path in both places.
"""

from __future__ import annotations

import logging

import asyncpg
from movieweb_shared import migrations
from movieweb_shared.embedded import EmbeddedPostgres, quote_db
from movieweb_shared.jwt import SigningKey
from movieweb_shared.registry import load_service
from movieweb_shared.sharding import ShardMap

from .layout import BACKENDS, Layout

log = logging.getLogger("movieweb.devstack")


class ShardCountMismatch(RuntimeError):
    """The data directory was created with another number of shards for a service."""


def database_name(service: str, index: int) -> str:
    return f"{service}_{index}"


async def ensure_databases(pg: EmbeddedPostgres, names: list[str]) -> list[str]:
    """Create the databases that do not exist yet; return the ones created."""
    conn = await asyncpg.connect(pg.uri("postgres"), timeout=10)
    try:
        existing = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
        created = []
        for name in names:
            if name not in existing:
                # CREATE DATABASE cannot run in a transaction block nor take parameters.
                await conn.execute(f"CREATE DATABASE {quote_db(name)}")
                created.append(name)
        return created
    finally:
        await conn.close()


def shard_map_for(pg: EmbeddedPostgres, service: str, shards: int) -> ShardMap:
    return ShardMap.even([pg.uri(database_name(service, i)) for i in range(shards)])


def write_shard_maps(pg: EmbeddedPostgres, layout: Layout, shards: int) -> dict[str, ShardMap]:
    """Write each service's map; an existing map with another shard count is refused, because
    its rows would be stranded on slots the new map gives to other databases."""
    layout.shardmap_dir.mkdir(parents=True, exist_ok=True)
    maps: dict[str, ShardMap] = {}
    for service in BACKENDS:
        path = layout.shard_map_file(service)
        wanted = shard_map_for(pg, service, shards)
        if path.exists():
            current = ShardMap.load(path)
            if len(current.shards) != shards:
                raise ShardCountMismatch(
                    f"{layout.data_dir} holds {service} data on {len(current.shards)} shard(s); "
                    f"run with --shards {len(current.shards)} or use another --data-dir"
                )
            if current.model_dump() == wanted.model_dump():
                maps[service] = current
                continue
            # Same shards, new location (e.g. the socket directory moved): publish a new
            # version, as the operator does for any change of the map.
            wanted = wanted.model_copy(update={"version": current.version + 1})
        wanted.dump(path)
        maps[service] = wanted
    return maps


def ensure_signing_key(layout: Layout) -> SigningKey:
    """The users service's key, created once (0600) and kept across runs."""
    layout.signing_key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return SigningKey.load_or_create(layout.signing_key_file)


async def migrate_all(maps: dict[str, ShardMap]) -> None:
    """Apply every service's migrations to all its shards.

    One service at a time: Alembic keeps its migration context in a module-level proxy, so two
    services' scripts must not run in threads of one process at once.
    """
    for service, shard_map in maps.items():
        definition = load_service(service)
        if definition.migrations_dir is not None:
            await migrations.upgrade(definition.migrations_dir, shard_map)


async def provision(pg: EmbeddedPostgres, layout: Layout, shards: int) -> dict[str, ShardMap]:
    # The maps first: a data directory made with another shard count is refused before
    # anything is created.
    maps = write_shard_maps(pg, layout, shards)
    names = [database_name(s, i) for s in BACKENDS for i in range(shards)]
    created = await ensure_databases(pg, names)
    if created:
        log.info("created databases %s", ", ".join(created))
    ensure_signing_key(layout)
    await migrate_all(maps)
    return maps
