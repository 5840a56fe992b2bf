"""Per-movie statistics and the home-page queries built on them.

The Bayesian average of a movie is ``(C·m + sum) / (C + count)``: C = ``min_votes`` pseudo-votes
at m, the site-wide mean rating. Top rated keeps only movies with ``count ≥ C`` AND ranks them
by that average (what IMDb's Top 250 does): the threshold keeps a two-vote movie off a chart
that is meant to be trustworthy, and the prior still orders a 5-vote 9.8 below a 4 000-vote 9.5.
Ranking every movie by the Bayesian average alone would also stop one 10/10 from topping the
chart, but fills the chart's tail with barely-rated movies that sit near m.

Movies live on exactly one shard, so per-shard top-N lists merge into the exact global top-N.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from movieweb_shared.db import ShardedDatabase
from sqlalchemy import Double, cast, func, literal, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import RATINGS, movie_stats, reviews
from .schemas import PopularMovie, Stats

MAX_BATCH = 100


def bayesian(count: int, total: int, min_votes: int, site_mean: float | None) -> float | None:
    if count == 0 or site_mean is None:
        return None
    # Same IEEE operations, in the same order, as the SQL ranking expression below.
    return (min_votes * site_mean + float(total)) / float(count + min_votes)


def stats_of(
    movie_id: uuid.UUID, row: RowMapping | None, min_votes: int, site_mean: float | None
) -> Stats:
    if row is None:
        return Stats(
            movie_id=movie_id, count=0, average=None, bayesian_average=None, histogram=[0] * 10
        )
    count, total = int(row["count"]), int(row["sum"])
    return Stats(
        movie_id=movie_id,
        count=count,
        average=total / count if count else None,
        bayesian_average=bayesian(count, total, min_votes, site_mean),
        histogram=[int(row[f"r{n}"]) for n in RATINGS],
    )


class SiteMean:
    """The site-wide mean rating (every shard's totals), reused for ``ttl_s`` seconds.

    A site with no rating has no mean (None), which is never cached: the first votes count at once.
    """

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._value: float | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    async def get(self, db: ShardedDatabase) -> float | None:
        if self._fresh():
            return self._value
        async with self._lock:
            if not self._fresh():
                self._value = await site_mean(db)
                self._at = time.monotonic()
        return self._value

    def _fresh(self) -> bool:
        return (
            self._value is not None and self.ttl_s > 0 and time.monotonic() - self._at < self.ttl_s
        )


async def site_mean(db: ShardedDatabase) -> float | None:
    async def totals(conn: AsyncConnection) -> tuple[int, int]:
        row = (
            await conn.execute(
                select(
                    func.coalesce(func.sum(movie_stats.c.count), 0),
                    func.coalesce(func.sum(movie_stats.c.sum), 0),
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    parts = await db.fan_out(totals)
    count = sum(c for c, _ in parts)
    return sum(s for _, s in parts) / count if count else None


async def movie_stats_row(db: ShardedDatabase, movie_id: uuid.UUID) -> RowMapping | None:
    async with db.connect(movie_id) as conn:
        query = select(movie_stats).where(movie_stats.c.movie_id == movie_id)
        return (await conn.execute(query)).mappings().first()


async def batch_rows(
    db: ShardedDatabase, movie_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RowMapping]:
    """Stats rows of ``movie_ids``: one query per shard that owns some of them, concurrently."""

    async def one(index: int, ids: list[uuid.UUID]) -> list[RowMapping]:
        async with db.shards[index].reader.connect() as conn:
            query = select(movie_stats).where(movie_stats.c.movie_id.in_(ids))
            return list((await conn.execute(query)).mappings().all())

    groups = db.group_by_shard(list(dict.fromkeys(movie_ids)))
    results = await asyncio.gather(*(one(i, ids) for i, ids in groups.items()))
    return {row["movie_id"]: row for rows in results for row in rows}


async def top_rated(
    db: ShardedDatabase, limit: int, min_votes: int, mean: float | None
) -> list[Stats]:
    if mean is None:
        return []
    score = (cast(movie_stats.c.sum, Double) + literal(min_votes * mean, Double)) / cast(
        movie_stats.c.count + min_votes, Double
    )
    query = (
        select(movie_stats, score.label("score"))
        .where(movie_stats.c.count >= min_votes)
        .order_by(score.desc(), movie_stats.c.movie_id)
        .limit(limit)
    )

    async def run(conn: AsyncConnection) -> list[RowMapping]:
        return list((await conn.execute(query)).mappings().all())

    rows = [row for part in await db.fan_out(run) for row in part]
    rows.sort(key=lambda r: (-r["score"], r["movie_id"]))
    return [stats_of(r["movie_id"], r, min_votes, mean) for r in rows[:limit]]


async def popular(db: ShardedDatabase, limit: int, window_days: int) -> list[PopularMovie]:
    """Movies with the most reviews created in the last ``window_days`` (ties: movie id)."""
    since = datetime.now(UTC) - timedelta(days=window_days)  # one cutoff for every shard
    in_window = func.count().label("reviews_in_window")
    recent = (
        select(reviews.c.movie_id, in_window)
        .where(reviews.c.created_at >= since)
        .group_by(reviews.c.movie_id)
        .order_by(in_window.desc(), reviews.c.movie_id)
        .limit(limit)
        .subquery()
    )
    query = select(recent, movie_stats.c.count, movie_stats.c.sum).join(
        movie_stats, movie_stats.c.movie_id == recent.c.movie_id, isouter=True
    )

    async def run(conn: AsyncConnection) -> list[RowMapping]:
        return list((await conn.execute(query)).mappings().all())

    rows = [row for part in await db.fan_out(run) for row in part]
    rows.sort(key=lambda r: (-r["reviews_in_window"], r["movie_id"]))
    return [
        PopularMovie(
            movie_id=r["movie_id"],
            reviews_in_window=r["reviews_in_window"],
            count=r["count"] or 0,
            average=r["sum"] / r["count"] if r["count"] else None,
        )
        for r in rows[:limit]
    ]


async def user_review_count(db: ShardedDatabase, user_id: uuid.UUID) -> int:
    async def run(conn: AsyncConnection) -> int:
        query = select(func.count()).select_from(reviews).where(reviews.c.user_id == user_id)
        return int((await conn.execute(query)).scalar_one())

    return sum(await db.fan_out(run))
