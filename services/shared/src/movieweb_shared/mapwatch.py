"""Follow a mounted shard-map file live: a new map version is applied without a restart.

Kubernetes updates a mounted ConfigMap by swapping a symlink, so the watcher compares the
*content* of the resolved file (cheap: it is small) every ``interval_s`` rather than trusting
mtimes. Only a higher ``version`` is applied — a map with the same version but other content, or
an older version, is refused with an error log (a cutover is one atomic change of version).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from prometheus_client import Gauge

from .db import ShardedDatabase
from .sharding import ShardMap, ShardSpec

# Prepares shards that a new map adds (e.g. applies migrations) before routing reaches them.
PrepareShards = Callable[[list[ShardSpec]], Awaitable[None]]

log = logging.getLogger("movieweb.mapwatch")


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _location(spec: ShardSpec) -> tuple[object, ...]:
    return (spec.dsn, spec.host, spec.port, spec.database)


async def check_once(
    path: Path,
    db: ShardedDatabase,
    last_digest: str | None,
    prepare: PrepareShards | None = None,
) -> str | None:
    digest = await asyncio.to_thread(_digest, path)
    if digest is None or digest == last_digest:
        return last_digest
    try:
        new_map = await asyncio.to_thread(ShardMap.load, path)
    except Exception as exc:  # a half-written or invalid map must not take the service down
        log.error("shard map %s is invalid, keeping version %d: %s", path, db.map.version, exc)
        return digest
    if new_map.version <= db.map.version:
        if new_map != db.map:
            log.error(
                "shard map %s changed without a higher version (%d); refusing it",
                path,
                new_map.version,
            )
        return digest
    known = {_location(s) for s in db.map.shards}
    added = [s for s in new_map.shards if _location(s) not in known]
    if added and prepare is not None:
        try:
            await prepare(added)
        except Exception as exc:  # retried at the next poll: the digest is not recorded
            log.error("could not prepare new shards %s: %s", [s.name for s in added], exc)
            return last_digest
    await db.apply_map(new_map)
    return digest


async def watch(
    path: Path,
    db: ShardedDatabase,
    version_gauge: Gauge,
    interval_s: float,
    prepare: PrepareShards | None = None,
) -> None:
    last = await asyncio.to_thread(_digest, path)
    version_gauge.set(db.map.version)
    while True:
        await asyncio.sleep(interval_s)
        try:
            last = await check_once(path, db, last, prepare)
        except Exception:
            log.exception("shard map watch failed; will retry")
        version_gauge.set(db.map.version)
