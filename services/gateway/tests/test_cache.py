"""The gateway's cache: L1 → L2 (Redis) → backend batch, invalidation, coalescing, and the cost
of enriching a list — observed through the gateway's metrics, the backends' own request
counters and Redis's command statistics."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import orjson
from movieweb_shared.embedded import EmbeddedRedis

from .conftest import Api, Backends, Server, backend_requests, bearer, metric, redis_client


def _forget(gateway: Server, redis: EmbeddedRedis, kind: str, id_: str, *, l2: bool = True) -> None:
    """Drop an object from the gateway's L1 (and Redis) so that the next read goes further."""
    assert gateway.app is not None
    cache = gateway.app.state.gw.movies if kind == "movie" else gateway.app.state.gw.users
    cache.l1.drop(cache.key(id_))
    if l2:
        redis_client(redis).delete(cache.key(id_))


def _cache(url: str, layer: str, kind: str, result: str) -> float:
    return metric(url, "movieweb_cache_requests_total", layer=layer, kind=kind, result=result)


def test_created_movie_is_written_to_redis_as_json(api: Api, redis: EmbeddedRedis) -> None:
    _, auth = api.user()
    movie = api.movie(auth, title="Stalker", year=1979)
    raw = redis_client(redis).get(f"mov:{movie['id']}")
    assert raw is not None
    cached = orjson.loads(raw)
    assert cached["title"] == "Stalker"
    assert "rating" not in cached  # the movie as the movies service serves it, without stats
    ttl = redis_client(redis).ttl(f"mov:{movie['id']}")
    assert 0 < ttl <= 300


def test_registered_user_is_cached_with_public_fields(api: Api, redis: EmbeddedRedis) -> None:
    user = api.register()
    cached = orjson.loads(redis_client(redis).get(f"usr:{user['id']}"))
    assert cached["login"] == user["login"]
    assert "email" not in cached
    assert "counts" not in cached


def test_repeated_get_makes_no_backend_call(
    api: Api, gateway: Server, backends: Backends, redis: EmbeddedRedis
) -> None:
    _, auth = api.user()
    movie = api.movie(auth)
    mid = movie["id"]
    movies_url = backends.url("movies")
    _forget(gateway, redis, "movie", mid)

    before = backend_requests(movies_url, "/movies/batch")
    single_before = backend_requests(movies_url, "/movies/{movie_id}")
    l1_miss, l2_miss = (
        _cache(api.url, "l1", "movie", "miss"),
        _cache(api.url, "l2", "movie", "miss"),
    )
    assert api.http.get(f"/v1/movies/{mid}").status_code == 200
    assert backend_requests(movies_url, "/movies/batch") == before + 1
    assert _cache(api.url, "l1", "movie", "miss") == l1_miss + 1
    assert _cache(api.url, "l2", "movie", "miss") == l2_miss + 1
    assert redis_client(redis).exists(f"mov:{mid}")  # read through: now in Redis

    l1_hit = _cache(api.url, "l1", "movie", "hit")
    for _ in range(3):
        r = api.http.get(f"/v1/movies/{mid}")
        assert r.status_code == 200
        assert r.json()["title"] == movie["title"]
    assert _cache(api.url, "l1", "movie", "hit") == l1_hit + 3
    assert backend_requests(movies_url, "/movies/batch") == before + 1
    assert backend_requests(movies_url, "/movies/{movie_id}") == single_before

    # Another gateway instance (empty L1) answers from Redis, still without the backend.
    _forget(gateway, redis, "movie", mid, l2=False)
    l2_hit = _cache(api.url, "l2", "movie", "hit")
    assert api.http.get(f"/v1/movies/{mid}").status_code == 200
    assert _cache(api.url, "l2", "movie", "hit") == l2_hit + 1
    assert backend_requests(movies_url, "/movies/batch") == before + 1


def test_unknown_movie_is_negatively_cached(
    api: Api, backends: Backends, redis: EmbeddedRedis
) -> None:
    missing = str(uuid.uuid4())
    movies_url = backends.url("movies")
    before = backend_requests(movies_url, "/movies/batch")
    for _ in range(3):
        r = api.http.get(f"/v1/movies/{missing}")
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/problem+json"
        assert missing in r.json()["detail"]
    assert backend_requests(movies_url, "/movies/batch") == before + 1
    client = redis_client(redis)
    assert client.get(f"mov:{missing}") == b"null"
    assert 0 < client.ttl(f"mov:{missing}") <= 10


def test_review_write_refreshes_the_rating_at_once(api: Api) -> None:
    _, auth = api.user()
    _, other = api.user()
    movie = api.movie(auth)
    assert api.http.get(f"/v1/movies/{movie['id']}").json()["rating"]["count"] == 0
    api.review(auth, movie["id"], rating=4)
    api.review(other, movie["id"], rating=8)
    rating = api.http.get(f"/v1/movies/{movie['id']}").json()["rating"]
    assert rating["count"] == 2
    assert rating["average"] == 6
    api.review(auth, movie["id"], rating=10)  # an update of the same review
    rating = api.http.get(f"/v1/movies/{movie['id']}").json()["rating"]
    assert rating["count"] == 2
    assert rating["average"] == 9


def test_twenty_item_list_costs_one_mget_and_one_batch(
    api: Api, gateway: Server, backends: Backends, redis: EmbeddedRedis
) -> None:
    _, auth = api.user()
    movie = api.movie(auth)
    authors = [api.register() for _ in range(20)]
    for author in authors:
        api.review(bearer(backends, author["id"]), movie["id"])
    for author in authors:
        _forget(gateway, redis, "user", author["id"])

    users_url = backends.url("users")
    client = redis_client(redis)
    mget_before = client.info("commandstats").get("cmdstat_mget", {}).get("calls", 0)
    batch_before = backend_requests(users_url, "/users/batch")
    get_before = backend_requests(users_url, "/users/{user_id}")
    misses_before = _cache(api.url, "l2", "user", "miss")

    r = api.http.get(f"/v1/movies/{movie['id']}/reviews", params={"limit": 20})
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 20
    assert {i["user"]["id"] for i in items} == {a["id"] for a in authors}
    assert all(i["movie"]["id"] == movie["id"] for i in items)

    mget_after = client.info("commandstats")["cmdstat_mget"]["calls"]
    assert mget_after - mget_before == 1  # the movie came from L1; the 20 users in one MGET
    assert backend_requests(users_url, "/users/batch") == batch_before + 1
    assert backend_requests(users_url, "/users/{user_id}") == get_before
    assert _cache(api.url, "l2", "user", "miss") == misses_before + 20
    assert metric(api.url, "movieweb_cache_batch_ids_bucket", kind="user", le="20.0") >= 1


async def test_concurrent_misses_share_one_backend_fetch(
    api: Api, gateway: Server, backends: Backends, redis: EmbeddedRedis
) -> None:
    _, auth = api.user()
    movie = api.movie(auth)
    _forget(gateway, redis, "movie", movie["id"])
    movies_url = backends.url("movies")
    before = backend_requests(movies_url, "/movies/batch")
    async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
        answers = await asyncio.gather(
            *(client.get(f"/v1/movies/{movie['id']}") for _ in range(25))
        )
    assert all(a.status_code == 200 for a in answers)
    assert backend_requests(movies_url, "/movies/batch") == before + 1
