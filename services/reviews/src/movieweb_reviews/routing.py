"""Review ids that carry their shard: ``DELETE /reviews/{id}`` needs no fan-out.

Reviews live on their movie's shard, but a review id alone names no movie. Instead of asking
every shard, the service mints review ids whose top 16 bits hold the movie's hash slot (the rest
is a random UUIDv4; version and variant bits are untouched). The slot of a key never changes —
only the slot→shard assignment does, through a new shard-map version — so an id keeps routing
to the right shard across resharding. An id whose slot bits are out of range was not minted
here and is simply unknown (404).
"""

from __future__ import annotations

import uuid

from movieweb_shared.db import Shard, ShardedDatabase
from movieweb_shared.sharding import slot_of

_SLOT_SHIFT = 112  # 128 - 16: the first four hex digits of the id
_SLOT_MASK = 0xFFFF << _SLOT_SHIFT


def new_review_id(movie_id: uuid.UUID, slots: int) -> uuid.UUID:
    """A random id whose slot bits name ``movie_id``'s slot (slots ≤ 65536, as the map allows)."""
    raw = uuid.uuid4().int & ~_SLOT_MASK
    return uuid.UUID(int=raw | (slot_of(movie_id, slots) << _SLOT_SHIFT))


def slot_of_review(review_id: uuid.UUID) -> int:
    return review_id.int >> _SLOT_SHIFT


def shard_of_review(db: ShardedDatabase, review_id: uuid.UUID) -> Shard | None:
    """The shard that holds ``review_id`` if it exists anywhere; None for ids not minted here."""
    slot = slot_of_review(review_id)
    shard_map = db.map
    if slot >= shard_map.slots:
        return None
    spec = shard_map.shard_for_slot(slot)
    return next(s for s in db.shards if s.name == spec.name)


def shard_of_movie(db: ShardedDatabase, movie_id: uuid.UUID) -> Shard:
    return db.shard_for(movie_id)
