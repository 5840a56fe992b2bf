"""Log-in: check a login and password, and issue a token.

An unknown login costs the same argon2 verification as a wrong password (against a dummy
hash), and both answer the same 401, so neither the answer nor its timing tells which logins
exist.
"""

from __future__ import annotations

import re

from movieweb_shared.db import ShardedDatabase
from sqlalchemy import func, select, update

from . import claims
from .keys import KeyRing
from .models import login_claims, users
from .passwords import Passwords
from .queries import PUBLIC, to_user
from .schemas import Token, User
from .settings import UsersSettings

_LOGIN = re.compile(r"[a-z0-9_.]{1,32}")


async def authenticate(
    db: ShardedDatabase, passwords: Passwords, login: str, password: str
) -> User | None:
    """The user whose login and password these are, or None."""
    login = login.lower()
    # A string that cannot be a login (e.g. containing NUL, which Postgres text refuses) has
    # no account; it still pays for a verification.
    user_id = await claims.holder(db, login_claims, login) if _LOGIN.fullmatch(login) else None
    row = None
    if user_id is not None:
        async with db.connect(user_id) as conn:
            query = select(*PUBLIC, users.c.password_hash).where(users.c.id == user_id)
            row = (await conn.execute(query)).mappings().first()
    if row is None:
        await passwords.burn(password)
        return None
    stored: str = row["password_hash"]
    if not await passwords.verify(stored, password):
        return None
    if passwords.needs_rehash(stored):
        # The cost parameters changed since this hash was made: upgrade it now, while the
        # plain password is at hand (the only moment it ever is).
        fresh = await passwords.hash(password)
        async with db.begin(row["id"]) as conn:
            await conn.execute(
                update(users)
                .where(users.c.id == row["id"], users.c.password_hash == stored)
                .values(password_hash=fresh, updated_at=func.now())
            )
    return to_user(row)


def issue_token(keys: KeyRing, settings: UsersSettings, user: User) -> Token:
    token = keys.current.sign(
        user.id,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_s=settings.token_ttl_s,
    )
    return Token(access_token=token, expires_in=settings.token_ttl_s, user=user)
