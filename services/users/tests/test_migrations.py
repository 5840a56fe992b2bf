"""Migrations: from an empty database to the schema the code expects, on every shard."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from movieweb_shared import migrations
from movieweb_users.models import metadata
from movieweb_users.service import SERVICE
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def _check_schema(conn: Connection) -> None:
    names = set(inspect(conn).get_table_names())
    assert {"users", "login_claims", "email_claims", "alembic_version"} <= names
    # The migration and the models agree: autogenerate would find nothing to do.
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    assert compare_metadata(context, metadata) == []


@pytest.mark.parametrize("shards", [1, 2])
def test_migrations_build_the_models_schema_on_every_shard(
    make_shard_map: Any, shards: int
) -> None:
    # Sync test: make_shard_map runs its own event loop to create the databases.
    shard_map = make_shard_map(shards, prefix="usersmig")
    script_location = SERVICE.migrations_dir
    assert script_location is not None

    async def migrate_and_check() -> None:
        await migrations.upgrade(script_location, shard_map)
        await migrations.upgrade(script_location, shard_map)  # a second run changes nothing
        for spec in shard_map.shards:
            engine = create_async_engine(spec.url())
            try:
                async with engine.connect() as conn:
                    await conn.run_sync(_check_schema)
            finally:
                await engine.dispose()

    asyncio.run(migrate_and_check())
