"""Registering an account: hash, claim the login and the email, write the user row.

Steps (see ``claims`` for why claims exist and how orphans are handled):
1. hash the password (the slow part, done before anything is claimed);
2. claim the login, then the email — a conflict answers 409 naming the field;
3. write the user row on the shard of its new id.
If a step fails while the outcome of step 3 is known (not attempted, or refused), the claims
taken so far are released, so a failed attempt never blocks the name.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from movieweb_shared.db import ShardedDatabase
from movieweb_shared.errors import Problem, field_problem
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from . import claims
from .claims import Claim
from .models import email_claims, login_claims, users
from .passwords import Passwords
from .queries import PUBLIC, to_user
from .schemas import Me, UserCreate
from .settings import UsersSettings

log = logging.getLogger("movieweb.users.registration")

_TAKEN = {"login": "this login is already taken", "email": "this email is already registered"}


def email_key(email: str) -> str:
    """What email uniqueness compares: the whole address, case-insensitively.

    The domain is case-insensitive by standard; the local part is by every real mail provider,
    so ``Bob@x.org`` and ``bob@x.org`` are one person and get one account.
    """
    return email.lower()


async def register(
    db: ShardedDatabase, passwords: Passwords, settings: UsersSettings, new: UserCreate
) -> Me:
    password_hash = await passwords.hash(new.password)
    user_id = uuid.uuid4()
    wanted = [
        Claim(login_claims, new.login, "body.login"),
        Claim(email_claims, email_key(new.email), "body.email"),
    ]
    taken: list[Claim] = []
    writing = False
    started = time.monotonic()
    try:
        for claim in wanted:
            if not await claims.take(db, claim, user_id, settings.orphan_claim_after_s):
                raise field_problem(409, claim.field, _TAKEN[claim.field.removeprefix("body.")])
            taken.append(claim)
        if time.monotonic() - started > settings.registration_deadline_s:
            # Past the deadline the claims may be about to look orphaned: writing the user row
            # now could race a takeover (see ``claims``).
            raise Problem(
                503, "registration took too long; try again", headers={"Retry-After": "1"}
            )
        writing = True
        me = await _insert_user(db, user_id, new, password_hash)
    except IntegrityError as exc:
        # Only the per-shard login index can refuse the row, and only if claims and rows
        # disagree (a claim lost to a wrongful takeover): still a conflict on the login.
        await _release(db, taken, user_id)
        raise field_problem(409, "body.login", _TAKEN["login"]) from exc
    except BaseException:
        if not writing:
            await _release(db, taken, user_id)
        else:
            # The row may or may not have been committed (a connection lost mid-commit):
            # releasing could free the names of a real account. Kept, the claims either
            # belong to the row, or become orphans that the next registrant takes over.
            log.warning("user %s: outcome of the write unknown; claims kept", user_id)
        raise
    return me


async def _insert_user(
    db: ShardedDatabase, user_id: uuid.UUID, new: UserCreate, password_hash: str
) -> Me:
    values = {
        "id": user_id,
        "login": new.login,
        "email": new.email,
        "name": new.name,
        "avatar_url": new.avatar_url,
        "password_hash": password_hash,
    }
    query = insert(users).values(values).returning(*PUBLIC, users.c.email)
    async with db.begin(user_id) as conn:
        row = (await conn.execute(query)).mappings().one()
    return Me(**to_user(row).model_dump(), email=row["email"])


async def _release(db: ShardedDatabase, taken: list[Claim], user_id: uuid.UUID) -> None:
    if not taken:
        return

    async def release_all() -> None:
        for claim in taken:
            try:
                await claims.release(db, claim, user_id)
            except Exception as exc:  # the orphan rule recovers the name later
                log.warning("could not release the %s claim: %s", claim.table.name, exc)

    # Shielded: a cancelled request must still give its names back.
    await asyncio.shield(release_all())
