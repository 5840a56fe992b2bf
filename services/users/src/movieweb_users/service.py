"""The users service definition (entry point ``movieweb.services: users``)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from fastapi import FastAPI
from movieweb_shared.app import ServiceDef

from .api import auth, router
from .keys import InProcessJWKSVerifier, KeyRing
from .models import metadata
from .passwords import Passwords
from .settings import UsersSettings

log = logging.getLogger("movieweb.users")


async def start(app: FastAPI) -> None:
    settings = app.state.settings
    assert isinstance(settings, UsersSettings)
    keys = await asyncio.to_thread(KeyRing.load, settings)
    app.state.keys = keys
    # verifies_tokens=False below: the factory would build a verifier that fetches our own
    # JWKS over HTTP; this one reads the key ring in memory (see keys.InProcessJWKSVerifier).
    app.state.verifier = InProcessJWKSVerifier(
        keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    passwords = Passwords(settings)
    await passwords.start()
    app.state.passwords = passwords
    log.info(
        "signing with key %s; passwords hashed with %s", keys.current.kid, passwords.parameters
    )


async def stop(app: FastAPI) -> None:
    app.state.passwords.close()
    await app.state.verifier.aclose()


SERVICE = ServiceDef(
    name="users",
    title="Movieweb users",
    description=(
        "Accounts, log-in and token signing. Logins and emails are unique across all shards; "
        "tokens are EdDSA JWTs verifiable with the JWKS at `/.well-known/jwks.json`."
    ),
    settings_cls=UsersSettings,
    routers=[auth, router],
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    on_startup=[start],
    on_shutdown=[stop],
    verifies_tokens=False,
    openapi_tags=[
        {"name": "auth", "description": "Log-in and the public keys of its tokens"},
        {"name": "users", "description": "Accounts"},
    ],
)
