"""The public API end to end through the gateway: objects come back enriched."""

from __future__ import annotations

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
