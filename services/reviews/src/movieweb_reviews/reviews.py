"""Reviews: write (create or update), delete, read, and the three paginated lists.

Every write runs in ONE transaction on the movie's shard and changes ``movie_stats`` by a delta
in that same transaction, so the statistics are exactly the sum of the rows at every commit.
Locks are always taken in the same order — the review row first, then the movie's stats row —
so concurrent writers of one movie queue on the stats row and never deadlock. Deltas commute,
and ``UPDATE``/``ON CONFLICT DO UPDATE`` re-read the latest committed row under its lock, so
100 concurrent ratings of one movie add up exactly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from movieweb_shared.db import Shard, ShardedDatabase
from movieweb_shared.errors import Problem, field_problem, not_found
from movieweb_shared.pagination import PageInfo, PageParams, Sort, decode_cursor, fetch_page
from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import bucket, movie_stats, reviews
from .routing import new_review_id, shard_of_movie, shard_of_review

MAX_FEED_USERS = 50
_WRITE_ATTEMPTS = 3


@dataclass(frozen=True)
class Written:
    review: RowMapping
    created: bool


# --- writes ----------------------------------------------------------------------------------


async def put_review(
    db: ShardedDatabase, movie_id: uuid.UUID, user_id: uuid.UUID, rating: int, comment: str | None
) -> Written:
    """Create or replace ``user_id``'s review of ``movie_id`` and move the movie's statistics."""
    async with db.begin(movie_id) as conn:
        for _ in range(_WRITE_ATTEMPTS):
            old = (
                await conn.execute(
                    select(reviews.c.id, reviews.c.rating)
                    .where(reviews.c.movie_id == movie_id, reviews.c.user_id == user_id)
                    .with_for_update()
                )
            ).first()
            if old is None:
                inserted = (
                    (
                        await conn.execute(
                            pg_insert(reviews)
                            .values(
                                id=new_review_id(movie_id, db.map.slots),
                                movie_id=movie_id,
                                user_id=user_id,
                                rating=rating,
                                comment=comment,
                            )
                            .on_conflict_do_nothing(index_elements=["movie_id", "user_id"])
                            .returning(*reviews.c)
                        )
                    )
                    .mappings()
                    .first()
                )
                if inserted is None:
                    # The same user's concurrent first write committed in between: the next
                    # round finds (and locks) that row and updates it.
                    continue
                await _add_vote(conn, movie_id, rating)
                return Written(inserted, created=True)
            changed = (
                (
                    await conn.execute(
                        update(reviews)
                        .where(reviews.c.id == old.id)
                        .values(rating=rating, comment=comment, updated_at=func.now())
                        .returning(*reviews.c)
                    )
                )
                .mappings()
                .one()
            )
            if old.rating != rating:
                await _move_vote(conn, movie_id, old.rating, rating)
            return Written(changed, created=False)
    raise Problem(409, "the review was changed concurrently; try again")


async def delete_review(db: ShardedDatabase, review_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Delete a review of ``user_id``: 404 if unknown, 403 if someone else wrote it."""
    shard = shard_of_review(db, review_id)
    if shard is None:
        raise not_found(f"review {review_id}")
    async with shard.engine.begin() as conn:
        row = (
            await conn.execute(
                select(reviews.c.movie_id, reviews.c.user_id, reviews.c.rating)
                .where(reviews.c.id == review_id)
                .with_for_update()
            )
        ).first()
        if row is None:
            raise not_found(f"review {review_id}")
        if row.user_id != user_id:
            raise Problem(403, "only the author of a review may delete it")
        await conn.execute(delete(reviews).where(reviews.c.id == review_id))
        await _remove_vote(conn, row.movie_id, row.rating)


async def _add_vote(conn: AsyncConnection, movie_id: uuid.UUID, rating: int) -> None:
    r = bucket(rating)
    await conn.execute(
        pg_insert(movie_stats)
        .values({"movie_id": movie_id, "count": 1, "sum": rating, r.name: 1})
        .on_conflict_do_update(
            index_elements=["movie_id"],
            set_={
                "count": movie_stats.c.count + 1,
                "sum": movie_stats.c.sum + rating,
                r.name: r + 1,
                "updated_at": func.now(),
            },
        )
    )


async def _move_vote(conn: AsyncConnection, movie_id: uuid.UUID, old: int, new: int) -> None:
    r_old, r_new = bucket(old), bucket(new)
    await conn.execute(
        update(movie_stats)
        .where(movie_stats.c.movie_id == movie_id)
        .values(
            {
                "sum": movie_stats.c.sum + (new - old),
                r_old.name: r_old - 1,
                r_new.name: r_new + 1,
                "updated_at": func.now(),
            }
        )
    )


async def _remove_vote(conn: AsyncConnection, movie_id: uuid.UUID, rating: int) -> None:
    r = bucket(rating)
    await conn.execute(
        update(movie_stats)
        .where(movie_stats.c.movie_id == movie_id)
        .values(
            {
                "count": movie_stats.c.count - 1,
                "sum": movie_stats.c.sum - rating,
                r.name: r - 1,
                "updated_at": func.now(),
            }
        )
    )


# --- reads -----------------------------------------------------------------------------------


async def get_review(db: ShardedDatabase, review_id: uuid.UUID) -> RowMapping:
    shard = shard_of_review(db, review_id)
    if shard is None:
        raise not_found(f"review {review_id}")
    async with shard.reader.connect() as conn:
        row = (
            (await conn.execute(select(reviews).where(reviews.c.id == review_id)))
            .mappings()
            .first()
        )
    if row is None:
        raise not_found(f"review {review_id}")
    return row


async def get_user_review(
    db: ShardedDatabase, movie_id: uuid.UUID, user_id: uuid.UUID
) -> RowMapping:
    async with db.connect(movie_id) as conn:
        row = (
            (
                await conn.execute(
                    select(reviews).where(
                        reviews.c.movie_id == movie_id, reviews.c.user_id == user_id
                    )
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise not_found(f"a review of movie {movie_id} by user {user_id}")
    return row


# --- lists -----------------------------------------------------------------------------------


def review_sort(name: str, direction: str) -> Sort:
    """Sorts end with the id tie-breaker; rating ties are broken by recency, then id."""
    columns: tuple[ColumnElement[Any], ...]
    if name == "rating":
        columns = (reviews.c.rating, reviews.c.created_at, reviews.c.id)
    else:
        columns = (reviews.c.created_at, reviews.c.id)
    return Sort(name, columns, descending=direction == "desc")


def check_cursor(sort: Sort, params: PageParams) -> None:
    """A cursor is client input. ``fetch_page`` checks the types of its values; a rating must
    also fit its column, or Postgres would refuse the smallint parameter (a 500, not a 422)."""
    if params.cursor is None or sort.name != "rating":
        return
    rating = decode_cursor(params.cursor, sort.scope, len(sort.columns))[0]
    if isinstance(rating, bool) or (isinstance(rating, int) and not 1 <= rating <= 10):
        raise field_problem(422, "query.cursor", "cursor does not fit this sort order")


def to_utc(value: datetime, field: str) -> datetime:
    """Aware UTC (naive input counts as UTC); 422 for instants that leave the calendar."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise field_problem(422, field, "date out of range") from exc


async def _page(
    db: ShardedDatabase,
    query: Select[Any],
    sort: Sort,
    params: PageParams,
    *,
    shards: list[Shard] | None = None,
    with_total: bool = True,
) -> tuple[list[RowMapping], PageInfo]:
    check_cursor(sort, params)
    return await fetch_page(db, query, sort, params, shards=shards, with_total=with_total)


async def list_for_movie(
    db: ShardedDatabase, movie_id: uuid.UUID, sort: Sort, params: PageParams
) -> tuple[list[RowMapping], PageInfo]:
    """One shard: every review of a movie lives on the movie's shard.

    The total rides along as a column of the page query (an uncorrelated subquery, evaluated
    once per statement), saving the separate ``count(*)`` statement's round trip. It is still a
    count of the rows, not ``movie_stats.count``: that equals it only for rows written through
    this service, and data loaded around it (tests, repairs) must still page correctly.
    """
    shard = shard_of_movie(db, movie_id)
    # An alias, so that the subquery counts on its own and is not correlated to the page.
    every = reviews.alias("every_review")
    counted = select(func.count()).where(every.c.movie_id == movie_id).scalar_subquery()
    query = select(reviews, counted.label("_total")).where(reviews.c.movie_id == movie_id)
    rows, info = await _page(db, query, sort, params, shards=[shard], with_total=False)
    if rows:
        total = int(rows[0]["_total"])
    else:  # a page past the end (or no reviews): count alone
        async with shard.reader.connect() as conn:
            total = int((await conn.execute(select(counted))).scalar_one())
    return rows, info.model_copy(update={"total": total})


async def list_for_user(
    db: ShardedDatabase, user_id: uuid.UUID, sort: Sort, params: PageParams
) -> tuple[list[RowMapping], PageInfo]:
    """Fan-out: a user's reviews are spread over their movies' shards."""
    return await _page(db, select(reviews).where(reviews.c.user_id == user_id), sort, params)


async def list_recent(
    db: ShardedDatabase,
    sort: Sort,
    params: PageParams,
    *,
    created_gte: datetime | None = None,
    user_ids: list[uuid.UUID] | None = None,
) -> tuple[list[RowMapping], PageInfo]:
    """Fan-out over the whole site, optionally since ``created_gte`` and by some users (feed)."""
    query = select(reviews)
    if created_gte is not None:
        query = query.where(reviews.c.created_at >= to_utc(created_gte, "query.created_gte"))
    if user_ids:
        query = query.where(reviews.c.user_id.in_(sorted(set(user_ids))))
    return await _page(db, query, sort, params)
