"""The schema of one reviews shard (every shard has all tables; rows live on their movie's shard).

``movie_stats`` keeps the histogram as ten integer columns ``r1``..``r10`` rather than an
``int[]``: a rating change is then a plain ``r7 = r7 - 1, r9 = r9 + 1`` delta (no array
subscripting in upserts), each bucket is checked non-negative, and CHECK constraints tie
``count`` and ``sum`` to the buckets, so the database itself refuses statistics that drift.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

RATINGS = range(1, 11)
MAX_COMMENT = 4000

reviews = Table(
    "reviews",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("movie_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("comment", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("movie_id", "user_id"),
    CheckConstraint("rating BETWEEN 1 AND 10", name="rating_range"),
    CheckConstraint(f"char_length(comment) BETWEEN 1 AND {MAX_COMMENT}", name="comment_length"),
    # One index per list and sort; every one ends with the id tie-breaker of the keyset.
    Index(None, "movie_id", "created_at", "id"),
    Index(None, "movie_id", "rating", "created_at", "id"),
    Index(None, "user_id", "created_at", "id"),
    Index(None, "user_id", "rating", "created_at", "id"),
    Index(None, "created_at", "id"),
    Index(None, "rating", "created_at", "id"),
)

_buckets = [Column(f"r{n}", Integer, nullable=False, server_default="0") for n in RATINGS]

movie_stats = Table(
    "movie_stats",
    metadata,
    Column("movie_id", Uuid, primary_key=True),
    Column("count", Integer, nullable=False, server_default="0"),
    Column("sum", BigInteger, nullable=False, server_default="0"),
    *_buckets,
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(" AND ".join(f"r{n} >= 0" for n in RATINGS), name="buckets_non_negative"),
    CheckConstraint("count = " + " + ".join(f"r{n}" for n in RATINGS), name="count_is_buckets"),
    CheckConstraint("sum = " + " + ".join(f"{n} * r{n}" for n in RATINGS), name="sum_is_buckets"),
)


def bucket(rating: int) -> Column[int]:
    """The histogram column counting votes of ``rating``."""
    return movie_stats.c[f"r{rating}"]
