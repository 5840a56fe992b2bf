"""``movieweb import`` through the real CLI, into real databases (1 and 2 shards)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from movieweb_movies.cli import register
from movieweb_shared.cli import app as root_app
from movieweb_shared.sharding import ShardMap
from movieweb_shared.testing import PostgresForTests
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from .helpers import LiveMovies

FIXTURES = Path(__file__).parent / "fixtures"
MOVIELENS = FIXTURES / "movies.csv"
JSON_FILE = FIXTURES / "movies.json"


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    """The root ``movieweb`` app with the movies commands registered, as the entry point does."""
    if not any(c.name == "import" for c in root_app.registered_commands):
        register(root_app)
    return root_app


def run(cli: typer.Typer, args: list[str], map_file: Path | None = None) -> tuple[int, str, str]:
    env = {"COLUMNS": "400", "MOVIEWEB_MOVIES_DATABASE_URL": None, "NO_COLOR": "1"}
    env["MOVIEWEB_MOVIES_SHARD_MAP_FILE"] = str(map_file) if map_file else None
    result = CliRunner().invoke(cli, args, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def count(output: str, outcome: str) -> int:
    """The number on the summary table's row for ``outcome``."""
    match = re.search(rf"^\W*{re.escape(outcome)}\s*[│|]\s*(\d+)", output, re.MULTILINE)
    assert match is not None, f"no row {outcome!r} in:\n{output}"
    return int(match[1])


def rows_per_shard(shard_map: ShardMap) -> list[int]:
    async def one(url: str) -> int:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                from movieweb_movies.models import movies

                return int(
                    (await conn.execute(select(func.count()).select_from(movies))).scalar_one()
                )
        finally:
            await engine.dispose()

    return [asyncio.run(one(s.url())) for s in shard_map.shards]


def titles(live: LiveMovies, q: str) -> list[str]:
    resp = live.client.get("/movies", params={"q": q, "limit": 100})
    assert resp.status_code == 200
    return [m["title"] for m in resp.json()["items"]]


@pytest.mark.parametrize("shards", [1, 2])
def test_movielens_import_is_idempotent(
    cli: typer.Typer, fresh_movies: Callable[[int], LiveMovies], shards: int
) -> None:
    live = fresh_movies(shards)
    code, out, _ = run(cli, ["import", str(MOVIELENS)], live.map_file)
    assert code == 0, out
    assert "movies.csv (movielens): 40 rows" in out
    assert count(out, "imported") == 28
    assert count(out, "already present") == 0
    assert count(out, "skipped: duplicate in file") == 2
    assert count(out, "skipped: missing title") == 2
    assert count(out, "skipped: no year in title") == 1
    assert count(out, "skipped: bad movieId") == 2
    assert count(out, "skipped: malformed row (not 3 columns)") == 2
    assert count(out, "skipped: invalid year") == 2
    assert count(out, "skipped: invalid title") == 1
    assert "row 22: 140956,Ready Player One" in out  # an example of the reason
    per_shard = rows_per_shard(live.shard_map)
    assert sum(per_shard) == 28
    if shards == 2:
        assert all(n > 0 for n in per_shard)

    # What a user sees afterwards: articles moved back, alternate titles gone, searchable.
    assert titles(live, "american president") == ["The American President"]
    assert titles(live, "city lost children") == ["The City of Lost Children"]
    assert titles(live, "good bad ugly") == ["The Good, the Bad and the Ugly"]
    assert titles(live, "amelie") == ["Le Fabuleux destin d'Amélie Poulain"]
    assert titles(live, "miserables") == ["Les Misérables"]
    assert titles(live, "1984") == ["1984"]
    assert titles(live, "strasse") == ["Die Straße"]
    matrix = live.client.get("/movies", params={"q": "matrix"}).json()["items"][0]
    assert (matrix["year"], matrix["category"], matrix["created_by"]) == (1999, None, None)
    heat = live.client.get("/movies", params={"q": "heat"}).json()["items"]
    assert [(m["title"], m["category"]) for m in heat] == [("Heat", "Action")]

    code, out, _ = run(cli, ["import", str(MOVIELENS)], live.map_file)
    assert code == 0
    assert count(out, "imported") == 0
    assert count(out, "already present") == 28
    assert sum(rows_per_shard(live.shard_map)) == 28


@pytest.mark.parametrize("shards", [1, 2])
def test_json_import_is_idempotent(
    cli: typer.Typer, fresh_movies: Callable[[int], LiveMovies], shards: int
) -> None:
    live = fresh_movies(shards)
    code, out, _ = run(cli, ["import", str(JSON_FILE)], live.map_file)
    assert code == 0, out
    assert "movies.json (json): 38 rows" in out
    assert count(out, "imported") == 15
    assert count(out, "skipped: duplicate in file") == 2  # "AMELIE" 2001 is "Amélie" 2001
    assert count(out, "skipped: no year or release date") == 2
    assert count(out, "skipped: unreadable release date") == 3
    assert count(out, "skipped: missing title") == 4
    assert count(out, "skipped: invalid title") == 3
    assert count(out, "skipped: invalid year") == 3
    assert count(out, "skipped: invalid director") == 1
    assert count(out, "skipped: invalid poster_url") == 1
    assert count(out, "skipped: not an object") == 4
    assert "sometime in spring" in out
    assert sum(rows_per_shard(live.shard_map)) == 15

    amelie = live.client.get("/movies", params={"q": "amelie"}).json()["items"]
    assert [(m["title"], m["year"], m["country"], m["director"]) for m in amelie] == [
        ("Amélie", 2001, "France", "Jean-Pierre Jeunet")
    ]
    by_year = {
        m["title"]: m["year"]
        for m in live.client.get("/movies", params={"limit": 100}).json()["items"]
    }
    assert by_year["Rushmore"] == 1998  # "12-Dec-98"
    assert by_year["Casablanca"] == 1943  # "23-Jan-43": two-digit years are never in the future
    assert by_year["The Truman Show"] == 1998  # "Jun 05 1998"
    assert by_year["Parasite"] == 2019  # ISO date-time
    assert by_year["1776"] == 1972  # a number as title
    assert by_year["2012"] == 2009
    assert by_year["Spaced Out Title"] == 1990
    assert by_year["Le Voyage dans la Lune"] == 1902
    assert titles(live, "балабанов") == ["Брат"]
    assert titles(live, "melies") == ["Le Voyage dans la Lune"]

    code, out, _ = run(cli, ["import", str(JSON_FILE)], live.map_file)
    assert code == 0
    assert (count(out, "imported"), count(out, "already present")) == (0, 15)
    assert sum(rows_per_shard(live.shard_map)) == 15


def test_dry_run_writes_nothing(
    cli: typer.Typer, fresh_movies: Callable[[int], LiveMovies]
) -> None:
    live = fresh_movies(2)
    code, out, _ = run(cli, ["import", "--dry-run", str(MOVIELENS)], live.map_file)
    assert code == 0
    assert count(out, "would import (dry run)") == 28
    assert sum(rows_per_shard(live.shard_map)) == 0
    # A dry run needs no database at all.
    code, out, _ = run(cli, ["import", "--dry-run", str(JSON_FILE)])
    assert code == 0
    assert count(out, "would import (dry run)") == 15


def test_format_option(cli: typer.Typer, tmp_path: Path) -> None:
    unnamed = tmp_path / "catalogue.txt"
    unnamed.write_bytes(JSON_FILE.read_bytes())
    code, out, _ = run(cli, ["import", "--dry-run", str(unnamed)])
    assert (code, count(out, "would import (dry run)")) == (0, 15)  # sniffed as JSON
    code, _, err = run(cli, ["import", "--dry-run", "--format", "movielens", str(JSON_FILE)])
    assert code == 1
    assert "not a MovieLens movies.csv" in err
    code, _, err = run(cli, ["import", "--dry-run", "--format", "xml", str(JSON_FILE)])
    assert code == 2  # usage error from the CLI parser


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.json", b'[{"Title": "Heat", ', "not valid JSON"),
        ("object.json", b'{"Title": "Heat"}', "expected a JSON array"),
        ("empty.json", b"", "not valid JSON"),
        ("deep.json", b"[" * 100_000, "not valid JSON"),
        (
            "latin1.csv",
            "movieId,title,genres\n1,Amélie (2001),Comedy\n".encode("latin-1"),
            "not UTF-8",
        ),
        ("header.csv", b"id,name\n1,Heat (1995)\n", "not a MovieLens movies.csv"),
        ("empty.csv", b"", "the file is empty"),
        ("binary.csv", bytes(range(256)), "not UTF-8"),
    ],
)
def test_malformed_file_is_a_clean_error(
    cli: typer.Typer, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run(cli, ["import", str(path)])
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_missing_file_and_unusable_database(
    cli: typer.Typer, postgres: PostgresForTests, tmp_path: Path
) -> None:
    code, _, err = run(cli, ["import", str(tmp_path / "nope.csv")])
    assert (code, "cannot read" in err) == (1, True)

    code, _, err = run(cli, ["import", str(MOVIELENS)])  # no database configured
    assert code == 1
    assert "not configured" in err

    unmigrated = tmp_path / "unmigrated.json"
    ShardMap.single(postgres.create_database("movies")).dump(unmigrated)
    code, _, err = run(cli, ["import", str(MOVIELENS)], unmigrated)
    assert code == 1
    assert "run `movieweb migrate movies` first" in err

    nowhere = tmp_path / "nowhere.json"
    ShardMap.single(f"postgresql://u@/db?host={tmp_path}/no-such-dir").dump(nowhere)
    code, _, err = run(cli, ["import", str(MOVIELENS)], nowhere)
    assert code == 1
    assert "cannot use the movies database" in err or "cannot write" in err
    assert "Traceback" not in err
