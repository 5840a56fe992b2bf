"""The movies service definition (entry point ``movieweb.services: movies``)."""

from __future__ import annotations

from pathlib import Path

from movieweb_shared.app import ServiceDef

from .api import router
from .models import metadata
from .settings import MoviesSettings

SERVICE = ServiceDef(
    name="movies",
    title="Movieweb movies",
    description="The movie catalogue: create, get by id, slug or batch, list, filter, search.",
    settings_cls=MoviesSettings,
    routers=[router],
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    openapi_tags=[{"name": "movies", "description": "The movie catalogue"}],
)
