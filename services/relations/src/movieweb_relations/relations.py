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
from sqlalchemy import delete, func, select
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

# A follow that conflicts with an edge being deleted concurrently retries; a handful of rounds
# is plenty (each round waits for the competing transaction to finish).
_FOLLOW_ATTEMPTS = 5


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
    stmt = (
        insert(follows)
        .values(follower_id=follower_id, followee_id=user_id)
        .on_conflict_do_nothing(index_elements=["follower_id", "followee_id"])
        .returning(*_EDGE)
    )
    existing = select(*_EDGE).where(
        follows.c.follower_id == follower_id, follows.c.followee_id == user_id
    )
    for _ in range(_FOLLOW_ATTEMPTS):
        # Read committed: the insert waits for any competing writer of the same pair, and the
        # select that follows takes a fresh snapshot, so it sees the edge the insert collided
        # with, unless an unfollow removed it in between; then we insert again.
        async with db.begin(follower_id) as conn:
            row = (await conn.execute(stmt)).first()
            if row is not None:
                return FollowResult(_edge(row), created=True)
            row = (await conn.execute(existing)).first()
            if row is not None:
                return FollowResult(_edge(row), created=False)
    raise Problem(
        503,
        "the follow kept colliding with concurrent unfollows; try again",
        headers={"Retry-After": "1"},
    )


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
