"""The gateway's long-lived parts (backend clients, Redis, caches, rate limiter), built at start-up
and kept on ``app.state.gw``."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import FastAPI, Request

from .auth import VerifiedTokens
from .backends import Backends
from .cache import EntityCache, Obj
from .lru import TTLCache
from .metrics import GatewayMetrics
from .ratelimit import RateLimiter
from .redis_store import RedisStore
from .settings import GatewaySettings


class Gateway:
    def __init__(self, settings: GatewaySettings, metrics: GatewayMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.backends = Backends(settings, metrics)
        self.redis = RedisStore(
            settings.redis_url,
            metrics,
            timeout_s=settings.redis_timeout_s,
            breaker_failures=settings.redis_breaker_failures,
            breaker_cooldown_s=settings.redis_breaker_cooldown_s,
        )
        common: dict[str, Any] = {
            "l1_max_items": settings.l1_max_items,
            "l1_ttl_s": settings.l1_ttl_s,
            "ttl_s": settings.cache_ttl_s,
            "negative_ttl_s": settings.negative_ttl_s,
        }
        self.movies = EntityCache("movie", self._fetch_movies, self.redis, metrics, **common)
        self.users = EntityCache("user", self._fetch_users, self.redis, metrics, **common)
        # Rating stats change with every review: only a short in-process cache, dropped locally
        # when a review is written through this gateway.
        self.stats: TTLCache[Obj] = TTLCache(settings.l1_max_items, settings.stats_ttl_s)
        self.limiter = RateLimiter(self.redis, metrics, settings.rate_window_s)
        self.tokens = VerifiedTokens(settings.l1_max_items, settings.token_cache_ttl_s)

    async def _fetch_movies(self, ids: list[str]) -> dict[str, Obj]:
        reply = await self.backends.call("movies.batch", params={"ids": ids})
        return {str(m["id"]): m for m in reply.data["items"]}

    async def _fetch_users(self, ids: list[str]) -> dict[str, Obj]:
        reply = await self.backends.call("users.batch", params={"ids": ids})
        return {str(u["id"]): u for u in reply.data["items"]}

    async def aclose(self) -> None:
        await self.backends.aclose()
        await self.redis.aclose()


# ``async``: FastAPI runs a plain ``def`` dependency in the thread pool, a thread hop that cost
# ~15 % of the gateway's CPU on every request (profiled).
async def get_gateway(request: Request) -> Gateway:
    gw: Gateway = request.app.state.gw
    return gw


async def start(app: FastAPI) -> None:
    settings: GatewaySettings = app.state.settings
    gw = Gateway(settings, GatewayMetrics(app.state.metrics.registry))
    app.state.gw = gw
    # Redis down degrades the gateway (it answers from the backends), so it is no readiness
    # check; a backend down makes its pages 503, so each backend's /readyz is one.
    checks = list(getattr(app.state, "readiness_checks", []))
    for name in gw.backends.clients:
        checks.append((name, functools.partial(gw.backends.healthy, name)))
    app.state.readiness_checks = checks


async def stop(app: FastAPI) -> None:
    gw: Gateway | None = getattr(app.state, "gw", None)
    if gw is not None:
        await gw.aclose()
