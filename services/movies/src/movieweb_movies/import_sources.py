"""Reading movie catalogues for ``movieweb import``: MovieLens ``movies.csv`` and JSON arrays.

Each reader turns a file into ``SourceRow``s: the row number, a stable key for the row's id
(``movielens:<movieId>``; JSON rows have none, their id comes from title and year), the raw
text to show in the summary, and either the fields of a movie (not yet validated: the importer
validates them with the API's own ``MovieCreate``) or the reason the row cannot be a movie.

A file that cannot be read as its format at all raises ``CatalogueError`` (a clean message for
the operator); a bad row only ever becomes a skipped row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .schemas import max_year

Format = Literal["auto", "movielens", "json"]

MOVIELENS_HEADER = ["movieId", "title", "genres"]
NO_GENRES = "(no genres listed)"


class CatalogueError(Exception):
    """The file as a whole cannot be read (missing, not UTF-8, not the expected format)."""


MAX_RAW_CHARS = 160


def shorten(raw: str) -> str:
    return raw if len(raw) <= MAX_RAW_CHARS else raw[: MAX_RAW_CHARS - 3] + "..."


@dataclass
class SourceRow:
    number: int  # 1-based data row (CSV: header excluded; JSON: array index + 1)
    raw: str  # shown in the summary's examples
    fields: dict[str, Any] = field(default_factory=dict)
    source_key: str | None = None  # stable identity in the source, when it has one
    problem: str | None = None  # why this row cannot be a movie, found while reading it


# --- MovieLens -------------------------------------------------------------------------------

_TRAILING_YEAR = re.compile(r"\((\d{4})(?:\s*[-\u2013]\s*(?:\d{4})?\s*)?\)\s*$")
# MovieLens moves leading articles to the end ("American President, The"); these are the
# articles it does that with, across the languages of its catalogue. Articles that are also
# common words elsewhere ("I", "O", "As", "En") are left out: a title may end in ", I".
_ARTICLES = "The|A|An|Les|Le|La|L'|Il|Lo|Gli|El|Los|Las|Der|Die|Das|Ein|Eine|Un|Une|Una|Den|Det|Het"
_MOVED_ARTICLE = re.compile(rf"^(?P<rest>.+), (?P<article>{_ARTICLES})$")


def _strip_trailing_parenthetical(text: str) -> str | None:
    """``"Seven (a.k.a. Se7en)"`` → ``"Seven"``; None when text does not end in a group."""
    if not text.endswith(")"):
        return None
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index] == ")":
            depth += 1
        elif text[index] == "(":
            depth -= 1
            if depth == 0:
                head = text[:index].rstrip()
                return head or None  # "(500)" alone is the title, not an alternate one
    return None


def _move_article_back(title: str) -> str:
    match = _MOVED_ARTICLE.match(title)
    if match is None:
        return title
    article, rest = match["article"], match["rest"]
    return f"{article}{rest}" if article.endswith("'") else f"{article} {rest}"


def split_movielens_title(raw: str) -> tuple[str, int | None]:
    """``"City of Lost Children, The (Cité des enfants perdus, La) (1995)"`` →
    ``("The City of Lost Children", 1995)``: year out, alternate titles dropped, article back."""
    text = raw.strip()
    year = None
    match = _TRAILING_YEAR.search(text)
    if match is not None:
        year = int(match[1])
        text = text[: match.start()].rstrip()
    while (shorter := _strip_trailing_parenthetical(text)) is not None:
        text = shorter
    return _move_article_back(text), year


def _first_genre(genres: str) -> str | None:
    if genres.strip() == NO_GENRES:
        return None
    for genre in genres.split("|"):
        if genre.strip():
            return genre.strip()
    return None


def read_movielens(text: str) -> list[SourceRow]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise CatalogueError("the file is empty") from None
    except csv.Error as exc:
        raise CatalogueError(f"not a CSV file: {exc}") from exc
    if [h.strip() for h in header] != MOVIELENS_HEADER:
        raise CatalogueError(
            f"not a MovieLens movies.csv: the header is {','.join(header)!r}, "
            f"expected {','.join(MOVIELENS_HEADER)!r}"
        )
    rows: list[SourceRow] = []
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            number += 1
            rows.append(SourceRow(number, "?", problem=f"malformed CSV row ({exc})"))
            continue
        if not cells or all(not c.strip() for c in cells):
            continue  # blank line
        number += 1
        raw = shorten(",".join(cells))
        if len(cells) != 3:
            rows.append(SourceRow(number, raw, problem="malformed row (not 3 columns)"))
            continue
        movie_id, title, genres = (c.strip() for c in cells)
        if not movie_id.isascii() or not movie_id.isdigit():
            rows.append(SourceRow(number, raw, problem="bad movieId"))
            continue
        name, year = split_movielens_title(title)
        if not name:
            rows.append(SourceRow(number, raw, problem="missing title"))
            continue
        if year is None:
            rows.append(SourceRow(number, raw, problem="no year in title"))
            continue
        fields = {"title": name, "year": year, "category": _first_genre(genres)}
        rows.append(SourceRow(number, raw, fields, source_key=f"movielens:{int(movie_id)}"))
    return rows


# --- JSON ------------------------------------------------------------------------------------

# Field names seen in real catalogues, compared after dropping case, spaces and punctuation.
_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "name", "movietitle"),
    "year": ("year", "releaseyear"),
    "release_date": ("releasedate", "released", "date"),
    "director": ("director", "directors"),
    "category": ("majorgenre", "genre", "genres", "category"),
    "country": ("country", "countries"),
    "poster_url": ("poster", "posterurl", "posterlink"),
    "background_url": ("background", "backgroundurl", "backdrop", "backdropurl"),
}
_DATE_FORMATS = (
    "%Y-%m-%d",  # 1998-06-12
    "%b %d %Y",  # Jun 12 1998
    "%B %d %Y",  # June 12 1998
    "%b %d, %Y",  # Jun 12, 1998
    "%B %d, %Y",  # June 12, 1998
    "%d-%b-%y",  # 12-Jun-98
    "%d-%b-%Y",  # 12-Jun-1998
    "%d %b %Y",  # 12 Jun 1998
    "%d %B %Y",  # 12 June 1998
    "%m/%d/%Y",  # 06/12/1998
    "%Y/%m/%d",  # 1998/06/12
)


class UnreadableDate(ValueError):
    """A release date in no format we know (the row is skipped, the import goes on)."""


def _norm_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _pick(obj: dict[str, Any], name: str) -> Any:
    wanted = _ALIASES[name]
    for key, value in obj.items():
        if _norm_key(key) in wanted and value is not None:
            return value
    return None


def _as_number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _text(value: Any) -> Any:
    """Strings stay; numbers become text ("Title": 1984 is the film "1984"); lists give their
    first element (genre lists); anything else is passed on for validation to reject."""
    if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
        return value  # true, NaN, Infinity: not a title; validation says so
    if isinstance(value, int | float):
        return _as_number_text(value)
    if isinstance(value, list):
        return _text(value[0]) if value else None
    return value


def year_of_date(value: Any) -> int | None:
    """The year of a release date in the odd formats catalogues use; None when absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise UnreadableDate(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, str):
        raise UnreadableDate(value)
    text = value.strip()
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text):
        text = text[:10]  # ISO 8601 date-time: the date is enough
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        year = parsed.year
        if "%y" in fmt and year > max_year():
            year -= 100  # "12-Jun-38" is 1938, not 2038
        return year
    raise UnreadableDate(value)


def _json_row(number: int, obj: Any) -> SourceRow:
    raw = shorten(json.dumps(obj, ensure_ascii=False))
    if not isinstance(obj, dict):
        return SourceRow(number, raw, problem="not an object")
    title = _text(_pick(obj, "title"))
    if title is None or (isinstance(title, str) and not title.strip()):
        return SourceRow(number, raw, problem="missing title")
    year = _pick(obj, "year")
    if year is not None:
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year.strip())
    else:
        try:
            year = year_of_date(_pick(obj, "release_date"))
        except UnreadableDate:
            return SourceRow(number, raw, problem="unreadable release date")
        if year is None:
            return SourceRow(number, raw, problem="no year or release date")
    fields = {
        "title": title,
        "year": year,
        "director": _text(_pick(obj, "director")),
        "category": _text(_pick(obj, "category")),
        "country": _text(_pick(obj, "country")),
        "poster_url": _pick(obj, "poster_url"),
        "background_url": _pick(obj, "background_url"),
    }
    return SourceRow(number, raw, fields)


def read_json(text: str) -> list[SourceRow]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise CatalogueError("not valid JSON: nested too deeply") from exc
    if not isinstance(data, list):
        raise CatalogueError(f"expected a JSON array of movie objects, found {type(data).__name__}")
    return [_json_row(index + 1, obj) for index, obj in enumerate(data)]


# --- files -----------------------------------------------------------------------------------


def detect_format(path: Path, text: str) -> Literal["movielens", "json"]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "movielens"
    if suffix == ".json":
        return "json"
    return "json" if text.lstrip()[:1] in ("[", "{") else "movielens"


def read_catalogue(path: Path, fmt: Format = "auto") -> tuple[str, list[SourceRow]]:
    """(the format used, the rows of the file)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    used = detect_format(path, text) if fmt == "auto" else fmt
    rows = read_movielens(text) if used == "movielens" else read_json(text)
    return used, rows
