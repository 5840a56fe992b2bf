"""Reading accounts: by id, by a batch of ids, and listed by login prefix."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from movieweb_shared.db import ShardedDatabase
from movieweb_shared.pagination import Page, PageParams, Sort, fetch_page
from sqlalchemy import Select, select
from sqlalchemy.engine import RowMapping

from .models import users
from .schemas import Me, User

# The public columns. The password hash is deliberately not among them: no query that feeds a
# response can select it.
PUBLIC = (users.c.id, users.c.login, users.c.name, users.c.avatar_url, users.c.created_at)
BY_LOGIN = Sort("login", (users.c.login, users.c.id))


def to_user(row: RowMapping) -> User:
    return User(**{c.name: row[c.name] for c in PUBLIC})


async def get_user(db: ShardedDatabase, user_id: uuid.UUID) -> User | None:
    async with db.connect(user_id) as conn:
        row = (await conn.execute(select(*PUBLIC).where(users.c.id == user_id))).mappings().first()
    return to_user(row) if row is not None else None


async def get_me(db: ShardedDatabase, user_id: uuid.UUID) -> Me | None:
    async with db.connect(user_id) as conn:
        row = (
            (await conn.execute(select(*PUBLIC, users.c.email).where(users.c.id == user_id)))
            .mappings()
            .first()
        )
    return Me(**to_user(row).model_dump(), email=row["email"]) if row is not None else None


async def get_batch(db: ShardedDatabase, ids: list[uuid.UUID]) -> list[User]:
    """The users among ``ids``, in the order asked, each once; unknown ids are left out."""
    wanted = list(dict.fromkeys(ids))
    groups = db.group_by_shard(wanted)

    async def on_shard(index: int, shard_ids: list[uuid.UUID]) -> list[RowMapping]:
        async with db.shards[index].reader.connect() as conn:
            result = await conn.execute(select(*PUBLIC).where(users.c.id.in_(shard_ids)))
            return list(result.mappings().all())

    found: dict[uuid.UUID, User] = {}
    for rows in await asyncio.gather(*(on_shard(i, g) for i, g in groups.items())):
        for row in rows:
            found[row["id"]] = to_user(row)
    return [found[i] for i in wanted if i in found]


def _prefix_filter(query: Select[Any], prefix: str) -> Select[Any]:
    # A range rather than LIKE: '_' is a LIKE wildcard, and a range on the "C"-collated column
    # is an index scan. Logins are ASCII, so bumping the last character gives the upper bound.
    if not prefix:
        return query
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return query.where(users.c.login >= prefix, users.c.login < upper)


async def list_users(db: ShardedDatabase, login_prefix: str, params: PageParams) -> Page[User]:
    query = _prefix_filter(select(*PUBLIC), login_prefix)
    rows, info = await fetch_page(db, query, BY_LOGIN, params)
    return Page[User](items=[to_user(r) for r in rows], info=info)
