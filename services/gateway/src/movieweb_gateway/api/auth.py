"""/v1/auth: register, authorize (bearer token), log in (cookie), log out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from .._json import Responses, respond
from ..auth import check_origin, clear_session, new_csrf_token, set_session
from ..enrich import public_user
from ..ratelimit import Rule
from ..runtime import Gateway, get_gateway
from ..schemas import Credentials, Registration, Session, Token, User

router = APIRouter(prefix="/v1/auth", tags=["auth"])
Gw = Annotated[Gateway, Depends(get_gateway)]

_LIMITED: Responses = {429: {"description": "Too many attempts; see Retry-After"}}


def client_ip(request: Request) -> str:
    # uvicorn rewrites the client from X-Forwarded-For for trusted proxies (the ingress).
    return request.client.host if request.client else "unknown"


async def _limit_login(gw: Gateway, request: Request, login: str) -> None:
    s = gw.settings
    await gw.limiter.check(
        Rule("log-in:ip", client_ip(request), s.rate_login_per_ip),
        Rule("log-in:login", login.strip().casefold(), s.rate_login_per_login),
    )


async def _token(gw: Gateway, body: Credentials) -> dict[str, object]:
    reply = await gw.backends.call("users.token", json=body.model_dump())
    data: dict[str, object] = reply.data
    return data


@router.post(
    "/register",
    summary="Create an account",
    status_code=201,
    response_model=User,
    responses={409: {"description": "Login or email taken"}, **_LIMITED},
)
async def register(body: Registration, request: Request, gw: Gw) -> Response:
    check_origin(request, gw.settings, required=False)
    await gw.limiter.check(
        Rule("register:ip", client_ip(request), gw.settings.rate_register_per_ip)
    )
    reply = await gw.backends.call("users.create", json=body.model_dump(exclude_none=True))
    user = public_user(reply.data)
    await gw.users.put({k: v for k, v in user.items() if k != "counts"})
    return respond(user, 201)


@router.post(
    "/authorize",
    summary="Get a bearer token (API clients)",
    response_model=Token,
    responses={401: {"description": "Wrong login or password"}, **_LIMITED},
)
async def authorize(body: Credentials, request: Request, gw: Gw) -> Response:
    await _limit_login(gw, request, body.login)
    data = await _token(gw, body)
    user = data["user"]
    assert isinstance(user, dict)
    return respond(
        {
            "access_token": data["access_token"],
            "token_type": "bearer",
            "expires_in": data["expires_in"],
            "user": public_user(user),
        }
    )


@router.post(
    "/log-in",
    summary="Log in the browser: sets the httpOnly session cookie and the CSRF cookie",
    response_model=Session,
    responses={
        401: {"description": "Wrong login or password"},
        403: {"description": "Origin not allowed"},
        **_LIMITED,
    },
)
async def log_in(body: Credentials, request: Request, gw: Gw) -> Response:
    # A login form posted from another site would log the victim into the attacker's account.
    check_origin(request, gw.settings, required=False)
    await _limit_login(gw, request, body.login)
    data = await _token(gw, body)
    user = data["user"]
    expires_in = data["expires_in"]
    assert isinstance(user, dict)
    assert isinstance(expires_in, int)
    csrf = new_csrf_token()
    response = respond({"user": public_user(user), "expires_in": expires_in, "csrf_token": csrf})
    set_session(response, gw.settings, str(data["access_token"]), csrf, expires_in)
    return response


@router.post(
    "/log-out",
    summary="Log out the browser: clears both cookies",
    status_code=204,
    responses={403: {"description": "Origin not allowed"}},
)
async def log_out(request: Request, gw: Gw) -> Response:
    check_origin(request, gw.settings, required=False)
    response = Response(status_code=204)
    clear_session(response, gw.settings)
    return response
