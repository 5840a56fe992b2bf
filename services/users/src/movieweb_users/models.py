"""Tables of one users shard.

- ``users``: the accounts, on the shard owning ``slot_of(id)``.
- ``login_claims`` / ``email_claims``: global uniqueness across shards. A login lives on the shard
  owning ``slot_of(login)``, an email on the shard owning ``slot_of(<email, case-folded>)``; whoever inserts
  the claim row first owns the name (see ``registration``). A claim also answers "which user has
  this login" at log-in without a fan-out.

Every shard has all three tables; which rows a shard holds depends on the map.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    Uuid,
    func,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Logins are lowercase ASCII already (the folded form), stored with the "C" collation so that
# Postgres and the fan-out merge in Python order them identically.
users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("login", String(32, collation="C"), nullable=False),
    Column("email", String(320), nullable=False),
    Column("name", String(100), nullable=True),
    Column("avatar_url", String(2048), nullable=True),
    Column("password_hash", String(512), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # login_claims makes logins unique across shards; this index repeats it per shard (a second
    # line of defence), and serves the list order (login, id) and the prefix filter, a range
    # scan on the "C"-collated column.
    Index(None, "login", unique=True),
)

login_claims = Table(
    "login_claims",
    metadata,
    Column("login", String(32, collation="C"), primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

email_claims = Table(
    "email_claims",
    metadata,
    Column("email", String(320, collation="C"), primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
