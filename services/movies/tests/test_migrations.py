"""Migrations from an empty database: every shard ends up exactly at the models' schema."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from movieweb_movies.models import metadata
from movieweb_movies.service import SERVICE
from movieweb_shared import migrations
from movieweb_shared.sharding import ShardMap
from movieweb_shared.testing import PostgresForTests
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


async def inspect_shard(url: str) -> tuple[list[Any], str, set[str]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def diff(sync_conn: Connection) -> list[Any]:
                ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                return list(compare_metadata(ctx, metadata))

            changes = await conn.run_sync(diff)
            version = (
                await conn.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar_one()
            indexes = set(
                (
                    await conn.execute(
                        text("SELECT indexname FROM pg_indexes WHERE tablename = 'movies'")
                    )
                ).scalars()
            )
        return changes, version, indexes
    finally:
        await engine.dispose()


@pytest.mark.parametrize("shards", [1, 2])
def test_upgrade_from_empty_matches_models(postgres: PostgresForTests, shards: int) -> None:
    shard_map = ShardMap.even([postgres.create_database("mig") for _ in range(shards)])
    assert SERVICE.migrations_dir is not None
    asyncio.run(migrations.upgrade(SERVICE.migrations_dir, shard_map))
    asyncio.run(migrations.upgrade(SERVICE.migrations_dir, shard_map))  # a second run is a no-op
    for spec in shard_map.shards:
        changes, version, indexes = asyncio.run(inspect_shard(spec.url()))
        assert changes == []
        assert version == "0001"
        assert {
            "movies_pkey",
            "movies_slug_key",
            "ix_movies_title_sort_id",
            "ix_movies_year_id",
            "ix_movies_created_at_id",
            "ix_movies_category_fold",
            "ix_movies_country_fold",
            "ix_movies_director_fold",
            "ix_movies_search_vector",
        } <= indexes


def test_downgrade_then_upgrade(postgres: PostgresForTests) -> None:
    shard_map = ShardMap.single(postgres.create_database("mig"))
    assert SERVICE.migrations_dir is not None
    url = shard_map.shards[0].url()
    migrations.upgrade_shard(SERVICE.migrations_dir, url)
    command.downgrade(migrations.alembic_config(SERVICE.migrations_dir, url), "base")
    migrations.upgrade_shard(SERVICE.migrations_dir, url)
    changes, version, _ = asyncio.run(inspect_shard(url))
    assert (changes, version) == ([], "0001")
