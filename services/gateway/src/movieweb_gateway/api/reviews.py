"""/v1/reviews: list, create (one per user and movie: an upsert), delete (author only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from movieweb_shared.errors import Problem
from movieweb_shared.pagination import Page, PageParams, page_params

from .._json import Responses, respond
from ..auth import CurrentCaller
from ..enrich import enrich_reviews, page, require_movie
from ..runtime import Gateway, get_gateway
from ..schemas import Review, ReviewCreate

router = APIRouter(prefix="/v1/reviews", tags=["reviews"])
Gw = Annotated[Gateway, Depends(get_gateway)]
Paging = Annotated[PageParams, Depends(page_params)]

_UNAVAILABLE: Responses = {503: {"description": "A service this page needs is unavailable"}}
_AUTH: Responses = {
    401: {"description": "Not authenticated"},
    403: {"description": "Not the author, or CSRF check failed"},
}


@router.get(
    "",
    summary="List reviews, each with its movie and user",
    response_model=Page[Review],
    responses=_UNAVAILABLE,
)
async def list_reviews(
    gw: Gw,
    paging: Paging,
    sort: Literal["created", "rating"] = "created",
    direction: Annotated[Literal["asc", "desc"] | None, Query()] = None,
    created_gte: Annotated[datetime | None, Query()] = None,
    user_id: Annotated[
        list[uuid.UUID] | None, Query(max_length=50, description="Only these authors (≤ 50)")
    ] = None,
) -> Response:
    reply = await gw.backends.call(
        "reviews.list",
        params={
            "limit": paging.limit,
            "skip": paging.skip,
            "cursor": paging.cursor,
            "sort": sort,
            "direction": direction,
            "created_gte": created_gte.isoformat() if created_gte else None,
            "user_id": [str(u) for u in user_id] if user_id else None,
        },
    )
    items = await enrich_reviews(gw, reply.data["items"])
    return respond(page(items, reply.data["info"]))


@router.post(
    "",
    summary="Rate and review a movie (replaces your earlier review of it)",
    status_code=201,
    response_model=Review,
    responses={
        200: {"description": "Your review was updated"},
        201: {"description": "Review created"},
        **_AUTH,
        404: {"description": "No such movie"},
        **_UNAVAILABLE,
    },
)
async def create_review(body: ReviewCreate, caller: CurrentCaller, gw: Gw) -> Response:
    mid = str(body.movie_id)
    await require_movie(gw, mid)
    reply = await gw.backends.call(
        "reviews.upsert_mine",
        path={"movie_id": mid},
        json=body.model_dump(exclude={"movie_id"}, exclude_none=True),
        token=caller.token,
    )
    gw.stats.drop(mid)
    [review] = await enrich_reviews(gw, [reply.data])
    return respond(review, reply.status)


@router.delete(
    "/{review_id}",
    summary="Delete your review",
    status_code=204,
    responses={**_AUTH, 404: {"description": "No such review"}, **_UNAVAILABLE},
)
async def delete_review(review_id: uuid.UUID, caller: CurrentCaller, gw: Gw) -> Response:
    reply = await gw.backends.call("reviews.get", path={"review_id": review_id})
    if str(reply.data["user_id"]) != caller.id:
        raise Problem(403, "you may only delete your own reviews")
    await gw.backends.call("reviews.delete", path={"review_id": review_id}, token=caller.token)
    gw.stats.drop(str(reply.data["movie_id"]))
    return Response(status_code=204)
