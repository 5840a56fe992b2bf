"""Property: over 3 shards, walking every page by cursor returns each row exactly once, in
order, with the right total, for every list and every sort — including heavy ties on rating
and on created_at, which only the id tie-breaker separates."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from movieweb_reviews.routing import new_review_id

BASE = datetime(2026, 1, 1, tzinfo=UTC)
USERS = [uuid.UUID(f"00000000-0000-4000-8000-{i:012d}") for i in range(1, 7)]
SORTS = [(s, d) for s in ("created", "rating") for d in ("asc", "desc")]

rows_strategy = st.lists(
    st.tuples(
        st.integers(0, 3),  # movie index
        st.integers(0, len(USERS) - 1),  # user index
        st.integers(1, 10),  # rating
        st.integers(0, 4),  # second after BASE: many equal timestamps
    ),
    max_size=24,
    unique_by=lambda r: (r[0], r[1]),  # one review per (user, movie)
)


def movies_for(env) -> list[uuid.UUID]:
    """Four movies: one on each of the three shards, plus a second one on the first shard."""
    names = [s.name for s in env.shard_map.shards]
    wanted = [*names, names[0]]
    out: list[uuid.UUID] = []
    while len(out) < len(wanted):
        m = uuid.uuid4()
        if env.shard_map.shard_for_key(m).name == wanted[len(out)]:
            out.append(m)
    return out


async def load(env, rows: list[dict[str, Any]]) -> None:
    """Replace every shard's data with ``rows``, each on its movie's shard (direct SQL)."""
    for dsn in env.dsns:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("TRUNCATE reviews, movie_stats")
            mine = [r for r in rows if env.dsn_for_movie(r["movie_id"]) == dsn]
            await conn.executemany(
                "INSERT INTO reviews (id, movie_id, user_id, rating, created_at, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $5)",
                [
                    (r["id"], r["movie_id"], r["user_id"], r["rating"], r["created_at"])
                    for r in mine
                ],
            )
        finally:
            await conn.close()


def expected(rows: list[dict[str, Any]], sort: str, direction: str) -> list[str]:
    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        if sort == "rating":
            return (r["rating"], r["created_at"], r["id"])
        return (r["created_at"], r["id"])

    return [str(r["id"]) for r in sorted(rows, key=key, reverse=direction == "desc")]


def walk(
    client: httpx.Client, path: str, params: dict[str, Any], limit: int
) -> tuple[list[str], set[int]]:
    seen: list[str] = []
    totals: set[int] = set()
    cursor = None
    for _ in range(200):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        resp = client.get(path, params=query)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        assert len(page["items"]) <= limit
        seen += [item["id"] for item in page["items"]]
        totals.add(page["info"]["total"])
        cursor = page["info"]["next_cursor"]
        if cursor is None:
            return seen, totals
        assert page["items"], "a page with a next cursor is never empty"
    raise AssertionError("pagination did not end")


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    raw=rows_strategy,
    limit=st.integers(1, 7),
    movie_pick=st.integers(0, 3),
    user_pick=st.integers(0, len(USERS) - 1),
    feed_users=st.sets(st.integers(0, len(USERS) - 1), min_size=1, max_size=3),
    since=st.integers(0, 4),
)
def test_every_page_walk_returns_each_row_once_in_order(
    env3, raw, limit, movie_pick, user_pick, feed_users, since
):
    movies = movies_for(env3)
    rows = [
        {
            "id": new_review_id(movies[m], env3.shard_map.slots),
            "movie_id": movies[m],
            "user_id": USERS[u],
            "rating": rating,
            "created_at": BASE + timedelta(seconds=t),
        }
        for m, u, rating, t in raw
    ]
    asyncio.run(load(env3, rows))
    movie, user = movies[movie_pick], USERS[user_pick]
    feed = {USERS[i] for i in feed_users}
    cutoff = BASE + timedelta(seconds=since)
    lists = [
        (f"/movies/{movie}/reviews", {}, [r for r in rows if r["movie_id"] == movie]),
        (f"/users/{user}/reviews", {}, [r for r in rows if r["user_id"] == user]),
        ("/reviews", {}, rows),
        (
            "/reviews",
            {"user_id": [str(u) for u in feed], "created_gte": cutoff.isoformat()},
            [r for r in rows if r["user_id"] in feed and r["created_at"] >= cutoff],
        ),
    ]
    with httpx.Client(base_url=env3.url, timeout=30) as client:
        for path, filters, matching in lists:
            for sort, direction in SORTS:
                got, totals = walk(
                    client, path, {**filters, "sort": sort, "direction": direction}, limit
                )
                assert got == expected(matching, sort, direction), (path, filters, sort, direction)
                assert totals == {len(matching)}
