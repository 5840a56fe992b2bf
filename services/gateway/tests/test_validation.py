"""Bad input answers 422 naming the field (checked at the gateway, or passed on from the backend
with the backend's field), never a 500; conflicts answer 409."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .conftest import PASSWORD, Api, Backends, bearer, unique

MOVIE = {"title": "Valid", "year": 2000}


def _fields(r: Any) -> list[str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return [e["field"] for e in r.json()["errors"]]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"title": ""}, "body.title"),
        ({"title": "x" * 301}, "body.title"),
        ({"year": 1869}, "body.year"),
        ({"year": 10_000}, "body.year"),
        ({"year": "soon"}, "body.year"),
        ({"director": "d" * 201}, "body.director"),
        ({"country": "c" * 101}, "body.country"),
        ({"category": "c" * 101}, "body.category"),
        ({"poster_url": "javascript:alert(1)"}, "body.poster_url"),
        ({"background_url": "ftp://example.org/x.jpg"}, "body.background_url"),
        ({"rating": 5}, "body.rating"),  # unknown fields are refused, not ignored
    ],
)
def test_movie_create_rules(
    api: Api, backends: Backends, patch: dict[str, Any], field: str
) -> None:
    auth = bearer(backends, str(uuid.uuid4()))
    r = api.http.post("/v1/movies", json={**MOVIE, **patch}, headers=auth)
    assert field in _fields(r)


def test_movie_create_needs_title_and_year(api: Api) -> None:
    _, auth = api.user()
    r = api.http.post("/v1/movies", json={}, headers=auth)
    assert {"body.title", "body.year"} <= set(_fields(r))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 0}, "body.rating"),
        ({"rating": 11}, "body.rating"),
        ({"rating": 5, "comment": "c" * 4001}, "body.comment"),
        ({"rating": 5, "movie_id": "not-a-uuid"}, "body.movie_id"),
        ({"rating": 5, "user_id": str(uuid.uuid4())}, "body.user_id"),
    ],
)
def test_review_create_rules(
    api: Api, backends: Backends, body: dict[str, Any], field: str
) -> None:
    auth = bearer(backends, str(uuid.uuid4()))
    r = api.http.post("/v1/reviews", json={"movie_id": str(uuid.uuid4()), **body}, headers=auth)
    assert field in _fields(r)


def test_review_of_a_missing_movie_is_404(api: Api) -> None:
    _, auth = api.user()
    missing = str(uuid.uuid4())
    r = api.http.post("/v1/reviews", json={"movie_id": missing, "rating": 5}, headers=auth)
    assert r.status_code == 404
    assert missing in r.json()["detail"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"login": "ab"}, "body.login"),
        ({"login": "l" * 33}, "body.login"),
        ({"login": "with space"}, "body.login"),
        ({"password": "short"}, "body.password"),
        ({"password": "p" * 257}, "body.password"),
        ({"email": "x"}, "body.email"),
        ({"email": "not-an-email"}, "body.email"),  # the users service's rule, passed on
        ({"name": ""}, "body.name"),
    ],
)
def test_register_rules(api: Api, patch: dict[str, Any], field: str) -> None:
    login = unique()
    body = {"login": login, "email": f"{login}@example.org", "password": PASSWORD, **patch}
    r = api.http.post("/v1/auth/register", json=body)
    assert field in _fields(r)


def test_register_conflicts_are_409(api: Api) -> None:
    user = api.register()
    body = {"login": user["login"], "email": f"{unique()}@example.org", "password": PASSWORD}
    r = api.http.post("/v1/auth/register", json=body)
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"login": "", "password": "x"}, "body.login"),
        ({"login": "a" * 33, "password": "x"}, "body.login"),
        ({"login": "ada"}, "body.password"),
    ],
)
def test_credentials_rules(api: Api, body: dict[str, Any], field: str) -> None:
    assert field in _fields(api.http.post("/v1/auth/authorize", json=body))


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/movies", {"limit": 0}, "query.limit"),
        ("/v1/movies", {"limit": 101}, "query.limit"),
        ("/v1/movies", {"skip": -1}, "query.skip"),
        ("/v1/movies", {"skip": 10_001}, "query.skip"),
        ("/v1/movies", {"cursor": "c" * 1025}, "query.cursor"),
        ("/v1/movies", {"sort": "budget"}, "query.sort"),
        ("/v1/movies", {"direction": "up"}, "query.direction"),
        ("/v1/movies", {"year_gte": 1000}, "query.year_gte"),
        ("/v1/movies", {"year_lte": "x"}, "query.year_lte"),
        ("/v1/movies", {"q": "q" * 201}, "query.q"),
        ("/v1/movies", {"sort": "rating", "q": "x"}, "query.q"),
        ("/v1/movies", {"sort": "popularity", "direction": "asc"}, "query.direction"),
        ("/v1/movies", {"sort": "rating", "cursor": "abc"}, "query.cursor"),
        ("/v1/movies", {"sort": "rating", "skip": 90, "limit": 20}, "query.skip"),
        ("/v1/movies", {"cursor": "not-a-cursor"}, "query.cursor"),  # the backend's rule
        ("/v1/users", {"login_prefix": "no spaces"}, "query.login_prefix"),
        ("/v1/users", {"login_prefix": "l" * 33}, "query.login_prefix"),
        ("/v1/reviews", {"sort": "title"}, "query.sort"),
        ("/v1/reviews", {"created_gte": "yesterday"}, "query.created_gte"),
        ("/v1/reviews", {"user_id": "nope"}, "query.user_id.0"),
        ("/v1/reviews", {"user_id": [str(uuid.uuid4()) for _ in range(51)]}, "query.user_id"),
        ("/v1/movies/not-a-uuid", {}, "path.movie_id"),
        ("/v1/users/not-a-uuid", {}, "path.user_id"),
        ("/v1/movies/not-a-uuid/reviews", {}, "path.movie_id"),
    ],
)
def test_query_and_path_rules(api: Api, path: str, params: dict[str, Any], field: str) -> None:
    assert field in _fields(api.http.get(path, params=params))


def test_ranked_sorts_list_top_movies(api: Api) -> None:
    for sort in ("rating", "popularity"):
        r = api.http.get("/v1/movies", params={"sort": sort, "limit": 5})
        assert r.status_code == 200, r.text
        assert r.json()["info"]["next_cursor"] is None
        assert len(r.json()["items"]) <= 5


def test_missing_things_are_404(api: Api) -> None:
    for path in (
        f"/v1/users/{uuid.uuid4()}",
        f"/v1/users/{uuid.uuid4()}/followers",
        f"/v1/users/{uuid.uuid4()}/reviews",
        f"/v1/movies/{uuid.uuid4()}/reviews",
    ):
        r = api.http.get(path)
        assert r.status_code == 404, path
