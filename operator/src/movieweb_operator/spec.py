"""A ShardSet's spec as a typed value (the CRD's defaults repeated for objects read raw)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SLOTS = 4096
DEFAULT_IMAGE = "docker.io/library/postgres"
DEFAULT_VERSION = "17.6"
DEFAULT_STORAGE = "5Gi"


@dataclass(frozen=True)
class ShardSetSpec:
    name: str
    namespace: str
    service: str
    shards: int
    slots: int = DEFAULT_SLOTS
    image: str = DEFAULT_IMAGE
    version: str = DEFAULT_VERSION
    storage_size: str = DEFAULT_STORAGE
    storage_class: str | None = None
    resources: dict[str, dict[str, str]] = field(default_factory=dict)
    reclaim_policy: str = "Retain"
    generation: int = 0

    @property
    def image_ref(self) -> str:
        return f"{self.image}:{self.version}"

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> ShardSetSpec:
        meta = body["metadata"]
        spec = body.get("spec") or {}
        postgres = spec.get("postgres") or {}
        storage = spec.get("storage") or {}
        resources = {
            kind: {k: str(v) for k, v in (values or {}).items()}
            for kind, values in (spec.get("resources") or {}).items()
            if kind in ("limits", "requests")
        }
        return cls(
            name=meta["name"],
            namespace=meta["namespace"],
            service=spec["service"],
            shards=int(spec["shards"]),
            slots=int(spec.get("slots", DEFAULT_SLOTS)),
            image=postgres.get("image") or DEFAULT_IMAGE,
            version=str(postgres.get("version") or DEFAULT_VERSION),
            storage_size=str(storage.get("size") or DEFAULT_STORAGE),
            storage_class=storage.get("storageClassName") or None,
            resources=resources,
            reclaim_policy=spec.get("reclaimPolicy") or "Retain",
            generation=int(meta.get("generation") or 0),
        )
