"""/v1/users: list, me, one user (with counts), followers, follows, follow/unfollow, a user's
reviews and the review feed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from movieweb_shared.errors import Problem
from movieweb_shared.pagination import Page, PageParams, page_params

from .._json import Responses, respond
from ..auth import CurrentCaller
from ..enrich import enrich_follows, enrich_reviews, page, public_user, require_user, user_counts
from ..runtime import Gateway, get_gateway
from ..schemas import Follow, FollowEntry, Me, Review, User

router = APIRouter(prefix="/v1/users", tags=["users"])
Gw = Annotated[Gateway, Depends(get_gateway)]
Paging = Annotated[PageParams, Depends(page_params)]

_UNAVAILABLE: Responses = {503: {"description": "A service this page needs is unavailable"}}
_AUTH: Responses = {
    401: {"description": "Not authenticated"},
    403: {"description": "Not allowed (acting as someone else, or CSRF check failed)"},
}
_NOT_FOUND: Responses = {404: {"description": "No such user"}}
# The feed covers the most recently followed users, up to the reviews service's id-list bound.
FEED_MAX_FOLLOWS = 50


def _paging(paging: PageParams) -> dict[str, str | int | None]:
    return {"limit": paging.limit, "skip": paging.skip, "cursor": paging.cursor}


@router.get(
    "",
    summary="List users (sorted by login)",
    response_model=Page[User],
    responses=_UNAVAILABLE,
)
async def list_users(
    gw: Gw,
    paging: Paging,
    login_prefix: Annotated[
        str | None,
        Query(
            max_length=32,
            pattern=r"^[A-Za-z0-9_.]*$",
            description="Only logins starting with this",
        ),
    ] = None,
) -> Response:
    reply = await gw.backends.call(
        "users.list", params={**_paging(paging), "login_prefix": login_prefix}
    )
    items = [public_user(u) for u in reply.data["items"]]
    return respond(page(items, reply.data["info"]))


@router.get(
    "/me",
    summary="The authenticated user (with email and counts)",
    response_model=Me,
    responses={**_AUTH, **_UNAVAILABLE},
)
async def me(caller: CurrentCaller, gw: Gw) -> Response:
    reply, counts = await asyncio.gather(
        gw.backends.call("users.me", token=caller.token), user_counts(gw, caller.id)
    )
    out = public_user(reply.data, counts)
    out["email"] = reply.data.get("email")
    return respond(out)


@router.get(
    "/{user_id}",
    summary="A user with follower, follows and review counts",
    response_model=User,
    responses={**_NOT_FOUND, **_UNAVAILABLE},
)
async def get_user(user_id: uuid.UUID, gw: Gw) -> Response:
    uid = str(user_id)
    user, counts = await asyncio.gather(require_user(gw, uid), user_counts(gw, uid))
    return respond(public_user(user, counts))


async def _follow_list(
    gw: Gateway, user_id: uuid.UUID, paging: PageParams, endpoint: str, side: str
) -> Response:
    _, reply = await asyncio.gather(
        require_user(gw, str(user_id)),
        gw.backends.call(endpoint, path={"user_id": user_id}, params=_paging(paging)),
    )
    items = await enrich_follows(gw, reply.data["items"], side)
    return respond(page(items, reply.data["info"]))


@router.get(
    "/{user_id}/followers",
    summary="Who follows this user, newest first",
    response_model=Page[FollowEntry],
    responses={**_NOT_FOUND, **_UNAVAILABLE},
)
async def followers(user_id: uuid.UUID, gw: Gw, paging: Paging) -> Response:
    return await _follow_list(gw, user_id, paging, "relations.followers", "follower_id")


@router.get(
    "/{user_id}/follows",
    summary="Whom this user follows, newest first",
    response_model=Page[FollowEntry],
    responses={**_NOT_FOUND, **_UNAVAILABLE},
)
async def follows(user_id: uuid.UUID, gw: Gw, paging: Paging) -> Response:
    return await _follow_list(gw, user_id, paging, "relations.follows", "followee_id")


def _as_self(caller_id: str, acting_as: uuid.UUID, what: str) -> None:
    if str(acting_as) != caller_id:
        raise Problem(403, f"you may only {what} as yourself")


@router.put(
    "/{user_id}/followers/{follower_id}",
    summary="Follow a user (follower_id must be you)",
    response_model=Follow,
    responses={
        200: {"description": "Already following"},
        201: {"description": "Now following"},
        **_AUTH,
        **_NOT_FOUND,
        **_UNAVAILABLE,
    },
)
async def follow(
    user_id: uuid.UUID, follower_id: uuid.UUID, caller: CurrentCaller, gw: Gw
) -> Response:
    _as_self(caller.id, follower_id, "follow")
    await require_user(gw, str(user_id))
    reply = await gw.backends.call(
        "relations.follow",
        path={"user_id": user_id, "follower_id": follower_id},
        token=caller.token,
    )
    return respond(reply.data, reply.status)


@router.delete(
    "/{user_id}/followers/{follower_id}",
    summary="Unfollow a user (follower_id must be you; idempotent)",
    status_code=204,
    responses={**_AUTH, **_UNAVAILABLE},
)
async def unfollow(
    user_id: uuid.UUID, follower_id: uuid.UUID, caller: CurrentCaller, gw: Gw
) -> Response:
    _as_self(caller.id, follower_id, "unfollow")
    await gw.backends.call(
        "relations.unfollow",
        path={"user_id": user_id, "follower_id": follower_id},
        token=caller.token,
    )
    return Response(status_code=204)


@router.get(
    "/{user_id}/reviews",
    summary="A user's reviews, each with its movie",
    response_model=Page[Review],
    responses={**_NOT_FOUND, **_UNAVAILABLE},
)
async def user_reviews(
    user_id: uuid.UUID,
    gw: Gw,
    paging: Paging,
    sort: Literal["created", "rating"] = "created",
    direction: Annotated[Literal["asc", "desc"] | None, Query()] = None,
) -> Response:
    _, reply = await asyncio.gather(
        require_user(gw, str(user_id)),
        gw.backends.call(
            "reviews.of_user",
            path={"user_id": user_id},
            params={**_paging(paging), "sort": sort, "direction": direction},
        ),
    )
    items = await enrich_reviews(gw, reply.data["items"])
    return respond(page(items, reply.data["info"]))


@router.get(
    "/{user_id}/review-feed",
    summary="Reviews by the users this user follows, newest first (your own feed only)",
    description=(
        "Only the user themself may read their feed (403 otherwise): it is a personal view, "
        "and its fan-out cost is paid only by authenticated callers, one feed each. It covers "
        f"the {FEED_MAX_FOLLOWS} most recently followed users."
    ),
    response_model=Page[Review],
    responses={**_AUTH, **_UNAVAILABLE},
)
async def review_feed(
    user_id: uuid.UUID,
    caller: CurrentCaller,
    gw: Gw,
    paging: Paging,
    created_gte: Annotated[
        datetime | None, Query(description="Only reviews created at or after this instant")
    ] = None,
) -> Response:
    _as_self(caller.id, user_id, "read the review feed")
    ids_reply = await gw.backends.call(
        "relations.follow_ids", path={"user_id": user_id}, params={"limit": FEED_MAX_FOLLOWS}
    )
    ids = [str(i) for i in ids_reply.data["ids"]]
    if not ids:
        empty = {"limit": paging.limit, "skip": paging.skip, "total": 0, "next_cursor": None}
        return respond(page([], empty))
    reply = await gw.backends.call(
        "reviews.list",
        params={
            **_paging(paging),
            "user_id": ids,
            "created_gte": created_gte.isoformat() if created_gte else None,
            "sort": "created",
            "direction": "desc",
        },
    )
    items = await enrich_reviews(gw, reply.data["items"])
    return respond(page(items, reply.data["info"]))
