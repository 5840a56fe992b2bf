"""The catalogue readers' rules for messy real-world values (pure functions, no database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from movieweb_movies.import_sources import (
    CatalogueError,
    UnreadableDate,
    read_catalogue,
    read_json,
    split_movielens_title,
    year_of_date,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Heat (1995)", ("Heat", 1995)),
        ("American President, The (1995)", ("The American President", 1995)),
        ("City of Lost Children, The (Cité des enfants perdus, La) (1995)",
         ("The City of Lost Children", 1995)),
        ("Léon: The Professional (a.k.a. The Professional) (Léon) (1994)",
         ("Léon: The Professional", 1994)),
        ("Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il) (1966)",
         ("The Good, the Bad and the Ugly", 1966)),
        ("Fabuleux destin d'Amélie Poulain, Le (2001)", ("Le Fabuleux destin d'Amélie Poulain", 2001)),
        ("Auberge espagnole, L' (2002)", ("L'Auberge espagnole", 2002)),
        ("Me, Myself and I (2000)", ("Me, Myself and I", 2000)),
        ("Robot, I (2004)", ("Robot, I", 2004)),  # not an article we move
        ("(500) Days of Summer (2009)", ("(500) Days of Summer", 2009)),
        ("Death Note: Desu nôto (2006\u20132007)", ("Death Note: Desu nôto", 2006)),  # en dash
        ("Stranger Things (2016- )", ("Stranger Things", 2016)),
        ("Ready Player One", ("Ready Player One", None)),
        ("1984 (1984)", ("1984", 1984)),
        ("  Heat   (1995)  ", ("Heat", 1995)),
        ("(1995)", ("", 1995)),
    ],
)  # fmt: skip
def test_movielens_titles(raw: str, expected: tuple[str, int | None]) -> None:
    assert split_movielens_title(raw) == expected


@pytest.mark.parametrize(
    ("value", "year"),
    [
        ("Jun 12 1998", 1998),
        ("June 12, 1998", 1998),
        ("1998-06-12", 1998),
        ("1998-06-12T10:00:00Z", 1998),
        ("12-Jun-98", 1998),
        ("12-Jun-05", 2005),
        ("23-Jan-43", 1943),  # two-digit years never land in the future
        ("12 June 1998", 1998),
        ("06/12/1998", 1998),
        ("1998", 1998),
        (1998, 1998),
        (1998.0, 1998),
        (None, None),
        ("   ", None),
    ],
)
def test_release_dates(value: Any, year: int | None) -> None:
    assert year_of_date(value) == year


@pytest.mark.parametrize("value", ["TBD", "Foo 12 1998", "31-Feb-98", True, [1998], 1998.5, "98"])
def test_unreadable_release_dates(value: Any) -> None:
    with pytest.raises(UnreadableDate):
        year_of_date(value)


def test_json_rows_take_real_world_field_names() -> None:
    (row,) = read_json(
        '[{"Title": 2012, "Release Date": "Nov 13 2009", "Director": "Roland Emmerich",'
        ' "Major Genre": "Action", "IMDB Rating": 6.2, "Poster": "https://e.org/p.jpg"}]'
    )
    assert row.problem is None
    assert row.fields == {
        "title": "2012",
        "year": 2009,
        "director": "Roland Emmerich",
        "category": "Action",
        "country": None,
        "poster_url": "https://e.org/p.jpg",
        "background_url": None,
    }
    (row,) = read_json('[{"title": "Brat", "year": "1997", "genre": ["Crime", "Drama"]}]')
    assert (row.fields["year"], row.fields["category"]) == (1997, "Crime")
    (row,) = read_json('[{"Title": NaN, "Year": 1997}]')
    assert row.fields["title"] != row.fields["title"]  # NaN passed on for validation to reject


def test_a_directory_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        read_catalogue(tmp_path)
