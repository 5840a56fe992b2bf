"""Shards for reads: the same pools, but connections in autocommit.

A read of one or two statements needs no transaction. On a default connection SQLAlchemy sends
BEGIN before the first statement and ROLLBACK when the connection goes back to the pool: two of
the five round trips of a list page (profiled under the gateway benchmark). An autocommit
variant of each engine shares that engine's pool (``execution_options`` makes a proxy, and the
isolation level is set client-side by the asyncpg adapter and reset on check-in), so reads pass
these shards to ``fetch_page`` / use them for single statements. Writes keep ``db.begin``.

Generic: this could move to ``movieweb_shared.db`` (every service has the same read pattern).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from movieweb_shared.db import Shard, ShardedDatabase
from sqlalchemy.ext.asyncio import AsyncEngine

# Keyed by the pooled engine; built once per engine (a new shard map brings new engines).
_AUTOCOMMIT: weakref.WeakKeyDictionary[AsyncEngine, AsyncEngine] = weakref.WeakKeyDictionary()


def read_shard(shard: Shard) -> Shard:
    engine = _AUTOCOMMIT.get(shard.engine)
    if engine is None:
        engine = shard.engine.execution_options(isolation_level="AUTOCOMMIT")
        _AUTOCOMMIT[shard.engine] = engine
    return Shard(shard.name, shard.spec, engine)


def read_shards(db: ShardedDatabase, shards: Iterable[Shard] | None = None) -> list[Shard]:
    return [read_shard(s) for s in (db.shards if shards is None else shards)]
