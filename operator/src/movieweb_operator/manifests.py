"""The Kubernetes objects of one shard and the shard-map ConfigMap, as plain dicts.

They are applied with server-side apply, so each dict lists exactly the fields the operator
owns: a field removed here is removed from the object, fields set by others are left alone.

Postgres runs as the image's ``postgres`` user (uid/gid 999 in the Debian-based official image)
under the restricted Pod Security Standard: non-root, no privilege escalation, all capabilities
dropped, RuntimeDefault seccomp, and a read-only root filesystem; Postgres writes only to its
data volume, its socket directory and /tmp, which are volumes. ``fsGroup`` makes the data
volume writable by that group.
"""

from __future__ import annotations

import base64
from typing import Any

from . import names
from .spec import ShardSetSpec

POSTGRES_UID = 999
PGDATA_MOUNT = "/var/lib/postgresql/data"
# A sub-directory: the root of a fresh volume may hold lost+found, which initdb refuses.
PGDATA = f"{PGDATA_MOUNT}/pgdata"


def _secret_env(name: str, secret: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def _pg_isready() -> list[str]:
    # $(VAR) is expanded by the kubelet from the container's environment.
    return [
        "pg_isready",
        "-h",
        "127.0.0.1",
        "-p",
        str(names.POSTGRES_PORT),
        "-U",
        "$(POSTGRES_USER)",
        "-d",
        "$(POSTGRES_DB)",
    ]


def statefulset(
    spec: ShardSetSpec, index: int, volume_template: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The StatefulSet of shard ``index``.

    ``volume_template`` is the live StatefulSet's claim template when it exists: claim templates
    cannot change after creation (a larger size is applied to the claims themselves).
    """
    name = names.shard_name(spec.name, index)
    secret = names.secret_name(spec.name, index)
    selector = names.selector_labels(spec.name, index)
    labels = names.labels(spec.name, spec.service, index)
    claim = volume_template or _volume_template(spec, labels)
    container: dict[str, Any] = {
        "name": "postgres",
        "image": spec.image_ref,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "postgres", "containerPort": names.POSTGRES_PORT, "protocol": "TCP"}],
        "env": [
            _secret_env("POSTGRES_USER", secret, "username"),
            _secret_env("POSTGRES_PASSWORD", secret, "password"),
            _secret_env("POSTGRES_DB", secret, "dbname"),
            {"name": "PGDATA", "value": PGDATA},
        ],
        "resources": spec.resources,
        "startupProbe": {
            "exec": {"command": _pg_isready()},
            "periodSeconds": 5,
            "failureThreshold": 60,  # initdb and crash recovery may take minutes
        },
        "readinessProbe": {
            "exec": {"command": _pg_isready()},
            "periodSeconds": 5,
            "timeoutSeconds": 5,
            "failureThreshold": 3,
        },
        "livenessProbe": {
            "exec": {"command": _pg_isready()},
            "periodSeconds": 15,
            "timeoutSeconds": 5,
            "failureThreshold": 6,
        },
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": POSTGRES_UID,
            "runAsGroup": POSTGRES_UID,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": names.DATA_VOLUME, "mountPath": PGDATA_MOUNT},
            {"name": "run", "mountPath": "/var/run/postgresql"},
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 (an emptyDir of its own)
            {"name": "shm", "mountPath": "/dev/shm"},  # noqa: S108 (an emptyDir of its own)
        ],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": spec.namespace, "labels": labels},
        "spec": {
            "replicas": 1,
            "serviceName": names.service_name(spec.name, index),
            "selector": {"matchLabels": selector},
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate"},
            # The operator deletes claims itself (finalizer + reclaimPolicy); the StatefulSet
            # controller must never do it behind its back.
            "persistentVolumeClaimRetentionPolicy": {
                "whenDeleted": "Retain",
                "whenScaled": "Retain",
            },
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "terminationGracePeriodSeconds": 60,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": POSTGRES_UID,
                        "runAsGroup": POSTGRES_UID,
                        "fsGroup": POSTGRES_UID,
                        "fsGroupChangePolicy": "OnRootMismatch",
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": [
                        {"name": "run", "emptyDir": {"sizeLimit": "16Mi"}},
                        {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
                        # Postgres' parallel queries use POSIX shared memory; the runtime's
                        # default /dev/shm (64 MiB) is too small for them.
                        {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "256Mi"}},
                    ],
                },
            },
            "volumeClaimTemplates": [claim],
        },
    }


def _volume_template(spec: ShardSetSpec, labels: dict[str, str]) -> dict[str, Any]:
    claim_spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": spec.storage_size}},
    }
    if spec.storage_class:
        claim_spec["storageClassName"] = spec.storage_class
    # The StatefulSet controller copies these labels onto the claims: the finalizer finds the
    # claims of a ShardSet (or of one shard) by them.
    return {"metadata": {"name": names.DATA_VOLUME, "labels": labels}, "spec": claim_spec}


def service(spec: ShardSetSpec, index: int) -> dict[str, Any]:
    """Headless: it governs the StatefulSet and resolves to the shard's one pod."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": names.service_name(spec.name, index),
            "namespace": spec.namespace,
            "labels": names.labels(spec.name, spec.service, index),
        },
        "spec": {
            "clusterIP": "None",
            "selector": names.selector_labels(spec.name, index),
            "ports": [
                {
                    "name": "postgres",
                    "port": names.POSTGRES_PORT,
                    "targetPort": "postgres",
                    "protocol": "TCP",
                }
            ],
        },
    }


def secret(spec: ShardSetSpec, index: int, password: str) -> dict[str, Any]:
    values = {
        "username": spec.service,
        "password": password,
        "dbname": spec.service,
        "host": f"{names.service_name(spec.name, index)}.{spec.namespace}.svc",
        "port": str(names.POSTGRES_PORT),
    }
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/basic-auth",
        "metadata": {
            "name": names.secret_name(spec.name, index),
            "namespace": spec.namespace,
            "labels": names.labels(spec.name, spec.service, index),
        },
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()},
    }


def shardmap_configmap(spec: ShardSetSpec, version: int, document: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": names.shardmap_name(spec.name),
            "namespace": spec.namespace,
            "labels": names.labels(spec.name, spec.service),
            "annotations": {names.ANNOTATION_MAP_VERSION: str(version)},
        },
        "data": {names.SHARDMAP_KEY: document},
    }
