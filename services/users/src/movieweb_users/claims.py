"""Claims: logins and emails unique across every shard.

A user row lives on the shard of its id, so two registrations of one login can land on two
different shards, and no per-shard unique index can see both. Instead a name is *claimed* first:
a row in ``login_claims`` (or ``email_claims``) on the shard that owns the name's own hash slot.
Every registration of ``alice`` inserts into the same table on the same shard, so its primary
key decides the race: exactly one insert wins, the others conflict.

Orphans: a registration that crashes between claiming and writing its user row leaves a claim
pointing at a user that does not exist. Such a claim may be taken over once it is older than
``orphan_claim_after_s`` (60 s by default) and its user row is still absent. That is safe because
a registration never starts writing its user row more than ``registration_deadline_s`` after it
began claiming, and that write is bounded by the statement timeout, both well under the orphan
age: when a claim looks orphaned, its owner can no longer complete.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from movieweb_shared.db import ShardedDatabase
from sqlalchemy import Column, ColumnElement, Interval, Table, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import users

log = logging.getLogger("movieweb.users.claims")

# A claim row can vanish between our failed insert and our read of it (its owner released
# it); retrying a few times resolves that without looping forever under pathological churn.
_ATTEMPTS = 3


@dataclass(frozen=True)
class Claim:
    table: Table
    value: str  # the claimed name, also its shard key
    field: str  # the request field it came from, for the 409

    @property
    def key(self) -> Column[str]:
        column: Column[str] = self.table.c[self.table.primary_key.columns.keys()[0]]
        return column


async def user_exists(db: ShardedDatabase, user_id: uuid.UUID) -> bool:
    async with db.connect(user_id) as conn:
        found = await conn.scalar(select(users.c.id).where(users.c.id == user_id))
    return found is not None


def _older_than(seconds: float) -> ColumnElement[datetime]:
    return func.now() - literal(timedelta(seconds=seconds), Interval())


async def take(
    db: ShardedDatabase, claim: Claim, user_id: uuid.UUID, orphan_after_s: float
) -> bool:
    """Claim ``claim.value`` for ``user_id``; False if someone else holds it."""
    table, key = claim.table, claim.key
    stale = table.c.created_at < _older_than(orphan_after_s)
    for _ in range(_ATTEMPTS):
        async with db.begin(claim.value) as conn:
            # A concurrent insert of the same name blocks here until its transaction ends, then
            # this one does nothing: the primary key serializes the race.
            won = await conn.scalar(
                insert(table)
                .values({key.name: claim.value, "user_id": user_id})
                .on_conflict_do_nothing()
                .returning(table.c.user_id)
            )
            if won is not None:
                return True
            held = (
                await conn.execute(
                    select(table.c.user_id, stale.label("old")).where(key == claim.value)
                )
            ).one_or_none()
        if held is None:
            continue  # released meanwhile: try again
        if not held.old or await user_exists(db, held.user_id):
            return False
        async with db.begin(claim.value) as conn:
            # Conditional on the holder and the age, so of several takers exactly one wins.
            taken = await _take_over(conn, claim, held.user_id, user_id, stale)
        if taken:
            log.warning(
                "took over an orphaned %s claim (user %s never written)", table.name, held.user_id
            )
            return True
    return False


async def _take_over(
    conn: AsyncConnection,
    claim: Claim,
    holder: uuid.UUID,
    user_id: uuid.UUID,
    stale: ColumnElement[bool],
) -> bool:
    table = claim.table
    result = await conn.scalar(
        update(table)
        .where(claim.key == claim.value, table.c.user_id == holder, stale)
        .values(user_id=user_id, created_at=func.now())
        .returning(table.c.user_id)
    )
    return result is not None


async def release(db: ShardedDatabase, claim: Claim, user_id: uuid.UUID) -> None:
    """Give up a claim this registration took (and only if it still holds it)."""
    table = claim.table
    async with db.begin(claim.value) as conn:
        await conn.execute(
            table.delete().where(claim.key == claim.value, table.c.user_id == user_id)
        )


async def holder(db: ShardedDatabase, table: Table, value: str) -> uuid.UUID | None:
    """The user id a name is claimed for (its user row may not exist yet)."""
    claim = Claim(table, value, "")
    async with db.connect(value) as conn:
        found: uuid.UUID | None = await conn.scalar(
            select(table.c.user_id).where(claim.key == value)
        )
    return found
