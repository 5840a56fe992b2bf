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


async def storm(
    base_url: str, requests: list[tuple[str, str, dict[str, str]]]
) -> list[httpx.Response]:
    """Send every (method, path, headers) at once, each on its own connection.

    The storm's client is closed afterwards: connections left idle while the storm drains can
    be closed by the server's keep-alive timeout, so later checks use a fresh client.
    """
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        return list(
            await asyncio.gather(*(client.request(m, p, headers=h) for m, p, h in requests))
        )


async def test_follow_unfollow_storm_on_one_target_ends_consistent(
    served: Served, client: httpx.AsyncClient, auth: Auth
) -> None:
    rng = random.Random(7)
    target = uuid.uuid4()
    users = [uuid.uuid4() for _ in range(20)]
    headers = {u: auth(u) for u in users}
    ops = [(rng.choice(users), rng.choice(("PUT", "DELETE"))) for _ in range(200)]

    def path(user: uuid.UUID) -> str:
        return f"/users/{target}/followers/{user}"

    responses = await storm(served.url, [(m, path(u), headers[u]) for u, m in ops])
    for (_, method), resp in zip(ops, responses, strict=True):
        assert resp.status_code in ({200, 201} if method == "PUT" else {204}), resp.text

    # Whatever state the storm left, it is self-consistent: no duplicate, counts = rows.
    rows = await edges_to(served.shard_map, target)
    assert len(rows) == len(set(rows))
    counts = (await client.get(f"/users/{target}/counts")).json()
    assert counts["followers"] == len(rows)

    # Each pair's last operation is issued after the storm: the end state is known.
    final = {u: rng.choice((True, False)) for u in users}
    for user, follows in final.items():
        resp = await client.request(
            "PUT" if follows else "DELETE", path(user), headers=headers[user]
        )
        assert resp.status_code in (200, 201, 204)
    expected = {str(u) for u, f in final.items() if f}

    for user, follows in final.items():
        assert (await client.get(path(user))).status_code == (200 if follows else 404)
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
    put = ("PUT", f"/users/{target}/followers/{fan}", auth(fan))
    responses = await storm(served.url, [put] * 40)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 39 + [201]
    # Every answer names the one edge, with one created_at.
    assert len({r.json()["created_at"] for r in responses}) == 1
    assert len(await edges_to(served.shard_map, target)) == 1


async def test_mixed_storm_on_one_pair_never_fails(
    served: Served, client: httpx.AsyncClient, auth: Auth
) -> None:
    target, fan = uuid.uuid4(), uuid.uuid4()
    headers = auth(fan)
    url = f"/users/{target}/followers/{fan}"
    methods = ["PUT", "DELETE"] * 30
    random.Random(3).shuffle(methods)
    responses = await storm(served.url, [(m, url, headers) for m in methods])
    for method, resp in zip(methods, responses, strict=True):
        assert resp.status_code in ({200, 201} if method == "PUT" else {204}), resp.text
    rows = await edges_to(served.shard_map, target)
    assert len(rows) in (0, 1)

    assert (await client.put(url, headers=headers)).status_code in (200, 201)
    assert (await client.get(url)).status_code == 200
    assert (await client.get(f"/users/{target}/counts")).json()["followers"] == 1
    assert (await client.delete(url, headers=headers)).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert await edges_to(served.shard_map, target) == []
