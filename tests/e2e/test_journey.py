"""A visitor's journey through the public API, as a browser makes it: register, log in with
the session cookie, add a movie, rate and review it, be followed, appear in a follower's feed."""

from __future__ import annotations

import uuid

import httpx

PASSWORD = "a long enough password"


def browser(base_url: str) -> httpx.Client:
    # A browser on the site's own origin: every request carries it (fetch does on writes).
    return httpx.Client(base_url=base_url, timeout=30.0, headers={"Origin": base_url})


def register_and_log_in(client: httpx.Client, login: str) -> tuple[dict, str]:
    created = client.post(
        "/v1/auth/register",
        json={
            "login": login,
            "email": f"{login}@example.com",
            "password": PASSWORD,
            "name": login.title(),
        },
    )
    assert created.status_code == 201, created.text
    session = client.post("/v1/auth/log-in", json={"login": login, "password": PASSWORD})
    assert session.status_code == 200, session.text
    body = session.json()
    assert client.cookies.get("mw_session"), "the log-in must set the session cookie"
    assert client.cookies.get("mw_csrf") == body["csrf_token"]
    assert "mw_session" not in session.text, "the session token must not be readable by scripts"
    return body["user"], body["csrf_token"]


def test_review_reaches_a_followers_feed_enriched(site) -> None:
    url = site.layout.gateway_url
    tag = uuid.uuid4().hex[:8]
    with browser(url) as alice_browser, browser(url) as bob_browser:
        alice, alice_csrf = register_and_log_in(alice_browser, f"alice_{tag}")
        me = alice_browser.get("/v1/users/me")
        assert me.status_code == 200
        assert me.json()["id"] == alice["id"]

        movie_body = {
            "title": f"The Third Man {tag}",
            "year": 1949,
            "director": "Carol Reed",
            "country": "United Kingdom",
            "category": "Thriller",
        }
        refused = alice_browser.post("/v1/movies", json=movie_body)
        assert refused.status_code == 403, "a cookie write without the CSRF token is refused"
        created = alice_browser.post(
            "/v1/movies", json=movie_body, headers={"X-CSRF-Token": alice_csrf}
        )
        assert created.status_code == 201, created.text
        movie = created.json()
        assert movie["title"] == movie_body["title"]
        assert movie["created_by"] == alice["id"]

        review = alice_browser.post(
            "/v1/reviews",
            json={"movie_id": movie["id"], "rating": 9, "comment": "Zither music and sewers."},
            headers={"X-CSRF-Token": alice_csrf},
        )
        assert review.status_code == 201, review.text
        assert review.json()["user_id"] == alice["id"]

        rated = alice_browser.get(f"/v1/movies/{movie['id']}")
        assert rated.status_code == 200
        assert rated.json()["rating"]["count"] == 1
        assert rated.json()["rating"]["average"] == 9

        bob, bob_csrf = register_and_log_in(bob_browser, f"bob_{tag}")
        follow = bob_browser.put(
            f"/v1/users/{alice['id']}/followers/{bob['id']}", headers={"X-CSRF-Token": bob_csrf}
        )
        assert follow.status_code == 201, follow.text

        feed = bob_browser.get(f"/v1/users/{bob['id']}/review-feed")
        assert feed.status_code == 200, feed.text
        items = feed.json()["items"]
        assert [i["id"] for i in items] == [review.json()["id"]]
        entry = items[0]
        assert entry["rating"] == 9
        assert entry["comment"] == "Zither music and sewers."
        assert entry["movie"]["title"] == movie_body["title"]
        assert entry["user"]["login"] == f"alice_{tag}"

        profile = bob_browser.get(f"/v1/users/{alice['id']}")
        assert profile.status_code == 200
        assert profile.json()["counts"] == {"followers": 1, "follows": 0, "reviews": 1}

        movie_reviews = bob_browser.get(f"/v1/movies/{movie['id']}/reviews")
        assert movie_reviews.status_code == 200
        assert movie_reviews.json()["items"][0]["user"]["login"] == f"alice_{tag}"
