"""Property: over 3 shards, walking every page of a list returns each edge exactly once,
newest first (ties on created_at broken by the other user's id), and counts match the lists.

Edges are written straight into the shards with chosen timestamps drawn from a handful of
values, so many edges tie on created_at and the tie-breaker and the cross-shard merge are
exercised; the service is then read over HTTP.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Served
from .dbcheck import insert_edges

BASE = datetime(2026, 1, 1, tzinfo=UTC)
# Few distinct instants (some a microsecond apart): ties are the common case.
instants = st.sampled_from([BASE + timedelta(microseconds=m) for m in (0, 1, 2, 1_000_000)])
edge_times = st.lists(instants, max_size=18)


def walk(client: httpx.Client, path: str, limit: int) -> tuple[list[dict[str, Any]], set[int]]:
    """Every item of a list by following cursors; also the totals each page reported."""
    items: list[dict[str, Any]] = []
    totals: set[int] = set()
    cursor: str | None = None
    for _ in range(100):
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        resp = client.get(path, params=params)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        assert len(page["items"]) <= limit
        items += page["items"]
        totals.add(page["info"]["total"])
        cursor = page["info"]["next_cursor"]
        if cursor is None:
            return items, totals
        assert page["items"], "a page with a next cursor must not be empty"
    raise AssertionError("paging did not end")


def newest_first(edges: list[tuple[uuid.UUID, uuid.UUID, datetime]], other: int) -> list[str]:
    """Expected order of ids at position ``other`` (0 follower, 1 followee) of each edge."""
    ordered = sorted(edges, key=lambda e: (e[2], e[other]), reverse=True)
    return [str(e[other]) for e in ordered]


@pytest.mark.parametrize("served", [3], indirect=True, ids=["3shards"])
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    follower_times=edge_times,
    followee_times=edge_times,
    limit=st.integers(min_value=1, max_value=7),
    skip=st.integers(min_value=0, max_value=20),
)
def test_every_page_walk_returns_each_edge_once_newest_first(
    served: Served,
    follower_times: list[datetime],
    followee_times: list[datetime],
    limit: int,
    skip: int,
) -> None:
    assert len(served.shard_map.shards) == 3
    star, fan = uuid.uuid4(), uuid.uuid4()
    to_star = [(uuid.uuid4(), star, t) for t in follower_times]
    from_fan = [(fan, uuid.uuid4(), t) for t in followee_times]
    # Noise: the star's followers also follow someone else; it must not leak into the lists.
    noise = [(f, uuid.uuid4(), BASE) for f, _, _ in to_star[:3]]
    asyncio.run(insert_edges(served.shard_map, [*to_star, *from_fan, *noise]))

    expected_followers = newest_first(to_star, 0)
    expected_follows = newest_first(from_fan, 1)
    with httpx.Client(base_url=served.url, timeout=30) as client:
        followers, totals = walk(client, f"/users/{star}/followers", limit)
        assert [e["follower_id"] for e in followers] == expected_followers
        assert {e["followee_id"] for e in followers} <= {str(star)}
        assert totals == {len(expected_followers)}

        follows, totals = walk(client, f"/users/{fan}/follows", limit)
        assert [e["followee_id"] for e in follows] == expected_follows
        assert totals == {len(expected_follows)}

        counts = client.get(f"/users/{star}/counts").json()
        assert counts["followers"] == len(followers)
        assert client.get(f"/users/{fan}/counts").json()["follows"] == len(follows)

        # Offset paging agrees with the cursor walk.
        page = client.get(f"/users/{star}/followers", params={"limit": limit, "skip": skip}).json()
        assert [e["follower_id"] for e in page["items"]] == expected_followers[skip : skip + limit]
        ids = client.get(f"/users/{fan}/follow-ids", params={"limit": limit}).json()
        assert ids == {
            "ids": expected_follows[:limit],
            "truncated": len(expected_follows) > limit,
        }
