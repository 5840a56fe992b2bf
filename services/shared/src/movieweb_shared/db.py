"""Async SQLAlchemy engines built from a shard map: route by key, or fan out to every shard.

Services use SQLAlchemy Core (``Table`` objects, ``insert().returning()``) over
``AsyncConnection``: it is the fast path (no ORM identity map), and queries stay explicit.

- ``db.begin(key)``: a transaction on the shard owning ``key`` (every write goes through it).
- ``db.connect(key)``: a read connection on that shard, in autocommit: a read needs no
  transaction, and autocommit saves the BEGIN and ROLLBACK round trips of every checkout
  (two of the five round trips of a list page, profiled). It shares the shard's pool.
- ``db.fan_out(fn)``: run ``fn(conn)`` on a read connection of every shard concurrently,
  results in shard order.
- ``db.apply_map(new_map)``: swap to a new map version (engines for unchanged shards are kept).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from .settings import ServiceSettings
from .sharding import ShardKey, ShardMap, ShardSpec, slot_of

T = TypeVar("T")
log = logging.getLogger("movieweb.db")


@dataclass(frozen=True)
class Shard:
    name: str
    spec: ShardSpec
    engine: AsyncEngine
    # The same pool in autocommit (a proxy: the asyncpg adapter sets the level client-side and
    # resets it when the connection returns to the pool).
    reader: AsyncEngine

    @classmethod
    def of(cls, spec: ShardSpec, engine: AsyncEngine) -> Shard:
        return cls(spec.name, spec, engine, engine.execution_options(isolation_level="AUTOCOMMIT"))


def make_engine(url: str, settings: ServiceSettings, application_name: str) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_recycle=1800,
        pool_pre_ping=settings.db_pool_pre_ping,
        connect_args={
            "timeout": settings.db_connect_timeout_s,
            "command_timeout": settings.db_statement_timeout_s + 1,
            "server_settings": {
                "application_name": application_name,
                "statement_timeout": str(int(settings.db_statement_timeout_s * 1000)),
                "idle_in_transaction_session_timeout": "30000",
            },
        },
    )


class ShardedDatabase:
    def __init__(self, shard_map: ShardMap, settings: ServiceSettings, service: str) -> None:
        self._settings = settings
        self._service = service
        self._map = shard_map
        self._shards = [self._open(spec) for spec in shard_map.shards]

    def _open(self, spec: ShardSpec) -> Shard:
        return Shard.of(spec, make_engine(spec.url(), self._settings, f"movieweb-{self._service}"))

    @property
    def map(self) -> ShardMap:
        return self._map

    @property
    def shards(self) -> Sequence[Shard]:
        return self._shards

    def shard_for(self, key: ShardKey) -> Shard:
        index = self._map._owner[slot_of(key, self._map.slots)]
        return self._shards[index]

    @asynccontextmanager
    async def begin(self, key: ShardKey) -> AsyncIterator[AsyncConnection]:
        async with self.shard_for(key).engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def connect(self, key: ShardKey) -> AsyncIterator[AsyncConnection]:
        async with self.shard_for(key).reader.connect() as conn:
            yield conn

    async def fan_out(
        self,
        fn: Callable[[AsyncConnection], Awaitable[T]],
        shards: Iterable[Shard] | None = None,
    ) -> list[T]:
        """Run ``fn`` on a read connection of each shard, concurrently; results in shard order."""

        async def one(shard: Shard) -> T:
            async with shard.reader.connect() as conn:
                return await fn(conn)

        targets = list(shards) if shards is not None else list(self._shards)
        if len(targets) == 1:
            return [await one(targets[0])]
        return list(await asyncio.gather(*(one(s) for s in targets)))

    def group_by_shard(
        self, keys: Iterable[T], key_of: Callable[[T], ShardKey] | None = None
    ) -> dict[int, list[T]]:
        """Group items by the index of the shard that owns them (for batched lookups)."""
        groups: dict[int, list[T]] = {}
        owner = self._map._owner
        for item in keys:
            k = key_of(item) if key_of is not None else item
            groups.setdefault(owner[slot_of(k, self._map.slots)], []).append(item)  # type: ignore[arg-type]
        return groups

    async def ping(self) -> dict[str, bool]:
        async def check(shard: Shard) -> bool:
            try:
                async with asyncio.timeout(self._settings.db_connect_timeout_s):
                    async with shard.engine.connect() as conn:
                        await conn.execute(text("SELECT 1"))
                return True
            except Exception as exc:
                log.warning("shard %s does not answer: %s", shard.name, exc)
                return False

        results = await asyncio.gather(*(check(s) for s in self._shards))
        return {s.name: ok for s, ok in zip(self._shards, results, strict=True)}

    def pool_stats(self) -> list[tuple[str, int, int, int]]:
        stats = []
        for shard in self._shards:
            pool = shard.engine.pool
            size = getattr(pool, "size", lambda: 0)()
            out = getattr(pool, "checkedout", lambda: 0)()
            idle = getattr(pool, "checkedin", lambda: 0)()
            stats.append((shard.name, size, out, idle))
        return stats

    async def apply_map(self, new_map: ShardMap) -> None:
        """Switch to ``new_map`` atomically: routing changes in one assignment.

        Engines of shards whose location is unchanged are reused; the others are disposed of
        after the switch (in-flight queries on them finish first: dispose closes idle
        connections and lets checked-out ones close on return).
        """
        if new_map.version < self._map.version:
            raise ValueError(
                f"shard map version {new_map.version} is older than {self._map.version}"
            )
        old = {(s.spec.dsn, s.spec.host, s.spec.port, s.spec.database): s for s in self._shards}
        shards = []
        reused = set()
        for spec in new_map.shards:
            loc = (spec.dsn, spec.host, spec.port, spec.database)
            if loc in old:
                shards.append(Shard.of(spec, old[loc].engine))
                reused.add(loc)
            else:
                shards.append(self._open(spec))
        self._map, self._shards = new_map, shards
        for loc, shard in old.items():
            if loc not in reused:
                await shard.engine.dispose()
        log.info("shard map version %d applied (%d shards)", new_map.version, len(shards))

    async def dispose(self) -> None:
        await asyncio.gather(*(s.engine.dispose() for s in self._shards))


def load_shard_map(settings: ServiceSettings) -> ShardMap:
    if settings.shard_map_file is not None:
        return ShardMap.load(settings.shard_map_file)
    if settings.database_url is not None:
        return ShardMap.single(settings.database_url)
    raise RuntimeError(
        "no database configured: set DATABASE_URL or SHARD_MAP_FILE (with the service's prefix)"
    )
