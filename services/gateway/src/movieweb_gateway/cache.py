"""Read-through cache of backend objects: L1 (in-process LRU) → L2 (Redis JSON strings under
``mov:<uuid>`` / ``usr:<uuid>``) → the backend's batch endpoint.

``get_many`` of n ids costs at most one Redis ``MGET`` (for the L1 misses) and one backend
batch request per 100 ids (for the L2 misses), never one request per item. Concurrent misses
on one key share one backend fetch (an in-flight futures map). Ids the backend does not know
are cached briefly as JSON ``null`` (negative cache), so a flood of requests for a missing id
does not reach the backend either.

Cached objects are shared between requests: callers must not mutate them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

import orjson

from .backends import BackendUnavailable
from .lru import TTLCache
from .metrics import GatewayMetrics
from .redis_store import RedisStore

Kind = Literal["movie", "user"]
Obj = dict[str, Any]
# Fetch objects by id from the backend: returns the ones that exist, keyed by id string.
BatchFetch = Callable[[list[str]], Awaitable[dict[str, Obj]]]

PREFIX: dict[Kind, str] = {"movie": "mov:", "user": "usr:"}
NEGATIVE = b"null"
BATCH_MAX = 100


class EntityCache:
    def __init__(
        self,
        kind: Kind,
        fetch: BatchFetch,
        redis: RedisStore,
        metrics: GatewayMetrics,
        *,
        l1_max_items: int,
        l1_ttl_s: float,
        ttl_s: int,
        negative_ttl_s: int,
    ) -> None:
        self.kind = kind
        self.prefix = PREFIX[kind]
        self.fetch = fetch
        self.redis = redis
        self.metrics = metrics
        self.l1: TTLCache[Obj | None] = TTLCache(l1_max_items, l1_ttl_s)
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self._inflight: dict[str, asyncio.Future[Obj | None]] = {}

    def key(self, id_: str) -> str:
        return self.prefix + id_

    async def get(self, id_: uuid.UUID | str) -> Obj | None:
        return (await self.get_many([id_]))[str(id_)]

    async def get_many(self, ids: Sequence[uuid.UUID | str]) -> dict[str, Obj | None]:
        """Each distinct id → its object, or None when the backend does not know it.

        Raises ``BackendUnavailable`` when objects are missing from both caches and the backend
        cannot be asked.
        """
        wanted = list(dict.fromkeys(str(i) for i in ids))
        found: dict[str, Obj | None] = {}
        counter = self.metrics.cache

        l1_missed: list[str] = []
        for id_ in wanted:
            hit, value = self.l1.lookup(self.key(id_))
            if hit:
                found[id_] = value
            else:
                l1_missed.append(id_)
        if len(wanted) > len(l1_missed):
            counter.labels("l1", self.kind, "hit").inc(len(wanted) - len(l1_missed))
        if not l1_missed:
            return found
        counter.labels("l1", self.kind, "miss").inc(len(l1_missed))

        raw = await self.redis.mget([self.key(i) for i in l1_missed])
        l2_missed: list[str] = []
        for id_, blob in zip(l1_missed, raw, strict=True):
            value = _decode(blob)
            if value is _MISS:
                l2_missed.append(id_)
                continue
            obj = value if isinstance(value, dict) else None
            found[id_] = obj
            self.l1.put(self.key(id_), obj, None if obj is not None else self.negative_ttl_s)
        l2_hits = len(l1_missed) - len(l2_missed)
        if l2_hits:
            counter.labels("l2", self.kind, "hit").inc(l2_hits)
        if not l2_missed:
            return found
        counter.labels("l2", self.kind, "miss").inc(len(l2_missed))

        found.update(await self._load(l2_missed))
        return found

    async def _load(self, ids: list[str]) -> dict[str, Obj | None]:
        """Fetch ``ids`` from the backend, joining fetches already in flight."""
        loop = asyncio.get_running_loop()
        joined: dict[str, asyncio.Future[Obj | None]] = {}
        mine: dict[str, asyncio.Future[Obj | None]] = {}
        for id_ in ids:
            pending = self._inflight.get(id_)
            if pending is not None:
                joined[id_] = pending
            else:
                fut: asyncio.Future[Obj | None] = loop.create_future()
                self._inflight[id_] = fut
                mine[id_] = fut
        out: dict[str, Obj | None] = {}
        try:
            if mine:
                out.update(await self._fetch_and_store(list(mine)))
                for id_, fut in mine.items():
                    fut.set_result(out[id_])
        except BaseException as exc:
            failure = exc if isinstance(exc, BackendUnavailable) else BackendUnavailable(self.kind)
            for fut in mine.values():
                if not fut.done():
                    fut.set_exception(failure)
                    # Mark it retrieved: nobody may be waiting on it.
                    fut.exception()
            if isinstance(exc, Exception) and failure is not exc:
                raise failure from exc  # the leader fails like its followers: a 503
            raise
        finally:
            for id_ in mine:
                self._inflight.pop(id_, None)
        for id_, fut in joined.items():
            out[id_] = await fut
        return out

    async def _fetch_and_store(self, ids: list[str]) -> dict[str, Obj | None]:
        got: dict[str, Obj] = {}
        for start in range(0, len(ids), BATCH_MAX):
            chunk = ids[start : start + BATCH_MAX]
            self.metrics.batch_size.labels(self.kind).observe(len(chunk))
            got.update(await self.fetch(chunk))
        out: dict[str, Obj | None] = {}
        writes: list[tuple[str, bytes, int]] = []
        for id_ in ids:
            obj = got.get(id_)
            out[id_] = obj
            if obj is None:
                self.l1.put(self.key(id_), None, self.negative_ttl_s)
                writes.append((self.key(id_), NEGATIVE, self.negative_ttl_s))
            else:
                self.l1.put(self.key(id_), obj)
                writes.append((self.key(id_), orjson.dumps(obj), self.ttl_s))
        await self.redis.set_many(writes)
        return out

    async def put(self, obj: Obj) -> None:
        """A write through the gateway created or changed ``obj``: refresh both layers."""
        id_ = str(obj["id"])
        self.l1.put(self.key(id_), obj)
        await self.redis.set_many([(self.key(id_), orjson.dumps(obj), self.ttl_s)])

    async def drop(self, id_: uuid.UUID | str) -> None:
        self.l1.drop(self.key(str(id_)))
        await self.redis.delete(self.key(str(id_)))


_MISS = object()


def _decode(blob: bytes | None) -> Any:
    if blob is None:
        return _MISS
    try:
        return orjson.loads(blob)
    except orjson.JSONDecodeError:
        return _MISS  # a corrupt entry is refetched and overwritten
