"""Every input rule answers 422 naming the field, never a 500, and writes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from movieweb_shared.pagination import encode_cursor

M = str(uuid.uuid4())
NOW = datetime.now(UTC)

# (method, path, query params, JSON body, field named in the problem)
CASES = [
    ("PUT", f"/movies/{M}/reviews/mine", None, {"rating": 0}, "body.rating"),
    ("PUT", f"/movies/{M}/reviews/mine", None, {"rating": 11}, "body.rating"),
    ("PUT", f"/movies/{M}/reviews/mine", None, {"rating": "ten"}, "body.rating"),
    ("PUT", f"/movies/{M}/reviews/mine", None, {"rating": 7.5}, "body.rating"),
    ("PUT", f"/movies/{M}/reviews/mine", None, {"comment": "no rating"}, "body.rating"),
    (
        "PUT",
        f"/movies/{M}/reviews/mine",
        None,
        {"rating": 5, "comment": "x" * 4001},
        "body.comment",
    ),
    ("PUT", f"/movies/{M}/reviews/mine", None, {"rating": 5, "comment": "a\x00b"}, "body.comment"),
    ("PUT", f"/movies/{M}/reviews/mine", None, {"rating": 5, "comment": 12}, "body.comment"),
    ("PUT", f"/movies/{M}/reviews/mine", None, {"rating": 5, "user_id": M}, "body.user_id"),
    ("PUT", "/movies/not-a-uuid/reviews/mine", None, {"rating": 5}, "path.movie_id"),
    ("PUT", f"/movies/{M}/reviews/mine", None, [5], "body"),
    ("GET", "/movies/not-a-uuid/reviews/mine", None, None, "path.movie_id"),
    ("DELETE", "/reviews/42", None, None, "path.review_id"),
    ("GET", "/reviews/42", None, None, "path.review_id"),
    ("GET", f"/movies/{M}/reviews", {"limit": 0}, None, "query.limit"),
    ("GET", f"/movies/{M}/reviews", {"limit": 101}, None, "query.limit"),
    ("GET", f"/movies/{M}/reviews", {"skip": -1}, None, "query.skip"),
    ("GET", f"/movies/{M}/reviews", {"skip": 10001}, None, "query.skip"),
    ("GET", f"/movies/{M}/reviews", {"sort": "title"}, None, "query.sort"),
    ("GET", f"/movies/{M}/reviews", {"direction": "up"}, None, "query.direction"),
    ("GET", f"/movies/{M}/reviews", {"cursor": "garbage!"}, None, "query.cursor"),
    ("GET", f"/movies/{M}/reviews", {"cursor": "x" * 1025}, None, "query.cursor"),
    # A real cursor of another sort, and forged cursors whose values do not fit the sort.
    (
        "GET",
        f"/movies/{M}/reviews",
        {"cursor": encode_cursor("rating:desc", [5, NOW, uuid.uuid4()])},
        None,
        "query.cursor",
    ),
    (
        "GET",
        f"/movies/{M}/reviews",
        {"cursor": encode_cursor("created:desc", ["x", uuid.uuid4()])},
        None,
        "query.cursor",
    ),
    (
        "GET",
        f"/movies/{M}/reviews",
        {"cursor": encode_cursor("created:desc", [NOW.replace(tzinfo=None), uuid.uuid4()])},
        None,
        "query.cursor",
    ),
    (
        "GET",
        f"/movies/{M}/reviews",
        {"sort": "rating", "cursor": encode_cursor("rating:desc", [99999, NOW, uuid.uuid4()])},
        None,
        "query.cursor",
    ),
    (
        "GET",
        f"/movies/{M}/reviews",
        {"sort": "rating", "cursor": encode_cursor("rating:desc", [True, NOW, uuid.uuid4()])},
        None,
        "query.cursor",
    ),
    (
        "GET",
        f"/movies/{M}/reviews",
        {"cursor": encode_cursor("created:desc", [NOW, "nope"])},
        None,
        "query.cursor",
    ),
    ("GET", "/movies/x/reviews", None, None, "path.movie_id"),
    ("GET", "/users/x/reviews", None, None, "path.user_id"),
    ("GET", f"/users/{M}/reviews", {"sort": "votes"}, None, "query.sort"),
    ("GET", "/reviews", {"created_gte": "yesterday"}, None, "query.created_gte"),
    ("GET", "/reviews", {"created_gte": "0001-01-01T00:00:00+23:59"}, None, "query.created_gte"),
    ("GET", "/reviews", {"user_id": "me"}, None, "query.user_id.0"),
    ("GET", "/reviews", {"user_id": [str(uuid.uuid4()) for _ in range(51)]}, None, "query.user_id"),
    ("GET", "/movies/x/stats", None, None, "path.movie_id"),
    ("GET", f"/movies/{M}/stats", {"min_votes": 0}, None, "query.min_votes"),
    ("GET", "/stats/batch", None, None, "query.movie_ids"),
    (
        "GET",
        "/stats/batch",
        {"movie_ids": [str(uuid.uuid4()) for _ in range(101)]},
        None,
        "query.movie_ids",
    ),
    ("GET", "/stats/batch", {"movie_ids": "x"}, None, "query.movie_ids.0"),
    ("GET", "/stats/top-rated", {"limit": 0}, None, "query.limit"),
    ("GET", "/stats/top-rated", {"limit": 101}, None, "query.limit"),
    ("GET", "/stats/top-rated", {"min_votes": 0}, None, "query.min_votes"),
    ("GET", "/stats/popular", {"window_days": 0}, None, "query.window_days"),
    ("GET", "/stats/popular", {"window_days": 366}, None, "query.window_days"),
    ("GET", "/stats/popular", {"limit": 101}, None, "query.limit"),
    ("GET", "/users/x/stats", None, None, "path.user_id"),
]


async def test_each_bad_input_is_a_422_naming_the_field(env3):
    user = uuid.uuid4()
    async with httpx.AsyncClient(base_url=env3.url) as c:
        for method, path, params, body, field in CASES:
            resp = await c.request(method, path, params=params, json=body, headers=env3.auth(user))
            assert resp.status_code == 422, (method, path, params, body, resp.text)
            assert resp.headers["content-type"].startswith("application/problem+json")
            problem = resp.json()
            fields = [e["field"] for e in problem["errors"]]
            assert field in fields, (path, params, body, fields)
        # Nothing was written by any of them.
        assert (await c.get("/reviews")).json()["info"]["total"] == 0
        assert await env3.fetch_all_shards("SELECT 1 FROM movie_stats") == []


@pytest.mark.parametrize("rating", [1, 10])
async def test_rating_bounds_are_inclusive(env3, rating):
    async with httpx.AsyncClient(base_url=env3.url) as c:
        resp = await c.put(
            f"/movies/{uuid.uuid4()}/reviews/mine",
            json={"rating": rating},
            headers=env3.auth(uuid.uuid4()),
        )
        assert resp.status_code == 201
        assert resp.json()["rating"] == rating
