"""The gateway's ServiceDef: no database of its own; verifies tokens against the users JWKS."""

from __future__ import annotations

from fastapi import FastAPI
from movieweb_shared.app import ServiceDef
from starlette.middleware.cors import CORSMiddleware

from . import runtime
from .api import ROUTERS
from .settings import GatewaySettings


async def _cors(app: FastAPI) -> None:
    """Let the web host call the API host with credentials (the session cookie).

    The shared app factory has no middleware hook, and Starlette builds the middleware stack
    just before lifespan start-up, so the built stack is wrapped here (outermost, so that
    preflight answers and error answers carry the CORS headers too).
    """
    settings: GatewaySettings = app.state.settings
    if app.middleware_stack is None:  # pragma: no cover - Starlette builds it before lifespan
        app.middleware_stack = app.build_middleware_stack()
    app.middleware_stack = CORSMiddleware(
        app.middleware_stack,
        allow_origins=[o.rstrip("/") for o in settings.allowed_origins],
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["content-type", "authorization", "x-csrf-token", "x-request-id"],
        expose_headers=["x-request-id", "retry-after"],
        max_age=600,
    )


SERVICE = ServiceDef(
    name="gateway",
    title="Movieweb public API",
    description=(
        "The public API (v1) of Movieweb: movies, ratings and reviews, users who follow each "
        "other, and a feed of the reviews of the people you follow. Browsers log in with "
        "`POST /v1/auth/log-in` (httpOnly session cookie; writes send `X-CSRF-Token`), API "
        "clients with `POST /v1/auth/authorize` and `Authorization: Bearer`. Errors are RFC "
        "9457 problem documents."
    ),
    settings_cls=GatewaySettings,
    routers=ROUTERS,
    on_startup=[runtime.start, _cors],
    on_shutdown=[runtime.stop],
    uses_database=False,
    verifies_tokens=True,
    openapi_tags=[
        {"name": "auth", "description": "Accounts, tokens and browser sessions"},
        {"name": "movies", "description": "Movies and their reviews"},
        {"name": "users", "description": "Users, who follows whom, and the review feed"},
        {"name": "reviews", "description": "Ratings and reviews"},
        {"name": "operations", "description": "Health, readiness and metrics"},
    ],
)
