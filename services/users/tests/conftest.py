"""Fixtures: the users service served by a real uvicorn over real (embedded) Postgres shards.

Most tests share one deployment per shard count (session scope: each test uses fresh logins),
so the suite pays for migrations and start-up once. Tests that restart the service or change
its settings start their own with ``start_users``.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from movieweb_shared.app import create_app
from movieweb_shared.sharding import ShardMap
from movieweb_shared.testing import PostgresForTests, ServerThread
from movieweb_users.service import SERVICE
from movieweb_users.settings import UsersSettings

# Cheap argon2id for tests (the production cost is exercised by the benchmark). The rehash test
# starts a second app with other parameters.
FAST_ARGON2: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 8192,
    "argon2_parallelism": 1,
}

_names = itertools.count()


def unique(prefix: str = "u") -> str:
    """A fresh login (lowercase, ≤ 32 chars) so tests can share one deployment."""
    return f"{prefix}{next(_names)}x{uuid.uuid4().hex[:10]}"


@dataclass
class Deployment:
    url: str
    settings: UsersSettings
    shard_map: ShardMap
    server: ServerThread

    def stop(self) -> None:
        self.server.stop()


def users_settings(workdir: Path, shard_map: ShardMap, **overrides: Any) -> UsersSettings:
    map_file = workdir / "shardmap.json"
    shard_map.dump(map_file)
    values: dict[str, Any] = {
        "shard_map_file": map_file,
        "migrate_on_start": True,
        "signing_key_file": workdir / "signing-key.pem",
        "db_pool_size": 4,
        "db_max_overflow": 4,
        "log_json": False,
        "access_log": False,
        "log_level": "WARNING",
        "jwks_url": None,
        # Enough hashing threads that concurrent registrations reach their claims together
        # (with few, the pool would line them up and the race tests would race nothing).
        "hash_threads": 20,
        **FAST_ARGON2,
        **overrides,
    }
    return UsersSettings(**values)


def start(settings: UsersSettings, shard_map: ShardMap) -> Deployment:
    server = ServerThread(create_app(SERVICE, settings))
    url = server.start()
    return Deployment(url, settings, shard_map, server)


def new_shard_map(postgres: PostgresForTests, shards: int) -> ShardMap:
    return ShardMap.even([postgres.create_database("users") for _ in range(shards)])


@pytest.fixture(scope="session")
def deployments(
    postgres: PostgresForTests, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[int], Deployment]]:
    started: dict[int, Deployment] = {}

    def get(shards: int) -> Deployment:
        if shards not in started:
            workdir = tmp_path_factory.mktemp(f"users{shards}")
            shard_map = new_shard_map(postgres, shards)
            started[shards] = start(users_settings(workdir, shard_map), shard_map)
        return started[shards]

    yield get
    for deployment in started.values():
        deployment.stop()


@pytest.fixture(params=[1, 2], ids=["1shard", "2shards"])
def deployment(
    request: pytest.FixtureRequest, deployments: Callable[[int], Deployment]
) -> Deployment:
    return deployments(request.param)


@pytest.fixture
def start_users(postgres: PostgresForTests, tmp_path: Path) -> Iterator[Callable[..., Deployment]]:
    """Start a users service of its own: ``start_users(shards=1, shard_map=None, **settings)``."""
    running: list[Deployment] = []

    def run(shards: int = 1, shard_map: ShardMap | None = None, **overrides: Any) -> Deployment:
        shard_map = shard_map or new_shard_map(postgres, shards)
        deployment = start(users_settings(tmp_path, shard_map, **overrides), shard_map)
        running.append(deployment)
        return deployment

    yield run
    for deployment in reversed(running):
        deployment.stop()


async def _no_password_hash(response: httpx.Response) -> None:
    # Every response of every test passes through here: a password hash (argon2's encoded form
    # starts with "$argon2id$") must never leave the service, whatever the endpoint.
    body = await response.aread()
    assert b"argon2" not in body.lower(), f"{response.request.url} leaked a password hash"


class UsersApi:
    """An HTTP client of one served users service, with the few helpers the tests share."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.AsyncClient(
            base_url=url, timeout=30.0, event_hooks={"response": [_no_password_hash]}
        )

    unique = staticmethod(unique)

    async def register(self, **fields: Any) -> dict[str, Any]:
        """Register with valid defaults (overridable); the body plus ``password`` and ``email``."""
        login = fields.pop("login", None) or unique()
        body = {
            "login": login,
            "email": fields.pop("email", None) or f"{login}@example.org",
            "password": fields.pop("password", None) or "correct horse battery",
            **fields,
        }
        response = await self.http.post("/users", json=body)
        assert response.status_code == 201, response.text
        return {**response.json(), "password": body["password"], "email": body["email"]}

    async def log_in(self, login: str, password: str) -> dict[str, Any]:
        response = await self.http.post("/auth/token", json={"login": login, "password": password})
        assert response.status_code == 200, response.text
        token: dict[str, Any] = response.json()
        return token

    async def me(self, token: str) -> httpx.Response:
        return await self.http.get("/users/me", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
async def connect() -> AsyncIterator[Callable[[str], UsersApi]]:
    """``connect(url)``: a ``UsersApi`` for a served users service (closed after the test)."""
    apis: list[UsersApi] = []

    def make(url: str) -> UsersApi:
        apis.append(UsersApi(url))
        return apis[-1]

    yield make
    for api in apis:
        await api.http.aclose()


@pytest.fixture
def api(deployment: Deployment, connect: Callable[[str], UsersApi]) -> UsersApi:
    return connect(deployment.url)
