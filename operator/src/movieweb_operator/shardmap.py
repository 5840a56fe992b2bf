"""The shard map a ShardSet publishes, and how it may change.

The map is ``movieweb_shared.sharding.ShardMap`` (the services load exactly this model), so
every map is validated by the same code that reads it: each slot is owned by exactly one shard.

Rules:
- A new ShardSet splits its slots evenly over its shards.
- Scaling up appends shards that own no slots: no row moves, so nothing must be copied.
  Moving slots onto them is a later, separate step (a new map version with changed ranges).
- Scaling down may only remove shards that own no slots; otherwise it is refused.
- The version increases by one whenever anything in the map changes, so a service can tell
  a new map from the one it has and never goes back to an older one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from movieweb_shared.sharding import ShardMap, ShardSpec

from . import names
from .spec import ShardSetSpec


@dataclass(frozen=True)
class MapPlan:
    shard_map: ShardMap | None  # the map to publish; None when the change is refused
    changed: bool = False  # differs from the current map (so its version was bumped)
    refused: str | None = None  # why the spec cannot be applied


def even_ranges(index: int, shards: int, slots: int) -> list[list[int]]:
    """The contiguous range of shard ``index`` when ``slots`` are split over ``shards``."""
    start, end = index * slots // shards, (index + 1) * slots // shards - 1
    return [[start, end]] if start <= end else []


def _format_ranges(ranges: list[list[int]]) -> str:
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges)


def _shard(spec: ShardSetSpec, index: int, ranges: list[list[int]], secrets_dir: str) -> ShardSpec:
    return ShardSpec(
        name=names.shard_name(spec.name, index),
        host=f"{names.service_name(spec.name, index)}.{spec.namespace}.svc",
        port=names.POSTGRES_PORT,
        database=spec.service,
        user=spec.service,
        password_file=Path(names.password_file(secrets_dir, spec.name, index)),
        ranges=ranges,
    )


def plan(
    spec: ShardSetSpec, current: ShardMap | None, secrets_dir: str, last_version: int = 0
) -> MapPlan:
    """The map for ``spec``, given the map published now (None if there is none yet).

    ``last_version`` is the highest version published before (from the ShardSet's status): a
    map made from scratch still gets a newer version than any map a service may hold.
    """
    if current is None:
        shards = [
            _shard(spec, i, even_ranges(i, spec.shards, spec.slots), secrets_dir)
            for i in range(spec.shards)
        ]
        return MapPlan(
            ShardMap(version=last_version + 1, slots=spec.slots, shards=shards), changed=True
        )

    if current.slots != spec.slots:
        return MapPlan(
            None,
            refused=(
                f"spec.slots is {spec.slots} but the published map has {current.slots} slots; "
                "the number of slots cannot change"
            ),
        )
    assigned = {s.name: [list(r) for r in s.ranges] for s in current.shards}
    wanted = {names.shard_name(spec.name, i) for i in range(spec.shards)}
    # Shards of the map that the spec drops (or that do not follow our naming at all).
    blocked = [s for s in current.shards if s.name not in wanted and s.ranges]
    if blocked:
        held = "; ".join(f"{s.name} owns slots {_format_ranges(s.ranges)}" for s in blocked)
        return MapPlan(
            None,
            refused=(
                f"cannot scale down to {spec.shards} shards: {held}. Move those slots to the "
                f"remaining shards first (a new shard map version), or set spec.shards back to "
                f"{len(current.shards)}"
            ),
        )
    shards = [
        _shard(spec, i, assigned.get(names.shard_name(spec.name, i), []), secrets_dir)
        for i in range(spec.shards)
    ]
    candidate = ShardMap(version=current.version, slots=spec.slots, shards=shards)
    if _content(candidate) == _content(current):
        return MapPlan(current, changed=False)
    return MapPlan(
        ShardMap(version=current.version + 1, slots=spec.slots, shards=shards), changed=True
    )


def _content(shard_map: ShardMap) -> dict[str, Any]:
    data = to_json_dict(shard_map)
    data.pop("version")
    return data


def to_json_dict(shard_map: ShardMap) -> dict[str, Any]:
    """The document the services read (``ShardMap.dump`` writes the same)."""
    return shard_map.model_dump(mode="json", exclude_none=True)


def to_json(shard_map: ShardMap) -> str:
    return json.dumps(to_json_dict(shard_map), indent=2)


def parse(text: str | None) -> ShardMap | None:
    """A published map, or None when missing or unreadable (then it is re-published)."""
    if not text:
        return None
    try:
        return ShardMap.model_validate_json(text)
    except ValueError:
        return None
