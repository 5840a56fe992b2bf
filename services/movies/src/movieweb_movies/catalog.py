"""The movies domain: plain async functions over the sharded database (no HTTP here).

Rows are routed by movie id. Reads that cannot name a shard (lists, search) fan out through
``pagination.fetch_page``, which merges the shards' keyset pages.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from movieweb_shared.db import ShardedDatabase
from movieweb_shared.errors import not_found
from movieweb_shared.pagination import PageInfo, PageParams, Sort, fetch_page
from movieweb_shared.text import fold
from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping

from .models import PUBLIC_COLUMNS, movies
from .schemas import Movie, MovieCreate
from .search import prefix_tsquery, search_text
from .slugs import id_of_slug, make_slug


def _fold_or_none(value: str | None) -> str | None:
    return fold(value) if value is not None else None


def row_values(
    movie_id: uuid.UUID, data: MovieCreate, created_by: uuid.UUID | None
) -> dict[str, Any]:
    """The full row of a validated movie, derived columns included."""
    return {
        "id": movie_id,
        "slug": make_slug(data.title, data.year, movie_id),
        "title": data.title,
        "title_sort": fold(data.title),
        "year": data.year,
        "director": data.director,
        "director_fold": _fold_or_none(data.director),
        "country": data.country,
        "country_fold": _fold_or_none(data.country),
        "category": data.category,
        "category_fold": _fold_or_none(data.category),
        "poster_url": data.poster_url,
        "background_url": data.background_url,
        "search_text": search_text(data.title, data.director),
        "created_by": created_by,
    }


def _movie(row: RowMapping) -> Movie:
    return Movie.model_validate(dict(row))


async def create_movie(db: ShardedDatabase, data: MovieCreate, created_by: uuid.UUID) -> Movie:
    movie_id = uuid.uuid4()
    stmt = insert(movies).values(row_values(movie_id, data, created_by)).returning(*PUBLIC_COLUMNS)
    async with db.begin(movie_id) as conn:
        row = (await conn.execute(stmt)).mappings().one()
    return _movie(row)


async def find_movie(db: ShardedDatabase, movie_id: uuid.UUID) -> Movie | None:
    async with db.connect(movie_id) as conn:
        row = (
            (await conn.execute(select(*PUBLIC_COLUMNS).where(movies.c.id == movie_id)))
            .mappings()
            .one_or_none()
        )
    return _movie(row) if row is not None else None


async def get_movie(db: ShardedDatabase, movie_id: uuid.UUID) -> Movie:
    movie = await find_movie(db, movie_id)
    if movie is None:
        raise not_found(f"movie {movie_id}")
    return movie


async def get_movie_by_slug(db: ShardedDatabase, slug: str) -> Movie:
    """The slug carries the id: route by it, then insist the whole slug matches."""
    movie_id = id_of_slug(slug)
    movie = await find_movie(db, movie_id) if movie_id is not None else None
    if movie is None or movie.slug != slug:
        raise not_found(f"movie with slug {slug!r}")
    return movie


async def get_movies(db: ShardedDatabase, ids: Sequence[uuid.UUID]) -> list[Movie]:
    """Movies by id in the order asked (first occurrence), unknown ids left out.

    One query per shard that owns any of the ids, all shards concurrently.
    """
    wanted = list(dict.fromkeys(ids))
    groups = db.group_by_shard(wanted)

    async def from_shard(group: list[uuid.UUID]) -> list[RowMapping]:
        async with db.connect(group[0]) as conn:
            query = select(*PUBLIC_COLUMNS).where(movies.c.id.in_(group))
            return list((await conn.execute(query)).mappings().all())

    found: dict[uuid.UUID, Movie] = {}
    for rows in await asyncio.gather(*(from_shard(g) for g in groups.values())):
        for row in rows:
            found[row["id"]] = _movie(row)
    return [found[i] for i in wanted if i in found]


@dataclass(frozen=True)
class MovieFilters:
    category: str | None = None
    country: str | None = None
    director: str | None = None
    year_gte: int | None = None
    year_lte: int | None = None
    q: str | None = None


SORT_COLUMNS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "title": (movies.c.title_sort, movies.c.id),
    "year": (movies.c.year, movies.c.id),
    "created": (movies.c.created_at, movies.c.id),
}


def _conditions(filters: MovieFilters) -> Iterable[ColumnElement[bool]]:
    # Exact matches on the folded columns: "france" finds "France", "Comedie" finds "Comédie".
    if filters.category is not None:
        yield movies.c.category_fold == fold(filters.category)
    if filters.country is not None:
        yield movies.c.country_fold == fold(filters.country)
    if filters.director is not None:
        yield movies.c.director_fold == fold(filters.director)
    if filters.year_gte is not None:
        yield movies.c.year >= filters.year_gte
    if filters.year_lte is not None:
        yield movies.c.year <= filters.year_lte
    if filters.q is not None:
        tsquery = prefix_tsquery(filters.q)
        # A query without any letter or digit ("!!!") has nothing to search for: ignored.
        if tsquery is not None:
            yield movies.c.search_vector.op("@@")(
                func.to_tsquery(literal_column("'simple'::regconfig"), tsquery)
            )


async def list_movies(
    db: ShardedDatabase,
    filters: MovieFilters,
    sort: str,
    descending: bool,
    page: PageParams,
) -> tuple[list[Movie], PageInfo]:
    query = select(*PUBLIC_COLUMNS).where(*_conditions(filters))
    order = Sort(sort, SORT_COLUMNS[sort], descending=descending)
    rows, info = await fetch_page(db, query, order, page)
    return [_movie(row) for row in rows], info


async def insert_new_movies(db: ShardedDatabase, rows: Sequence[dict[str, Any]]) -> int:
    """Insert full rows (``row_values``), skipping ids already present; returns how many were new.

    One batch per shard, the shards concurrently. ``ON CONFLICT DO NOTHING`` makes
    a repeated import add nothing.
    """
    groups = db.group_by_shard(rows, key_of=lambda row: row["id"])

    # One statement compiled once; SQLAlchemy's "insertmanyvalues" sends the parameter sets
    # as multi-row INSERTs (compiling a 500-row VALUES clause per batch costs more than the
    # database's work).
    stmt = insert(movies).on_conflict_do_nothing().returning(movies.c.id)

    async def into_shard(group: list[dict[str, Any]]) -> int:
        async with db.begin(group[0]["id"]) as conn:
            return len((await conn.execute(stmt, group)).all())

    return sum(await asyncio.gather(*(into_shard(g) for g in groups.values())))
