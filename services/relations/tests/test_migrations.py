"""The Alembic migrations build exactly the schema of ``models`` on every shard."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from movieweb_relations.models import metadata
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from .conftest import Served


async def test_migrated_shards_match_the_models(served: Served) -> None:
    for spec in served.shard_map.shards:
        engine = create_async_engine(spec.url(), poolclass=NullPool)
        try:
            async with engine.connect() as conn:

                def diff(sync_conn: Connection) -> list[Any]:
                    ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                    return list(compare_metadata(ctx, metadata))

                assert await conn.run_sync(diff) == []
                indexes = set(
                    (
                        await conn.execute(
                            text("SELECT indexdef FROM pg_indexes WHERE tablename = 'follows'")
                        )
                    ).scalars()
                )
        finally:
            await engine.dispose()
        assert any("(follower_id, created_at DESC, followee_id DESC)" in i for i in indexes)
        assert any("(followee_id, created_at DESC, follower_id DESC)" in i for i in indexes)
        assert any("follows_pkey" in i and "(follower_id, followee_id)" in i for i in indexes)
