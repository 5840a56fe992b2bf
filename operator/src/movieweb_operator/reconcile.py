"""One reconcile of a ShardSet: make the children match the spec, publish the map, report.

The same function serves creation, spec changes, operator restarts and the drift timer: it
reads the ShardSet afresh, computes what should exist and applies it, so running it twice in
a row changes nothing the second time.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import kopf
from kubernetes.client.exceptions import ApiException
from kubernetes.utils import parse_quantity
from movieweb_shared.sharding import ShardMap

from . import manifests, metrics, names, shardmap
from .kube import Kube
from .spec import ShardSetSpec
from .status import Observation, build_status

log = logging.getLogger("movieweb.operator")

# The change handlers and the drift timer of one ShardSet run in different threads; one lock
# per ShardSet keeps them from interleaving (e.g. two map versions computed at once).
_locks: defaultdict[tuple[str, str], threading.Lock] = defaultdict(threading.Lock)


def lock_for(namespace: str, name: str) -> threading.Lock:
    return _locks[(namespace, name)]


@dataclass(frozen=True)
class Result:
    outcome: str  # success | refused | gone
    map_version: int = 0
    ready_shards: int = 0
    message: str = ""


def reconcile(kube: Kube, namespace: str, name: str, secrets_dir: str) -> Result:
    """Reconcile one ShardSet, recording metrics; API errors are reported and re-raised."""
    started = time.perf_counter()
    try:
        with lock_for(namespace, name):
            result = _reconcile(kube, namespace, name, secrets_dir)
    except ApiException as exc:
        metrics.RECONCILES.labels("error").inc()
        metrics.RECONCILE_ERRORS.inc()
        if exc.status != 409:  # a conflict is routine: retried at once, not worth a condition
            _report_error(kube, namespace, name, f"Kubernetes API error {exc.status}: {exc.reason}")
        # A conflict (someone wrote in between) is retried at once, anything else after a pause.
        delay = 1 if exc.status == 409 else 10
        raise kopf.TemporaryError(f"API error {exc.status} {exc.reason}", delay=delay) from exc
    finally:
        metrics.RECONCILE_DURATION.observe(time.perf_counter() - started)
    if result.outcome != "gone":
        metrics.RECONCILES.labels(result.outcome).inc()
    return result


def _reconcile(kube: Kube, namespace: str, name: str, secrets_dir: str) -> Result:
    body = kube.get_shardset(namespace, name)
    if body is None or body["metadata"].get("deletionTimestamp"):
        return Result("gone")  # deleted (or being deleted: the finalizer takes over)
    spec = ShardSetSpec.from_body(body)
    status = body.get("status") or {}
    last_version = int(status.get("shardMapVersion") or 0)

    if len(spec.name) > names.MAX_SHARDSET_NAME:
        message = (
            f"the ShardSet name is {len(spec.name)} characters long; at most "
            f"{names.MAX_SHARDSET_NAME} leave room for the names of its pods and services"
        )
        _patch_status(kube, spec, status, last_version, [], refused=message)
        return Result("refused", last_version, message=message)

    current, map_resource_version = _published_map(kube, spec, body)
    plan = shardmap.plan(spec, current, secrets_dir, last_version)
    if plan.shard_map is None:
        # Refused: nothing is touched; the condition says why and what to do.
        message = plan.refused or "refused"
        version = current.version if current is not None else last_version
        ready = _ready(kube, spec, range(len(current.shards) if current else spec.shards))
        _patch_status(kube, spec, status, version, ready, refused=message)
        return Result("refused", version, len([r for r in ready if r[1]]), message)

    new_map = plan.shard_map
    # New shards first, so that a published map never names a shard that does not exist.
    for index in range(spec.shards):
        _apply_shard(kube, body, spec, index)
    _publish(kube, body, spec, new_map, map_resource_version)
    if plan.changed:
        log.info(
            "ShardSet %s/%s: shard map version %d published (%d shards)",
            namespace,
            name,
            new_map.version,
            len(new_map.shards),
        )
    # Shards the spec dropped own no slots (else the plan was refused) and are out of the map.
    if current is not None:
        for shard in current.shards:
            dropped = names.shard_index(spec.name, shard.name)
            if dropped is not None and dropped >= spec.shards:
                remove_shard(kube, spec, dropped)

    ready = _ready(kube, spec, range(spec.shards))
    _patch_status(kube, spec, status, new_map.version, ready)
    ready_count = len([r for r in ready if r[1]])
    return Result("success", new_map.version, ready_count)


def _published_map(
    kube: Kube, spec: ShardSetSpec, body: dict[str, Any]
) -> tuple[ShardMap | None, str | None]:
    """The map services see now (the ConfigMap, else the copy kept on the ShardSet), and the
    ConfigMap's resourceVersion."""
    configmap = kube.get_configmap(spec.namespace, names.shardmap_name(spec.name)) or {}
    published = shardmap.parse((configmap.get("data") or {}).get(names.SHARDMAP_KEY))
    backup = shardmap.parse(
        (body["metadata"].get("annotations") or {}).get(names.ANNOTATION_MAP_BACKUP)
    )
    candidates = [m for m in (published, backup) if m is not None]
    # The newer one wins: a crash between publishing and the backup leaves the ConfigMap ahead.
    current = max(candidates, key=lambda m: m.version) if candidates else None
    return current, (configmap.get("metadata") or {}).get("resourceVersion")


def _publish(
    kube: Kube,
    body: dict[str, Any],
    spec: ShardSetSpec,
    shard_map: ShardMap,
    resource_version: str | None,
) -> None:
    document = shardmap.to_json(shard_map)
    configmap = manifests.shardmap_configmap(spec, shard_map.version, document)
    if resource_version is not None:
        # Optimistic lock: if anyone changed the map since it was read (an operator replica
        # that has not noticed yet that another one took over), this write fails with 409 and
        # the reconcile starts again from the new map, instead of publishing a stale one.
        configmap["metadata"]["resourceVersion"] = resource_version
    kopf.adopt(configmap, owner=kopf.Body(cast(kopf.RawBody, body)))
    kube.apply(configmap)
    annotations = body["metadata"].get("annotations") or {}
    compact = shardmap.to_json_dict(shard_map)
    if shardmap.parse(annotations.get(names.ANNOTATION_MAP_BACKUP)) != shard_map:
        kube.annotate_shardset(
            spec.namespace,
            spec.name,
            {names.ANNOTATION_MAP_BACKUP: json.dumps(compact, separators=(",", ":"))},
        )


def _apply_shard(kube: Kube, owner: dict[str, Any], spec: ShardSetSpec, index: int) -> None:
    # The Secret keeps the credentials it was created with: a password is generated once.
    secret_name = names.secret_name(spec.name, index)
    existing = kube.get_secret_data(spec.namespace, secret_name) or {}
    password = existing.get("password")
    if not password:
        fresh = manifests.secret(spec, index, secrets.token_urlsafe(32))
        kopf.adopt(fresh, owner=kopf.Body(cast(kopf.RawBody, owner)))
        kube.create_secret_once(fresh)
        password = (kube.get_secret_data(spec.namespace, secret_name) or {}).get("password")
        if not password:
            raise RuntimeError(f"Secret {spec.namespace}/{secret_name} has no password")
    secret = manifests.secret(spec, index, password)
    service = manifests.service(spec, index)

    live = kube.get_statefulset(spec.namespace, names.shard_name(spec.name, index))
    template = None
    if live is not None:
        claims = live["spec"].get("volumeClaimTemplates") or []
        template = next((c for c in claims if c["metadata"]["name"] == names.DATA_VOLUME), None)
        if template is not None:
            template = {
                "metadata": template["metadata"],
                "spec": {
                    k: v
                    for k, v in template["spec"].items()
                    if k in ("accessModes", "resources", "storageClassName")
                },
            }
            _grow_claims(kube, spec, index)
    statefulset = manifests.statefulset(spec, index, template)

    children = [secret, service, statefulset]
    kopf.adopt(children, owner=kopf.Body(cast(kopf.RawBody, owner)))
    for child in children:
        kube.apply(child)


def _grow_claims(kube: Kube, spec: ShardSetSpec, index: int) -> None:
    """A larger spec.storage.size is applied to existing claims (volume expansion).

    Only bound claims can grow, and only when their storage class allows expansion; a claim
    that cannot is left as it is (logged) rather than blocking the rest of the reconcile.
    """
    selector = f"{names.LABEL_SHARDSET}={spec.name},{names.LABEL_SHARD}={index}"
    wanted = _quantity(spec.storage_size)
    for claim in kube.list_claims(spec.namespace, selector):
        size = ((claim.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage")
        bound = (claim.get("status") or {}).get("phase") == "Bound"
        if not bound or size is None or _quantity(size) >= wanted:
            continue
        try:
            kube.resize_claim(spec.namespace, claim["metadata"]["name"], spec.storage_size)
        except ApiException as exc:
            if exc.status not in (403, 422):
                raise
            log.warning(
                "claim %s/%s cannot grow to %s: %s",
                spec.namespace,
                claim["metadata"]["name"],
                spec.storage_size,
                exc.reason,
            )


def _quantity(value: str) -> Decimal:
    parsed: Decimal = parse_quantity(value)  # type: ignore[no-untyped-call]
    return parsed


def remove_shard(kube: Kube, spec: ShardSetSpec, index: int) -> None:
    """Delete the children of one shard; its claims only under reclaimPolicy Delete."""
    kube.delete("StatefulSet", spec.namespace, names.shard_name(spec.name, index))
    kube.delete("Service", spec.namespace, names.service_name(spec.name, index))
    kube.delete("Secret", spec.namespace, names.secret_name(spec.name, index))
    if spec.reclaim_policy == "Delete":
        selector = f"{names.LABEL_SHARDSET}={spec.name},{names.LABEL_SHARD}={index}"
        for claim in kube.list_claims(spec.namespace, selector):
            kube.delete("PersistentVolumeClaim", spec.namespace, claim["metadata"]["name"])


def _ready(kube: Kube, spec: ShardSetSpec, indexes: range) -> list[tuple[str, bool]]:
    """(shard name, ready) from each StatefulSet's status.readyReplicas."""
    selector = f"{names.LABEL_SHARDSET}={spec.name}"
    by_name = {s["metadata"]["name"]: s for s in kube.list_statefulsets(spec.namespace, selector)}
    out = []
    for index in indexes:
        shard = names.shard_name(spec.name, index)
        sts = by_name.get(shard)
        ready = sts is not None and int((sts.get("status") or {}).get("readyReplicas") or 0) >= 1
        out.append((shard, ready))
    return out


def _patch_status(
    kube: Kube,
    spec: ShardSetSpec,
    previous: dict[str, Any],
    version: int,
    ready: list[tuple[str, bool]],
    *,
    refused: str | None = None,
    error: str | None = None,
) -> None:
    obs = Observation(
        generation=spec.generation,
        shards=spec.shards,
        ready_shards=len([r for r in ready if r[1]]),
        not_ready=[n for n, ok in ready if not ok],
        map_version=version,
        refused=refused,
        error=error,
    )
    kube.patch_shardset_status(spec.namespace, spec.name, build_status(obs, previous))


def _report_error(kube: Kube, namespace: str, name: str, message: str) -> None:
    try:
        body = kube.get_shardset(namespace, name)
        if body is None:
            return
        spec = ShardSetSpec.from_body(body)
        status = body.get("status") or {}
        _patch_status(
            kube,
            spec,
            status,
            int(status.get("shardMapVersion") or 0),
            [(names.shard_name(spec.name, i), False) for i in range(spec.shards)],
            error=message,
        )
    except Exception:  # the API may be what failed; the error is raised by the caller anyway
        log.debug("could not report the error on %s/%s", namespace, name, exc_info=True)


def finalize(kube: Kube, namespace: str, name: str, body: dict[str, Any]) -> list[str]:
    """Delete every child of a ShardSet that is being deleted; returns what was deleted.

    Explicit deletion rather than relying on owner references: it does not depend on a
    garbage collector, and claims (which the StatefulSet controller creates without owner
    references to the ShardSet) are handled by the reclaim policy.
    """
    spec = ShardSetSpec.from_body(body)
    deleted: list[str] = []
    with lock_for(namespace, name):
        kube.patch_shardset_status(namespace, name, {"phase": "Deleting"})
        selector = f"{names.LABEL_SHARDSET}={spec.name}"
        indexes = {
            int(s["metadata"]["labels"].get(names.LABEL_SHARD, -1))
            for s in kube.list_statefulsets(namespace, selector)
        }
        indexes |= set(range(spec.shards))
        for index in sorted(i for i in indexes if i >= 0):
            for kind, child in (
                ("StatefulSet", names.shard_name(spec.name, index)),
                ("Service", names.service_name(spec.name, index)),
                ("Secret", names.secret_name(spec.name, index)),
            ):
                if kube.delete(kind, namespace, child):
                    deleted.append(f"{kind}/{child}")
        if kube.delete("ConfigMap", namespace, names.shardmap_name(spec.name)):
            deleted.append(f"ConfigMap/{names.shardmap_name(spec.name)}")
        if spec.reclaim_policy == "Delete":
            for claim in kube.list_claims(namespace, selector):
                kube.delete("PersistentVolumeClaim", namespace, claim["metadata"]["name"])
                deleted.append(f"PersistentVolumeClaim/{claim['metadata']['name']}")
    _locks.pop((namespace, name), None)
    return deleted
