"""/v1/movies: list, create, get (with rating statistics), a movie's reviews."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from movieweb_shared.errors import field_problem
from movieweb_shared.pagination import Page, PageParams, page_params

from .._json import Responses, respond
from ..auth import CurrentCaller
from ..enrich import (
    EMPTY_STATS,
    enrich_reviews,
    movie_stats,
    movies_with_stats,
    page,
    public_movie,
    require_movie,
)
from ..runtime import Gateway, get_gateway
from ..schemas import Movie, MovieCreate, Review

router = APIRouter(prefix="/v1/movies", tags=["movies"])
Gw = Annotated[Gateway, Depends(get_gateway)]
Paging = Annotated[PageParams, Depends(page_params)]
Direction = Annotated[
    Literal["asc", "desc"] | None, Query(description="Sort direction (default per sort)")
]

_UNAVAILABLE: Responses = {503: {"description": "A service this page needs is unavailable"}}
_AUTH: Responses = {
    401: {"description": "Not authenticated"},
    403: {"description": "CSRF check failed or not allowed"},
}
# Ranked sorts come from the reviews service's statistics: a top list, not a filterable index.
RANKED_MAX = 100


@router.get(
    "",
    summary="List movies",
    description=(
        "Sort by title, year or created (filters, text query `q`, cursor paging), or rank by "
        "`rating` (Bayesian average) or `popularity` (reviews in the last 7 days): the ranked "
        "sorts cover the top 100 and take no filters or cursor."
    ),
    response_model=Page[Movie],
    responses={422: {"description": "Invalid parameter"}, **_UNAVAILABLE},
)
async def list_movies(
    gw: Gw,
    paging: Paging,
    sort: Literal["title", "year", "created", "rating", "popularity"] = "title",
    direction: Direction = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    country: Annotated[str | None, Query(max_length=100)] = None,
    director: Annotated[str | None, Query(max_length=200)] = None,
    year_gte: Annotated[int | None, Query(ge=1870, le=9999)] = None,
    year_lte: Annotated[int | None, Query(ge=1870, le=9999)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in title or director")] = None,
) -> Response:
    filters = {
        "category": category,
        "country": country,
        "director": director,
        "year_gte": year_gte,
        "year_lte": year_lte,
        "q": q,
    }
    if sort in ("rating", "popularity"):
        return await _ranked(gw, paging, sort, direction, filters)
    reply = await gw.backends.call(
        "movies.list",
        params={
            "limit": paging.limit,
            "skip": paging.skip,
            "cursor": paging.cursor,
            "sort": sort,
            "direction": direction,
            **filters,
        },
    )
    items = await movies_with_stats(gw, reply.data["items"])
    return respond(page(items, reply.data["info"]))


async def _ranked(
    gw: Gateway,
    paging: PageParams,
    sort: str,
    direction: str | None,
    filters: Mapping[str, object],
) -> Response:
    used = [name for name, value in filters.items() if value is not None]
    if used:
        raise field_problem(422, f"query.{used[0]}", f"sort={sort} takes no filters")
    if paging.cursor is not None:
        raise field_problem(422, "query.cursor", f"sort={sort} pages with skip, not a cursor")
    if direction == "asc":
        raise field_problem(422, "query.direction", f"sort={sort} is descending only")
    if paging.skip + paging.limit > RANKED_MAX:
        raise field_problem(422, "query.skip", f"sort={sort} covers the top {RANKED_MAX} only")
    want = paging.skip + paging.limit
    if sort == "rating":
        reply = await gw.backends.call("reviews.top_rated", params={"limit": want})
    else:
        reply = await gw.backends.call("reviews.popular", params={"limit": want})
    ranked = [str(s["movie_id"]) for s in reply.data["items"]]
    window = ranked[paging.skip : paging.skip + paging.limit]
    movies = await gw.movies.get_many(window)
    present = [m for mid in window if (m := movies.get(mid)) is not None]
    items = await movies_with_stats(gw, present)
    info = {"limit": paging.limit, "skip": paging.skip, "total": len(ranked), "next_cursor": None}
    return respond(page(items, info))


@router.post(
    "",
    summary="Add a movie",
    status_code=201,
    response_model=Movie,
    responses={**_AUTH, 409: {"description": "Already exists"}, **_UNAVAILABLE},
)
async def create_movie(body: MovieCreate, caller: CurrentCaller, gw: Gw) -> Response:
    reply = await gw.backends.call(
        "movies.create", json=body.model_dump(exclude_none=True), token=caller.token
    )
    movie = reply.data
    await gw.movies.put(movie)
    gw.stats.put(str(movie["id"]), EMPTY_STATS)
    return respond(public_movie(movie, EMPTY_STATS), 201)


@router.get(
    "/{movie_id}",
    summary="A movie with its rating statistics",
    response_model=Movie,
    responses={404: {"description": "No such movie"}, **_UNAVAILABLE},
)
async def get_movie(movie_id: uuid.UUID, gw: Gw) -> Response:
    mid = str(movie_id)
    if gw.stats.lookup(mid)[0]:
        # The hot path: statistics in L1, so nothing runs concurrently; skip the task overhead.
        movie = await require_movie(gw, mid)
        stats = await movie_stats(gw, [mid])
    else:
        movie, stats = await asyncio.gather(require_movie(gw, mid), movie_stats(gw, [mid]))
    return respond(public_movie(movie, stats.get(mid)))


@router.get(
    "/{movie_id}/reviews",
    summary="A movie's reviews, each with its user",
    response_model=Page[Review],
    responses={404: {"description": "No such movie"}, **_UNAVAILABLE},
)
async def movie_reviews(
    movie_id: uuid.UUID,
    gw: Gw,
    paging: Paging,
    sort: Literal["created", "rating"] = "created",
    direction: Direction = None,
) -> Response:
    _, reply = await asyncio.gather(
        require_movie(gw, str(movie_id)),
        gw.backends.call(
            "reviews.of_movie",
            path={"movie_id": movie_id},
            params={
                "limit": paging.limit,
                "skip": paging.skip,
                "cursor": paging.cursor,
                "sort": sort,
                "direction": direction,
            },
        ),
    )
    items = await enrich_reviews(gw, reply.data["items"])
    return respond(page(items, reply.data["info"]))
