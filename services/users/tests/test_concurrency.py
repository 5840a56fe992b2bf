"""Logins and emails stay unique across shards under concurrent registration, and claims left
behind by a crashed registration are recovered."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from movieweb_shared.db import ShardedDatabase
from movieweb_users.models import email_claims, login_claims, users
from sqlalchemy import func, insert, select

CONCURRENT = 20


@pytest.fixture
def api2(deployments: Callable[[int], Any], connect: Callable[[str], Any]) -> Any:
    """The two-shard deployment: the races that matter cross shards."""
    return connect(deployments(2).url)


@pytest.fixture
async def shards(deployments: Callable[[int], Any]) -> AsyncIterator[ShardedDatabase]:
    deployment = deployments(2)
    db = ShardedDatabase(deployment.shard_map, deployment.settings, "users-tests")
    yield db
    await db.dispose()


async def _count(db: ShardedDatabase, column: Any, value: str) -> int:
    async def on(conn: Any) -> int:
        return int(await conn.scalar(select(func.count()).where(column == value)))

    return sum(await db.fan_out(on))


async def test_concurrent_registrations_of_one_login(api2: Any, shards: ShardedDatabase) -> None:
    login = api2.unique("race")
    user_ids = [uuid.uuid4() for _ in range(CONCURRENT)]
    # These registrations would land on both shards (user rows go to the shard of their id):
    assert len({shards.shard_for(u).name for u in user_ids}) == 2
    bodies = [
        {"login": login, "email": f"{login}.{i}@example.org", "password": "correct horse battery"}
        for i in range(CONCURRENT)
    ]
    responses = await asyncio.gather(*(api2.http.post("/users", json=b) for b in bodies))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: CONCURRENT - 1}, [r.text for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert [e["field"] for e in r.json()["errors"]] == ["body.login"]
    assert await _count(shards, users.c.login, login) == 1
    # The losers released the emails they had not even reached: every one is still free.
    winner = next(i for i, r in enumerate(responses) if r.status_code == 201)
    loser = (winner + 1) % CONCURRENT
    await api2.register(email=bodies[loser]["email"])


async def test_concurrent_registrations_of_one_email(api2: Any, shards: ShardedDatabase) -> None:
    email = f"{api2.unique('race')}@example.org"
    logins = [api2.unique("mail") for _ in range(CONCURRENT)]
    responses = await asyncio.gather(
        *(
            api2.http.post(
                "/users",
                # Different capitalisation each time: still one address.
                json={
                    "login": login,
                    "email": email.upper() if i % 2 else email,
                    "password": "correct horse battery",
                },
            )
            for i, login in enumerate(logins)
        )
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: CONCURRENT - 1}, [r.text for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert [e["field"] for e in r.json()["errors"]] == ["body.email"]
    # Each loser had claimed its login before losing the email: all of them were released.
    for login, r in zip(logins, responses, strict=True):
        if r.status_code == 409:
            assert await _count(shards, login_claims.c.login, login) == 0
    free = next(login for login, r in zip(logins, responses, strict=True) if r.status_code == 409)
    await api2.register(login=free)


async def _plant_claim(
    db: ShardedDatabase, table: Any, value: str, user_id: uuid.UUID, age: timedelta
) -> None:
    key = table.primary_key.columns.keys()[0]
    async with db.begin(value) as conn:
        await conn.execute(
            insert(table).values({key: value, "user_id": user_id, "created_at": func.now() - age})
        )


async def test_an_orphaned_claim_is_taken_over_once_old(api2: Any, shards: ShardedDatabase) -> None:
    # A registration crashed after claiming: claims point at a user row that was never written.
    crashed = uuid.uuid4()
    young_login, old_login = api2.unique("young"), api2.unique("old")
    old_email = f"{api2.unique('oldmail')}@example.org"
    await _plant_claim(shards, login_claims, young_login, crashed, timedelta(seconds=5))
    await _plant_claim(shards, login_claims, old_login, crashed, timedelta(minutes=2))
    await _plant_claim(shards, email_claims, old_email, crashed, timedelta(minutes=2))

    # Younger than a minute: its registration may still be running, so the name is taken.
    young = await api2.http.post(
        "/users",
        json={
            "login": young_login,
            "email": f"{young_login}@example.org",
            "password": "correct horse battery",
        },
    )
    assert young.status_code == 409
    assert young.json()["errors"][0]["field"] == "body.login"

    # Older than a minute and still no user row: taken over, both login and email.
    user = await api2.register(login=old_login, email=old_email)
    token = await api2.log_in(old_login, user["password"])
    assert token["user"]["id"] == user["id"]


async def test_an_old_claim_of_an_existing_user_is_not_taken_over(
    api2: Any, shards: ShardedDatabase
) -> None:
    existing = await api2.register()
    # Age its claim artificially: it is old, but its user exists, so it is no orphan.
    async with shards.begin(existing["login"]) as conn:
        await conn.execute(
            login_claims.update()
            .where(login_claims.c.login == existing["login"])
            .values(created_at=func.now() - timedelta(hours=1))
        )
    response = await api2.http.post(
        "/users",
        json={
            "login": existing["login"],
            "email": f"other.{existing['login']}@example.org",
            "password": "correct horse battery",
        },
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "body.login"
