"""Listing: every sort in both directions walked page by page, filters, and text search."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from movieweb_shared.text import fold

from .helpers import LiveMovies, marker

TITLES = [
    "Amélie", "amelie", "AMELIE", "Zorro", "Élan", "elan", "Heat", "heat", "Brazil", "Ça",
    "Çava", "Ran", "Ran", "Ran", "Øyvind", "Ääkkönen", "Über", "uber", "12 Angry Men",
    "2001: A Space Odyssey", "(500) Days of Summer", "Straße", "strasse", "Z", "a", "A",
    "Ångström", "Alien", "Aliens", "Ália", "ß", "Брат", "七人の侍", "Ōkami", "Les Misérables",
    "Amores perros", "Zulu", "z", "Ænigma", "Æon",
]  # fmt: skip


def walk(live: LiveMovies, limit: int, **params: Any) -> list[dict[str, Any]]:
    """Every page of a list by following next_cursor; checks that total never changes."""
    rows: list[dict[str, Any]] = []
    cursor = None
    totals = set()
    for _ in range(1000):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        resp = live.client.get("/movies", params=query)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        assert len(page["items"]) <= limit
        totals.add(page["info"]["total"])
        rows.extend(page["items"])
        cursor = page["info"]["next_cursor"]
        if cursor is None:
            break
    assert len(totals) == 1
    assert totals.pop() == len(rows)
    return rows


def expected_order(rows: list[dict[str, Any]], sort: str, descending: bool) -> list[str]:
    def key(m: dict[str, Any]) -> tuple[Any, uuid.UUID]:
        primary: Any = {
            "title": lambda: fold(m["title"]),
            "year": lambda: m["year"],
            "created": lambda: dt.datetime.fromisoformat(m["created_at"]),
        }[sort]()
        return primary, uuid.UUID(m["id"])

    return [m["id"] for m in sorted(rows, key=key, reverse=descending)]


@pytest.mark.parametrize("shards", [1, 2])
def test_every_sort_walks_every_row_once_in_order(
    fresh_movies: Callable[[int], LiveMovies], shards: int
) -> None:
    live = fresh_movies(shards)
    rng = random.Random(7)
    created = [
        live.create(title=t, year=rng.choice([1950, 1995, 1995, 2001, 2024])) for t in TITLES
    ]
    if shards == 2:
        owners = {live.shard_map.shard_for_key(uuid.UUID(m["id"])).name for m in created}
        assert len(owners) == 2
    for sort in ("title", "year", "created"):
        for direction in ("asc", "desc"):
            want = expected_order(created, sort, direction == "desc")
            for limit in (3, 40):
                got = walk(live, limit, sort=sort, direction=direction)
                assert [m["id"] for m in got] == want, (sort, direction, limit)
    # skip pages agree with cursor pages
    want = expected_order(created, "title", False)
    page = live.client.get("/movies", params={"sort": "title", "skip": 10, "limit": 5}).json()
    assert [m["id"] for m in page["items"]] == want[10:15]
    assert page["info"] == {
        "limit": 5,
        "skip": 10,
        "total": len(TITLES),
        "next_cursor": page["info"]["next_cursor"],
    }
    assert page["info"]["next_cursor"] is not None


@pytest.mark.parametrize("shards", [1, 2])
def test_default_order_and_empty_list(
    fresh_movies: Callable[[int], LiveMovies], shards: int
) -> None:
    live = fresh_movies(shards)
    empty = live.client.get("/movies").json()
    assert empty == {"items": [], "info": {"limit": 20, "skip": 0, "total": 0, "next_cursor": None}}
    for t in ("b", "C", "a"):
        live.create(title=t)
    assert [m["title"] for m in live.client.get("/movies").json()["items"]] == ["a", "b", "C"]


def test_filters(movies: LiveMovies) -> None:
    m = marker()
    rows = [
        live_row
        for live_row in (
            movies.create(title="One", year=1960, category=f"Comédie {m}", country=f"France {m}",
                          director=f"Agnès Varda {m}"),
            movies.create(title="Two", year=1975, category=f"comedie {m}", country=f"Italy {m}",
                          director=f"Federico Fellini {m}"),
            movies.create(title="Three", year=1990, category=f"Drama {m}", country=f"FRANCE {m}",
                          director=f"agnes varda {m}"),
            movies.create(title="Four", year=2010, category=f"Drama {m}", country=f"Japan {m}"),
        )
    ]  # fmt: skip
    one, two, three, four = (r["id"] for r in rows)

    def ids(**params: Any) -> set[str]:
        resp = movies.client.get("/movies", params={"limit": 100, **params})
        assert resp.status_code == 200, resp.text
        return {r["id"] for r in resp.json()["items"]}

    assert ids(category=f"COMEDIE {m}") == {one, two}
    assert ids(category=f"  comédie   {m} ") == {one, two}  # folding also collapses spaces
    assert ids(category=f"drama {m}") == {three, four}
    assert ids(country=f"france {m}") == {one, three}
    assert ids(director=f"Agnes Varda {m}") == {one, three}
    assert ids(director=f"Varda {m}") == set()  # exact director, use q for words
    assert ids(category=f"drama {m}", year_gte=2000) == {four}
    assert ids(category=f"comedie {m}", year_lte=1960) == {one}
    assert ids(category=f"drama {m}", year_gte=1990, year_lte=1990) == {three}
    assert ids(category=f"drama {m}", year_gte=2011) == set()
    assert ids(country=f"france {m}", category=f"drama {m}", director=f"AGNÈS VARDA {m}") == {three}
    resp = movies.client.get("/movies", params={"category": f"drama {m}"}).json()
    assert resp["info"]["total"] == 2


def test_search_ignores_case_and_accents_and_matches_prefixes(movies: LiveMovies) -> None:
    m = marker()
    amelie = movies.create(title=f"Le Fabuleux Destin d'Amélie Poulain {m}", year=2001,
                           director="Jean-Pierre Jeunet")  # fmt: skip
    heat = movies.create(title=f"Heat {m}", year=1995, director="Michael Mann")
    brat = movies.create(title=f"Брат {m}", year=1997, director="Алексей Балабанов")
    strasse = movies.create(title=f"Die Straße {m}", year=1958, director="Pedro Almodóvar")
    samurai = movies.create(title=f"七人の侍 {m}", year=1954, director="黒澤明")

    def search(q: str) -> list[str]:
        resp = movies.client.get("/movies", params={"q": f"{q} {m}", "limit": 100})
        assert resp.status_code == 200, resp.text
        return sorted(r["id"] for r in resp.json()["items"])

    assert search("amelie") == [amelie["id"]]
    assert search("AMÉLIE") == [amelie["id"]]
    assert search("amél poul") == [amelie["id"]]  # prefixes of two words
    assert search("fabuleux jeunet") == [amelie["id"]]  # title and director words together
    assert search("jeunet") == [amelie["id"]]  # director only
    assert search("jean-pierre") == [amelie["id"]]
    assert search("mann") == [heat["id"]]
    assert search("михаил") == []
    assert search("брат") == [brat["id"]]
    assert search("балабанов") == [brat["id"]]
    assert search("strasse") == [strasse["id"]]
    assert search("almodovar") == [strasse["id"]]
    assert search("七人の侍") == [samurai["id"]]
    assert search("黒澤明") == [samurai["id"]]
    assert search("amelie heat") == []  # every word must match
    assert search("d'amélie") == [amelie["id"]]
    # Punctuation and tsquery syntax are only text here.
    assert search("heat & !") == [heat["id"]]
    assert search("heat:* | mann") == [heat["id"]]
    assert search("') OR 1=1 --") == []  # words "or", "1", "1": nothing matches them all


def test_search_combines_with_filters_and_sort(movies: LiveMovies) -> None:
    m = marker()
    a = movies.create(title=f"Alien {m}", year=1979, category="Horror", director="Ridley Scott")
    b = movies.create(title=f"Aliens {m}", year=1986, category="Action", director="James Cameron")
    c = movies.create(title=f"Alien 3 {m}", year=1992, category="Horror", director="David Fincher")
    resp = movies.client.get(
        "/movies", params={"q": f"alien {m}", "sort": "year", "direction": "desc"}
    ).json()
    assert [r["id"] for r in resp["items"]] == [c["id"], b["id"], a["id"]]
    resp = movies.client.get(
        "/movies", params={"q": f"alien {m}", "category": "horror", "sort": "title"}
    ).json()
    assert [r["id"] for r in resp["items"]] == [c["id"], a["id"]]  # "alien 3" < "alien m…"
    assert resp["info"]["total"] == 2
