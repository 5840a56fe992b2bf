"""The operator's own Prometheus metrics, served on ``MOVIEWEB_OPERATOR_METRICS_PORT``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

REGISTRY = CollectorRegistry()

RECONCILES = Counter(
    "movieweb_operator_reconciles",
    "ShardSet reconciles by result (success, refused, error)",
    ["result"],
    registry=REGISTRY,
)
RECONCILE_ERRORS = Counter(
    "movieweb_operator_reconcile_errors",
    "ShardSet reconciles that failed with an error (they are retried)",
    registry=REGISTRY,
)
RECONCILE_DURATION = Histogram(
    "movieweb_operator_reconcile_duration_seconds",
    "Duration of one ShardSet reconcile",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)

for _result in ("success", "refused", "error"):
    RECONCILES.labels(_result)  # export zeros from the start, so rate() has a baseline


def serve(host: str, port: int) -> None:
    if port:
        start_http_server(port, addr=host, registry=REGISTRY)
