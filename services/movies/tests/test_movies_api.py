"""Create, get by id / slug / batch, over real HTTP, with 1 and 2 shards."""

from __future__ import annotations

import uuid

from movieweb_movies.slugs import encode_id

from .helpers import LiveMovies, marker


def test_create_returns_the_movie_cleaned(movies: LiveMovies) -> None:
    resp = movies.client.post(
        "/movies",
        json={
            "title": "  Amélie  \n du   Montmartre ",
            "year": 2001,
            "director": "  Jean-Pierre   Jeunet ",
            "country": "   ",
            "category": "Comedy",
            "poster_url": "https://img.example.org/amelie.jpg",
        },
        headers=movies.auth,
    )
    assert resp.status_code == 201, resp.text
    movie = resp.json()
    assert movie["title"] == "Amélie du Montmartre"
    assert movie["director"] == "Jean-Pierre Jeunet"
    assert movie["country"] is None  # blank means unknown
    assert movie["category"] == "Comedy"
    assert movie["background_url"] is None
    assert movie["created_by"] == "00000000-0000-4000-8000-000000000001"
    assert movie["created_at"] == movie["updated_at"]
    movie_id = uuid.UUID(movie["id"])
    assert movie["slug"] == f"amelie-du-montmartre-2001-{encode_id(movie_id)}"

    fetched = movies.client.get(f"/movies/{movie_id}")
    assert fetched.status_code == 200
    assert fetched.json() == movie


def test_get_unknown_is_404_and_bad_id_is_422(movies: LiveMovies) -> None:
    resp = movies.client.get(f"/movies/{uuid.uuid4()}")
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"
    resp = movies.client.get("/movies/not-a-uuid")
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "path.movie_id"


def test_get_by_slug(movies: LiveMovies) -> None:
    movie = movies.create(title="Le Fabuleux Destin d'Amélie Poulain", year=2001)
    assert movie["slug"].startswith("le-fabuleux-destin-d-amelie-poulain-2001-")
    resp = movies.client.get(f"/movies/by-slug/{movie['slug']}")
    assert resp.status_code == 200
    assert resp.json() == movie

    # The id part alone routes, but the whole slug must match.
    id_part = movie["slug"].rsplit("-", 1)[1]
    for wrong in (
        f"other-title-2001-{id_part}",
        f"x-2001-{encode_id(uuid.uuid4())}",
        "nope",
        "a-b-c",
    ):
        assert movies.client.get(f"/movies/by-slug/{wrong}").status_code == 404, wrong
    too_long = movies.client.get(f"/movies/by-slug/{'x' * 513}")
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "path.slug"


def test_slugs_are_unique_for_equal_titles(movies: LiveMovies) -> None:
    a = movies.create(title="Heat", year=1995)
    b = movies.create(title="Heat", year=1995)
    assert a["slug"] != b["slug"]
    assert movies.client.get(f"/movies/by-slug/{b['slug']}").json()["id"] == b["id"]


def test_slug_of_a_title_without_ascii_words(movies: LiveMovies) -> None:
    movie = movies.create(title="Брат", year=1997)
    assert movie["slug"].startswith("movie-1997-")
    assert movies.client.get(f"/movies/by-slug/{movie['slug']}").json()["title"] == "Брат"


def test_batch_in_request_order_unknown_left_out(movies: LiveMovies) -> None:
    created = [movies.create(title=f"Batch {i}", year=1990 + i) for i in range(6)]
    ids = [m["id"] for m in created]
    unknown = str(uuid.uuid4())
    asked = [ids[4], unknown, ids[0], ids[5], ids[2], ids[0]]
    resp = movies.client.get("/movies/batch", params={"ids": asked})
    assert resp.status_code == 200, resp.text
    assert [m["id"] for m in resp.json()["items"]] == [ids[4], ids[0], ids[5], ids[2]]
    assert resp.json()["items"][0] == created[4]


def test_batch_limits(movies: LiveMovies) -> None:
    assert movies.client.get("/movies/batch").json() == {"items": []}
    hundred = [str(uuid.uuid4()) for _ in range(100)]
    assert movies.client.get("/movies/batch", params={"ids": hundred}).status_code == 200
    resp = movies.client.get("/movies/batch", params={"ids": [*hundred, str(uuid.uuid4())]})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "query.ids"
    resp = movies.client.get("/movies/batch", params={"ids": ["nope"]})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"].startswith("query.ids")


def test_batch_spans_both_shards(movies: LiveMovies) -> None:
    created = [movies.create(title=f"Spread {marker()}", year=2000) for _ in range(12)]
    owners = {movies.shard_map.shard_for_key(uuid.UUID(m["id"])).name for m in created}
    assert len(owners) == len(movies.shard_map.shards)  # 12 random ids hit both of 2 shards
    resp = movies.client.get("/movies/batch", params={"ids": [m["id"] for m in created]})
    assert resp.json()["items"] == created
