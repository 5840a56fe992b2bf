"""Follow edges and their list indexes.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
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
        "follows",
        sa.Column("follower_id", sa.Uuid(), nullable=False),
        sa.Column("followee_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint("follower_id <> followee_id", name="follows_no_self_follow"),
        sa.PrimaryKeyConstraint("follower_id", "followee_id", name="follows_pkey"),
    )
    op.create_index(
        "follows_by_follower_newest",
        "follows",
        ["follower_id", sa.text("created_at DESC"), sa.text("followee_id DESC")],
    )
    op.create_index(
        "follows_by_followee_newest",
        "follows",
        ["followee_id", sa.text("created_at DESC"), sa.text("follower_id DESC")],
    )


def downgrade() -> None:
    op.drop_index("follows_by_followee_newest", table_name="follows")
    op.drop_index("follows_by_follower_newest", table_name="follows")
    op.drop_table("follows")
