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
from movieweb_shared.embedded import asyncpg_dsn
from movieweb_shared.sharding import ShardMap
from movieweb_shared.testing import PostgresForTests, ServedService, serve_service


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


# The reviews service recomputes its site-wide mean on every read in tests (no cache to wait out).
REVIEWS_SETTINGS: dict[str, Any] = {"site_mean_ttl_s": 0}


def reviews_env(served: ServedService, mint: Callable[..., str]) -> ReviewsEnv:
    return ReviewsEnv(url=served.url, shard_map=served.shard_map, mint=mint)


@pytest.fixture(params=[1, 3], ids=["1-shard", "3-shards"])
def shards(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def env(
    service_app: Callable[..., ServedService], mint_token: Callable[..., str], shards: int
) -> ReviewsEnv:
    return reviews_env(service_app(SERVICE, shards, prefix="t", **REVIEWS_SETTINGS), mint_token)


@pytest.fixture
def env3(service_app: Callable[..., ServedService], mint_token: Callable[..., str]) -> ReviewsEnv:
    """Three shards only (validation and property-based tests)."""
    return reviews_env(service_app(SERVICE, 3, prefix="t", **REVIEWS_SETTINGS), mint_token)


@pytest.fixture(scope="module")
def module_env3(
    postgres: PostgresForTests,
    tmp_path_factory: pytest.TempPathFactory,
    jwks_file: Path,
    mint_token: Callable[..., str],
) -> Iterator[ReviewsEnv]:
    """Three shards shared by a whole module (schemathesis: one server for every operation)."""
    directory = tmp_path_factory.mktemp("reviews")
    with serve_service(
        SERVICE, postgres, directory, jwks_file, 3, prefix="rv", **REVIEWS_SETTINGS
    ) as served:
        yield reviews_env(served, mint_token)
