"""The app factory: every service gets the same health, readiness, metrics, request ids,
JSON logs, error shape and OpenAPI conventions from here.

A service describes itself with a ``ServiceDef`` (exported as ``SERVICE`` and registered under
the ``movieweb.services`` entry point); ``create_app(SERVICE)`` builds its FastAPI app.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import MetaData
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import mapwatch, migrations
from .db import ShardedDatabase, load_shard_map
from .errors import PROBLEM_MEDIA_TYPE, ProblemDetails, install_error_handlers, problem_response
from .jwt import JWKSVerifier
from .logs import configure_logging, request_id_var
from .metrics import Metrics
from .settings import ServiceSettings
from .sharding import ShardSpec

log = logging.getLogger("movieweb.app")

REQUEST_ID_HEADER = "x-request-id"
_VALID_RID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

Hook = Callable[[FastAPI], Awaitable[None]]


@dataclass
class ServiceDef:
    name: str
    title: str
    description: str
    settings_cls: type[ServiceSettings]
    routers: Sequence[APIRouter]
    metadata: MetaData | None = None
    migrations_dir: Path | None = None
    version: str = "0.1.0"
    # Extra start/stop work (the users service loads its signing key, the gateway opens Redis).
    on_startup: Sequence[Hook] = field(default_factory=list)
    on_shutdown: Sequence[Hook] = field(default_factory=list)
    uses_database: bool = True
    verifies_tokens: bool = True
    openapi_tags: list[dict[str, Any]] | None = None


class ObservabilityMiddleware:
    """Pure ASGI (no per-request task or body buffering): request id, metrics, access log."""

    def __init__(self, app: ASGIApp, metrics: Metrics, access_log: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log
        self.log = logging.getLogger("movieweb.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                if _VALID_RID.match(candidate):
                    rid = candidate
                break
        rid = rid or uuid.uuid4().hex
        token = request_id_var.set(rid)
        status = 500
        start = time.perf_counter()
        rid_header = (b"x-request-id", rid.encode())

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), rid_header]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.in_flight.dec()
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            if template not in ("/metrics", "/healthz", "/readyz"):
                self.metrics.requests.labels(method, template, str(status)).inc()
                self.metrics.latency.labels(method, template).observe(elapsed)
                if self.access_log:
                    self.log.info(
                        "%s %s %d %.1fms",
                        method,
                        scope["path"],
                        status,
                        elapsed * 1000,
                        extra={"status": status, "route": template, "ms": round(elapsed * 1000, 2)},
                    )
            request_id_var.reset(token)


# Dependencies are ``async def`` on purpose: FastAPI runs plain ``def`` dependencies in a worker
# thread on every request, which costs measurable CPU on the hot path.
async def get_settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


async def get_db(request: Request) -> ShardedDatabase:
    db: ShardedDatabase = request.app.state.db
    return db


Database = Annotated[ShardedDatabase, Depends(get_db)]


def _problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Document the problem shape: 422 and every 4XX/5XX answer ``application/problem+json``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ProblemDetails"] = ProblemDetails.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for sub_name, sub in components["ProblemDetails"].pop("$defs", {}).items():
            components.setdefault(sub_name, sub)
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        problem = {
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
            }
        }
        for path_item in schema.get("paths", {}).values():
            for op in path_item.values():
                responses = op.setdefault("responses", {})
                for code in list(responses):
                    if code.startswith(("4", "5")):
                        desc = responses[code].get("description", "Problem")
                        responses[code] = {"description": desc, **problem}
                responses.setdefault(
                    "4XX", {"description": "Client error (problem details)", **problem}
                )
                responses.setdefault(
                    "5XX",
                    {"description": "Server or dependency error (problem details)", **problem},
                )
        app.openapi_schema = schema
        return schema

    return openapi


def create_app(service: ServiceDef, settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or service.settings_cls()
    configure_logging(service.name, settings.log_level, settings.log_json)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        watcher: asyncio.Task[None] | None = None
        if service.uses_database:
            shard_map = load_shard_map(settings)
            if settings.migrate_on_start and service.migrations_dir is not None:
                await migrations.upgrade(service.migrations_dir, shard_map)
            app.state.db = ShardedDatabase(shard_map, settings, service.name)
            metrics.add_pool_collector(app.state.db.pool_stats)
            metrics.shard_map_version.set(shard_map.version)
            if settings.shard_map_file is not None and settings.shard_map_poll_s > 0:
                prepare = None
                if settings.migrate_on_start and service.migrations_dir is not None:
                    script_dir = service.migrations_dir

                    async def prepare(specs: list[ShardSpec]) -> None:
                        # A shard the operator just added is empty: migrate before routing to it.
                        for spec in specs:
                            await asyncio.to_thread(
                                migrations.upgrade_shard, script_dir, spec.url()
                            )

                watcher = asyncio.create_task(
                    mapwatch.watch(
                        settings.shard_map_file,
                        app.state.db,
                        metrics.shard_map_version,
                        settings.shard_map_poll_s,
                        prepare,
                    ),
                    name="shard-map-watch",
                )
        if service.verifies_tokens:
            app.state.verifier = JWKSVerifier(
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                jwks_url=settings.jwks_url,
                jwks_file=settings.jwks_file,
                timeout_s=settings.http_timeout_s,
            )
        for hook in service.on_startup:
            await hook(app)
        log.info("%s ready", service.name)
        try:
            yield
        finally:
            for hook in service.on_shutdown:
                await hook(app)
            if service.verifies_tokens:
                await app.state.verifier.aclose()
            if watcher is not None:
                watcher.cancel()
            if service.uses_database:
                await app.state.db.dispose()

    app = FastAPI(
        title=service.title,
        description=service.description,
        version=service.version,
        lifespan=lifespan,
        openapi_tags=service.openapi_tags,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.service = service
    install_error_handlers(app)
    app.openapi = _problem_openapi(app)  # type: ignore[method-assign]

    ops = APIRouter(tags=["operations"])

    @ops.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @ops.get(
        "/readyz",
        summary="Readiness: the service's dependencies answer",
        responses={503: {"description": "A dependency does not answer"}},
    )
    async def readyz(request: Request) -> Response:
        checks: dict[str, bool] = {}
        if service.uses_database:
            db: ShardedDatabase = request.app.state.db
            checks.update({f"db:{k}": v for k, v in (await db.ping()).items()})
        extra = getattr(request.app.state, "readiness_checks", [])
        for name, check in extra:
            try:
                checks[name] = bool(await check())
            except Exception:
                checks[name] = False
        if all(checks.values()):
            return JSONResponse({"status": "ok", "checks": checks})
        failing = ", ".join(k for k, v in checks.items() if not v)
        return problem_response(503, detail=f"not ready: {failing} not answering")

    @ops.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(ops)
    for router in service.routers:
        app.include_router(router)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics, access_log=settings.access_log)
    return app


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj)
