"""Follow, unfollow and the is-following check: status codes, idempotency, authorization."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

Auth = Callable[[Any], dict[str, str]]


def edge_url(user: uuid.UUID, follower: uuid.UUID) -> str:
    return f"/users/{user}/followers/{follower}"


def field_names(resp: httpx.Response) -> list[str]:
    assert resp.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in resp.json().get("errors") or []]


async def test_follow_is_idempotent_and_keeps_the_first_time(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()

    first = await client.put(edge_url(alice, bob), headers=auth(bob))
    assert first.status_code == 201, first.text
    edge = first.json()
    assert edge["follower_id"] == str(bob)
    assert edge["followee_id"] == str(alice)
    datetime.fromisoformat(edge["created_at"])

    again = await client.put(edge_url(alice, bob), headers=auth(bob))
    assert again.status_code == 200
    assert again.json() == edge  # the original created_at, not a new one

    check = await client.get(edge_url(alice, bob))
    assert check.status_code == 200
    assert check.json() == edge
    # Direction matters: alice does not follow bob.
    assert (await client.get(edge_url(bob, alice))).status_code == 404


async def test_unfollow_is_idempotent(client: httpx.AsyncClient, auth: Auth) -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    # Unfollowing someone never followed is fine.
    first = await client.delete(edge_url(alice, bob), headers=auth(bob))
    assert first.status_code == 204
    assert first.content == b""

    assert (await client.put(edge_url(alice, bob), headers=auth(bob))).status_code == 201
    assert (await client.delete(edge_url(alice, bob), headers=auth(bob))).status_code == 204
    assert (await client.delete(edge_url(alice, bob), headers=auth(bob))).status_code == 204
    missing = await client.get(edge_url(alice, bob))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")

    # Following again after an unfollow creates a new edge.
    assert (await client.put(edge_url(alice, bob), headers=auth(bob))).status_code == 201
    counts = (await client.get(f"/users/{alice}/counts")).json()
    assert counts == {"user_id": str(alice), "followers": 1, "follows": 0}


async def test_self_follow_is_rejected_naming_the_field(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    alice = uuid.uuid4()
    resp = await client.put(edge_url(alice, alice), headers=auth(alice))
    assert resp.status_code == 422
    assert field_names(resp) == ["path.follower_id"]
    assert (await client.get(edge_url(alice, alice))).status_code == 404
    counts = (await client.get(f"/users/{alice}/counts")).json()
    assert counts["followers"] == 0
    assert counts["follows"] == 0
    # Unfollowing oneself is a harmless no-op, like any unfollow of a missing edge.
    assert (await client.delete(edge_url(alice, alice), headers=auth(alice))).status_code == 204


async def test_a_token_cannot_follow_or_unfollow_as_someone_else(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    alice, bob, mallory = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    # Mallory tries to make bob follow alice: forbidden, nothing stored.
    resp = await client.put(edge_url(alice, bob), headers=auth(mallory))
    assert resp.status_code == 403
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(edge_url(alice, bob))).status_code == 404

    # Bob follows alice himself; mallory cannot undo it.
    assert (await client.put(edge_url(alice, bob), headers=auth(bob))).status_code == 201
    resp = await client.delete(edge_url(alice, bob), headers=auth(mallory))
    assert resp.status_code == 403
    assert (await client.get(edge_url(alice, bob))).status_code == 200

    # Even a self-follow attempt in someone else's name is an authorization failure first.
    assert (await client.put(edge_url(bob, bob), headers=auth(mallory))).status_code == 403

    # The followee cannot remove a follower either (follower_id is bob, not alice).
    assert (await client.delete(edge_url(alice, bob), headers=auth(alice))).status_code == 403
    counts = (await client.get(f"/users/{alice}/counts")).json()
    assert counts["followers"] == 1


async def test_writes_need_a_valid_token(
    client: httpx.AsyncClient, mint_token: Callable[..., str]
) -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    for method in ("PUT", "DELETE"):
        missing = await client.request(method, edge_url(alice, bob))
        assert missing.status_code == 401
        assert "Bearer" in missing.headers["www-authenticate"]
        garbage = await client.request(
            method, edge_url(alice, bob), headers={"Authorization": "Bearer not.a.jwt"}
        )
        assert garbage.status_code == 401
        wrong_audience = mint_token(bob, audience="someone-else")
        resp = await client.request(
            method, edge_url(alice, bob), headers={"Authorization": f"Bearer {wrong_audience}"}
        )
        assert resp.status_code == 401
    assert (await client.get(edge_url(alice, bob))).status_code == 404


async def test_bad_ids_answer_422_naming_the_field(client: httpx.AsyncClient, auth: Auth) -> None:
    alice = uuid.uuid4()
    resp = await client.put(f"/users/not-a-uuid/followers/{alice}", headers=auth(alice))
    assert resp.status_code == 422
    assert field_names(resp) == ["path.user_id"]
    resp = await client.get(f"/users/{alice}/followers/12345")
    assert resp.status_code == 422
    assert field_names(resp) == ["path.follower_id"]
    for path in ("follows", "followers", "counts", "follow-ids"):
        resp = await client.get(f"/users/nope/{path}")
        assert resp.status_code == 422, path
        assert field_names(resp) == ["path.user_id"]
