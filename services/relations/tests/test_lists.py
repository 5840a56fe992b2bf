"""Follows and followers lists, counts and follow ids, with their bounds and validation."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import orjson

Auth = Callable[[Any], dict[str, str]]


async def follow(
    client: httpx.AsyncClient, auth: Auth, user: uuid.UUID, follower: uuid.UUID
) -> None:
    resp = await client.put(f"/users/{user}/followers/{follower}", headers=auth(follower))
    assert resp.status_code == 201, resp.text


def fields(resp: httpx.Response) -> list[str]:
    return [e["field"] for e in resp.json().get("errors") or []]


async def test_follows_and_followers_newest_first_with_counts(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    star = uuid.uuid4()
    fans = [uuid.uuid4() for _ in range(7)]
    for fan in fans:  # sequential: each later follow is newer
        await follow(client, auth, star, fan)
    idols = [uuid.uuid4() for _ in range(4)]
    for idol in idols:
        await follow(client, auth, idol, fans[0])

    followers = await client.get(f"/users/{star}/followers", params={"limit": 100})
    assert followers.status_code == 200
    body = followers.json()
    assert [e["follower_id"] for e in body["items"]] == [str(f) for f in reversed(fans)]
    assert {e["followee_id"] for e in body["items"]} == {str(star)}
    assert body["info"] == {"limit": 100, "skip": 0, "total": 7, "next_cursor": None}

    follows = (await client.get(f"/users/{fans[0]}/follows")).json()
    assert [e["followee_id"] for e in follows["items"]] == [
        str(i) for i in [*reversed(idols), star]
    ]
    assert follows["info"]["total"] == 5

    assert (await client.get(f"/users/{star}/counts")).json() == {
        "user_id": str(star),
        "followers": 7,
        "follows": 0,
    }
    assert (await client.get(f"/users/{fans[0]}/counts")).json() == {
        "user_id": str(fans[0]),
        "followers": 0,
        "follows": 5,
    }
    # A user nobody knows: empty, not an error (the gateway checks existence).
    nobody = uuid.uuid4()
    empty = (await client.get(f"/users/{nobody}/followers")).json()
    assert empty["items"] == []
    assert empty["info"]["total"] == 0


async def test_pages_by_cursor_and_by_skip(client: httpx.AsyncClient, auth: Auth) -> None:
    star = uuid.uuid4()
    fans = [uuid.uuid4() for _ in range(5)]
    for fan in fans:
        await follow(client, auth, star, fan)
    newest_first = [str(f) for f in reversed(fans)]

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(f"/users/{star}/followers", params=params)).json()
        seen += [e["follower_id"] for e in page["items"]]
        assert page["info"]["total"] == 5
        cursor = page["info"]["next_cursor"]
        if cursor is None:
            break
    assert seen == newest_first

    page = (await client.get(f"/users/{star}/followers", params={"limit": 2, "skip": 3})).json()
    assert [e["follower_id"] for e in page["items"]] == newest_first[3:5]
    assert page["info"]["next_cursor"] is None


async def test_follow_ids_newest_first_with_truncation(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    fan = uuid.uuid4()
    idols = [uuid.uuid4() for _ in range(4)]
    for idol in idols:
        await follow(client, auth, idol, fan)
    newest_first = [str(i) for i in reversed(idols)]

    full = (await client.get(f"/users/{fan}/follow-ids")).json()
    assert full == {"ids": newest_first, "truncated": False}
    exact = (await client.get(f"/users/{fan}/follow-ids", params={"limit": 4})).json()
    assert exact == {"ids": newest_first, "truncated": False}
    cut = (await client.get(f"/users/{fan}/follow-ids", params={"limit": 3})).json()
    assert cut == {"ids": newest_first[:3], "truncated": True}
    none = (await client.get(f"/users/{uuid.uuid4()}/follow-ids")).json()
    assert none == {"ids": [], "truncated": False}


BAD_QUERIES: list[tuple[str, dict[str, Any], str]] = [
    ("follow-ids", {"limit": 0}, "query.limit"),
    ("follow-ids", {"limit": 5001}, "query.limit"),
    ("follow-ids", {"limit": "many"}, "query.limit"),
    ("followers", {"limit": 0}, "query.limit"),
    ("followers", {"limit": 101}, "query.limit"),
    ("follows", {"skip": -1}, "query.skip"),
    ("follows", {"skip": 10001}, "query.skip"),
    ("followers", {"cursor": "x" * 1025}, "query.cursor"),
    ("followers", {"cursor": "not-a-cursor"}, "query.cursor"),
    ("follows", {"cursor": "eyJz"}, "query.cursor"),
]


async def test_bounds_answer_422_naming_the_field(client: httpx.AsyncClient) -> None:
    for path, params, field in BAD_QUERIES:
        resp = await client.get(f"/users/{uuid.uuid4()}/{path}", params=params)
        assert resp.status_code == 422, (path, params, resp.text)
        assert fields(resp) == [field], (path, params)
    # The documented maximum itself is accepted.
    ok = await client.get(f"/users/{uuid.uuid4()}/follow-ids", params={"limit": 5000})
    assert ok.status_code == 200


def forged_cursor(scope: str, values: list[list[Any]]) -> str:
    raw = orjson.dumps({"s": scope, "k": values})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_cursors_cannot_cross_lists_or_carry_wrong_types(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    star, fan, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await follow(client, auth, star, fan)
    await follow(client, auth, star, other)
    followers = (await client.get(f"/users/{star}/followers", params={"limit": 1})).json()
    cursor = followers["info"]["next_cursor"]
    assert cursor is not None
    # A followers cursor replayed on a follows list is refused, not misread.
    resp = await client.get(f"/users/{fan}/follows", params={"cursor": cursor})
    assert resp.status_code == 422
    assert fields(resp) == ["query.cursor"]

    # Hand-made cursors of the right list but the wrong shape or types are bad input, never 500.
    for values in (
        [["i", 1], ["i", 2]],
        [["t", "2026-01-01T00:00:00+00:00"], ["s", "x"]],
        [["u", str(uuid.uuid4())], ["u", str(uuid.uuid4())]],
        [["t", "2026-01-01T00:00:00+00:00"]],
        [["t", "2026-01-01T00:00:00"], ["u", str(uuid.uuid4())]],
    ):
        resp = await client.get(
            f"/users/{star}/followers", params={"cursor": forged_cursor("followers:desc", values)}
        )
        assert resp.status_code == 422, (values, resp.text)
        assert fields(resp) == ["query.cursor"]
