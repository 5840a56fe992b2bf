"""The behaviour of the relations service: plain async functions over the sharded database.

Edges are stored on the shard of the follower. Everything keyed by the follower (follow,
unfollow, is-following, follows list and count, follow ids) touches one shard; everything keyed
by the followee (followers list and count) fans out to every shard and merges.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from movieweb_shared.db import ShardedDatabase
from movieweb_shared.errors import Problem, field_problem
from movieweb_shared.pagination import PageInfo, PageParams, Sort, fetch_page
from sqlalchemy import delete, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import follows
from .schemas import Counts, Follow, FollowIds

FOLLOW_IDS_DEFAULT = 1000
FOLLOW_IDS_MAX = 5000

# (created_at, other id) is unique within one list (the edge's primary key is the id pair),
# which keyset paging needs; newest first.
FOLLOWS_SORT = Sort("follows", (follows.c.created_at, follows.c.followee_id), descending=True)
FOLLOWERS_SORT = Sort("followers", (follows.c.created_at, follows.c.follower_id), descending=True)

_EDGE = (follows.c.follower_id, follows.c.followee_id, follows.c.created_at)


@dataclass(frozen=True)
class FollowResult:
    follow: Follow
    created: bool


def _edge(row: RowMapping | Any) -> Follow:
    return Follow(
        follower_id=row.follower_id, followee_id=row.followee_id, created_at=row.created_at
    )


def _check_acting_follower(principal_id: uuid.UUID, follower_id: uuid.UUID) -> None:
    if follower_id != principal_id:
        raise Problem(403, "a user may only follow or unfollow as themselves")


async def follow(
    db: ShardedDatabase, principal_id: uuid.UUID, user_id: uuid.UUID, follower_id: uuid.UUID
) -> FollowResult:
    """Make ``follower_id`` follow ``user_id``; idempotent (an existing edge is returned)."""
    _check_acting_follower(principal_id, follower_id)
    if user_id == follower_id:
        raise field_problem(422, "path.follower_id", "a user cannot follow themselves")
    # One statement, no read-then-write race: a repeated follow "updates" the edge to itself,
    # which locks it and returns it with its original created_at. ``xmax = 0`` is true only
    # for a row this statement inserted (an updated row version carries our transaction id),
    # which tells 201 from 200. A concurrent unfollow cannot slip in between: either its
    # delete commits first (we insert anew) or our row lock makes it wait.
    stmt = (
        insert(follows)
        .values(follower_id=follower_id, followee_id=user_id)
        .on_conflict_do_update(
            index_elements=["follower_id", "followee_id"],
            set_={"created_at": follows.c.created_at},
        )
        .returning(*_EDGE, literal_column("xmax = 0").label("created"))
    )
    async with db.begin(follower_id) as conn:
        row = (await conn.execute(stmt)).one()
    return FollowResult(_edge(row), created=bool(row.created))


async def unfollow(
    db: ShardedDatabase, principal_id: uuid.UUID, user_id: uuid.UUID, follower_id: uuid.UUID
) -> None:
    """Remove the edge if it exists; idempotent."""
    _check_acting_follower(principal_id, follower_id)
    async with db.begin(follower_id) as conn:
        await conn.execute(
            delete(follows).where(
                follows.c.follower_id == follower_id, follows.c.followee_id == user_id
            )
        )


async def get_follow(
    db: ShardedDatabase, user_id: uuid.UUID, follower_id: uuid.UUID
) -> Follow | None:
    """The edge ``follower_id`` → ``user_id``, or None (the is-following check)."""
    async with db.connect(follower_id) as conn:
        row = (
            await conn.execute(
                select(*_EDGE).where(
                    follows.c.follower_id == follower_id, follows.c.followee_id == user_id
                )
            )
        ).first()
    return _edge(row) if row is not None else None


async def list_follows(
    db: ShardedDatabase, user_id: uuid.UUID, params: PageParams
) -> tuple[list[Follow], PageInfo]:
    """Who ``user_id`` follows, newest first: one shard."""
    query = select(*_EDGE).where(follows.c.follower_id == user_id)
    rows, info = await fetch_page(db, query, FOLLOWS_SORT, params, shards=[db.shard_for(user_id)])
    return [_edge(r) for r in rows], info


async def list_followers(
    db: ShardedDatabase, user_id: uuid.UUID, params: PageParams
) -> tuple[list[Follow], PageInfo]:
    """Who follows ``user_id``, newest first: every shard, merged."""
    query = select(*_EDGE).where(follows.c.followee_id == user_id)
    rows, info = await fetch_page(db, query, FOLLOWERS_SORT, params)
    return [_edge(r) for r in rows], info


async def counts(db: ShardedDatabase, user_id: uuid.UUID) -> Counts:
    count_followers = select(func.count()).where(follows.c.followee_id == user_id)
    count_follows = select(func.count()).where(follows.c.follower_id == user_id)

    async def followers_on(conn: AsyncConnection) -> int:
        return int((await conn.execute(count_followers)).scalar_one())

    async def follows_of_user() -> int:
        async with db.connect(user_id) as conn:
            return int((await conn.execute(count_follows)).scalar_one())

    per_shard, n_follows = await asyncio.gather(db.fan_out(followers_on), follows_of_user())
    return Counts(user_id=user_id, followers=sum(per_shard), follows=n_follows)


async def follow_ids(db: ShardedDatabase, user_id: uuid.UUID, limit: int) -> FollowIds:
    """The newest ``limit`` ids ``user_id`` follows, and whether there were more."""
    query = (
        select(follows.c.followee_id)
        .where(follows.c.follower_id == user_id)
        .order_by(follows.c.created_at.desc(), follows.c.followee_id.desc())
        .limit(limit + 1)
    )
    async with db.connect(user_id) as conn:
        ids = list((await conn.execute(query)).scalars().all())
    return FollowIds(ids=ids[:limit], truncated=len(ids) > limit)
