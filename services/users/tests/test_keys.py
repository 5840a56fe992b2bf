"""The signing key across restarts and rotations, and password rehashing on cost changes.

Each test runs services of its own (restarts), started from a worker thread because creating
databases and starting uvicorn block.
"""

from __future__ import annotations

import asyncio
import stat
import uuid
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
from movieweb_shared.db import ShardedDatabase
from movieweb_shared.jwt import SigningKey
from movieweb_users.models import users
from sqlalchemy import select


async def _kids(api: Any) -> list[str]:
    return [k["kid"] for k in (await api.http.get("/.well-known/jwks.json")).json()["keys"]]


async def test_the_signing_key_is_created_once_and_kept_across_restarts(
    start_users: Callable[..., Any], connect: Callable[[str], Any]
) -> None:
    first = await asyncio.to_thread(start_users, 1)
    key_file = first.settings.signing_key_file
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # a private key, readable by us only
    api = connect(first.url)
    [kid] = await _kids(api)
    user = await api.register()
    token = (await api.log_in(user["login"], user["password"]))["access_token"]
    await asyncio.to_thread(first.stop)

    second = await asyncio.to_thread(start_users, shard_map=first.shard_map)
    assert second.settings.signing_key_file == key_file
    api = connect(second.url)
    assert await _kids(api) == [kid]
    # A token issued before the restart is still good after it.
    assert (await api.me(token)).status_code == 200


async def test_the_previous_key_is_published_and_accepted_but_never_signs(
    start_users: Callable[..., Any], connect: Callable[[str], Any], tmp_path: Any
) -> None:
    previous = SigningKey.generate()
    previous_file = tmp_path / "previous.pem"
    previous_file.write_bytes(previous.pem())
    deployment = await asyncio.to_thread(start_users, 1, previous_signing_key_file=previous_file)
    api = connect(deployment.url)
    current_kid = SigningKey.from_pem(deployment.settings.signing_key_file.read_bytes()).kid
    assert await _kids(api) == [current_kid, previous.kid]

    user = await api.register()
    issued = (await api.log_in(user["login"], user["password"]))["access_token"]
    assert pyjwt.get_unverified_header(issued)["kid"] == current_kid
    # A token the previous key signed before the rotation still opens /users/me.
    old_token = previous.sign(user["id"], issuer="movieweb-users", audience="movieweb")
    assert (await api.me(old_token)).status_code == 200


async def test_passwords_are_rehashed_at_log_in_when_the_cost_changes(
    start_users: Callable[..., Any], connect: Callable[[str], Any]
) -> None:
    cheap = await asyncio.to_thread(start_users, 1)
    db = ShardedDatabase(cheap.shard_map, cheap.settings, "users-tests")

    async def stored_hash(user_id: uuid.UUID) -> str:
        async with db.connect(user_id) as conn:
            found: str = await conn.scalar(
                select(users.c.password_hash).where(users.c.id == user_id)
            )
        return found

    try:
        api = connect(cheap.url)
        user = await api.register()
        user_id = uuid.UUID(user["id"])
        assert (await stored_hash(user_id)).startswith("$argon2id$v=19$m=8192,t=1,p=1$")
        await asyncio.to_thread(cheap.stop)

        dearer = await asyncio.to_thread(
            start_users, shard_map=cheap.shard_map, argon2_time_cost=2, argon2_memory_kib=9216
        )
        api = connect(dearer.url)
        # A wrong password changes nothing; the right one upgrades the hash.
        wrong = await api.http.post(
            "/auth/token", json={"login": user["login"], "password": "not the password"}
        )
        assert wrong.status_code == 401
        assert (await stored_hash(user_id)).startswith("$argon2id$v=19$m=8192,t=1,p=1$")
        await api.log_in(user["login"], user["password"])
        assert (await stored_hash(user_id)).startswith("$argon2id$v=19$m=9216,t=2,p=1$")
        await api.log_in(user["login"], user["password"])  # and it still verifies
    finally:
        await db.dispose()
