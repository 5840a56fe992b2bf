"""Shaping backend objects into public ones, and enriching them in batches.

Required data (a review's movie and user, a list's users) comes through the caches and raises
503 when its backend is down; optional data (rating statistics, counts) is left null instead.
Every function takes whole lists so that enrichment costs one cache pass per kind, never one
call per item.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from movieweb_shared.errors import not_found

from .backends import BackendRejected, BackendUnavailable
from .cache import Obj
from .runtime import Gateway

log = logging.getLogger("movieweb.gateway.enrich")

MOVIE_FIELDS = (
    "id",
    "slug",
    "title",
    "year",
    "director",
    "country",
    "category",
    "poster_url",
    "background_url",
    "created_by",
    "created_at",
    "updated_at",
)
USER_FIELDS = ("id", "login", "name", "avatar_url", "created_at")
REVIEW_FIELDS = ("id", "movie_id", "user_id", "rating", "comment", "created_at", "updated_at")

EMPTY_STATS: Obj = {"count": 0, "average": None, "histogram": [0] * 10}


def public_movie(movie: Obj, rating: Obj | None = None) -> Obj:
    out = {k: movie.get(k) for k in MOVIE_FIELDS}
    out["rating"] = rating
    return out


def public_user(user: Obj, counts: Obj | None = None) -> Obj:
    out = {k: user.get(k) for k in USER_FIELDS}
    out["counts"] = counts
    return out


def public_stats(stats: Obj) -> Obj:
    return {
        "count": stats.get("count", 0),
        "average": stats.get("average"),
        "histogram": stats.get("histogram") or [0] * 10,
    }


async def movie_stats(gw: Gateway, movie_ids: Sequence[str]) -> dict[str, Obj | None]:
    """Rating stats per movie id (short L1 cache, one batch call); None when reviews is down."""
    out: dict[str, Obj | None] = {}
    missing: list[str] = []
    for mid in dict.fromkeys(movie_ids):
        hit, value = gw.stats.lookup(mid)
        if hit and value is not None:
            out[mid] = value
        else:
            missing.append(mid)
    for start in range(0, len(missing), 100):
        chunk = missing[start : start + 100]
        try:
            reply = await gw.backends.call("reviews.stats_batch", params={"movie_ids": chunk})
        except (BackendUnavailable, BackendRejected):
            for mid in chunk:
                out[mid] = None
            continue
        by_id = {str(s["movie_id"]): public_stats(s) for s in reply.data.get("items", [])}
        for mid in chunk:
            stats = by_id.get(mid, EMPTY_STATS)
            gw.stats.put(mid, stats)
            out[mid] = stats
    return out


async def movies_with_stats(gw: Gateway, movies: Sequence[Obj]) -> list[Obj]:
    stats = await movie_stats(gw, [str(m["id"]) for m in movies])
    return [public_movie(m, stats.get(str(m["id"]))) for m in movies]


async def require_movie(gw: Gateway, movie_id: str) -> Obj:
    movie = await gw.movies.get(movie_id)
    if movie is None:
        raise not_found(f"movie {movie_id}")
    return movie


async def require_user(gw: Gateway, user_id: str) -> Obj:
    user = await gw.users.get(user_id)
    if user is None:
        raise not_found(f"user {user_id}")
    return user


async def enrich_reviews(gw: Gateway, reviews: Sequence[Obj]) -> list[Obj]:
    """Each review with its movie and its user: one cache pass (one MGET, one batch) per kind."""
    movies, users = await asyncio.gather(
        gw.movies.get_many([str(r["movie_id"]) for r in reviews]),
        gw.users.get_many([str(r["user_id"]) for r in reviews]),
    )
    out = []
    for r in reviews:
        item = {k: r.get(k) for k in REVIEW_FIELDS}
        movie = movies.get(str(r["movie_id"]))
        user = users.get(str(r["user_id"]))
        item["movie"] = public_movie(movie) if movie is not None else None
        item["user"] = public_user(user) if user is not None else None
        out.append(item)
    return out


async def enrich_follows(gw: Gateway, follows: Sequence[Obj], side: str) -> list[Obj]:
    """Follow edges → {user, followed_at}, ``side`` naming the id to show (follower/followee)."""
    users = await gw.users.get_many([str(f[side]) for f in follows])
    out = []
    for f in follows:
        user = users.get(str(f[side]))
        out.append(
            {
                "user": public_user(user) if user is not None else None,
                "followed_at": f.get("created_at"),
            }
        )
    return out


async def user_counts(gw: Gateway, user_id: str) -> Obj:
    """Follower, follows and review counts; each null when its service does not answer."""

    async def relations() -> Any:
        try:
            return (await gw.backends.call("relations.counts", path={"user_id": user_id})).data
        except (BackendUnavailable, BackendRejected):
            return None

    async def reviews() -> Any:
        try:
            return (await gw.backends.call("reviews.user_stats", path={"user_id": user_id})).data
        except (BackendUnavailable, BackendRejected):
            return None

    rel, rev = await asyncio.gather(relations(), reviews())
    return {
        "followers": rel.get("followers") if isinstance(rel, dict) else None,
        "follows": rel.get("follows") if isinstance(rel, dict) else None,
        "reviews": rev.get("review_count") if isinstance(rev, dict) else None,
    }


def page(items: list[Obj], info: Obj) -> Obj:
    """The common list shape, passing the backend's cursor through."""
    return {
        "items": items,
        "info": {
            "limit": info.get("limit"),
            "skip": info.get("skip"),
            "total": info.get("total"),
            "next_cursor": info.get("next_cursor"),
        },
    }
