"""HTTP routes: parse, call a domain function, answer a schema. No SQL here."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from movieweb_shared.app import Database
from movieweb_shared.jwt import CurrentUser
from movieweb_shared.pagination import PageParams, Sort, page_params
from sqlalchemy.engine import RowMapping

from . import reviews as domain
from . import stats as stats_domain
from .schemas import (
    Direction,
    Popular,
    Review,
    ReviewIn,
    ReviewPage,
    SortName,
    Stats,
    StatsList,
    TopRated,
    UserStats,
)
from .settings import ReviewsSettings
from .stats import MAX_BATCH, SiteMean

router = APIRouter()

Paging = Annotated[PageParams, Depends(page_params)]
Responses = dict[int | str, dict[str, Any]]
_AUTH: Responses = {401: {"description": "No valid bearer token"}}
_BAD: Responses = {422: {"description": "Invalid input; `errors` names each field"}}
_NOT_FOUND: Responses = {404: {"description": "No such review"}}


# Dependencies are `async def`: FastAPI runs plain `def` ones in a thread pool (a thread hop
# per request for pure parsing).
async def review_sort(
    sort: Annotated[
        SortName, Query(description="`created` (then id) or `rating` (then created, then id)")
    ] = "created",
    direction: Annotated[Direction, Query(description="`desc` = newest / best first")] = "desc",
) -> Sort:
    return domain.review_sort(sort, direction)


ReviewSort = Annotated[Sort, Depends(review_sort)]


async def _settings(request: Request) -> ReviewsSettings:
    settings: ReviewsSettings = request.app.state.settings
    return settings


async def _mean(request: Request, db: Database) -> float | None:
    cache: SiteMean = request.app.state.site_mean
    return await cache.get(db)


SiteMeanRating = Annotated[float | None, Depends(_mean)]
Settings = Annotated[ReviewsSettings, Depends(_settings)]


async def _min_votes(
    request: Request,
    min_votes: Annotated[
        int | None,
        Query(ge=1, le=1_000_000, description="C of the Bayesian average (default 5)"),
    ] = None,
) -> int:
    return min_votes if min_votes is not None else (await _settings(request)).default_min_votes


MinVotes = Annotated[int, Depends(_min_votes)]


def _page(rows: list[RowMapping], info: Any) -> ReviewPage:
    return ReviewPage(items=[Review.model_validate(dict(r)) for r in rows], info=info)


# --- reviews ---------------------------------------------------------------------------------


@router.put(
    "/movies/{movie_id}/reviews/mine",
    tags=["reviews"],
    summary="Create or replace the caller's review of a movie",
    description=(
        "One review per user and movie. The first PUT creates it (**201**); a later PUT replaces "
        "rating and comment (**200**, same id, `updated_at` moves). The movie's statistics change "
        "in the same transaction. The review is always the token subject's own. This service "
        "owns no movies and does **not** check that `movie_id` exists: the gateway does."
    ),
    response_model=Review,
    status_code=200,
    responses={
        200: {"description": "Updated: the caller's existing review was replaced"},
        201: {"model": Review, "description": "Created: the caller's first review of this movie"},
        409: {"description": "Lost a write race three times in a row; retry"},
        **_AUTH,
        **_BAD,
    },
)
async def put_my_review(
    movie_id: uuid.UUID, body: ReviewIn, user: CurrentUser, db: Database, response: Response
) -> Review:
    written = await domain.put_review(db, movie_id, user.id, body.rating, body.comment)
    if written.created:
        response.status_code = 201
    return Review.model_validate(dict(written.review))


@router.get(
    "/movies/{movie_id}/reviews/mine",
    tags=["reviews"],
    summary="The caller's review of a movie",
    response_model=Review,
    responses={404: {"description": "The caller has not reviewed this movie"}, **_AUTH, **_BAD},
)
async def get_my_review(movie_id: uuid.UUID, user: CurrentUser, db: Database) -> Review:
    return Review.model_validate(dict(await domain.get_user_review(db, movie_id, user.id)))


@router.delete(
    "/reviews/{review_id}",
    tags=["reviews"],
    summary="Delete one's own review",
    description=(
        "Only the author may delete a review (403 otherwise). The review id carries its movie's "
        "hash slot, so this goes straight to one shard."
    ),
    status_code=204,
    response_class=Response,
    responses={
        403: {"description": "The review belongs to someone else"},
        **_NOT_FOUND,
        **_AUTH,
        **_BAD,
    },
)
async def delete_review(review_id: uuid.UUID, user: CurrentUser, db: Database) -> Response:
    await domain.delete_review(db, review_id, user.id)
    return Response(status_code=204)


@router.get(
    "/reviews/{review_id}",
    tags=["reviews"],
    summary="One review",
    response_model=Review,
    responses={**_NOT_FOUND, **_BAD},
)
async def get_review(review_id: uuid.UUID, db: Database) -> Review:
    return Review.model_validate(dict(await domain.get_review(db, review_id)))


@router.get(
    "/movies/{movie_id}/reviews",
    tags=["reviews"],
    summary="Reviews of a movie (one shard)",
    response_model=ReviewPage,
    responses=_BAD,
)
async def movie_reviews(
    movie_id: uuid.UUID, sort: ReviewSort, page: Paging, db: Database
) -> ReviewPage:
    return _page(*await domain.list_for_movie(db, movie_id, sort, page))


@router.get(
    "/users/{user_id}/reviews",
    tags=["reviews"],
    summary="Reviews by a user (every shard, merged)",
    response_model=ReviewPage,
    responses=_BAD,
)
async def user_reviews(
    user_id: uuid.UUID, sort: ReviewSort, page: Paging, db: Database
) -> ReviewPage:
    return _page(*await domain.list_for_user(db, user_id, sort, page))


@router.get(
    "/reviews",
    tags=["reviews"],
    summary="Recent reviews across the site, or of some users (the feed)",
    description=(
        "Every shard, merged. `created_gte` keeps reviews created at or after an instant "
        "(no offset = UTC); repeat `user_id` (up to 50) to keep only those authors."
    ),
    response_model=ReviewPage,
    responses=_BAD,
)
async def recent_reviews(
    sort: ReviewSort,
    page: Paging,
    db: Database,
    created_gte: Annotated[
        datetime | None, Query(description="ISO 8601 instant, e.g. 2026-11-21T00:00:00Z")
    ] = None,
    user_id: Annotated[
        list[uuid.UUID] | None,
        Query(max_length=domain.MAX_FEED_USERS, description="Authors to keep (≤ 50)"),
    ] = None,
) -> ReviewPage:
    rows, info = await domain.list_recent(db, sort, page, created_gte=created_gte, user_ids=user_id)
    return _page(rows, info)


# --- statistics ------------------------------------------------------------------------------


@router.get(
    "/movies/{movie_id}/stats",
    tags=["stats"],
    summary="Rating statistics of a movie",
    description="A movie without ratings (or unknown here) has count 0 and null averages.",
    response_model=Stats,
    responses=_BAD,
)
async def movie_stats(
    movie_id: uuid.UUID, db: Database, min_votes: MinVotes, mean: SiteMeanRating
) -> Stats:
    row = await stats_domain.movie_stats_row(db, movie_id)
    return stats_domain.stats_of(movie_id, row, min_votes, mean)


@router.get(
    "/stats/batch",
    tags=["stats"],
    summary="Statistics of up to 100 movies",
    description=(
        "One item per distinct id, in request order. An id without ratings (this service cannot "
        "tell an unrated movie from an unknown one) answers zero statistics, never a gap."
    ),
    response_model=StatsList,
    responses=_BAD,
)
async def batch_stats(
    movie_ids: Annotated[
        list[uuid.UUID], Query(min_length=1, max_length=MAX_BATCH, description="≤ 100 movie ids")
    ],
    db: Database,
    min_votes: MinVotes,
    mean: SiteMeanRating,
) -> StatsList:
    rows = await stats_domain.batch_rows(db, movie_ids)
    return StatsList(
        items=[
            stats_domain.stats_of(m, rows.get(m), min_votes, mean) for m in dict.fromkeys(movie_ids)
        ]
    )


@router.get(
    "/stats/top-rated",
    tags=["stats"],
    summary="Best movies by Bayesian average",
    description=(
        "Movies with at least `min_votes` ratings, ranked by (C·m + sum) / (C + count) with "
        "C = `min_votes` and m = the site-wide mean rating (ties: movie id)."
    ),
    response_model=TopRated,
    responses=_BAD,
)
async def top_rated(
    db: Database,
    min_votes: MinVotes,
    mean: SiteMeanRating,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> TopRated:
    items = await stats_domain.top_rated(db, limit, min_votes, mean)
    return TopRated(items=items, min_votes=min_votes, site_mean=mean)


@router.get(
    "/stats/popular",
    tags=["stats"],
    summary="Movies with the most reviews written recently",
    description="Reviews created in the last `window_days` days, most first (ties: movie id).",
    response_model=Popular,
    responses=_BAD,
)
async def popular(
    db: Database,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    window_days: Annotated[int, Query(ge=1, le=365)] = 7,
) -> Popular:
    items = await stats_domain.popular(db, limit, window_days)
    return Popular(items=items, window_days=window_days)


@router.get(
    "/users/{user_id}/stats",
    tags=["stats"],
    summary="How many reviews a user wrote (every shard)",
    response_model=UserStats,
    responses=_BAD,
)
async def user_stats(user_id: uuid.UUID, db: Database) -> UserStats:
    return UserStats(
        user_id=user_id, review_count=await stats_domain.user_review_count(db, user_id)
    )
