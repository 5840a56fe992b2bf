"""The slot hash and the versioned shard map.

Every row belongs to one of ``slots`` hash slots (4096 by default, fixed when a service's data is
created). The slot of a key is::

    slot = int.from_bytes(blake2b(key_bytes, digest_size=8).digest(), "big") % slots

where ``key_bytes`` are the 16 raw bytes of a UUID key (``uuid.bytes``, big-endian) and the
UTF-8 bytes of a text key. The hash is stable across processes, machines and Python versions
(unlike ``hash()``), cheap, and evenly spread; ``tests`` pin vectors so it can never change by
accident, because changing it would strand every row on the wrong shard.

A shard map assigns inclusive slot ranges to databases and carries a ``version``: moving slots
between shards is one atomic change of the map (a new version), never an edit in place.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from functools import cached_property
from pathlib import Path
from typing import Annotated, Self
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_SLOTS = 4096

ShardKey = uuid.UUID | str | bytes


def key_bytes(key: ShardKey) -> bytes:
    if isinstance(key, uuid.UUID):
        return key.bytes
    if isinstance(key, str):
        return key.encode("utf-8")
    return bytes(key)


def slot_of(key: ShardKey, slots: int = DEFAULT_SLOTS) -> int:
    digest = hashlib.blake2b(key_bytes(key), digest_size=8).digest()
    return int.from_bytes(digest, "big") % slots


SlotRange = Annotated[list[int], Field(min_length=2, max_length=2)]


class ShardSpec(BaseModel):
    """One database. Either ``dsn``, or ``host``/``database``/``user`` with a password file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=63)
    ranges: list[SlotRange]
    dsn: str | None = None
    host: str | None = None
    port: int = 5432
    database: str | None = None
    user: str | None = None
    password_file: Path | None = None

    @model_validator(mode="after")
    def _has_location(self) -> Self:
        if self.dsn is None and (self.host is None or self.database is None):
            raise ValueError(f"shard {self.name!r}: give either dsn or host and database")
        return self

    def url(self) -> str:
        """An SQLAlchemy asyncpg URL for this shard (the password file is read now)."""
        if self.dsn is not None:
            dsn = self.dsn
            for prefix in ("postgresql://", "postgres://"):
                if dsn.startswith(prefix):
                    return "postgresql+asyncpg://" + dsn[len(prefix) :]
            return dsn
        password = ""
        if self.password_file is not None:
            password = self.password_file.read_text().strip()
        user = quote(self.user or "postgres", safe="")
        auth = f"{user}:{quote(password, safe='')}@" if password else f"{user}@"
        return f"postgresql+asyncpg://{auth}{self.host}:{self.port}/{self.database}"


class ShardMap(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=1, ge=1)
    slots: int = Field(default=DEFAULT_SLOTS, ge=1, le=65536)
    shards: list[ShardSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _ranges_cover_every_slot_once(self) -> Self:
        names = [s.name for s in self.shards]
        if len(set(names)) != len(names):
            raise ValueError("shard names must be unique")
        owner = [-1] * self.slots
        for index, shard in enumerate(self.shards):
            for start, end in shard.ranges:
                if not 0 <= start <= end < self.slots:
                    raise ValueError(
                        f"shard {shard.name!r}: range [{start}, {end}] is outside 0..{self.slots - 1}"
                    )
                for slot in range(start, end + 1):
                    if owner[slot] != -1:
                        raise ValueError(f"slot {slot} is assigned twice")
                    owner[slot] = index
        missing = [slot for slot, o in enumerate(owner) if o == -1]
        if missing:
            raise ValueError(f"{len(missing)} slots are not assigned (first: {missing[0]})")
        return self

    @cached_property
    def _owner(self) -> list[int]:
        owner = [0] * self.slots
        for index, shard in enumerate(self.shards):
            for start, end in shard.ranges:
                owner[start : end + 1] = [index] * (end - start + 1)
        return owner

    def shard_for_slot(self, slot: int) -> ShardSpec:
        return self.shards[self._owner[slot]]

    def shard_for_key(self, key: ShardKey) -> ShardSpec:
        return self.shard_for_slot(slot_of(key, self.slots))

    @classmethod
    def single(cls, dsn: str, *, name: str = "shard-0", slots: int = DEFAULT_SLOTS) -> ShardMap:
        return cls(
            version=1, slots=slots, shards=[ShardSpec(name=name, dsn=dsn, ranges=[[0, slots - 1]])]
        )

    @classmethod
    def even(cls, dsns: list[str], *, slots: int = DEFAULT_SLOTS, version: int = 1) -> ShardMap:
        """Split the slots into ``len(dsns)`` contiguous ranges of near-equal size."""
        n = len(dsns)
        shards = []
        for i, dsn in enumerate(dsns):
            start, end = i * slots // n, (i + 1) * slots // n - 1
            shards.append(ShardSpec(name=f"shard-{i}", dsn=dsn, ranges=[[start, end]]))
        return cls(version=version, slots=slots, shards=shards)

    @classmethod
    def load(cls, path: Path) -> ShardMap:
        return cls.model_validate_json(path.read_bytes())

    def dump(self, path: Path) -> None:
        """Write atomically (a reader never sees half a map)."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.model_dump(mode="json", exclude_none=True), indent=2))
        tmp.replace(path)
