"""``movieweb seed`` against the running stack: the demo volume through the public API, and the
bulk mode (small numbers) straight into the shard databases."""

from __future__ import annotations

import asyncio
import io
import os
import random
import subprocess

import httpx
import pytest
import typer
from movieweb_devstack import synth
from movieweb_devstack.cli import register
from movieweb_devstack.layout import Layout
from movieweb_devstack.seed_bulk import BulkVolume, NotEmpty, seed_bulk
from rich.console import Console
from typer.testing import CliRunner

from .conftest import UpProcess, movieweb

SEED = 7


def test_seed_creates_the_drawn_users_movies_reviews_and_follows(site: UpProcess) -> None:
    layout = site.layout
    result = subprocess.run(
        [
            movieweb(),
            "seed",
            "--data-dir",
            str(layout.data_dir),
            "--port-base",
            str(layout.port_base),
            "--movies",
            "6",
            "--users",
            "4",
            "--reviews",
            "10",
            "--follows",
            "5",
            "--random-seed",
            str(SEED),
        ],
        capture_output=True,
        text=True,
        timeout=180,
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
    token = api.post(
        "/v1/auth/authorize", json={"login": users[0].login, "password": synth.DEMO_PASSWORD}
    )
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
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["seed", "--movies", "-1"])
    assert result.exit_code == 2
    assert "--movies" in result.output


BULK = [
    "--movies",
    "40",
    "--users",
    "300",
    "--reviews",
    "3000",
    "--follows",
    "1500",
    "--random-seed",
    "5",
]


def test_bulk_seed_refuses_non_empty_tables_then_loads_with_force(site: UpProcess) -> None:
    # The journey and the demo seed have written rows already (checked in this process: the
    # command would only add its start-up time).
    layout = Layout(site.layout.data_dir, site.layout.port_base)
    with pytest.raises(NotEmpty, match="already hold rows"):
        asyncio.run(
            seed_bulk(
                layout,
                BulkVolume(movies=1, users=1, reviews=0, follows=0, random_seed=5),
                force=False,
                console=Console(file=io.StringIO()),
            )
        )

    loaded = subprocess.run(
        [
            movieweb(),
            "seed",
            "--bulk",
            "--force",
            "--data-dir",
            str(layout.data_dir),
            "--port-base",
            str(layout.port_base),
            *BULK,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "bulk-loaded 300 users, 40 movies, 3000 reviews, 1500 follows" in loaded.stdout

    api = httpx.Client(base_url=site.layout.gateway_url, timeout=30)
    session = api.post(
        "/v1/auth/authorize", json={"login": "bulk5_17", "password": synth.DEMO_PASSWORD}
    )
    assert session.status_code == 200, "bulk users log in with the documented demo password"
    assert api.get("/v1/users", params={"login_prefix": "bulk5_"}).json()["info"]["total"] == 300

    # Statistics computed in bulk agree with the reviews themselves, movie by movie.
    movies = api.get("/v1/movies", params={"q": "", "limit": 100}).json()["items"]
    counts = []
    for movie in movies:
        if not movie["poster_url"] or "/posters/" not in movie["poster_url"]:
            continue
        listed = api.get(f"/v1/movies/{movie['id']}/reviews", params={"limit": 100}).json()
        assert movie["rating"]["count"] == listed["info"]["total"], movie["title"]
        assert sum(movie["rating"]["histogram"]) == movie["rating"]["count"]
        counts.append(movie["rating"]["count"])
    # Zipf-like popularity: the most reviewed movie has several times the median's reviews.
    counts.sort()
    assert counts
    assert counts[-1] >= 3 * max(counts[len(counts) // 2], 1)

    # Follows landed on the follower's shard: the relations counts add up.
    me = session.json()["user"]["id"]
    profile = api.get(f"/v1/users/{me}").json()
    assert profile["counts"]["follows"] >= 1 or profile["counts"]["followers"] >= 1
