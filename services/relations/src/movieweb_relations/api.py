"""HTTP routes of the relations service: parse, call a function of ``relations``, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from movieweb_shared.app import Database
from movieweb_shared.errors import not_found
from movieweb_shared.jwt import CurrentUser
from movieweb_shared.pagination import Page, PageParams, page_params

from . import relations
from .schemas import ALICE, BOB, Counts, Follow, FollowIds

router = APIRouter(tags=["relations"])

Params = Annotated[PageParams, Depends(page_params)]
FolloweeId = Annotated[
    uuid.UUID, Path(description="The user who is (to be) followed", examples=[ALICE])
]
FollowerId = Annotated[
    uuid.UUID,
    Path(description="The user who follows; for writes, the token's subject", examples=[BOB]),
]
UserId = Annotated[
    uuid.UUID, Path(description="The user whose relations to read", examples=[ALICE])
]

_NO_USER_CHECK = (
    "The service does not check that the users exist: the gateway does, before it calls here."
)
_AUTH_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "`follower_id` is not the token's subject"},
    422: {"description": "Invalid input (the field is named in `errors`)"},
}


@router.put(
    "/users/{user_id}/followers/{follower_id}",
    summary="Follow a user",
    description=(
        "Make `follower_id` follow `user_id`. Idempotent: 201 with the new edge, or 200 with "
        "the existing one (its original `created_at`) when the follow already existed. Only "
        "the token's subject may follow as themselves (`follower_id` must be the subject, "
        "else 403); a user cannot follow themselves (422 naming `path.follower_id`). "
        + _NO_USER_CHECK
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=Follow,
    responses={
        200: {"description": "Already following: the existing edge", "model": Follow},
        201: {"description": "Now following: the new edge"},
        **_AUTH_RESPONSES,
    },
)
async def follow(
    user_id: FolloweeId,
    follower_id: FollowerId,
    principal: CurrentUser,
    db: Database,
    response: Response,
) -> Follow:
    result = await relations.follow(db, principal.id, user_id, follower_id)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return result.follow


@router.delete(
    "/users/{user_id}/followers/{follower_id}",
    summary="Unfollow a user",
    description=(
        "Remove the edge `follower_id` → `user_id`. Idempotent: 204 whether or not it existed. "
        "Only the token's subject may unfollow as themselves (else 403); unfollowing oneself "
        "is a no-op (204). " + _NO_USER_CHECK
    ),
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={204: {"description": "Not following (any more)"}, **_AUTH_RESPONSES},
)
async def unfollow(
    user_id: FolloweeId, follower_id: FollowerId, principal: CurrentUser, db: Database
) -> Response:
    await relations.unfollow(db, principal.id, user_id, follower_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/users/{user_id}/followers/{follower_id}",
    summary="Does follower_id follow user_id?",
    description="The edge if `follower_id` follows `user_id`, else 404. " + _NO_USER_CHECK,
    response_model=Follow,
    responses={404: {"description": "Not following"}},
)
async def get_follow(user_id: FolloweeId, follower_id: FollowerId, db: Database) -> Follow:
    edge = await relations.get_follow(db, user_id, follower_id)
    if edge is None:
        raise not_found(f"follow of user {user_id} by {follower_id}")
    return edge


@router.get(
    "/users/{user_id}/follows",
    summary="Users this user follows, newest first",
    description=(
        "Edges whose `follower_id` is `user_id`, newest follow first (ties broken by "
        "`followee_id`). An unknown user simply has an empty list. " + _NO_USER_CHECK
    ),
    response_model=Page[Follow],
)
async def list_follows(user_id: UserId, params: Params, db: Database) -> Page[Follow]:
    items, info = await relations.list_follows(db, user_id, params)
    return Page[Follow](items=items, info=info)


@router.get(
    "/users/{user_id}/followers",
    summary="Users who follow this user, newest first",
    description=(
        "Edges whose `followee_id` is `user_id`, newest follow first (ties broken by "
        "`follower_id`), gathered from every shard. An unknown user simply has an empty list. "
        + _NO_USER_CHECK
    ),
    response_model=Page[Follow],
)
async def list_followers(user_id: UserId, params: Params, db: Database) -> Page[Follow]:
    items, info = await relations.list_followers(db, user_id, params)
    return Page[Follow](items=items, info=info)


@router.get(
    "/users/{user_id}/counts",
    summary="Follower and follows counts of a user",
    description="Zero counts for an unknown user. " + _NO_USER_CHECK,
    response_model=Counts,
)
async def counts(user_id: UserId, db: Database) -> Counts:
    return await relations.counts(db, user_id)


@router.get(
    "/users/{user_id}/follow-ids",
    summary="Ids of the users this user follows (for the review feed)",
    description=(
        f"The ids `user_id` follows, newest follow first, at most `limit` (default "
        f"{relations.FOLLOW_IDS_DEFAULT}, maximum {relations.FOLLOW_IDS_MAX}). `truncated` is "
        "true when the user follows more users than that: the feed then covers only the newest "
        "`limit` follows. " + _NO_USER_CHECK
    ),
    response_model=FollowIds,
)
async def follow_ids(
    user_id: UserId,
    db: Database,
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=relations.FOLLOW_IDS_MAX,
            description=f"Maximum ids to return (1 to {relations.FOLLOW_IDS_MAX})",
        ),
    ] = relations.FOLLOW_IDS_DEFAULT,
) -> FollowIds:
    return await relations.follow_ids(db, user_id, limit)
