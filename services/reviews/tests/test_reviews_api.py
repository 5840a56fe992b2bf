"""The reviews API over real HTTP on 1 and 3 real Postgres shards: writes, reads, lists, stats."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from movieweb_reviews.routing import slot_of_review
from movieweb_shared.sharding import slot_of


def spread_movies(env, n: int) -> list[uuid.UUID]:
    """``n`` movie ids dealt round-robin over the shards (movie i on shard i mod shards)."""
    names = [s.name for s in env.shard_map.shards]
    out: list[uuid.UUID] = []
    while len(out) < n:
        m = uuid.uuid4()
        if env.shard_map.shard_for_key(m).name == names[len(out) % len(names)]:
            out.append(m)
    return out


async def rate(client, env, movie, user, rating, comment=None, expect=None):
    body = {"rating": rating} if comment is None else {"rating": rating, "comment": comment}
    resp = await client.put(f"/movies/{movie}/reviews/mine", json=body, headers=env.auth(user))
    if expect is not None:
        assert resp.status_code == expect, resp.text
    return resp


async def test_put_creates_then_replaces_the_callers_review(env):
    movie, user = uuid.uuid4(), uuid.uuid4()
    async with httpx.AsyncClient(base_url=env.url) as c:
        first = await rate(c, env, movie, user, 7, "  Great   cast.\n\nWeak end.  ", expect=201)
        review = first.json()
        assert review["movie_id"] == str(movie)
        assert review["user_id"] == str(user)
        assert review["rating"] == 7
        # Trimmed at the ends only: the paragraphs of a comment are the author's.
        assert review["comment"] == "Great   cast.\n\nWeak end."
        assert review["created_at"] == review["updated_at"]

        second = await rate(c, env, movie, user, 9, expect=200)
        again = second.json()
        assert again["id"] == review["id"]
        assert again["rating"] == 9
        assert again["comment"] is None  # PUT replaces the whole review
        assert again["created_at"] == review["created_at"]
        assert again["updated_at"] > review["updated_at"]

        assert (await c.get(f"/reviews/{review['id']}")).json() == again
        mine = await c.get(f"/movies/{movie}/reviews/mine", headers=env.auth(user))
        assert mine.json() == again
        other = await c.get(f"/movies/{movie}/reviews/mine", headers=env.auth(uuid.uuid4()))
        assert other.status_code == 404

        blank = await rate(c, env, movie, user, 9, "   \n ", expect=200)
        assert blank.json()["comment"] is None
        longest = await rate(c, env, movie, user, 9, "x" * 4000, expect=200)
        assert longest.json()["comment"] == "x" * 4000

        listed = (await c.get(f"/movies/{movie}/reviews")).json()
        assert listed["info"]["total"] == 1


async def test_review_ids_carry_the_movie_slot(env):
    async with httpx.AsyncClient(base_url=env.url) as c:
        for movie in spread_movies(env, 3):
            review = (await rate(c, env, movie, uuid.uuid4(), 5, expect=201)).json()
            rid = uuid.UUID(review["id"])
            assert rid.version == 4
            assert slot_of_review(rid) == slot_of(movie, env.shard_map.slots)
            assert (await c.get(f"/reviews/{rid}")).status_code == 200
        # Unknown ids: a random one, and one whose slot bits are outside the map.
        assert (await c.get(f"/reviews/{uuid.uuid4()}")).status_code == 404
        assert (await c.get("/reviews/ffffffff-0000-4000-8000-000000000000")).status_code == 404


async def test_statistics_follow_every_write(env):
    movie = uuid.uuid4()
    users = [uuid.uuid4() for _ in range(4)]
    async with httpx.AsyncClient(base_url=env.url) as c:
        empty = (await c.get(f"/movies/{movie}/stats")).json()
        assert empty == {
            "movie_id": str(movie),
            "count": 0,
            "average": None,
            "bayesian_average": None,
            "histogram": [0] * 10,
        }
        for user, rating in zip(users, [10, 8, 8, 3], strict=True):
            await rate(c, env, movie, user, rating, expect=201)
        stats = (await c.get(f"/movies/{movie}/stats")).json()
        assert stats["count"] == 4
        assert stats["average"] == pytest.approx(29 / 4)
        assert stats["histogram"] == [0, 0, 1, 0, 0, 0, 0, 2, 0, 1]
        # Only this movie is rated, so m is its own mean and the prior changes nothing.
        assert stats["bayesian_average"] == pytest.approx(29 / 4)

        # An update moves one vote between buckets; the count stays.
        await rate(c, env, movie, users[1], 1, expect=200)
        stats = (await c.get(f"/movies/{movie}/stats")).json()
        assert stats["count"] == 4
        assert stats["histogram"] == [1, 0, 1, 0, 0, 0, 0, 1, 0, 1]
        assert stats["average"] == pytest.approx(22 / 4)

        # A delete takes its vote away.
        rid = (await c.get(f"/movies/{movie}/reviews/mine", headers=env.auth(users[0]))).json()[
            "id"
        ]
        assert (await c.delete(f"/reviews/{rid}", headers=env.auth(users[0]))).status_code == 204
        stats = (await c.get(f"/movies/{movie}/stats")).json()
        assert stats["count"] == 3
        assert stats["histogram"] == [1, 0, 1, 0, 0, 0, 0, 1, 0, 0]
        truth = await env.truth(movie)
        assert truth["stored"] == truth["rows"]
        assert stats["histogram"] == truth["rows"]["histogram"]


async def test_only_the_author_deletes_and_no_one_writes_for_someone_else(env):
    movie = uuid.uuid4()
    alice, bob = uuid.uuid4(), uuid.uuid4()
    async with httpx.AsyncClient(base_url=env.url) as c:
        bobs = (await rate(c, env, movie, bob, 9, "Bob's words", expect=201)).json()

        # Alice cannot delete Bob's review: 403, and nothing changes.
        resp = await c.delete(f"/reviews/{bobs['id']}", headers=env.auth(alice))
        assert resp.status_code == 403
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert (await c.get(f"/reviews/{bobs['id']}")).json() == bobs

        # Alice's write to the same movie is always her own review: Bob's stays as it was.
        alices = (await rate(c, env, movie, alice, 2, "Alice's words", expect=201)).json()
        assert alices["id"] != bobs["id"]
        assert alices["user_id"] == str(alice)
        assert (await c.get(f"/reviews/{bobs['id']}")).json() == bobs
        assert (await c.get(f"/movies/{movie}/stats")).json()["histogram"] == [
            0,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
            1,
            0,
        ]

        # No token, a bad token, a token from another key: 401, nothing written.
        for headers in (
            {},
            {"Authorization": "Bearer not-a-jwt"},
            {"Authorization": "Basic Ym9iOnB3"},
            {"Authorization": f"Bearer {env.mint(bob, audience='elsewhere')}"},
        ):
            put = await c.put(f"/movies/{movie}/reviews/mine", json={"rating": 1}, headers=headers)
            assert put.status_code == 401, headers
            gone = await c.delete(f"/reviews/{bobs['id']}", headers=headers)
            assert gone.status_code == 401
        assert (await c.get(f"/reviews/{bobs['id']}")).json() == bobs

        # The author may; afterwards it is unknown.
        assert (await c.delete(f"/reviews/{bobs['id']}", headers=env.auth(bob))).status_code == 204
        assert (await c.delete(f"/reviews/{bobs['id']}", headers=env.auth(bob))).status_code == 404
        assert (await c.get(f"/reviews/{bobs['id']}")).status_code == 404
        unknown = await c.delete(f"/reviews/{uuid.uuid4()}", headers=env.auth(bob))
        assert unknown.status_code == 404
        truth = await env.truth(movie)
        assert (
            truth["stored"]
            == truth["rows"]
            == {
                "count": 1,
                "sum": 2,
                "histogram": [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            }
        )


async def test_lists_by_movie_user_and_site(env):
    movies = spread_movies(env, 6)
    alice, bob = uuid.uuid4(), uuid.uuid4()
    async with httpx.AsyncClient(base_url=env.url) as c:
        start = datetime.now(UTC)
        for i, movie in enumerate(movies):
            await rate(c, env, movie, alice, 1 + i % 10, expect=201)
        await rate(c, env, movies[0], bob, 10, expect=201)
        middle = (
            await c.get(f"/reviews/{(await rate(c, env, movies[1], bob, 4)).json()['id']}")
        ).json()

        by_movie = (await c.get(f"/movies/{movies[0]}/reviews", params={"sort": "rating"})).json()
        assert [r["rating"] for r in by_movie["items"]] == [10, 1]
        assert by_movie["info"] == {"limit": 20, "skip": 0, "total": 2, "next_cursor": None}

        by_alice = (await c.get(f"/users/{alice}/reviews", params={"direction": "asc"})).json()
        assert [r["movie_id"] for r in by_alice["items"]] == [str(m) for m in movies]
        assert by_alice["info"]["total"] == len(movies)

        stats = (await c.get(f"/users/{alice}/stats")).json()
        assert stats == {"user_id": str(alice), "review_count": len(movies)}
        assert (await c.get(f"/users/{uuid.uuid4()}/stats")).json()["review_count"] == 0

        feed = (await c.get("/reviews", params={"user_id": [str(bob)]})).json()
        assert [r["user_id"] for r in feed["items"]] == [str(bob)] * 2
        assert feed["items"][0]["created_at"] >= feed["items"][1]["created_at"]
        both = (
            await c.get("/reviews", params={"user_id": [str(bob), str(alice)], "limit": 3})
        ).json()
        assert both["info"]["total"] == len(movies) + 2
        assert len(both["items"]) == 3
        assert both["info"]["next_cursor"]

        since = (await c.get("/reviews", params={"created_gte": middle["created_at"]})).json()
        assert [r["id"] for r in since["items"]] == [middle["id"]]
        everything = (await c.get("/reviews", params={"created_gte": start.isoformat()})).json()
        assert everything["info"]["total"] == len(movies) + 2
        naive = start.replace(tzinfo=None).isoformat()  # no offset counts as UTC
        assert (await c.get("/reviews", params={"created_gte": naive})).json() == everything
        future = (start + timedelta(days=1)).isoformat()
        assert (await c.get("/reviews", params={"created_gte": future})).json()["items"] == []

        # skip pages too, and agrees with the cursor walk.
        second = (await c.get(f"/users/{alice}/reviews", params={"limit": 2, "skip": 2})).json()
        first = (await c.get(f"/users/{alice}/reviews", params={"limit": 2})).json()
        after = await c.get(
            f"/users/{alice}/reviews",
            params={"limit": 2, "cursor": first["info"]["next_cursor"]},
        )
        assert after.status_code == 200, after.text
        after = after.json()
        assert second["items"] == after["items"]


async def test_batch_stats_in_request_order_with_zeros_for_unrated(env):
    movies = spread_movies(env, 6)
    async with httpx.AsyncClient(base_url=env.url) as c:
        for i, movie in enumerate(movies):
            for j in range(i + 1):
                await rate(c, env, movie, uuid.uuid4(), 1 + j % 10, expect=201)
        unrated = uuid.uuid4()
        asked = [movies[-1], unrated, *movies[:-1], movies[0]]
        resp = await c.get("/stats/batch", params={"movie_ids": [str(m) for m in asked]})
        assert resp.status_code == 200
        items = resp.json()["items"]
        # One item per distinct id, in the order asked.
        assert [i["movie_id"] for i in items] == [str(m) for m in dict.fromkeys(asked)]
        by_id = {i["movie_id"]: i for i in items}
        assert by_id[str(unrated)]["count"] == 0
        assert by_id[str(unrated)]["histogram"] == [0] * 10
        for i, movie in enumerate(movies):
            assert by_id[str(movie)]["count"] == i + 1
            single = (await c.get(f"/movies/{movie}/stats")).json()
            assert single == by_id[str(movie)]

        hundred = [str(uuid.uuid4()) for _ in range(100)]
        assert (await c.get("/stats/batch", params={"movie_ids": hundred})).status_code == 200


async def test_top_rated_ranks_by_bayesian_average_with_a_vote_threshold(env):
    movies = spread_movies(env, 6)
    (
        one_ten,
        nines,
        eights,
        fours,
    ) = movies[:4]
    votes = {one_ten: [10], nines: [9] * 5, eights: [8, 8, 8, 8, 8, 8], fours: [4] * 5}
    async with httpx.AsyncClient(base_url=env.url) as c:
        for movie, ratings in votes.items():
            for r in ratings:
                await rate(c, env, movie, uuid.uuid4(), r, expect=201)
        all_votes = [r for rs in votes.values() for r in rs]
        m = sum(all_votes) / len(all_votes)

        top = (await c.get("/stats/top-rated")).json()
        assert top["min_votes"] == 5
        assert top["site_mean"] == pytest.approx(m)
        # The single 10/10 is below the threshold; the rest rank by the Bayesian average.
        assert [i["movie_id"] for i in top["items"]] == [str(nines), str(eights), str(fours)]
        for item in top["items"]:
            rs = votes[uuid.UUID(item["movie_id"])]
            assert item["bayesian_average"] == pytest.approx((5 * m + sum(rs)) / (5 + len(rs)))

        # With C = 1 the lone 10 enters, but its prior still keeps it below five 9s.
        loose = (await c.get("/stats/top-rated", params={"min_votes": 1, "limit": 2})).json()
        assert [i["movie_id"] for i in loose["items"]] == [str(nines), str(one_ten)]
        assert loose["items"][1]["bayesian_average"] == pytest.approx((m + 10) / 2)
        assert loose["items"][1]["average"] == 10

        # Per-movie stats use the same prior.
        one = (await c.get(f"/movies/{eights}/stats", params={"min_votes": 5})).json()
        assert one["bayesian_average"] == pytest.approx((5 * m + 48) / 11)


async def test_top_rated_and_popular_on_an_empty_site(env):
    async with httpx.AsyncClient(base_url=env.url) as c:
        assert (await c.get("/stats/top-rated")).json() == {
            "items": [],
            "min_votes": 5,
            "site_mean": None,
        }
        assert (await c.get("/stats/popular")).json() == {"items": [], "window_days": 7}


async def test_popular_counts_reviews_created_in_the_window(env):
    movies = spread_movies(env, 6)
    recent_counts = {movies[0]: 3, movies[1]: 5, movies[2]: 1, movies[3]: 3}
    async with httpx.AsyncClient(base_url=env.url) as c:
        for movie, n in recent_counts.items():
            for _ in range(n):
                await rate(c, env, movie, uuid.uuid4(), 6, expect=201)
        # movies[4] has the most reviews, but all written ten days ago.
        old_users = [uuid.uuid4() for _ in range(8)]
        for user in old_users:
            await rate(c, env, movies[4], user, 8, expect=201)
        await env.fetch(
            env.dsn_for_movie(movies[4]),
            "UPDATE reviews SET created_at = now() - interval '10 days' WHERE movie_id = $1",
            movies[4],
        )
        week = (await c.get("/stats/popular", params={"limit": 3})).json()
        tied = sorted([movies[0], movies[3]])
        assert [i["movie_id"] for i in week["items"]] == [str(movies[1])] + [str(m) for m in tied]
        assert [i["reviews_in_window"] for i in week["items"]] == [5, 3, 3]
        assert week["items"][0]["count"] == 5
        assert week["items"][0]["average"] == 6

        month = (await c.get("/stats/popular", params={"window_days": 30, "limit": 1})).json()
        assert month == {
            "items": [
                {"movie_id": str(movies[4]), "reviews_in_window": 8, "count": 8, "average": 8.0}
            ],
            "window_days": 30,
        }


async def test_openapi_documents_the_contract(env):
    async with httpx.AsyncClient(base_url=env.url) as c:
        doc = (await c.get("/openapi.json")).json()
    put = doc["paths"]["/movies/{movie_id}/reviews/mine"]["put"]
    assert {"200", "201", "401", "422"} <= set(put["responses"])
    assert "does **not** check" in put["description"]
    assert "gateway" in doc["info"]["description"]
    delete = doc["paths"]["/reviews/{review_id}"]["delete"]
    assert {"204", "403", "404"} <= set(delete["responses"])
    for path in (
        "/movies/{movie_id}/reviews",
        "/users/{user_id}/reviews",
        "/reviews",
        "/reviews/{review_id}",
        "/movies/{movie_id}/stats",
        "/stats/batch",
        "/stats/top-rated",
        "/stats/popular",
        "/users/{user_id}/stats",
    ):
        assert path in doc["paths"]
    assert doc["components"]["schemas"]["ReviewIn"]["examples"]
