"""The public API v1 routers."""

from __future__ import annotations

from .auth import router as auth_router
from .movies import router as movies_router
from .reviews import router as reviews_router
from .users import router as users_router

ROUTERS = [auth_router, movies_router, users_router, reviews_router]
