"""The reviews service definition (entry point ``movieweb.services: reviews``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from movieweb_shared.app import ServiceDef

from .api import router
from .models import metadata
from .settings import ReviewsSettings
from .stats import SiteMean


async def _start(app: FastAPI) -> None:
    settings: ReviewsSettings = app.state.settings
    app.state.site_mean = SiteMean(settings.site_mean_ttl_s)


SERVICE = ServiceDef(
    name="reviews",
    title="Movieweb reviews",
    description=(
        "Ratings (1 to 10) and reviews of movies, one per user and movie, with per-movie statistics "
        "kept in the same transaction as each write. Sharded by movie id: lists by user and the "
        "site-wide lists ask every shard and merge. This service owns no movies and never checks "
        "that a movie id exists; the gateway does before it writes. Internal: only the gateway "
        "calls it."
    ),
    settings_cls=ReviewsSettings,
    routers=[router],
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    on_startup=[_start],
    openapi_tags=[
        {"name": "reviews", "description": "Write, delete, read and list reviews"},
        {"name": "stats", "description": "Per-movie statistics and home-page charts"},
    ],
)
