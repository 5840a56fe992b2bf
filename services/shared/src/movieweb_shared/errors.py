"""One error shape for every service: RFC 9457 problem details (``application/problem+json``).

``{"type", "title", "status", "detail", "instance", "request_id", "errors": [{"field", "message"}]}``

422 names each bad field as a dotted path ("body.title", "query.limit"). Nothing a client can
send produces a 500: database and upstream outages answer 503, everything else unexpected is
logged with its stack and answers a 500 that carries no internals.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from .logs import request_id_var

log = logging.getLogger("movieweb.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class FieldError(BaseModel):
    field: str = Field(examples=["body.title"])
    message: str = Field(examples=["String should have at least 1 character"])


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(default="about:blank", examples=["about:blank"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(default=None, examples=["movie 0b9c… does not exist"])
    instance: str | None = Field(default=None, examples=["/movies/0b9c…"])
    request_id: str | None = None
    errors: list[FieldError] | None = None


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        title: str | None = None,
        type_: str = "about:blank",
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.type = type_
        self.errors = errors
        self.headers = headers


def field_problem(status: int, field: str, message: str) -> Problem:
    return Problem(status, f"{field}: {message}", errors=[FieldError(field=field, message=message)])


def not_found(what: str) -> Problem:
    return Problem(404, f"{what} does not exist")


def problem_response(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    type_: str = "about:blank",
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    rid = request_id_var.get()
    if rid is not None:
        body["request_id"] = rid
    if errors is not None:
        body["errors"] = errors
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _loc_to_field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid value"))
        out.append({"field": _loc_to_field(err.get("loc", ())), "message": msg})
    return out


def install_error_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(
            exc.status,
            title=exc.title,
            detail=exc.detail,
            instance=request.url.path,
            type_=exc.type,
            errors=[e.model_dump() for e in exc.errors] if exc.errors else None,
            headers=exc.headers,
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem_response(422, detail=detail, instance=request.url.path, errors=errors)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            exc.status_code,
            detail=detail,
            instance=request.url.path,
            headers=dict(exc.headers) if exc.headers else None,
        )

    async def on_unavailable(request: Request, exc: Exception) -> Response:
        log.warning("dependency unavailable: %s: %s", type(exc).__name__, exc)
        return problem_response(
            503,
            detail="a dependency of this service is unavailable; try again shortly",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, detail="unexpected error", instance=request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    for exc_type in (
        OperationalError,
        InterfaceError,
        PoolTimeoutError,
        ConnectionError,
        TimeoutError,
        OSError,
    ):
        app.add_exception_handler(exc_type, on_unavailable)
    app.add_exception_handler(DBAPIError, on_db_error)
    app.add_exception_handler(Exception, on_unexpected)


async def on_db_error(request: Request, exc: Exception) -> Response:
    """Connection-level driver errors mean the database is unavailable (503); others are bugs."""
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated or _is_connection_error(exc):
        log.warning("database unavailable: %s", exc.orig)
        return problem_response(
            503,
            detail="the database is unavailable; try again shortly",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )
    state = sqlstate(exc)
    # Backstops for input that slipped past validation: the database refusing a value (class 22,
    # data exception: out of range, bad text) is the client's 422, a constraint (class 23) a 409.
    if state.startswith("22"):
        log.info("database refused a value on %s %s: %s", request.method, request.url.path, state)
        return problem_response(
            422, detail="a value is out of range or malformed", instance=request.url.path
        )
    if state.startswith("23"):
        log.info("constraint violation on %s %s: %s", request.method, request.url.path, state)
        return problem_response(
            409, detail="conflicts with existing data", instance=request.url.path
        )
    log.exception("database error on %s %s", request.method, request.url.path)
    return problem_response(500, detail="unexpected error", instance=request.url.path)


def sqlstate(exc: DBAPIError) -> str:
    """The Postgres SQLSTATE of a driver error ('' when unknown)."""
    orig = exc.orig
    for attr in ("sqlstate", "pgcode"):
        value = getattr(orig, attr, None)
        if isinstance(value, str):
            return value
    cause = getattr(orig, "__cause__", None)
    value = getattr(cause, "sqlstate", None)
    return value if isinstance(value, str) else ""


def _is_connection_error(exc: DBAPIError) -> bool:
    text = f"{type(exc.orig).__name__} {exc.orig}".lower()
    return any(
        s in text
        for s in (
            "connection",
            "cannotconnectnow",
            "toomanyconnections",
            "querycanceled",
            "timeout",
        )
    )
