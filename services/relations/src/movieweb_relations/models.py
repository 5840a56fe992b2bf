"""The schema of one relations shard: follow edges, sharded by follower id.

An edge lives on the shard of its follower, so "who does X follow" and "does X follow Y" touch
one shard, and "who follows X" fans out to every shard.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    Table,
    Uuid,
    func,
)

metadata = MetaData()

follows = Table(
    "follows",
    metadata,
    Column("follower_id", Uuid, primary_key=True),
    Column("followee_id", Uuid, primary_key=True),
    # clock_timestamp (not now()): edges written in one transaction still get distinct times.
    Column(
        "created_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=func.clock_timestamp(),
    ),
    CheckConstraint("follower_id <> followee_id", name="follows_no_self_follow"),
)

# Each list index ends with the list's tie-breaker, so a page is one ordered index range scan
# (keyset on (created_at, other id) descending) with no sort step.
Index(
    "follows_by_follower_newest",
    follows.c.follower_id,
    follows.c.created_at.desc(),
    follows.c.followee_id.desc(),
)
Index(
    "follows_by_followee_newest",
    follows.c.followee_id,
    follows.c.created_at.desc(),
    follows.c.follower_id.desc(),
)
