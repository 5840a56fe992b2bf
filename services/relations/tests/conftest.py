"""Fixtures: the relations app served by real uvicorn over a real (1- or 3-shard) Postgres."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from movieweb_relations.service import SERVICE
from movieweb_relations.settings import RelationsSettings
from movieweb_shared.app import create_app
from movieweb_shared.sharding import ShardMap


def relations_settings(shard_map: ShardMap, tmp_path: Path, jwks_file: Path) -> RelationsSettings:
    map_file = tmp_path / "map.json"
    shard_map.dump(map_file)
    return RelationsSettings(
        shard_map_file=map_file,
        migrate_on_start=True,
        jwks_file=jwks_file,
        jwks_url=None,
        db_pool_size=4,
        db_max_overflow=4,
        log_level="WARNING",
        access_log=False,
    )


@pytest.fixture(params=[1, 3], ids=["1shard", "3shards"])
def shard_count(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def shard_map(make_shard_map: Callable[..., ShardMap], shard_count: int) -> ShardMap:
    return make_shard_map(shard_count, prefix="rel")


@pytest.fixture
def base_url(
    serve: Callable[[Any], str], shard_map: ShardMap, tmp_path: Path, jwks_file: Path
) -> str:
    return serve(create_app(SERVICE, relations_settings(shard_map, tmp_path, jwks_file)))


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as c:
        yield c


@pytest.fixture
def auth(mint_token: Callable[..., str]) -> Callable[[Any], dict[str, str]]:
    """Authorization headers for a user id."""

    def headers(user_id: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(user_id)}"}

    return headers
