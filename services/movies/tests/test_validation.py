"""Every validation rule of POST /movies and of the list parameters: 422 naming the field."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import Any

import jwt as pyjwt
import pytest
from movieweb_shared.jwt import SigningKey

from .helpers import LiveMovies

NEXT_YEAR = dt.datetime.now(dt.UTC).year + 1
BASE: dict[str, Any] = {"title": "Valid", "year": 2000}

INVALID_BODIES = [
    ("title", {"title": ""}),
    ("title", {"title": "   \t\n "}),  # empty after trimming
    ("title", {"title": "x" * 301}),
    ("title", {"title": 1984}),  # not a string
    ("title", {"title": None}),
    ("title", {"title": "bad\x00nul"}),
    ("title", {"title": "bell\x07"}),
    ("title", {"title": "lone \udc80 surrogate"}),
    ("year", {"year": 1869}),
    ("year", {"year": NEXT_YEAR + 1}),
    ("year", {"year": "nineteen"}),
    ("year", {"year": 1999.5}),
    ("year", {"year": None}),
    ("director", {"director": "d" * 201}),
    ("director", {"director": 42}),
    ("country", {"country": "c" * 101}),
    ("category", {"category": "k" * 101}),
    ("category", {"category": "x\x00"}),
    ("poster_url", {"poster_url": "ftp://example.org/a.jpg"}),
    ("poster_url", {"poster_url": "javascript:alert(1)"}),
    ("poster_url", {"poster_url": "example.org/a.jpg"}),
    ("poster_url", {"poster_url": "https://"}),
    ("poster_url", {"poster_url": "https://example.org/a b.jpg"}),
    ("poster_url", {"poster_url": "https://example.org/nul\x00.jpg"}),
    ("poster_url", {"poster_url": "https://example.org/\ud800.jpg"}),  # lone surrogate
    ("poster_url", {"poster_url": "https://example.org/" + "a" * 2030}),  # 2050 chars
    ("background_url", {"background_url": "data:image/png;base64,AAAA"}),
    ("background_url", {"background_url": "http://[::1"}),
    ("background_url", {"background_url": "https://example.org/" + "b" * 2029}),
    ("unknown_field", {"unknown_field": 1}),
]


@pytest.mark.parametrize(("field", "change"), INVALID_BODIES, ids=[f for f, _ in INVALID_BODIES])
def test_invalid_body_is_422_naming_the_field(
    movies: LiveMovies, field: str, change: dict[str, Any]
) -> None:
    # json.dumps escapes non-ASCII ("\\udc80"), so even lone surrogates reach the server.
    body = json.dumps({**BASE, **change})
    headers = {**movies.auth, "Content-Type": "application/json"}
    resp = movies.client.post("/movies", content=body, headers=headers)
    assert resp.status_code == 422, resp.text
    problem = resp.json()
    assert resp.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in problem["errors"]] == [f"body.{field}"]


def test_missing_required_fields(movies: LiveMovies) -> None:
    resp = movies.client.post("/movies", json={}, headers=movies.auth)
    assert resp.status_code == 422
    assert {e["field"] for e in resp.json()["errors"]} == {"body.title", "body.year"}
    resp = movies.client.post("/movies", content=b"{not json", headers=movies.auth)
    assert resp.status_code == 422


VALID_EDGES = [
    ({"title": "x"}, {"title": "x"}),
    ({"title": "t" * 300}, {"title": "t" * 300}),
    ({"title": "  " + "t" * 300 + "  "}, {"title": "t" * 300}),  # 300 after trimming
    ({"year": 1870}, {"year": 1870}),
    ({"year": NEXT_YEAR}, {"year": NEXT_YEAR}),
    ({"director": "d" * 200}, {"director": "d" * 200}),
    ({"country": "c" * 100}, {"country": "c" * 100}),
    ({"category": "k" * 100}, {"category": "k" * 100}),
    ({"category": "  Science   Fiction "}, {"category": "Science Fiction"}),
    ({"director": ""}, {"director": None}),
    ({"poster_url": "HTTP://Example.org/A.jpg"}, {"poster_url": "HTTP://Example.org/A.jpg"}),
    ({"poster_url": "https://e.org/" + "p" * 2034}, {"poster_url": "https://e.org/" + "p" * 2034}),
    ({"background_url": " http://e.org/b.png "}, {"background_url": "http://e.org/b.png"}),
    ({"poster_url": ""}, {"poster_url": None}),
]


@pytest.mark.parametrize(("change", "expect"), VALID_EDGES)
def test_edges_that_are_valid(
    movies: LiveMovies, change: dict[str, Any], expect: dict[str, Any]
) -> None:
    resp = movies.client.post("/movies", json={**BASE, **change}, headers=movies.auth)
    assert resp.status_code == 201, resp.text
    movie = resp.json()
    assert {k: movie[k] for k in expect} == expect


INVALID_QUERIES = [
    ("sort", {"sort": "rating"}),
    ("direction", {"direction": "up"}),
    ("limit", {"limit": 0}),
    ("limit", {"limit": 101}),
    ("skip", {"skip": -1}),
    ("skip", {"skip": 10_001}),
    ("cursor", {"cursor": "garbage!"}),
    ("year_gte", {"year_gte": "soon"}),
    ("year_gte", {"year_gte": 1000}),
    ("year_lte", {"year_lte": 100000}),
    ("category", {"category": "k" * 101}),
    ("country", {"country": "c" * 101}),
    ("director", {"director": "d" * 201}),
    ("q", {"q": "q" * 201}),
    ("q", {"q": "nul\x00"}),
]


@pytest.mark.parametrize(("field", "params"), INVALID_QUERIES, ids=[f for f, _ in INVALID_QUERIES])
def test_invalid_list_query_is_422(movies: LiveMovies, field: str, params: dict[str, Any]) -> None:
    resp = movies.client.get("/movies", params=params)
    assert resp.status_code == 422, resp.text
    assert [e["field"] for e in resp.json()["errors"]] == [f"query.{field}"]


def test_cursor_of_another_sort_is_rejected(movies: LiveMovies) -> None:
    for i in range(3):
        movies.create(title=f"Cursor {i}")
    page = movies.client.get("/movies", params={"limit": 1, "sort": "year"}).json()
    cursor = page["info"]["next_cursor"]
    assert cursor is not None
    resp = movies.client.get("/movies", params={"limit": 1, "sort": "title", "cursor": cursor})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "query.cursor"
    resp = movies.client.get(
        "/movies", params={"limit": 1, "sort": "year", "direction": "desc", "cursor": cursor}
    )
    assert resp.status_code == 422


def test_no_token_is_401(movies: LiveMovies) -> None:
    resp = movies.client.post("/movies", json=BASE)
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"].startswith("Bearer")
    resp = movies.client.post("/movies", json=BASE, headers={"Authorization": "Basic abc"})
    assert resp.status_code == 401


def test_tampered_token_is_401(movies: LiveMovies) -> None:
    header, payload, signature = movies.token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad in (f"{header}.{payload}.{flipped}", f"{header}.{payload}.", "not.a.token", "x"):
        resp = movies.client.post("/movies", json=BASE, headers={"Authorization": f"Bearer {bad}"})
        assert resp.status_code == 401, bad


def test_expired_or_foreign_token_is_401(
    movies: LiveMovies, mint_token: Any, signing_key: SigningKey
) -> None:
    user = uuid.uuid4()
    # A token that expired a minute ago (beyond the 5 s leeway), signed by the right key.
    now = int(time.time())
    expired = pyjwt.encode(
        {
            "sub": str(user),
            "iss": "movieweb-users",
            "aud": "movieweb",
            "iat": now - 120,
            "nbf": now - 120,
            "exp": now - 60,
        },
        signing_key.private_key,
        algorithm="EdDSA",
        headers={"kid": signing_key.kid},
    )
    wrong_audience = mint_token(user, audience="elsewhere")
    other_key = mint_token(user, key=SigningKey.generate())
    for bad in (expired, wrong_audience, other_key):
        resp = movies.client.post("/movies", json=BASE, headers={"Authorization": f"Bearer {bad}"})
        assert resp.status_code == 401
    good = mint_token(user)
    resp = movies.client.post("/movies", json=BASE, headers={"Authorization": f"Bearer {good}"})
    assert resp.status_code == 201
    assert resp.json()["created_by"] == str(user)
