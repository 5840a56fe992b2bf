"""Parts going away: Redis hung or killed (the gateway answers from the backends, without added
latency), a backend stopped (503 for what needs it, null for optional enrichment, the gateway
stays up) and restarted (recovery without a gateway restart)."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from movieweb_shared.embedded import EmbeddedRedis

from .conftest import Api, Backends, Server, bearer, metric, unique, wait_for


@pytest.fixture
def own_backend(backends: Backends) -> Iterator[Callable[[str], Server]]:
    """A second server of a backend on the shared databases, which a test may stop."""
    started: list[Server] = []

    def start(name: str) -> Server:
        started.append(backends.server(name).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


def _timed_gets(api: Api, path: str, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        r = api.http.get(path)
        assert r.status_code == 200, r.text
    return time.perf_counter() - started


def test_redis_hung_then_back_then_killed(
    own_redis: EmbeddedRedis,
    start_gateway: Callable[..., Server],
    connect: Callable[[str], Api],
    backends: Backends,
) -> None:
    # No L1, so that every read goes to Redis: what Redis costs is what the requests cost.
    gateway = start_gateway(
        own_redis.url, l1_ttl_s=0, redis_timeout_s=0.1, redis_breaker_cooldown_s=2.0
    )
    api = connect(gateway.url)
    user = api.register()
    auth = bearer(backends, user["id"])
    movie = api.movie(auth)
    path = f"/v1/movies/{movie['id']}"
    healthy = _timed_gets(api, path, 10)
    pid = own_redis.server.pid

    os.kill(pid, signal.SIGSTOP)  # hung: connections open, nothing answers
    try:
        # The first few Redis calls time out (0.1 s each) and open the circuit ...
        _timed_gets(api, path, 3)
        assert metric(gateway.url, "movieweb_redis_circuit_open") == 1
        assert metric(gateway.url, "movieweb_redis_errors_total", op="mget") >= 1
        # ... after which requests skip Redis: no added latency (without the breaker each
        # of these would wait at least 0.2 s for a read and a write).
        hung = _timed_gets(api, path, 10)
        assert hung < healthy + 0.5, (healthy, hung)
        # Rate-limited routes work too (the limiter fails open), and so do writes.
        login = {"login": user["login"], "password": "correct horse battery"}
        assert api.http.post("/v1/auth/authorize", json=login).status_code == 200
        assert metric(gateway.url, "movieweb_rate_limit_fail_open_total") >= 1
        api.movie(auth)
    finally:
        os.kill(pid, signal.SIGCONT)

    time.sleep(2.1)  # the cool-down: the next call probes Redis and closes the circuit
    wait_for(
        lambda: (
            api.http.get(path).status_code == 200
            and metric(gateway.url, "movieweb_redis_circuit_open") == 0
        )
    )
    hits = metric(gateway.url, "movieweb_cache_requests_total", layer="l2", result="hit")
    assert api.http.get(path).status_code == 200
    assert (
        metric(gateway.url, "movieweb_cache_requests_total", layer="l2", result="hit") == hits + 1
    )

    os.kill(pid, signal.SIGKILL)  # stopped for good
    assert _timed_gets(api, path, 10) < 2.0
    other = api.register()  # register: rate limit fails open, cache write skipped
    assert api.http.get(f"/v1/users/{other['id']}").status_code == 200
    r = api.http.get(f"/v1/movies/{movie['id']}/reviews")
    assert r.status_code == 200
    assert metric(gateway.url, "movieweb_http_requests_total", status="500") == 0


def test_backend_down_gives_503_and_recovers_without_restart(
    own_backend: Callable[[str], Server],
    start_gateway: Callable[..., Server],
    connect: Callable[[str], Api],
    scratch_redis: str,
    backends: Backends,
) -> None:
    movies = own_backend("movies")
    gateway = start_gateway(scratch_redis, movies_url=movies.url)
    api = connect(gateway.url)
    user = api.register()
    auth = bearer(backends, user["id"])
    cached = api.movie(auth)
    uncached = api.movie(auth)
    gw = gateway.app.state.gw  # type: ignore[union-attr]
    gw.movies.l1.drop(gw.movies.key(uncached["id"]))
    import redis as redis_lib

    redis_lib.Redis.from_url(scratch_redis).delete(gw.movies.key(uncached["id"]))

    movies.stop()
    retries = metric(gateway.url, "movieweb_backend_retries_total", backend="movies")
    r = api.http.get(f"/v1/movies/{uncached['id']}")
    assert r.status_code == 503
    # An idempotent GET is retried once on a refused connection; a POST never is.
    assert metric(gateway.url, "movieweb_backend_retries_total", backend="movies") == retries + 1
    create = api.http.post("/v1/movies", json={"title": "Down", "year": 2000}, headers=auth)
    assert create.status_code == 503
    assert metric(gateway.url, "movieweb_backend_retries_total", backend="movies") == retries + 1
    assert r.headers["content-type"] == "application/problem+json"
    assert "movies service is unavailable" in r.json()["detail"]
    assert r.headers["retry-after"] == "1"
    assert api.http.get("/v1/movies").status_code == 503
    # What the cache holds is still served; other backends' pages are unaffected.
    assert api.http.get(f"/v1/movies/{cached['id']}").status_code == 200
    assert api.http.get(f"/v1/users/{user['id']}").status_code == 200
    assert api.http.get("/healthz").status_code == 200
    ready = api.http.get("/readyz")
    assert ready.status_code == 503
    assert "movies" in ready.json()["detail"]
    assert (
        metric(gateway.url, "movieweb_backend_errors_total", backend="movies", reason="connect")
        >= 1
    )

    movies.start()  # same port, same data
    r = api.http.get(f"/v1/movies/{uncached['id']}")
    assert r.status_code == 200, r.text
    assert r.json()["title"] == uncached["title"]
    assert api.http.get("/readyz").status_code == 200


def test_optional_enrichment_is_null_when_its_backend_is_down(
    own_backend: Callable[[str], Server],
    start_gateway: Callable[..., Server],
    connect: Callable[[str], Api],
    scratch_redis: str,
    backends: Backends,
) -> None:
    reviews = own_backend("reviews")
    gateway = start_gateway(scratch_redis, reviews_url=reviews.url, stats_ttl_s=0)
    api = connect(gateway.url)
    user = api.register(unique())
    movie = api.movie(bearer(backends, user["id"]))
    reviews.stop()

    r = api.http.get(f"/v1/movies/{movie['id']}")
    assert r.status_code == 200
    assert r.json()["rating"] is None
    listed = api.http.get("/v1/movies", params={"q": movie["title"]})
    assert listed.status_code == 200
    assert listed.json()["items"][0]["rating"] is None
    u = api.http.get(f"/v1/users/{user['id']}").json()
    assert u["counts"] == {"followers": 0, "follows": 0, "reviews": None}
    # Reviews themselves are required data on these pages.
    assert api.http.get(f"/v1/movies/{movie['id']}/reviews").status_code == 503
    assert api.http.get(f"/v1/movies/{uuid.uuid4()}/reviews").status_code in (404, 503)
