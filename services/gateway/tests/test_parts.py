"""The gateway's parts on their own, against a real Redis: the L1 LRU, the read-through cache's
request coalescing and negative caching, the Redis circuit breaker, the rate limiter, the retry
budget and the backend call table."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from movieweb_gateway.backends import ENDPOINTS, RetryBudget, _query
from movieweb_gateway.cache import EntityCache
from movieweb_gateway.lru import TTLCache
from movieweb_gateway.metrics import GatewayMetrics
from movieweb_gateway.ratelimit import RateLimiter, Rule
from movieweb_gateway.redis_store import RedisStore
from movieweb_shared.embedded import free_port
from movieweb_shared.errors import Problem
from prometheus_client import CollectorRegistry

from .conftest import Backends


def _metrics() -> GatewayMetrics:
    return GatewayMetrics(CollectorRegistry())


def _value(metrics: GatewayMetrics, counter: Any, **labels: str) -> float:
    return float(counter.labels(**labels)._value.get())


def test_lru_evicts_least_recently_used_and_expires() -> None:
    cache: TTLCache[int] = TTLCache(max_items=2, ttl_s=0.2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.lookup("a") == (True, 1)  # a is now the most recent
    cache.put("c", 3)
    assert cache.lookup("b") == (False, None)
    assert cache.lookup("a") == (True, 1)
    time.sleep(0.25)
    assert cache.lookup("a") == (False, None)
    assert len(cache) == 1  # the expired entry was dropped on lookup; c is still stored


def test_lru_keeps_none_as_a_value_and_can_be_disabled() -> None:
    cache: TTLCache[int | None] = TTLCache(max_items=10, ttl_s=5)
    cache.put("missing", None)
    assert cache.lookup("missing") == (True, None)
    off: TTLCache[int] = TTLCache(max_items=0, ttl_s=5)
    off.put("a", 1)
    assert off.lookup("a") == (False, None)


class Gate:
    """A backend batch fetch that waits for a signal, counting its calls."""

    def __init__(self, known: dict[str, dict[str, Any]]) -> None:
        self.known = known
        self.calls: list[list[str]] = []
        self.release = asyncio.Event()

    async def fetch(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        self.calls.append(ids)
        await self.release.wait()
        return {i: self.known[i] for i in ids if i in self.known}


def _cache(gate: Gate, store: RedisStore, metrics: GatewayMetrics) -> EntityCache:
    return EntityCache(
        "movie",
        gate.fetch,
        store,
        metrics,
        l1_max_items=100,
        l1_ttl_s=5,
        ttl_s=60,
        negative_ttl_s=10,
    )


async def test_concurrent_misses_on_one_key_cause_one_fetch(scratch_redis: str) -> None:
    metrics = _metrics()
    store = RedisStore(scratch_redis, metrics)
    gate = Gate({"m1": {"id": "m1", "title": "A"}, "m2": {"id": "m2", "title": "B"}})
    cache = _cache(gate, store, metrics)
    tasks = [asyncio.create_task(cache.get_many(["m1", "m2"])) for _ in range(10)]
    tasks.append(asyncio.create_task(cache.get("m1")))
    await asyncio.sleep(0.2)  # everyone has missed both layers and is waiting
    fetched = sorted(i for call in gate.calls for i in call)
    assert fetched == ["m1", "m2"]  # each key asked of the backend once, whoever asked first
    gate.release.set()
    results = await asyncio.gather(*tasks)
    assert all(r["m1"] == {"id": "m1", "title": "A"} for r in results[:10])
    assert all(r["m2"] == {"id": "m2", "title": "B"} for r in results[:10])
    assert results[10] == {"id": "m1", "title": "A"}
    assert sorted(i for call in gate.calls for i in call) == ["m1", "m2"]
    assert not cache._inflight
    await store.aclose()


async def test_a_failed_fetch_fails_every_waiter_and_is_not_cached(
    scratch_redis: str,
) -> None:
    metrics = _metrics()
    store = RedisStore(scratch_redis, metrics)
    calls = 0

    async def broken(ids: list[str]) -> dict[str, dict[str, Any]]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        raise ConnectionError("backend down")

    cache = EntityCache(
        "user", broken, store, metrics, l1_max_items=10, l1_ttl_s=5, ttl_s=60, negative_ttl_s=10
    )
    results = await asyncio.gather(*(cache.get("u1") for _ in range(5)), return_exceptions=True)
    assert calls == 1
    assert all(isinstance(r, Problem) and r.status == 503 for r in results)
    with pytest.raises(Problem):
        await cache.get("u1")  # nothing was cached: the next read asks again
    assert calls == 2
    await store.aclose()


async def test_unknown_ids_are_cached_as_null_briefly(scratch_redis: str) -> None:
    metrics = _metrics()
    store = RedisStore(scratch_redis, metrics)
    gate = Gate({})
    gate.release.set()
    cache = _cache(gate, store, metrics)
    assert await cache.get("nope") is None
    assert await cache.get("nope") is None
    assert len(gate.calls) == 1
    assert (await store.mget(["mov:nope"])) == [b"null"]
    await store.aclose()


async def test_dead_redis_opens_the_circuit_and_costs_no_latency() -> None:
    metrics = _metrics()
    dead = f"redis://127.0.0.1:{free_port()}/0"
    store = RedisStore(dead, metrics, timeout_s=0.1, breaker_failures=3, breaker_cooldown_s=0.5)
    for _ in range(3):
        assert await store.mget(["mov:x"]) == [None]
    assert store.breaker.is_open
    started = time.perf_counter()
    for _ in range(100):
        assert await store.mget(["mov:x"]) == [None]
        await store.set_many([("mov:x", b"{}", 10)])
    assert time.perf_counter() - started < 0.05  # skipped, not attempted
    assert _value(metrics, metrics.redis_errors, op="mget") == 103
    assert _value(metrics, metrics.redis_errors, op="set") == 100
    assert metrics.redis_circuit_open._value.get() == 1
    await store.aclose()


async def test_circuit_closes_when_redis_answers_again(scratch_redis: str) -> None:
    metrics = _metrics()
    store = RedisStore(scratch_redis, metrics, breaker_failures=1, breaker_cooldown_s=0.2)
    store.breaker.failure()  # as if Redis had just failed
    assert store.breaker.is_open
    assert await store.mget(["k"]) == [None]  # skipped during the cool-down
    await asyncio.sleep(0.25)
    await store.set_many([("k", b"1", 10)])  # the probe goes through and succeeds
    assert not store.breaker.is_open
    assert await store.mget(["k"]) == [b"1"]
    await store.aclose()


async def test_rate_limiter_counts_per_rule_and_answers_429(scratch_redis: str) -> None:
    metrics = _metrics()
    store = RedisStore(scratch_redis, metrics)
    limiter = RateLimiter(store, metrics, window_s=30)
    for _ in range(3):
        await limiter.check(Rule("log-in:ip", "10.0.0.1", 3), Rule("log-in:login", "ada", 100))
    with pytest.raises(Problem) as refused:
        await limiter.check(Rule("log-in:ip", "10.0.0.1", 3), Rule("log-in:login", "ada", 100))
    assert refused.value.status == 429
    assert refused.value.headers is not None
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 30
    # Another IP has its own window.
    await limiter.check(Rule("log-in:ip", "10.0.0.2", 3))
    assert _value(metrics, metrics.rate_limited, rule="log-in:ip") == 1
    await store.aclose()


async def test_rate_limiter_fails_open_without_redis() -> None:
    metrics = _metrics()
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", metrics, timeout_s=0.05)
    limiter = RateLimiter(store, metrics, window_s=30)
    for _ in range(5):
        await limiter.check(Rule("register:ip", "10.0.0.1", 1))
    assert _value(metrics, metrics.rate_limit_fail_open, rule="register:ip") == 5
    await store.aclose()


def test_retry_budget_allows_a_burst_then_a_ratio() -> None:
    budget = RetryBudget(ratio=0.1, burst=2)
    assert budget.spend()
    assert budget.spend()
    assert not budget.spend()
    for _ in range(10):
        budget.earn()
    assert budget.spend()
    assert not budget.spend()


def test_calls_outside_the_table_are_refused() -> None:
    with pytest.raises(AssertionError, match="takes no query parameter"):
        _query(ENDPOINTS["movies.get"], {"limit": 3})
    assert _query(ENDPOINTS["movies.batch"], {"ids": ["a", "b"]}) == [("ids", "a"), ("ids", "b")]


async def test_backend_calls_carry_the_request_id(backends: Backends) -> None:
    from movieweb_gateway.backends import Backends as BackendClients
    from movieweb_shared.logs import request_id_var

    from .conftest import gateway_settings

    clients = BackendClients(gateway_settings(backends, None), _metrics())
    echoed: list[str | None] = []

    async def record(
        _session: aiohttp.ClientSession,
        _ctx: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        echoed.append(params.response.headers.get("x-request-id"))  # the backend echoes it

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(record)
    await clients.clients["movies"].close()
    clients.clients["movies"] = aiohttp.ClientSession(trace_configs=[trace])
    token = request_id_var.set("rid-from-the-edge")
    try:
        reply = await clients.call("movies.batch", params={"ids": [str(uuid.uuid4())]})
    finally:
        request_id_var.reset(token)
        await clients.aclose()
    assert reply.data == {"items": []}
    assert echoed == ["rid-from-the-edge"]


async def test_verified_tokens_are_reused_only_until_they_expire(
    jwks_file: Path, mint_token: Callable[..., str]
) -> None:
    from movieweb_gateway.auth import VerifiedTokens
    from movieweb_shared.jwt import JWKSVerifier

    verifier = JWKSVerifier(issuer="movieweb-users", audience="movieweb", jwks_file=jwks_file)
    tokens = VerifiedTokens(max_items=100, ttl_s=30)
    user = uuid.uuid4()
    short = mint_token(user, issuer="movieweb-users", audience="movieweb", ttl_s=1)
    assert (await tokens.verify(verifier, short)).id == user
    assert len(tokens.cache) == 1
    # Reused while valid, but the entry lives no longer than the token itself.
    assert (await tokens.verify(verifier, short)).id == user
    await asyncio.sleep(1.2)
    assert tokens.cache.lookup(hashlib.sha256(short.encode()).hexdigest()) == (False, None)

    # A refused token is never remembered: it is checked, and refused, every time.
    forged = mint_token(user, issuer="movieweb-users", audience="movieweb")[:-4] + "AAAA"
    for _ in range(2):
        with pytest.raises(Problem) as refused:
            await tokens.verify(verifier, forged)
        assert refused.value.status == 401
    assert len(tokens.cache) == 0
