"""The Alembic history builds exactly the schema the code declares, on every shard."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from movieweb_reviews.models import metadata
from movieweb_reviews.service import SERVICE
from movieweb_shared import migrations
from sqlalchemy.ext.asyncio import create_async_engine


def test_migrations_match_the_models_on_every_shard(make_shard_map):
    shard_map = make_shard_map(3)  # (creates databases with asyncio.run: a sync test)
    asyncio.run(check(shard_map))


async def check(shard_map):
    assert SERVICE.migrations_dir is not None
    await migrations.upgrade(SERVICE.migrations_dir, shard_map)
    await migrations.upgrade(SERVICE.migrations_dir, shard_map)  # idempotent
    for spec in shard_map.shards:
        engine = create_async_engine(spec.url())
        try:
            async with engine.connect() as conn:
                diff = await conn.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
                )
                version = (
                    await conn.exec_driver_sql("SELECT version_num FROM alembic_version")
                ).scalar()
        finally:
            await engine.dispose()
        assert diff == [], diff
        assert version == "0001"
