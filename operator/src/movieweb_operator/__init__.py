"""The Movieweb operator: reconciles ShardSets into Postgres shards and published shard maps.

``kopf run -m movieweb_operator`` imports this package, which registers the handlers.
"""

from __future__ import annotations

from . import handlers as handlers
