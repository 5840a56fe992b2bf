"""The ShardSet status: a phase and the conditions Ready, Progressing and Degraded.

Conditions follow the Kubernetes convention (type, status, reason, message,
lastTransitionTime, observedGeneration); ``lastTransitionTime`` changes only when a
condition's status flips, so it tells since when something has been so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Observation:
    generation: int
    shards: int
    ready_shards: int
    not_ready: Sequence[str]
    map_version: int
    refused: str | None = None  # the spec cannot be applied (e.g. a refused scale-down)
    error: str | None = None  # the last reconcile failed


def _condition(type_: str, ok: bool, reason: str, message: str) -> dict[str, Any]:
    return {
        "type": type_,
        "status": "True" if ok else "False",
        "reason": reason,
        "message": message,
    }


def conditions_for(obs: Observation) -> list[dict[str, Any]]:
    all_ready = obs.ready_shards >= obs.shards
    waiting = ", ".join(obs.not_ready[:8]) + (" …" if len(obs.not_ready) > 8 else "")
    if obs.refused is not None:
        ready = _condition("Ready", False, "SpecRefused", obs.refused)
        progressing = _condition(
            "Progressing",
            False,
            "SpecRefused",
            "the spec is not applied; the shards are left as they are",
        )
        degraded = _condition("Degraded", True, "SpecRefused", obs.refused)
    elif obs.error is not None:
        ready = _condition(
            "Ready",
            all_ready,
            "ReconcileFailed" if not all_ready else "AllShardsReady",
            obs.error if not all_ready else f"{obs.ready_shards}/{obs.shards} shards ready",
        )
        progressing = _condition(
            "Progressing", True, "Retrying", f"reconcile failed, retrying: {obs.error}"
        )
        degraded = _condition("Degraded", True, "ReconcileFailed", obs.error)
    else:
        if all_ready:
            ready = _condition(
                "Ready",
                True,
                "AllShardsReady",
                f"{obs.ready_shards}/{obs.shards} shards ready, shard map version {obs.map_version}",
            )
            progressing = _condition(
                "Progressing", False, "ReconcileComplete", "all shards are up to date and ready"
            )
        else:
            msg = f"{obs.ready_shards}/{obs.shards} shards ready; waiting for {waiting}"
            ready = _condition("Ready", False, "ShardsNotReady", msg)
            progressing = _condition("Progressing", True, "WaitingForShards", msg)
        degraded = _condition("Degraded", False, "AsExpected", "the spec is applied")
    return [ready, progressing, degraded]


def phase_for(obs: Observation) -> str:
    if obs.refused is not None or obs.error is not None:
        return "Degraded"
    if obs.ready_shards >= obs.shards:
        return "Ready"
    return "Provisioning"


def build_status(
    obs: Observation, previous: Mapping[str, Any] | None, now: datetime | None = None
) -> dict[str, Any]:
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = {c.get("type"): c for c in (previous or {}).get("conditions") or []}
    conditions = []
    for cond in conditions_for(obs):
        old = before.get(cond["type"])
        same = old is not None and old.get("status") == cond["status"]
        cond["lastTransitionTime"] = old.get("lastTransitionTime", stamp) if same and old else stamp
        cond["observedGeneration"] = obs.generation
        conditions.append(cond)
    return {
        "phase": phase_for(obs),
        "readyShards": obs.ready_shards,
        "shardMapVersion": obs.map_version,
        "observedGeneration": obs.generation,
        "conditions": conditions,
    }
