"""Predictable names and labels of everything the operator creates for a ShardSet.

Shard ``i`` (0-based) of ShardSet ``<name>``:

- StatefulSet ``<name>-<i>`` (also the shard's name in the shard map), its pod ``<name>-<i>-0``
  and its volume claim ``data-<name>-<i>-0``;
- Service ``<name>-<i>-rw`` (headless, governs the StatefulSet; DNS ``<name>-<i>-rw.<ns>.svc``);
- Secret ``<name>-<i>-app`` with keys ``username``, ``password``, ``dbname``, ``host``, ``port``.

One ConfigMap ``<name>-shardmap`` with key ``shardmap.json`` per ShardSet.
"""

from __future__ import annotations

GROUP = "movieweb.io"
VERSION = "v1alpha1"
PLURAL = "shardsets"
KIND = "ShardSet"

SHARDMAP_KEY = "shardmap.json"
DATA_VOLUME = "data"
POSTGRES_PORT = 5432

LABEL_SHARDSET = "movieweb.io/shardset"
LABEL_SHARD = "movieweb.io/shard"
LABEL_SERVICE = "movieweb.io/service"
ANNOTATION_MAP_VERSION = "movieweb.io/shardmap-version"
# A copy of the published slot assignment on the ShardSet itself, so that a deleted map
# ConfigMap comes back with the same ranges (the map must never be re-derived from scratch).
ANNOTATION_MAP_BACKUP = "movieweb.io/shardmap-backup"
FINALIZER = "movieweb.io/finalizer"
FIELD_MANAGER = "movieweb-operator"

# The longest child name is the pod "<name>-<i>-0" plus the StatefulSet controller's
# revision label "<name>-<i>-<10-char hash>"; both must stay within 63 characters, so the
# ShardSet name is limited to leave room for "-63-rw" and the hash.
MAX_SHARDSET_NAME = 40


def shard_name(shardset: str, index: int) -> str:
    return f"{shardset}-{index}"


def service_name(shardset: str, index: int) -> str:
    return f"{shard_name(shardset, index)}-rw"


def secret_name(shardset: str, index: int) -> str:
    return f"{shard_name(shardset, index)}-app"


def shardmap_name(shardset: str) -> str:
    return f"{shardset}-shardmap"


def password_file(secrets_dir: str, shardset: str, index: int) -> str:
    return f"{secrets_dir.rstrip('/')}/{shard_name(shardset, index)}/password"


def shard_index(shardset: str, name: str) -> int | None:
    """The index ``i`` of ``<shardset>-<i>``, or None for a name of another pattern."""
    prefix = f"{shardset}-"
    if name.startswith(prefix) and name[len(prefix) :].isdigit():
        return int(name[len(prefix) :])
    return None


def selector_labels(shardset: str, index: int) -> dict[str, str]:
    return {LABEL_SHARDSET: shardset, LABEL_SHARD: str(index)}


def labels(shardset: str, service: str, index: int | None = None) -> dict[str, str]:
    out = {
        "app.kubernetes.io/name": "postgres",
        "app.kubernetes.io/instance": shardset,
        "app.kubernetes.io/component": "database",
        "app.kubernetes.io/part-of": "movieweb",
        "app.kubernetes.io/managed-by": "movieweb-operator",
        LABEL_SHARDSET: shardset,
        LABEL_SERVICE: service,
    }
    if index is not None:
        out[LABEL_SHARD] = str(index)
    return out
