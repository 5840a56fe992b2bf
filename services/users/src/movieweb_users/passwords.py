"""argon2id password hashing, off the event loop.

Hashing is deliberately slow (tens of milliseconds of CPU and ``argon2_memory_kib`` of RAM), so it
runs in a small dedicated thread pool: the event loop keeps serving other requests meanwhile
(argon2-cffi releases the GIL inside libargon2), and the pool size bounds both CPU and memory.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from .settings import UsersSettings

T = TypeVar("T")


class Passwords:
    def __init__(self, settings: UsersSettings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        self._pool = ThreadPoolExecutor(
            max_workers=settings.hash_threads, thread_name_prefix="argon2"
        )
        self._dummy_hash: str | None = None

    @property
    def parameters(self) -> str:
        h = self._hasher
        return f"argon2id t={h.time_cost} m={h.memory_cost} KiB p={h.parallelism}"

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    async def start(self) -> None:
        # A hash of nothing anyone knows, with the current parameters: log-ins naming an unknown
        # account verify against it, so they cost as much as a real check and their timing does
        # not reveal which logins exist.
        self._dummy_hash = await self.hash(secrets.token_urlsafe(24))

    async def hash(self, password: str) -> str:
        return await self._run(lambda: self._hasher.hash(password))

    async def verify(self, password_hash: str, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await self._run(check)

    async def burn(self, password: str) -> None:
        """Spend the time of a real verification, for an account that does not exist."""
        if self._dummy_hash is None:
            await self.start()
        assert self._dummy_hash is not None
        await self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
