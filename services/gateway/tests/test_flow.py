"""The public API end to end through the gateway: objects come back enriched."""

from __future__ import annotations

import uuid

from .conftest import Api, unique


def test_register_authorize_and_me(api: Api) -> None:
    login = unique()
    user = api.register(login)
    assert user["login"] == login
    assert user["counts"] is None
    token = api.token(login)
    r = api.http.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["id"] == user["id"]
    assert me["email"] == f"{login}@example.org"
    assert me["counts"] == {"followers": 0, "follows": 0, "reviews": 0}


def test_movie_review_feed_enriched(api: Api) -> None:
    author, author_auth = api.user()
    reader, reader_auth = api.user()
    movie = api.movie(author_auth, title="The Third Man", year=1949, director="Carol Reed")
    assert movie["rating"] == {"count": 0, "average": None, "histogram": [0] * 10}

    review = api.review(author_auth, movie["id"], rating=9)
    assert review["movie"]["id"] == movie["id"]
    assert review["user"]["id"] == author["id"]

    got = api.http.get(f"/v1/movies/{movie['id']}").json()
    assert got["rating"]["count"] == 1
    assert got["rating"]["average"] == 9
    assert got["rating"]["histogram"][8] == 1

    r = api.http.put(f"/v1/users/{author['id']}/followers/{reader['id']}", headers=reader_auth)
    assert r.status_code == 201, r.text
    again = api.http.put(f"/v1/users/{author['id']}/followers/{reader['id']}", headers=reader_auth)
    assert again.status_code == 200

    feed = api.http.get(f"/v1/users/{reader['id']}/review-feed", headers=reader_auth)
    assert feed.status_code == 200, feed.text
    items = feed.json()["items"]
    assert [i["id"] for i in items] == [review["id"]]
    assert items[0]["movie"]["title"] == "The Third Man"
    assert items[0]["user"]["login"] == author["login"]

    followers = api.http.get(f"/v1/users/{author['id']}/followers").json()
    assert [f["user"]["id"] for f in followers["items"]] == [reader["id"]]
    follows = api.http.get(f"/v1/users/{reader['id']}/follows").json()
    assert [f["user"]["id"] for f in follows["items"]] == [author["id"]]

    counted = api.http.get(f"/v1/users/{author['id']}").json()
    assert counted["counts"] == {"followers": 1, "follows": 0, "reviews": 1}

    mine = api.http.get(f"/v1/users/{author['id']}/reviews").json()
    assert mine["items"][0]["movie"]["id"] == movie["id"]
    of_movie = api.http.get(f"/v1/movies/{movie['id']}/reviews").json()
    assert of_movie["items"][0]["user"]["id"] == author["id"]
    assert of_movie["info"]["total"] == 1


def test_lists_filter_and_page(api: Api) -> None:
    author, auth = api.user()
    marker = uuid.uuid4().hex[:10]
    made = [api.movie(auth, title=f"Pager {marker} {i}", year=2000 + i) for i in range(3)]
    api.review(auth, made[0]["id"], rating=6)

    first = api.http.get("/v1/movies", params={"q": marker, "sort": "year", "limit": 2})
    assert first.status_code == 200, first.text
    page1 = first.json()
    assert [m["id"] for m in page1["items"]] == [made[0]["id"], made[1]["id"]]
    assert page1["info"]["total"] == 3
    assert page1["items"][0]["rating"]["count"] == 1  # list items carry their statistics
    assert page1["items"][1]["rating"]["count"] == 0
    cursor = page1["info"]["next_cursor"]
    assert cursor
    page2 = api.http.get(
        "/v1/movies", params={"q": marker, "sort": "year", "limit": 2, "cursor": cursor}
    ).json()
    assert [m["id"] for m in page2["items"]] == [made[2]["id"]]
    assert page2["info"]["next_cursor"] is None

    users = api.http.get("/v1/users", params={"login_prefix": author["login"]}).json()
    assert [u["id"] for u in users["items"]] == [author["id"]]
    assert users["items"][0]["counts"] is None

    by_author = api.http.get("/v1/reviews", params={"user_id": author["id"]}).json()
    assert [r["movie_id"] for r in by_author["items"]] == [made[0]["id"]]
    assert by_author["items"][0]["user"]["login"] == author["login"]
    assert by_author["items"][0]["movie"]["title"] == made[0]["title"]


def test_feed_window_and_unfollow(api: Api) -> None:
    author, author_auth = api.user()
    reader, reader_auth = api.user()
    movie = api.movie(author_auth)
    api.http.put(f"/v1/users/{author['id']}/followers/{reader['id']}", headers=reader_auth)
    review = api.review(author_auth, movie["id"])
    feed_path = f"/v1/users/{reader['id']}/review-feed"

    since = review["created_at"]
    assert [
        i["id"]
        for i in api.http.get(feed_path, params={"created_gte": since}, headers=reader_auth).json()[
            "items"
        ]
    ] == [review["id"]]
    later = api.http.get(
        feed_path, params={"created_gte": "2999-01-01T00:00:00Z"}, headers=reader_auth
    ).json()
    assert later["items"] == []

    r = api.http.delete(f"/v1/users/{author['id']}/followers/{reader['id']}", headers=reader_auth)
    assert r.status_code == 204
    assert api.http.get(feed_path, headers=reader_auth).json() == {
        "items": [],
        "info": {"limit": 20, "skip": 0, "total": 0, "next_cursor": None},
    }
    assert api.http.get(f"/v1/users/{author['id']}").json()["counts"]["followers"] == 0


def test_request_id_is_returned(api: Api) -> None:
    r = api.http.get(f"/v1/movies/{uuid.uuid4()}", headers={"X-Request-ID": "trace-me-123"})
    assert r.headers["x-request-id"] == "trace-me-123"
    assert r.json()["request_id"] == "trace-me-123"
