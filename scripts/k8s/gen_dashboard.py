#!/usr/bin/env python3
"""Generate the Grafana dashboard the chart ships (charts/movieweb/files/dashboards/).

Run `python3 scripts/k8s/gen_dashboard.py` after editing; tests/k8s checks that the committed
JSON is this script's output and that its PromQL names only metrics the services export.
Standard library only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = (
    Path(__file__).resolve().parents[2] / "charts/movieweb/files/dashboards/movieweb-overview.json"
)

SEL = 'namespace=~"$namespace", component=~"$component"'
GW = 'namespace=~"$namespace", component="gateway"'

_next_id = 0


def _id() -> int:
    global _next_id
    _next_id += 1
    return _next_id


def row(title: str, y: int) -> dict[str, Any]:
    return {
        "type": "row",
        "title": title,
        "id": _id(),
        "collapsed": False,
        "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
        "panels": [],
    }


def timeseries(
    title: str,
    targets: list[tuple[str, str]],
    unit: str,
    x: int,
    y: int,
    w: int = 8,
    h: int = 8,
    description: str = "",
    max_: float | None = None,
) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "unit": unit,
        "custom": {"lineWidth": 1, "fillOpacity": 10, "showPoints": "never"},
    }
    if max_ is not None:
        defaults["max"] = max_
        defaults["min"] = 0
    return {
        "type": "timeseries",
        "id": _id(),
        "title": title,
        "description": description,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": h, "w": w, "x": x, "y": y},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max"]},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "expr": expr,
                "legendFormat": legend,
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
            }
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def stat(
    title: str,
    expr: str,
    unit: str,
    x: int,
    y: int,
    w: int = 6,
    thresholds: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    steps = thresholds or [{"color": "green", "value": None}]
    return {
        "type": "stat",
        "id": _id(),
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 4, "w": w, "x": x, "y": y},
        "fieldConfig": {
            "defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": steps}},
            "overrides": [],
        },
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "value",
            "graphMode": "area",
        },
        "targets": [
            {
                "refId": "A",
                "expr": expr,
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
            }
        ],
    }


def quantile(q: str, metric: str, sel: str, by: str) -> str:
    return f"histogram_quantile({q}, sum by ({by}, le) (rate({metric}_bucket{{{sel}}}[$__rate_interval])))"


def build() -> dict[str, Any]:
    global _next_id
    _next_id = 0
    panels: list[dict[str, Any]] = []
    y = 0
    panels.append(
        stat(
            "Requests/s",
            f"sum(rate(movieweb_http_requests_total{{{SEL}}}[$__rate_interval]))",
            "reqps",
            0,
            y,
        )
    )
    panels.append(
        stat(
            "5xx ratio",
            f'sum(rate(movieweb_http_requests_total{{{SEL}, status=~"5.."}}[$__rate_interval]))'
            f" / sum(rate(movieweb_http_requests_total{{{SEL}}}[$__rate_interval]))",
            "percentunit",
            6,
            y,
            thresholds=[
                {"color": "green", "value": None},
                {"color": "orange", "value": 0.001},
                {"color": "red", "value": 0.005},
            ],
        )
    )
    panels.append(
        stat(
            "Gateway cache hit ratio",
            f'sum(rate(movieweb_cache_requests_total{{{GW}, result="hit"}}[$__rate_interval]))'
            f' / sum(rate(movieweb_cache_requests_total{{{GW}, layer="l1"}}[$__rate_interval]))',
            "percentunit",
            12,
            y,
            thresholds=[
                {"color": "red", "value": None},
                {"color": "orange", "value": 0.5},
                {"color": "green", "value": 0.8},
            ],
        )
    )
    panels.append(
        stat(
            "Requests in flight", f"sum(movieweb_http_requests_in_flight{{{SEL}}})", "short", 18, y
        )
    )
    y += 4

    panels.append(row("Traffic per service", y))
    y += 1
    panels.append(
        timeseries(
            "Requests/s by service",
            [
                (
                    f"sum by (component) (rate(movieweb_http_requests_total{{{SEL}}}[$__rate_interval]))",
                    "{{component}}",
                )
            ],
            "reqps",
            0,
            y,
        )
    )
    panels.append(
        timeseries(
            "Errors/s by service (5xx)",
            [
                (
                    f'sum by (component) (rate(movieweb_http_requests_total{{{SEL}, status=~"5.."}}[$__rate_interval]))',
                    "{{component}} 5xx",
                ),
                (
                    f'sum by (component) (rate(movieweb_http_requests_total{{{SEL}, status=~"4.."}}[$__rate_interval]))',
                    "{{component}} 4xx",
                ),
            ],
            "reqps",
            8,
            y,
        )
    )
    panels.append(
        timeseries(
            "Requests/s by route",
            [
                (
                    f"topk(10, sum by (component, method, route) "
                    f"(rate(movieweb_http_requests_total{{{SEL}}}[$__rate_interval])))",
                    "{{component}} {{method}} {{route}}",
                )
            ],
            "reqps",
            16,
            y,
        )
    )
    y += 8

    panels.append(row("Latency", y))
    y += 1
    for i, (q, name) in enumerate((("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99"))):
        panels.append(
            timeseries(
                f"{name} latency by service",
                [
                    (
                        quantile(q, "movieweb_http_request_duration_seconds", SEL, "component"),
                        f"{{{{component}}}} {name}",
                    )
                ],
                "s",
                8 * i,
                y,
            )
        )
    y += 8
    panels.append(
        timeseries(
            "p95 latency by route",
            [
                (
                    f"topk(10, {quantile('0.95', 'movieweb_http_request_duration_seconds', SEL, 'component, method, route')})",
                    "{{component}} {{method}} {{route}}",
                )
            ],
            "s",
            0,
            y,
            w=12,
        )
    )
    panels.append(
        timeseries(
            "Gateway → backend p95 and errors/s",
            [
                (
                    quantile("0.95", "movieweb_backend_request_duration_seconds", GW, "backend"),
                    "{{backend}} p95",
                ),
                (
                    f"sum by (backend, reason) (rate(movieweb_backend_errors_total{{{GW}}}[$__rate_interval]))",
                    "{{backend}} errors/s ({{reason}})",
                ),
            ],
            "s",
            12,
            y,
            w=12,
        )
    )
    y += 8

    panels.append(row("Gateway cache", y))
    y += 1
    panels.append(
        timeseries(
            "Hit ratio by layer and kind",
            [
                (
                    f'sum by (layer, kind) (rate(movieweb_cache_requests_total{{{GW}, result="hit"}}[$__rate_interval]))'
                    f" / sum by (layer, kind) (rate(movieweb_cache_requests_total{{{GW}}}[$__rate_interval]))",
                    "{{layer}} {{kind}}",
                )
            ],
            "percentunit",
            0,
            y,
            max_=1,
        )
    )
    panels.append(
        timeseries(
            "Cache look-ups/s",
            [
                (
                    f"sum by (layer, result) (rate(movieweb_cache_requests_total{{{GW}}}[$__rate_interval]))",
                    "{{layer}} {{result}}",
                )
            ],
            "ops",
            8,
            y,
        )
    )
    panels.append(
        timeseries(
            "Redis errors/s",
            [
                (
                    f"sum by (op) (rate(movieweb_redis_errors_total{{{GW}}}[$__rate_interval]))",
                    "{{op}}",
                )
            ],
            "ops",
            16,
            y,
        )
    )
    y += 8

    panels.append(row("Databases", y))
    y += 1
    panels.append(
        timeseries(
            "Connection pool use by shard",
            [
                (
                    f'sum by (component, shard) (movieweb_db_pool_connections{{{SEL}, state="in_use"}})'
                    f" / sum by (component, shard) (movieweb_db_pool_size{{{SEL}}})",
                    "{{component}} {{shard}}",
                )
            ],
            "percentunit",
            0,
            y,
            w=12,
            max_=1,
        )
    )
    panels.append(
        timeseries(
            "Connections by state",
            [
                (
                    f"sum by (component, state) (movieweb_db_pool_connections{{{SEL}}})",
                    "{{component}} {{state}}",
                ),
                (f"sum by (component) (movieweb_db_pool_size{{{SEL}}})", "{{component}} size"),
            ],
            "short",
            12,
            y,
            w=12,
        )
    )
    y += 8

    panels.append(row("Processes", y))
    y += 1
    panels.append(
        timeseries(
            "CPU by pod",
            [
                (
                    f"sum by (component, pod) (rate(process_cpu_seconds_total{{{SEL}}}[$__rate_interval]))",
                    "{{pod}}",
                )
            ],
            "percentunit",
            0,
            y,
        )
    )
    panels.append(
        timeseries(
            "Resident memory by pod",
            [(f"sum by (component, pod) (process_resident_memory_bytes{{{SEL}}})", "{{pod}}")],
            "bytes",
            8,
            y,
        )
    )
    panels.append(
        timeseries(
            "Restarts (process start time changes)",
            [
                (
                    f"sum by (component) (changes(process_start_time_seconds{{{SEL}}}[1h]))",
                    "{{component}}",
                )
            ],
            "short",
            16,
            y,
        )
    )

    return {
        "title": "Movieweb overview",
        "uid": "movieweb-overview",
        "description": "Requests, latency, errors, gateway cache and database pools of every Movieweb service.",
        "tags": ["movieweb"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-3h", "to": "now"},
        "annotations": {"list": []},
        "links": [],
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Data source",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                    "refresh": 1,
                },
                {
                    "name": "namespace",
                    "label": "Namespace",
                    "type": "query",
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "query": {
                        "query": "label_values(movieweb_http_requests_total, namespace)",
                        "refId": "ns",
                    },
                    "definition": "label_values(movieweb_http_requests_total, namespace)",
                    "refresh": 2,
                    "includeAll": False,
                    "multi": False,
                    "current": {},
                    "hide": 0,
                    "sort": 1,
                },
                {
                    "name": "component",
                    "label": "Service",
                    "type": "query",
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "query": {
                        "query": 'label_values(movieweb_http_requests_total{namespace=~"$namespace"}, component)',
                        "refId": "component",
                    },
                    "definition": 'label_values(movieweb_http_requests_total{namespace=~"$namespace"}, component)',
                    "refresh": 2,
                    "includeAll": True,
                    "multi": True,
                    "allValue": ".+",
                    "current": {},
                    "hide": 0,
                    "sort": 1,
                },
            ]
        },
        "panels": panels,
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if OUT.read_text() == render() else 1)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render())
    print(f"wrote {OUT}")
