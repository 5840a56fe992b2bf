"""HTTP routes of the users service: parse, call a domain function, answer a schema."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from movieweb_shared.app import Database
from movieweb_shared.errors import Problem, not_found
from movieweb_shared.jwt import CurrentUser
from movieweb_shared.pagination import MAX_LIMIT, Page, PageParams, page_params

from . import authentication, queries, registration
from .keys import KeyRing
from .passwords import Passwords
from .schemas import JWKS, Me, Token, TokenRequest, User, UserBatch, UserCreate
from .settings import UsersSettings

# JWKS consumers refetch on an unknown kid anyway; five minutes of caching spares the service
# a request per verifier per token while a rotation still propagates quickly.
JWKS_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=60"


def get_settings(request: Request) -> UsersSettings:
    settings = request.app.state.settings
    assert isinstance(settings, UsersSettings)
    return settings


def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


def get_keys(request: Request) -> KeyRing:
    keys: KeyRing = request.app.state.keys
    return keys


Settings = Annotated[UsersSettings, Depends(get_settings)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
Keys = Annotated[KeyRing, Depends(get_keys)]

auth = APIRouter(tags=["auth"])
router = APIRouter(prefix="/users", tags=["users"])


@auth.post(
    "/auth/token",
    summary="Log in: exchange a login and password for an access token",
    description=(
        "Answers a short-lived EdDSA JWT (`sub` = user id) and the user. A wrong password and "
        "an unknown login answer the same 401."
    ),
    response_model=Token,
    responses={401: {"description": "Wrong login or password"}},
)
async def create_token(
    body: TokenRequest,
    db: Database,
    passwords: PasswordsDep,
    keys: Keys,
    settings: Settings,
    response: Response,
) -> Token:
    user = await authentication.authenticate(db, passwords, body.login, body.password)
    if user is None:
        raise Problem(401, "wrong login or password", headers={"WWW-Authenticate": "Bearer"})
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1: tokens are never cached
    return authentication.issue_token(keys, settings, user)


@auth.get(
    "/.well-known/jwks.json",
    summary="The public keys that verify this service's tokens (JWKS)",
    response_model=JWKS,
)
async def jwks(keys: Keys, response: Response) -> JWKS:
    response.headers["Cache-Control"] = JWKS_CACHE_CONTROL
    return JWKS.model_validate(keys.jwks())


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register an account",
    response_model=User,
    responses={
        409: {"description": "The login or the email is taken (`errors[0].field` says which)"},
        422: {"description": "A field is invalid (named in `errors`)"},
    },
)
async def register(
    body: UserCreate,
    db: Database,
    passwords: PasswordsDep,
    settings: Settings,
    response: Response,
) -> User:
    me = await registration.register(db, passwords, settings, body)
    response.headers["Location"] = f"/users/{me.id}"
    return User.model_validate(me.model_dump(exclude={"email"}))


@router.get(
    "",
    summary="List users by login prefix, sorted by login",
    response_model=Page[User],
)
async def list_users(
    db: Database,
    page: Annotated[PageParams, Depends(page_params)],
    login_prefix: Annotated[
        str,
        Query(
            max_length=32,
            pattern=r"^[A-Za-z0-9_.]*$",
            description="Only logins starting with this (case-insensitive); empty for all",
        ),
    ] = "",
) -> Page[User]:
    return await queries.list_users(db, login_prefix.lower(), page)


@router.get(
    "/me",
    summary="The authenticated user, with their email",
    response_model=Me,
    responses={401: {"description": "No valid token"}, 404: {"description": "The account is gone"}},
)
async def me(principal: CurrentUser, db: Database) -> Me:
    found = await queries.get_me(db, principal.id)
    if found is None:
        raise not_found(f"user {principal.id}")
    return found


@router.get(
    "/batch",
    summary="Get up to 100 users by id",
    description="Answers the known users in the order asked (each once); unknown ids are left out.",
    response_model=UserBatch,
)
async def batch(
    db: Database,
    ids: Annotated[list[uuid.UUID], Query(min_length=1, max_length=MAX_LIMIT)],
) -> UserBatch:
    return UserBatch(items=await queries.get_batch(db, ids))


@router.get(
    "/{user_id}",
    summary="Get a user",
    response_model=User,
    responses={404: {"description": "No such user"}},
)
async def get_user(user_id: uuid.UUID, db: Database) -> User:
    found = await queries.get_user(db, user_id)
    if found is None:
        raise not_found(f"user {user_id}")
    return found
