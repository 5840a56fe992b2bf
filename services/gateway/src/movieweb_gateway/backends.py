"""Calls to the four backend services: one table of every call the gateway can make, and a
client per backend (pooled keep-alive HTTP/1.1, a timeout on every call, retries for idempotent
GETs within a budget, the request id propagated, latency and errors measured).

The clients are aiohttp sessions, not httpx: measured on this stack, an httpx call costs
~1.35 ms of CPU against ~0.2 ms for aiohttp, and every public request makes one to four backend
calls, so the HTTP client was the largest share of the gateway's own CPU.

The table ``ENDPOINTS`` is the gateway's side of the contract: ``call`` refuses anything not in
it, and a test checks every entry (method, path template, query parameters) against the stored
copy of the backend's schema in ``apis/<backend>.json``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
import orjson
from movieweb_shared.errors import FieldError, Problem
from movieweb_shared.logs import request_id_var

from .metrics import GatewayMetrics
from .settings import GatewaySettings

log = logging.getLogger("movieweb.gateway.backends")

BackendName = Literal["movies", "users", "reviews", "relations"]
BACKENDS: tuple[BackendName, ...] = ("movies", "users", "reviews", "relations")


@dataclass(frozen=True)
class Endpoint:
    backend: BackendName
    method: Literal["GET", "POST", "PUT", "DELETE"]
    path: str  # template, as in the backend's OpenAPI document
    query: frozenset[str] = frozenset()
    auth: bool = False  # sends the caller's bearer token
    body: bool = False


_LIST = frozenset({"limit", "skip", "cursor"})

ENDPOINTS: dict[str, Endpoint] = {
    # movies
    "movies.create": Endpoint("movies", "POST", "/movies", auth=True, body=True),
    "movies.get": Endpoint("movies", "GET", "/movies/{movie_id}"),
    "movies.batch": Endpoint("movies", "GET", "/movies/batch", frozenset({"ids"})),
    "movies.list": Endpoint(
        "movies",
        "GET",
        "/movies",
        _LIST
        | {"sort", "direction", "category", "country", "director", "year_gte", "year_lte", "q"},
    ),
    # users
    "users.create": Endpoint("users", "POST", "/users", body=True),
    "users.token": Endpoint("users", "POST", "/auth/token", body=True),
    "users.me": Endpoint("users", "GET", "/users/me", auth=True),
    "users.get": Endpoint("users", "GET", "/users/{user_id}"),
    "users.batch": Endpoint("users", "GET", "/users/batch", frozenset({"ids"})),
    "users.list": Endpoint("users", "GET", "/users", _LIST | {"login_prefix"}),
    # reviews
    "reviews.upsert_mine": Endpoint(
        "reviews", "PUT", "/movies/{movie_id}/reviews/mine", auth=True, body=True
    ),
    "reviews.delete": Endpoint("reviews", "DELETE", "/reviews/{review_id}", auth=True),
    "reviews.get": Endpoint("reviews", "GET", "/reviews/{review_id}"),
    "reviews.of_movie": Endpoint(
        "reviews", "GET", "/movies/{movie_id}/reviews", _LIST | {"sort", "direction"}
    ),
    "reviews.of_user": Endpoint(
        "reviews", "GET", "/users/{user_id}/reviews", _LIST | {"sort", "direction"}
    ),
    "reviews.list": Endpoint(
        "reviews", "GET", "/reviews", _LIST | {"sort", "direction", "created_gte", "user_id"}
    ),
    "reviews.movie_stats": Endpoint("reviews", "GET", "/movies/{movie_id}/stats"),
    "reviews.stats_batch": Endpoint("reviews", "GET", "/stats/batch", frozenset({"movie_ids"})),
    "reviews.top_rated": Endpoint(
        "reviews", "GET", "/stats/top-rated", frozenset({"limit", "min_votes"})
    ),
    "reviews.popular": Endpoint(
        "reviews", "GET", "/stats/popular", frozenset({"limit", "window_days"})
    ),
    "reviews.user_stats": Endpoint("reviews", "GET", "/users/{user_id}/stats"),
    # relations
    "relations.follow": Endpoint(
        "relations", "PUT", "/users/{user_id}/followers/{follower_id}", auth=True
    ),
    "relations.unfollow": Endpoint(
        "relations", "DELETE", "/users/{user_id}/followers/{follower_id}", auth=True
    ),
    "relations.followers": Endpoint("relations", "GET", "/users/{user_id}/followers", _LIST),
    "relations.follows": Endpoint("relations", "GET", "/users/{user_id}/follows", _LIST),
    "relations.counts": Endpoint("relations", "GET", "/users/{user_id}/counts"),
    "relations.follow_ids": Endpoint(
        "relations", "GET", "/users/{user_id}/follow-ids", frozenset({"limit"})
    ),
}

Params = Mapping[str, str | int | float | Sequence[str] | None]


class BackendUnavailable(Problem):
    """A backend did not answer usefully (down, timed out, 5xx): 503 for required data."""

    def __init__(self, backend: str) -> None:
        super().__init__(
            503,
            f"the {backend} service is unavailable; try again shortly",
            headers={"Retry-After": "1"},
        )
        self.backend = backend


class BackendRejected(Problem):
    """A backend answered 4xx: passed on to the client with the backend's detail and fields."""

    def __init__(self, backend: str, status: int, body: Any) -> None:
        doc = body if isinstance(body, dict) else {}
        errors = None
        if isinstance(doc.get("errors"), list):
            errors = [
                FieldError(field=str(e.get("field", "")), message=str(e.get("message", "")))
                for e in doc["errors"]
                if isinstance(e, dict)
            ]
        detail = doc.get("detail")
        super().__init__(status, detail if isinstance(detail, str) else None, errors=errors)
        self.backend = backend


@dataclass(frozen=True)
class Reply:
    status: int
    data: Any


class RetryBudget:
    """Token bucket: each call earns ``ratio`` of a token, each retry spends one."""

    def __init__(self, ratio: float, burst: float) -> None:
        self.ratio = ratio
        self.burst = burst
        self.tokens = burst

    def earn(self) -> None:
        self.tokens = min(self.burst, self.tokens + self.ratio)

    def spend(self) -> bool:
        if self.tokens >= 1.0 - 1e-9:  # ten earnings of 0.1 make a whole token
            self.tokens -= 1.0
            return True
        return False


class Backends:
    def __init__(self, settings: GatewaySettings, metrics: GatewayMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.budget = RetryBudget(settings.retry_ratio, settings.retry_burst)
        urls: dict[BackendName, str] = {
            "movies": settings.movies_url,
            "users": settings.users_url,
            "reviews": settings.reviews_url,
            "relations": settings.relations_url,
        }
        # ``total`` bounds the whole call, waiting for a pooled connection included;
        # ``sock_connect`` bounds opening a new one.
        self.timeout = aiohttp.ClientTimeout(
            total=settings.backend_timeout_s, sock_connect=settings.backend_connect_timeout_s
        )
        self.bases: dict[BackendName, str] = {name: url.rstrip("/") for name, url in urls.items()}
        self.clients: dict[BackendName, aiohttp.ClientSession] = {
            name: aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=settings.backend_max_connections,
                    keepalive_timeout=30.0,
                ),
                timeout=self.timeout,
                trust_env=False,
                skip_auto_headers=("User-Agent",),
            )
            for name in urls
        }

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.close()

    async def healthy(self, name: BackendName) -> bool:
        """The backend answers ``/healthz`` with 200 within a second (a readiness check)."""
        try:
            async with self.clients[name].get(
                self.bases[name] + "/healthz", timeout=aiohttp.ClientTimeout(total=1.0)
            ) as resp:
                await resp.read()
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def call(
        self,
        name: str,
        *,
        path: Mapping[str, object] | None = None,
        params: Params | None = None,
        json: Any = None,
        token: str | None = None,
    ) -> Reply:
        """Call endpoint ``name``; 2xx → Reply, 4xx → BackendRejected, else BackendUnavailable."""
        ep = ENDPOINTS[name]
        query = _query(ep, params)
        url = ep.path.format(**{k: str(v) for k, v in (path or {}).items()})
        headers = {"accept": "application/json"}
        rid = request_id_var.get()
        if rid is not None:
            headers["x-request-id"] = rid
        if ep.auth:
            if token is None:
                raise AssertionError(f"{name} needs the caller's token")
            headers["authorization"] = f"Bearer {token}"
        content = None
        if ep.body:
            content = orjson.dumps(json)
            headers["content-type"] = "application/json"
        client = self.clients[ep.backend]
        full_url = self.bases[ep.backend] + url
        self.budget.earn()
        attempt = 0
        while True:
            attempt += 1
            start = time.perf_counter()
            reason: str | None = None
            status_code: int | None = None
            body = b""
            try:
                async with client.request(
                    ep.method, full_url, params=query, data=content, headers=headers
                ) as resp:
                    body = await resp.read()
                    status_code = resp.status
            except aiohttp.ConnectionTimeoutError:
                reason = "connect"
            except aiohttp.ClientConnectorError:
                reason = "connect"
            except TimeoutError:
                reason = "timeout"
            except aiohttp.ClientError:
                reason = "protocol"
            elapsed = time.perf_counter() - start
            status = str(status_code) if status_code is not None else "error"
            self.metrics.backend_latency.labels(ep.backend, ep.method, status).observe(elapsed)
            if status_code is not None and status_code >= 500:
                reason = f"status_{status_code}"
            if reason is None and status_code is not None:
                return _reply(ep.backend, status_code, body)
            self.metrics.backend_errors.labels(ep.backend, reason or "unknown").inc()
            retryable = ep.method == "GET" and (reason == "connect" or status_code == 503)
            if retryable and attempt <= self.settings.retry_max and self.budget.spend():
                self.metrics.backend_retries.labels(ep.backend).inc()
                continue
            log.warning("%s %s %s failed: %s", ep.backend, ep.method, url, reason)
            raise BackendUnavailable(ep.backend)


def _query(ep: Endpoint, params: Params | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        if key not in ep.query:
            # The contract test relies on this: nothing outside the table is ever sent.
            raise AssertionError(f"{ep.backend} {ep.path} takes no query parameter {key!r}")
        if value is None:
            continue
        if isinstance(value, list | tuple):
            out.extend((key, str(v)) for v in value)
        elif isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        else:
            out.append((key, str(value)))
    return out


def _reply(backend: str, status: int, body: bytes) -> Reply:
    data: Any = None
    if body:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = None
    if status >= 400:
        raise BackendRejected(backend, status, data)
    return Reply(status, data)
