"""Fixtures of the reviews tests: the real service over HTTP on 1 or 3 real Postgres shards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from movieweb_reviews.service import SERVICE
from movieweb_reviews.settings import ReviewsSettings
from movieweb_shared.app import create_app
from movieweb_shared.embedded import asyncpg_dsn
from movieweb_shared.sharding import ShardMap
from movieweb_shared.testing import PostgresForTests, serve_app


@dataclass
class ReviewsEnv:
    url: str
    shard_map: ShardMap
    mint: Callable[..., str]

    def auth(self, user_id: uuid.UUID) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(user_id)}"}

    def dsn_for_movie(self, movie_id: uuid.UUID) -> str:
        return asyncpg_dsn(self.shard_map.shard_for_key(movie_id).url())

    @property
    def dsns(self) -> list[str]:
        return [asyncpg_dsn(s.url()) for s in self.shard_map.shards]

    async def fetch(self, dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(dsn)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def fetch_all_shards(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        parts = await asyncio.gather(*(self.fetch(d, sql, *args) for d in self.dsns))
        return [row for part in parts for row in part]

    async def truth(self, movie_id: uuid.UUID) -> dict[str, Any]:
        """Statistics recomputed from the review rows, next to the stored stats row."""
        dsn = self.dsn_for_movie(movie_id)
        ratings = [
            r["rating"]
            for r in await self.fetch(dsn, "SELECT rating FROM reviews WHERE movie_id=$1", movie_id)
        ]
        stored = await self.fetch(dsn, "SELECT * FROM movie_stats WHERE movie_id=$1", movie_id)
        hist = [ratings.count(n) for n in range(1, 11)]
        return {
            "rows": {"count": len(ratings), "sum": sum(ratings), "histogram": hist},
            "stored": None
            if not stored
            else {
                "count": stored[0]["count"],
                "sum": stored[0]["sum"],
                "histogram": [stored[0][f"r{n}"] for n in range(1, 11)],
            },
        }


def start_reviews(
    make_shard_map: Callable[..., ShardMap],
    serve: Callable[[Any], str],
    tmp_path: Path,
    jwks_file: Path,
    mint_token: Callable[..., str],
    shards: int,
    **overrides: Any,
) -> ReviewsEnv:
    shard_map = make_shard_map(shards)
    map_file = tmp_path / f"reviews-map-{uuid.uuid4().hex[:6]}.json"
    shard_map.dump(map_file)
    settings = ReviewsSettings(
        shard_map_file=map_file,
        jwks_file=jwks_file,
        jwks_url=None,
        migrate_on_start=True,
        db_pool_size=4,
        db_max_overflow=4,
        site_mean_ttl_s=0,
        log_level="WARNING",
        access_log=False,
        **overrides,
    )
    url = serve(create_app(SERVICE, settings))
    return ReviewsEnv(url=url, shard_map=shard_map, mint=mint_token)


@pytest.fixture(params=[1, 3], ids=["1-shard", "3-shards"])
def shards(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def env(
    make_shard_map: Callable[..., ShardMap],
    serve: Callable[[Any], str],
    tmp_path: Path,
    jwks_file: Path,
    mint_token: Callable[..., str],
    shards: int,
) -> ReviewsEnv:
    return start_reviews(make_shard_map, serve, tmp_path, jwks_file, mint_token, shards)


@pytest.fixture
def env3(
    make_shard_map: Callable[..., ShardMap],
    serve: Callable[[Any], str],
    tmp_path: Path,
    jwks_file: Path,
    mint_token: Callable[..., str],
) -> ReviewsEnv:
    """Three shards only (validation and property-based tests)."""
    return start_reviews(make_shard_map, serve, tmp_path, jwks_file, mint_token, 3)


@pytest.fixture(scope="module")
def module_env3(
    postgres: PostgresForTests,
    tmp_path_factory: pytest.TempPathFactory,
    jwks_file: Path,
    mint_token: Callable[..., str],
) -> Iterator[ReviewsEnv]:
    """Three shards shared by a whole module (schemathesis: one server for every operation)."""
    shard_map = ShardMap.even([postgres.create_database("rv") for _ in range(3)])
    map_file = tmp_path_factory.mktemp("reviews") / "map.json"
    shard_map.dump(map_file)
    settings = ReviewsSettings(
        shard_map_file=map_file,
        jwks_file=jwks_file,
        jwks_url=None,
        migrate_on_start=True,
        db_pool_size=4,
        db_max_overflow=4,
        site_mean_ttl_s=0,
        log_level="WARNING",
        access_log=False,
    )
    with serve_app(create_app(SERVICE, settings)) as url:
        yield ReviewsEnv(url=url, shard_map=shard_map, mint=mint_token)
