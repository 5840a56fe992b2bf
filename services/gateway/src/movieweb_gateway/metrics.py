"""The gateway's own Prometheus collectors, on the app's registry (names used by the dashboards)."""

from __future__ import annotations

from movieweb_shared.metrics import LATENCY_BUCKETS
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.cache = Counter(
            "movieweb_cache_requests",
            "Cache lookups by layer (l1|l2), kind (movie|user) and result (hit|miss)",
            ["layer", "kind", "result"],
            registry=registry,
        )
        self.backend_latency = Histogram(
            "movieweb_backend_request_duration_seconds",
            "Time of a call to a backend service, by backend, method and status (or 'error')",
            ["backend", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.backend_errors = Counter(
            "movieweb_backend_errors",
            "Failed backend calls by backend and reason (connect, timeout, status_5xx, protocol)",
            ["backend", "reason"],
            registry=registry,
        )
        self.backend_retries = Counter(
            "movieweb_backend_retries",
            "Retried backend GETs by backend",
            ["backend"],
            registry=registry,
        )
        self.redis_errors = Counter(
            "movieweb_redis_errors",
            "Redis operations that failed or were skipped by the open circuit, by operation",
            ["op"],
            registry=registry,
        )
        self.redis_circuit_open = Gauge(
            "movieweb_redis_circuit_open",
            "1 while the Redis circuit breaker is open (Redis calls are skipped)",
            registry=registry,
        )
        self.batch_size = Histogram(
            "movieweb_cache_batch_ids",
            "Ids asked of a backend batch endpoint in one call, by kind",
            ["kind"],
            buckets=(1, 2, 5, 10, 20, 50, 100),
            registry=registry,
        )
        self.rate_limited = Counter(
            "movieweb_rate_limited",
            "Requests refused by a rate limit, by rule",
            ["rule"],
            registry=registry,
        )
        self.rate_limit_fail_open = Counter(
            "movieweb_rate_limit_fail_open",
            "Rate-limit checks skipped because Redis was unavailable, by rule",
            ["rule"],
            registry=registry,
        )
