"""The schema of one movies shard (SQLAlchemy Core).

Besides what the API shows, a row carries derived columns written by ``catalog.row_values``:

- ``title_sort``: the folded title with the "C" collation, so that Postgres and Python (the
  fan-out merge) order titles identically;
- ``*_fold`` columns: folded director/country/category for case- and accent-insensitive filters;
- ``search_text``: the folded words of title and director, and ``search_vector``, a generated
  ``tsvector`` over it with a GIN index. The embedded Postgres has no contrib extensions (no
  ``unaccent``, no ``pg_trgm``), so accents are removed in Python before Postgres sees the text.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Computed,
    DateTime,
    Index,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

metadata = MetaData()

TITLE_MAX = 300
DIRECTOR_MAX = 200
COUNTRY_MAX = 100
CATEGORY_MAX = 100
URL_MAX = 2048

movies = Table(
    "movies",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("slug", String(512), nullable=False, unique=True),
    Column("title", String(TITLE_MAX), nullable=False),
    Column("title_sort", Text(collation="C"), nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("director", String(DIRECTOR_MAX)),
    Column("director_fold", Text),
    Column("country", String(COUNTRY_MAX)),
    Column("country_fold", Text),
    Column("category", String(CATEGORY_MAX)),
    Column("category_fold", Text),
    Column("poster_url", String(URL_MAX)),
    Column("background_url", String(URL_MAX)),
    Column("search_text", Text, nullable=False),
    Column(
        "search_vector",
        TSVECTOR,
        Computed("to_tsvector('simple'::regconfig, search_text)", persisted=True),
        nullable=False,
    ),
    # Null for movies brought in by ``movieweb import`` (no user created them).
    Column("created_by", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # One index per sort, each ending with the id tie-breaker the keyset cursor uses.
    Index("ix_movies_title_sort_id", "title_sort", "id"),
    Index("ix_movies_year_id", "year", "id"),
    Index("ix_movies_created_at_id", "created_at", "id"),
    Index("ix_movies_category_fold", "category_fold"),
    Index("ix_movies_country_fold", "country_fold"),
    Index("ix_movies_director_fold", "director_fold"),
    Index("ix_movies_search_vector", "search_vector", postgresql_using="gin"),
)

# The columns a Movie answer shows (derived columns stay inside the service).
PUBLIC_COLUMNS = (
    movies.c.id,
    movies.c.slug,
    movies.c.title,
    movies.c.year,
    movies.c.director,
    movies.c.country,
    movies.c.category,
    movies.c.poster_url,
    movies.c.background_url,
    movies.c.created_by,
    movies.c.created_at,
    movies.c.updated_at,
)
