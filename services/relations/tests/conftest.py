"""Fixtures: the relations app served by real uvicorn over a real (1- or 3-shard) Postgres.

One app per shard count for the whole session: setting up databases and migrating them is the
slow part, and every test works on fresh random user ids, so tests cannot see each other's edges.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from movieweb_relations.service import SERVICE
from movieweb_shared.testing import PostgresForTests, ServedService, serve_service

# The served app: ``url`` and ``shard_map`` (tests reach into the shards directly).
Served = ServedService


@pytest.fixture(scope="session", params=[1, 3], ids=["1shard", "3shards"])
def served(
    request: pytest.FixtureRequest,
    postgres: PostgresForTests,
    tmp_path_factory: pytest.TempPathFactory,
    jwks_file: Path,
) -> Iterator[Served]:
    with serve_service(
        SERVICE,
        postgres,
        tmp_path_factory.mktemp("relations"),
        jwks_file,
        shards=int(request.param),
        prefix="rel",
        # 200-request storms queue on 8 connections on a shared, loaded machine: wait for a
        # connection rather than answer 503 (the production default is a few seconds).
        db_pool_timeout_s=60,
    ) as served:
        yield served


@pytest.fixture
def base_url(served: Served) -> str:
    return served.url


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
