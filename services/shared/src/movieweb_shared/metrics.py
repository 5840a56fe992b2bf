"""Prometheus metrics. Each app owns a registry, so several apps can live in one test process."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "movieweb_http_requests",
            "HTTP requests served, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "movieweb_http_request_duration_seconds",
            "Time to serve an HTTP request, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "movieweb_http_requests_in_flight",
            "HTTP requests being served now",
            registry=self.registry,
        )

        self.shard_map_version = Gauge(
            "movieweb_shard_map_version",
            "Version of the shard map this process routes by",
            registry=self.registry,
        )

    def add_pool_collector(self, pools: Callable[[], Iterable[tuple[str, int, int, int]]]) -> None:
        """``pools`` yields (shard, size, checked_out, checked_in) for each database pool."""
        self.registry.register(_PoolCollector(pools))


class _PoolCollector(Collector):
    def __init__(self, pools: Callable[[], Iterable[tuple[str, int, int, int]]]) -> None:
        self._pools = pools

    def collect(self) -> Iterable[GaugeMetricFamily]:
        conns = GaugeMetricFamily(
            "movieweb_db_pool_connections",
            "Database pool connections by shard and state",
            labels=["shard", "state"],
        )
        size = GaugeMetricFamily(
            "movieweb_db_pool_size", "Configured database pool size by shard", labels=["shard"]
        )
        for shard, pool_size, out, idle in self._pools():
            conns.add_metric([shard, "in_use"], out)
            conns.add_metric([shard, "idle"], idle)
            size.add_metric([shard], pool_size)
        yield conns
        yield size
