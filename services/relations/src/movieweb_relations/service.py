"""The relations service definition (entry point ``movieweb.services: relations``)."""

from __future__ import annotations

from pathlib import Path

from movieweb_shared.app import ServiceDef

from .api import router
from .models import metadata
from .settings import RelationsSettings

SERVICE = ServiceDef(
    name="relations",
    title="Movieweb relations",
    description=(
        "Who follows whom. Edges are sharded by follower id: a user's follows, counts of "
        "follows and the is-following check read one shard; a user's followers are gathered "
        "from every shard and merged. Writes need a bearer token and act only as its subject. "
        "The service stores user ids as given and does not check that the users exist: the "
        "gateway does that before calling it."
    ),
    settings_cls=RelationsSettings,
    routers=[router],
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    openapi_tags=[{"name": "relations", "description": "Follow edges between users"}],
)
