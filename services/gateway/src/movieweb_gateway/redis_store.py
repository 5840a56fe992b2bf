"""Redis behind short timeouts and a circuit breaker.

Redis is an accelerator, never a dependency: every operation here either succeeds or returns
"nothing" (a miss, a skipped write) after at most ``redis_timeout_s``. After a few consecutive
failures the circuit opens and calls are skipped outright for a cool-down, so a dead Redis
costs no latency; one probe call then decides whether to close it again. Failures are counted
in ``movieweb_redis_errors_total{op}`` and logged at most once every few seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from .metrics import GatewayMetrics

log = logging.getLogger("movieweb.gateway.redis")


class CircuitBreaker:
    def __init__(self, failures: int, cooldown_s: float) -> None:
        self.threshold = failures
        self.cooldown_s = cooldown_s
        self.failures = 0
        self.opened_at: float | None = None
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        # Half-open: after the cool-down let exactly one probe through.
        if not self._probing and time.monotonic() - self.opened_at >= self.cooldown_s:
            self._probing = True
            return True
        return False

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None
        self._probing = False

    def failure(self) -> None:
        self.failures += 1
        if self._probing or self.failures >= self.threshold:
            self.opened_at = time.monotonic()
        self._probing = False


class RedisStore:
    def __init__(
        self,
        url: str | None,
        metrics: GatewayMetrics,
        *,
        timeout_s: float = 0.1,
        breaker_failures: int = 3,
        breaker_cooldown_s: float = 2.0,
    ) -> None:
        self.metrics = metrics
        self.breaker = CircuitBreaker(breaker_failures, breaker_cooldown_s)
        self._last_log = 0.0
        self.client: aioredis.Redis | None = None
        if url:
            self.client = aioredis.Redis.from_url(
                url,
                socket_timeout=timeout_s,
                socket_connect_timeout=timeout_s,
                # No client-side retries: a failed op is a miss, and the breaker decides.
                retry=Retry(NoBackoff(), 0),
                health_check_interval=0,
                max_connections=200,
            )

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    def _begin(self, op: str) -> aioredis.Redis | None:
        if self.client is None:
            return None
        if not self.breaker.allow():
            self.metrics.redis_errors.labels(op).inc()
            return None
        return self.client

    def _failed(self, op: str, exc: BaseException) -> None:
        self.breaker.failure()
        self.metrics.redis_errors.labels(op).inc()
        self.metrics.redis_circuit_open.set(1 if self.breaker.is_open else 0)
        now = time.monotonic()
        if now - self._last_log >= 5.0:  # one line every 5 s, not one per request
            self._last_log = now
            log.warning(
                "redis %s failed (%s: %s); serving without it%s",
                op,
                type(exc).__name__,
                exc,
                " (circuit open)" if self.breaker.is_open else "",
            )

    def _ok(self) -> None:
        if self.breaker.is_open or self.breaker.failures:
            if self.breaker.is_open:
                log.info("redis answers again; circuit closed")
            self.breaker.success()
            self.metrics.redis_circuit_open.set(0)

    async def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        """Values of ``keys``; all None when Redis is unavailable."""
        client = self._begin("mget")
        if client is None or not keys:
            return [None] * len(keys)
        try:
            values: list[bytes | None] = await client.mget(list(keys))  # type: ignore[assignment]
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed("mget", exc)
            return [None] * len(keys)
        self._ok()
        return values

    async def set_many(self, items: Sequence[tuple[str, bytes, int]]) -> None:
        """SET key value EX ttl for each item, in one pipeline round trip."""
        client = self._begin("set")
        if client is None or not items:
            return
        try:
            async with client.pipeline(transaction=False) as pipe:
                for key, value, ttl in items:
                    pipe.set(key, value, ex=ttl)
                await pipe.execute()
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed("set", exc)
            return
        self._ok()

    async def delete(self, *keys: str) -> None:
        client = self._begin("delete")
        if client is None or not keys:
            return
        try:
            await client.delete(*keys)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed("delete", exc)
            return
        self._ok()

    async def eval(self, op: str, script: Any, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """Run a registered Lua script; None when Redis is unavailable."""
        if self._begin(op) is None:
            return None
        try:
            result = await script(keys=list(keys), args=list(args))
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(op, exc)
            return None
        self._ok()
        return result

    async def ping(self) -> bool:
        if self.client is None:
            return False
        try:
            return bool(await self.client.ping())
        except (RedisError, OSError, TimeoutError):
            return False
