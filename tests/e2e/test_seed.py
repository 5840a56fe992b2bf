"""``movieweb seed`` (demo volume, small numbers) against the running stack's public API."""

from __future__ import annotations

import random
import subprocess

import httpx

from movieweb_devstack import synth

from .conftest import UpProcess, movieweb

SEED = 7


def test_seed_creates_the_drawn_users_movies_reviews_and_follows(site: UpProcess) -> None:
    layout = site.layout
    result = subprocess.run(
        [movieweb(), "seed", "--data-dir", str(layout.data_dir), "--port-base",
         str(layout.port_base), "--movies", "6", "--users", "4", "--reviews", "10",
         "--follows", "5", "--random-seed", str(SEED)],
        capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "seeded 4 users, 6 movies, 10 reviews, 5 follows" in result.stdout

    # The same draws as the seeder's (deterministic): users first, then movies.
    rng = random.Random(SEED)
    users = synth.users(rng, 4)
    movies = synth.movies(rng, 6)
    api = httpx.Client(base_url=layout.gateway_url, timeout=30)

    ids = []
    for user in users:
        found = api.get("/v1/users", params={"login_prefix": user.login}).json()["items"]
        assert [u["login"] for u in found] == [user.login]
        ids.append(found[0]["id"])
    token = api.post("/v1/auth/authorize",
                     json={"login": users[0].login, "password": synth.DEMO_PASSWORD})
    assert token.status_code == 200, "seeded users log in with the documented demo password"

    reviews = api.get("/v1/reviews", params={"user_id": ids, "limit": 100}).json()
    assert reviews["info"]["total"] == 10
    assert all(1 <= r["rating"] <= 10 for r in reviews["items"])
    follows = [api.get(f"/v1/users/{i}").json()["counts"]["follows"] for i in ids]
    assert sum(follows) == 5

    listed = api.get("/v1/movies", params={"q": movies[0].title, "limit": 100}).json()["items"]
    movie = next(m for m in listed if m["title"] == movies[0].title and m["year"] == movies[0].year)
    assert movie["director"] == movies[0].director
    poster = httpx.get(movie["poster_url"], timeout=10)
    assert movie["poster_url"].startswith(layout.posters_url)
    assert poster.status_code == 200
    assert poster.headers["content-type"].startswith("image/svg+xml")
    assert str(movies[0].year) in poster.text


def test_seed_refuses_negative_counts() -> None:
    result = subprocess.run([movieweb(), "seed", "--movies", "-1"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "--movies" in result.stdout + result.stderr
