"""Initial schema: reviews and movie_stats (one per shard), with an index per list sort.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 08:53:46.963447
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "movie_stats",
        sa.Column("movie_id", sa.Uuid(), nullable=False),
        sa.Column("count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("r1", sa.Integer(), server_default="0", nullable=False),
        sa.Column("r2", sa.Integer(), server_default="0", nullable=False),
        sa.Column("r3", sa.Integer(), server_default="0", nullable=False),
        sa.Column("r4", sa.Integer(), server_default="0", nullable=False),
        sa.Column("r5", sa.Integer(), server_default="0", nullable=False),
        sa.Column("r6", sa.Integer(), server_default="0", nullable=False),
        sa.Column("r7", sa.Integer(), server_default="0", nullable=False),
        sa.Column("r8", sa.Integer(), server_default="0", nullable=False),
        sa.Column("r9", sa.Integer(), server_default="0", nullable=False),
        sa.Column("r10", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "count = r1 + r2 + r3 + r4 + r5 + r6 + r7 + r8 + r9 + r10",
            name=op.f("ck_movie_stats_count_is_buckets"),
        ),
        sa.CheckConstraint(
            "r1 >= 0 AND r2 >= 0 AND r3 >= 0 AND r4 >= 0 AND r5 >= 0 AND r6 >= 0 AND r7 >= 0 AND r8 >= 0 AND r9 >= 0 AND r10 >= 0",
            name=op.f("ck_movie_stats_buckets_non_negative"),
        ),
        sa.CheckConstraint(
            "sum = 1 * r1 + 2 * r2 + 3 * r3 + 4 * r4 + 5 * r5 + 6 * r6 + 7 * r7 + 8 * r8 + 9 * r9 + 10 * r10",
            name=op.f("ck_movie_stats_sum_is_buckets"),
        ),
        sa.PrimaryKeyConstraint("movie_id", name=op.f("pk_movie_stats")),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("movie_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "char_length(comment) BETWEEN 1 AND 4000", name=op.f("ck_reviews_comment_length")
        ),
        sa.CheckConstraint("rating BETWEEN 1 AND 10", name=op.f("ck_reviews_rating_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("movie_id", "user_id", name=op.f("uq_reviews_movie_id_user_id")),
    )
    op.create_index(op.f("ix_reviews_created_at_id"), "reviews", ["created_at", "id"], unique=False)
    op.create_index(
        op.f("ix_reviews_movie_id_created_at_id"),
        "reviews",
        ["movie_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_reviews_movie_id_rating_created_at_id"),
        "reviews",
        ["movie_id", "rating", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_reviews_rating_created_at_id"),
        "reviews",
        ["rating", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_reviews_user_id_created_at_id"),
        "reviews",
        ["user_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_reviews_user_id_rating_created_at_id"),
        "reviews",
        ["user_id", "rating", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_reviews_user_id_rating_created_at_id"), table_name="reviews")
    op.drop_index(op.f("ix_reviews_user_id_created_at_id"), table_name="reviews")
    op.drop_index(op.f("ix_reviews_rating_created_at_id"), table_name="reviews")
    op.drop_index(op.f("ix_reviews_movie_id_rating_created_at_id"), table_name="reviews")
    op.drop_index(op.f("ix_reviews_movie_id_created_at_id"), table_name="reviews")
    op.drop_index(op.f("ix_reviews_created_at_id"), table_name="reviews")
    op.drop_table("reviews")
    op.drop_table("movie_stats")
