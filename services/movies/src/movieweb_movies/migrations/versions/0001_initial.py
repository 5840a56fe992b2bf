"""The movies table, its sort and filter indexes, and the full-text search index.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "movies",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("slug", sa.String(512), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("title_sort", sa.Text(collation="C"), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("director", sa.String(200)),
        sa.Column("director_fold", sa.Text()),
        sa.Column("country", sa.String(100)),
        sa.Column("country_fold", sa.Text()),
        sa.Column("category", sa.String(100)),
        sa.Column("category_fold", sa.Text()),
        sa.Column("poster_url", sa.String(2048)),
        sa.Column("background_url", sa.String(2048)),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple'::regconfig, search_text)", persisted=True),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("slug", name="movies_slug_key"),
    )
    op.create_index("ix_movies_title_sort_id", "movies", ["title_sort", "id"])
    op.create_index("ix_movies_year_id", "movies", ["year", "id"])
    op.create_index("ix_movies_created_at_id", "movies", ["created_at", "id"])
    op.create_index("ix_movies_category_fold", "movies", ["category_fold"])
    op.create_index("ix_movies_country_fold", "movies", ["country_fold"])
    op.create_index("ix_movies_director_fold", "movies", ["director_fold"])
    op.create_index("ix_movies_search_vector", "movies", ["search_vector"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_table("movies")
