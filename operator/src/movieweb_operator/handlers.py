"""kopf handlers: every event of a ShardSet leads to the same idempotent reconcile.

- create / spec update / resume (operator start): reconcile now;
- a timer every ``MOVIEWEB_OPERATOR_RECONCILE_INTERVAL_S`` seconds: reconcile again, which
  repairs drift (a deleted or edited child is put back);
- delete: the finalizer deletes the children, and the claims under reclaimPolicy Delete.

Handlers are synchronous (kopf runs them in its thread pool): the official client is blocking.
"""

from __future__ import annotations

import logging
import random
from typing import Any

import kopf

from . import metrics, names
from .config import OperatorSettings
from .kube import Kube, load_config
from .reconcile import finalize, reconcile

SETTINGS = OperatorSettings()
log = logging.getLogger("movieweb.operator")

_kube: Kube | None = None


def kube() -> Kube:
    global _kube
    if _kube is None:
        load_config()
        _kube = Kube()
    return _kube


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    logging.getLogger().setLevel(SETTINGS.log_level.upper())
    # Our own annotation keys and finalizer (kopf's default status field would be pruned by
    # the CRD's structural schema, so progress is kept in annotations).
    settings.persistence.finalizer = names.FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(
        prefix="kopf.movieweb.io"
    )
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix="kopf.movieweb.io", key="last-handled-configuration"
    )
    # Serve exactly the namespace given with --namespace and the CRDs present at start-up:
    # no cluster-wide list/watch of namespaces and CRDs, so the operator needs no ClusterRole.
    settings.scanning.disabled = True
    settings.posting.level = logging.WARNING  # Events for problems only
    # Two replicas: kopf pauses every operator of equal priority, so each replica draws its own;
    # the highest-priority live replica works, the others wait until its keep-alive expires.
    settings.peering.priority = (
        SETTINGS.peering_priority
        if SETTINGS.peering_priority is not None
        else random.randint(1, 2**30)
    )
    settings.peering.lifetime = 30
    kube()
    metrics.serve(SETTINGS.metrics_host, SETTINGS.metrics_port)


def _run(namespace: str | None, name: str | None, logger: Any, *, quiet: bool = False) -> None:
    # Nothing is returned: kopf would store a result in the status, which the CRD's schema
    # does not have (the status says everything through its conditions).
    assert namespace is not None
    assert name is not None
    result = reconcile(kube(), namespace, name, SETTINGS.secrets_dir)
    if result.outcome == "refused" and not quiet:
        logger.warning(result.message)  # also posted as an Event on the ShardSet


@kopf.on.create(names.GROUP, names.VERSION, names.PLURAL)
@kopf.on.update(names.GROUP, names.VERSION, names.PLURAL, field="spec")
@kopf.on.resume(names.GROUP, names.VERSION, names.PLURAL)
def on_change(namespace: str | None, name: str | None, logger: Any, **_: Any) -> None:
    _run(namespace, name, logger)


@kopf.timer(
    names.GROUP,
    names.VERSION,
    names.PLURAL,
    interval=SETTINGS.reconcile_interval_s,
    initial_delay=SETTINGS.reconcile_interval_s,
)
def repair_drift(namespace: str | None, name: str | None, logger: Any, **kwargs: Any) -> None:
    # A timer stopped because the operator exits or pauses for a peer of higher priority does
    # nothing more: another replica may be in charge by now.
    if kwargs.get("stopped"):
        return
    # quiet: a refusal was reported when the spec changed; the condition keeps saying it.
    _run(namespace, name, logger, quiet=True)


@kopf.on.delete(names.GROUP, names.VERSION, names.PLURAL)
def on_delete(
    body: kopf.Body, namespace: str | None, name: str | None, logger: Any, **_: Any
) -> None:
    assert namespace is not None
    assert name is not None
    deleted = finalize(kube(), namespace, name, dict(body))
    logger.info(
        f"deleted {len(deleted)} children of ShardSet {namespace}/{name}: {', '.join(deleted)}"
    )


@kopf.on.probe(id="reconciles")
def reconciles_probe(**_: Any) -> float:
    """Shown by the health endpoint: how many reconciles succeeded so far."""
    return float(metrics.RECONCILES.labels("success")._value.get())
