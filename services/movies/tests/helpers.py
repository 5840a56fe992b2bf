"""Helpers of the movies tests: a live app on real Postgres and what tests do with it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from movieweb_movies.service import SERVICE
from movieweb_movies.settings import MoviesSettings
from movieweb_shared import migrations
from movieweb_shared.app import create_app
from movieweb_shared.sharding import ShardMap
from movieweb_shared.testing import PostgresForTests, serve_app


@dataclass
class LiveMovies:
    """A running movies app: its URL, its shard map, an HTTP client and a valid token."""

    url: str
    shard_map: ShardMap
    map_file: Path
    client: httpx.Client
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def create(self, **fields: Any) -> dict[str, Any]:
        body = {"title": "Untitled", "year": 2000, **fields}
        resp = self.client.post("/movies", json=body, headers=self.auth)
        assert resp.status_code == 201, resp.text
        return resp.json()


def new_shard_map(
    postgres: PostgresForTests, shards: int, directory: Path
) -> tuple[ShardMap, Path]:
    shard_map = ShardMap.even([postgres.create_database("movies") for _ in range(shards)])
    path = directory / "shards.json"
    shard_map.dump(path)
    return shard_map, path


def settings_for(map_file: Path, jwks_file: Path, **extra: Any) -> MoviesSettings:
    return MoviesSettings(
        shard_map_file=map_file,
        jwks_file=jwks_file,
        jwks_url=None,
        db_pool_size=4,
        db_max_overflow=4,
        access_log=False,
        log_level="WARNING",
        **extra,
    )


@contextmanager
def live_movies(
    postgres: PostgresForTests, shards: int, directory: Path, jwks_file: Path, token: str
) -> Iterator[LiveMovies]:
    shard_map, map_file = new_shard_map(postgres, shards, directory)
    assert SERVICE.migrations_dir is not None
    asyncio.run(migrations.upgrade(SERVICE.migrations_dir, shard_map))
    app = create_app(SERVICE, settings_for(map_file, jwks_file))
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield LiveMovies(url, shard_map, map_file, client, token)


USER_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")


def marker() -> str:
    """A word no other test uses: filter by it to see only this test's rows."""
    return "m" + uuid.uuid4().hex[:12]
