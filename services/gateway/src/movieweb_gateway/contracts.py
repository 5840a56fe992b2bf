"""The gateway's schema contracts: its own public schema (exported for the web app) and its
copies of the backend schemas it calls (``apis/<service>.json``), plus the check of each call in
``backends.ENDPOINTS`` against those copies.

Schemas come from the installed apps' ``app.openapi()``: building an app does not start it, so
no server or database is needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from movieweb_shared.app import create_app
from movieweb_shared.registry import load_service

from .backends import BACKENDS, ENDPOINTS, Endpoint

GATEWAY_DIR = Path(__file__).resolve().parents[2]
PUBLIC_SCHEMA = GATEWAY_DIR / "openapi.json"
APIS_DIR = GATEWAY_DIR / "apis"


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def service_schema(name: str) -> dict[str, Any]:
    service = load_service(name)
    # Defaults are enough to describe the API; nothing is connected until the app starts.
    return create_app(service, service.settings_cls()).openapi()


def public_schema() -> dict[str, Any]:
    return service_schema("gateway")


def export_public(path: Path = PUBLIC_SCHEMA) -> Path:
    path.write_text(render(public_schema()))
    return path


def refresh_backends(directory: Path = APIS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in BACKENDS:
        path = directory / f"{name}.json"
        path.write_text(render(service_schema(name)))
        written.append(path)
    return written


def stored_schema(name: str, directory: Path = APIS_DIR) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / f"{name}.json").read_text())
    return data


def endpoint_problems(name: str, ep: Endpoint, schema: dict[str, Any]) -> list[str]:
    """What is wrong with calling ``ep`` against the backend ``schema`` (empty when it fits)."""
    item = schema.get("paths", {}).get(ep.path)
    if item is None:
        return [f"{name}: {ep.backend} has no path {ep.path}"]
    op = item.get(ep.method.lower())
    if op is None:
        return [f"{name}: {ep.backend} {ep.path} has no {ep.method}"]
    params = [*item.get("parameters", []), *op.get("parameters", [])]
    query = {p["name"] for p in params if p.get("in") == "query"}
    path = {p["name"] for p in params if p.get("in") == "path"}
    problems = [
        f"{name}: {ep.backend} {ep.method} {ep.path} takes no query parameter {q!r}"
        for q in sorted(ep.query - query)
    ]
    wanted_path = {seg[1:-1] for seg in ep.path.split("/") if seg.startswith("{")}
    if wanted_path != path:
        problems.append(f"{name}: path parameters {sorted(wanted_path)} != {sorted(path)}")
    required = {p["name"] for p in params if p.get("in") == "query" and p.get("required")}
    problems += [
        f"{name}: required query parameter {r!r} is never sent" for r in sorted(required - ep.query)
    ]
    if ep.body and "requestBody" not in op:
        problems.append(f"{name}: {ep.backend} {ep.method} {ep.path} takes no body")
    if not ep.body and op.get("requestBody", {}).get("required"):
        problems.append(f"{name}: {ep.backend} {ep.method} {ep.path} requires a body")
    return problems


def check_endpoints(directory: Path = APIS_DIR) -> list[str]:
    schemas = {name: stored_schema(name, directory) for name in BACKENDS}
    problems: list[str] = []
    for name, ep in ENDPOINTS.items():
        problems += endpoint_problems(name, ep, schemas[ep.backend])
    return problems
