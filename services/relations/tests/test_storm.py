"""Concurrent follow/unfollow storms end consistent: no error, no duplicate, counts = rows."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from .conftest import Served
from .dbcheck import edges_to

Auth = Callable[[Any], dict[str, str]]


async def storm_client(base_url: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    return httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits)


async def test_follow_unfollow_storm_on_one_target_ends_consistent(
    served: Served, auth: Auth
) -> None:
    rng = random.Random(7)
    target = uuid.uuid4()
    users = [uuid.uuid4() for _ in range(20)]
    headers = {u: auth(u) for u in users}
    ops = [(rng.choice(users), rng.choice(("PUT", "DELETE"))) for _ in range(200)]

    async with await storm_client(served.url) as client:

        async def send(user: uuid.UUID, method: str) -> tuple[str, int]:
            resp = await client.request(
                method, f"/users/{target}/followers/{user}", headers=headers[user]
            )
            return method, resp.status_code

        results = await asyncio.gather(*(send(u, m) for u, m in ops))
        for method, code in results:
            assert code in ({200, 201} if method == "PUT" else {204}), (method, code)

        # Whatever state the storm left, it is self-consistent: no duplicate, counts = rows.
        rows = await edges_to(served.shard_map, target)
        assert len(rows) == len(set(rows))
        counts = (await client.get(f"/users/{target}/counts")).json()
        assert counts["followers"] == len(rows)

        # Each pair's last operation is issued after the storm: the end state is known.
        final = {u: rng.choice((True, False)) for u in users}
        for user, follows in final.items():
            _, code = await send(user, "PUT" if follows else "DELETE")
            assert code in (200, 201, 204)
        expected = {str(u) for u, f in final.items() if f}

        for user, follows in final.items():
            check = await client.get(f"/users/{target}/followers/{user}")
            assert check.status_code == (200 if follows else 404)
        page = (await client.get(f"/users/{target}/followers", params={"limit": 100})).json()
        listed = [e["follower_id"] for e in page["items"]]
        assert len(listed) == len(set(listed))
        assert set(listed) == expected
        assert page["info"]["total"] == len(expected)
        counts = (await client.get(f"/users/{target}/counts")).json()
        assert counts["followers"] == len(expected)
    rows = await edges_to(served.shard_map, target)
    assert len(rows) == len(set(rows)) == len(expected)
    assert {str(f) for f, _ in rows} == expected


async def test_concurrent_follows_of_one_pair_create_exactly_once(
    served: Served, auth: Auth
) -> None:
    target, fan = uuid.uuid4(), uuid.uuid4()
    headers = auth(fan)
    async with await storm_client(served.url) as storm:
        responses = await asyncio.gather(
            *(storm.put(f"/users/{target}/followers/{fan}", headers=headers) for _ in range(40))
        )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 39 + [201]
    # Every answer names the one edge, with one created_at.
    assert len({r.json()["created_at"] for r in responses}) == 1
    assert len(await edges_to(served.shard_map, target)) == 1


async def test_mixed_storm_on_one_pair_never_fails(served: Served, auth: Auth) -> None:
    target, fan = uuid.uuid4(), uuid.uuid4()
    headers = auth(fan)
    url = f"/users/{target}/followers/{fan}"
    async with await storm_client(served.url) as storm:
        methods = ["PUT", "DELETE"] * 30
        random.Random(3).shuffle(methods)
        responses = await asyncio.gather(*(storm.request(m, url, headers=headers) for m in methods))
        for method, resp in zip(methods, responses, strict=True):
            assert resp.status_code in ({200, 201} if method == "PUT" else {204}), resp.text
        assert (await storm.put(url, headers=headers)).status_code in (200, 201)
        assert (await storm.get(url)).status_code == 200
        counts = (await storm.get(f"/users/{target}/counts")).json()
        assert counts["followers"] == 1
        assert (await storm.delete(url, headers=headers)).status_code == 204
        assert (await storm.get(url)).status_code == 404
    assert await edges_to(served.shard_map, target) == []
