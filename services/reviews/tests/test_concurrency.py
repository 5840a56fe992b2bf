"""Concurrent writers over real HTTP: the statistics always equal what the review rows say."""

from __future__ import annotations

import asyncio
import random
import uuid

import httpx


def client(env) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    return httpx.AsyncClient(base_url=env.url, limits=limits, timeout=60)


async def test_100_concurrent_ratings_of_one_movie_add_up_exactly(env):
    movie = uuid.uuid4()
    rng = random.Random(7)
    votes = {uuid.uuid4(): rng.randint(1, 10) for _ in range(100)}
    async with client(env) as c:
        responses = await asyncio.gather(
            *(
                c.put(f"/movies/{movie}/reviews/mine", json={"rating": r}, headers=env.auth(u))
                for u, r in votes.items()
            )
        )
        assert [r.status_code for r in responses] == [201] * 100
        stats = (await c.get(f"/movies/{movie}/stats")).json()
    truth = await env.truth(movie)
    expected = [list(votes.values()).count(n) for n in range(1, 11)]
    assert truth["rows"] == {"count": 100, "sum": sum(votes.values()), "histogram": expected}
    assert truth["stored"] == truth["rows"]
    assert stats["count"] == 100
    assert stats["histogram"] == expected
    assert stats["average"] == sum(votes.values()) / 100


async def test_concurrent_first_writes_and_updates_of_the_same_user(env):
    """Ten simultaneous PUTs per user: one creates (201), nine update (200), one row stays."""
    movie = uuid.uuid4()
    users = [uuid.uuid4() for _ in range(5)]
    rng = random.Random(11)
    plan = [(u, rng.randint(1, 10)) for u in users for _ in range(10)]
    rng.shuffle(plan)
    async with client(env) as c:
        responses = await asyncio.gather(
            *(
                c.put(f"/movies/{movie}/reviews/mine", json={"rating": r}, headers=env.auth(u))
                for u, r in plan
            )
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [200] * 45 + [201] * 5
        ids = {r.json()["user_id"]: set() for r in responses}
        for r in responses:
            ids[r.json()["user_id"]].add(r.json()["id"])
        assert all(len(v) == 1 for v in ids.values())  # one review per user, always the same id
        listed = (await c.get(f"/movies/{movie}/reviews", params={"limit": 100})).json()
        stats = (await c.get(f"/movies/{movie}/stats")).json()
    assert listed["info"]["total"] == 5
    truth = await env.truth(movie)
    assert truth["rows"]["count"] == 5
    assert truth["stored"] == truth["rows"]
    assert stats["histogram"] == truth["rows"]["histogram"]


async def test_a_storm_of_rates_rerates_and_deletes_stays_consistent(env):
    movie = uuid.uuid4()
    users = [uuid.uuid4() for _ in range(20)]
    rng = random.Random(3)
    async with client(env) as c:
        first = await asyncio.gather(
            *(
                c.put(f"/movies/{movie}/reviews/mine", json={"rating": 5}, headers=env.auth(u))
                for u in users
            )
        )
        review_of = {u: r.json()["id"] for u, r in zip(users, first, strict=True)}

        async def one(u: uuid.UUID) -> list[int]:
            codes = []
            for step in range(4):
                if step == 2 and rng.random() < 0.5:
                    resp = await c.delete(f"/reviews/{review_of[u]}", headers=env.auth(u))
                else:
                    body = {"rating": rng.randint(1, 10)}
                    resp = await c.put(
                        f"/movies/{movie}/reviews/mine", json=body, headers=env.auth(u)
                    )
                codes.append(resp.status_code)
            return codes

        async def intruder() -> list[int]:
            """Someone else trying to delete every review during the storm: always 403."""
            intruder_id = uuid.uuid4()
            return [
                (await c.delete(f"/reviews/{rid}", headers=env.auth(intruder_id))).status_code
                for rid in review_of.values()
            ]

        results = await asyncio.gather(*(one(u) for u in users), intruder())
        assert set(results[-1]) <= {403, 404}
        assert all(code in (200, 201, 204) for codes in results[:-1] for code in codes)
    truth = await env.truth(movie)
    assert truth["rows"]["count"] == 20  # every user's last write was a PUT
    assert truth["stored"] == truth["rows"]
