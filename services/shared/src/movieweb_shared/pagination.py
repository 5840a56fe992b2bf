"""Pagination and sorting: the list shape of every service, and the sharded keyset merge.

Every list answers ``{"items": [...], "info": {"limit", "skip", "total", "next_cursor"}}``.

Clients page either with ``skip`` (bounded, for page numbers) or with the opaque ``cursor`` from
the previous page's ``info.next_cursor`` (keyset pagination: stable under inserts, and cheap at
any depth). A cursor names the sort it was made for, so it cannot be replayed on another sort.

Across shards, each shard returns its first ``skip + limit + 1`` rows in the requested order
(after the cursor, if any), and the pages are merged with ``heapq.merge``. Sort expressions end
with a unique tie-breaker (the row id), and text sort keys use the "C" collation, so Postgres and
Python agree on the order and every row appears exactly once across pages.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Shard, ShardedDatabase
from .errors import field_problem

MAX_LIMIT = 100
MAX_SKIP = 10_000

T = TypeVar("T")


class PageInfo(BaseModel):
    limit: int = Field(examples=[20])
    skip: int = Field(examples=[0])
    total: int = Field(description="Number of items matching the filters", examples=[42])
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page"
    )


class Page(BaseModel, Generic[T]):
    items: list[T]
    info: PageInfo


@dataclass(frozen=True)
class PageParams:
    limit: int = 20
    skip: int = 0
    cursor: str | None = None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–100)")] = 20,
    skip: Annotated[int, Query(ge=0, le=MAX_SKIP, description="Items to skip (0–10000)")] = 0,
    cursor: Annotated[
        str | None,
        Query(max_length=1024, description="Opaque cursor from a previous page's info.next_cursor"),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, skip=skip, cursor=cursor)


# --- cursor encoding -------------------------------------------------------------------------


def _enc_value(v: Any) -> list[Any]:
    if v is None:
        return ["n", None]
    if isinstance(v, bool):
        return ["b", v]
    if isinstance(v, int):
        return ["i", v]
    if isinstance(v, float):
        return ["f", v]
    if isinstance(v, uuid.UUID):
        return ["u", str(v)]
    if isinstance(v, datetime):
        return ["t", v.isoformat()]
    if isinstance(v, str):
        return ["s", v]
    raise TypeError(f"cannot put {type(v).__name__} in a cursor")


def _dec_value(tag: str, raw: Any) -> Any:
    decoders: dict[str, Any] = {
        "n": lambda r: None,
        "b": bool,
        "i": int,
        "f": float,
        "u": uuid.UUID,
        "t": datetime.fromisoformat,
        "s": str,
    }
    return decoders[tag](raw)


def encode_cursor(scope: str, values: Sequence[Any]) -> str:
    raw = orjson.dumps({"s": scope, "k": [_enc_value(v) for v in values]})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str, arity: int) -> tuple[Any, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        doc = orjson.loads(raw)
        if not isinstance(doc, dict) or doc.get("s") != scope:
            raise ValueError("cursor belongs to another list or sort order")
        values = tuple(_dec_value(tag, v) for tag, v in doc["k"])
        if len(values) != arity:
            raise ValueError("cursor does not fit this sort order")
        # Postgres text cannot hold NUL: a forged cursor carrying one would be a database error.
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise ValueError("cursor does not fit this sort order")
        return values
    except (ValueError, TypeError, KeyError, binascii.Error, orjson.JSONDecodeError) as exc:
        msg = str(exc) if "cursor" in str(exc) else "not a cursor issued by this list"
        raise field_problem(422, "query.cursor", msg) from exc


# --- sharded keyset paging -------------------------------------------------------------------


@dataclass(frozen=True)
class Sort:
    """Sort expressions ending with a unique tie-breaker, and the direction."""

    name: str
    columns: tuple[ColumnElement[Any], ...]
    descending: bool = False

    @property
    def scope(self) -> str:
        return f"{self.name}:{'desc' if self.descending else 'asc'}"


_CURSOR_TYPES = (bool, int, float, str, uuid.UUID, datetime)


def _fits(value: Any, column: ColumnElement[Any]) -> bool:
    """Whether a decoded cursor value can be compared with ``column`` in SQL."""
    if value is None:
        return True
    try:
        expected = column.type.python_type
    except NotImplementedError:  # a type without a Python equivalent: Postgres will judge
        return True
    if expected not in _CURSOR_TYPES:  # e.g. enums: their cursor values decode as plain strings
        return True
    if not isinstance(value, expected):
        return False
    naive = isinstance(value, datetime) and value.tzinfo is None
    return not (naive and getattr(column.type, "timezone", False))


async def fetch_page(
    db: ShardedDatabase,
    query: Select[Any],
    sort: Sort,
    params: PageParams,
    *,
    shards: Iterable[Shard] | None = None,
    with_total: bool = True,
) -> tuple[list[RowMapping], PageInfo]:
    """One page of ``query`` (filters applied, no order or limit) across ``shards`` (default all).

    Returns the rows (mappings of the query's columns plus hidden ``_k<i>`` sort keys) and the
    page info. ``total`` counts every row matching the filters, ignoring the cursor.
    """
    arity = len(sort.columns)
    keyed = query.add_columns(*(c.label(f"_k{i}") for i, c in enumerate(sort.columns)))
    if params.cursor is not None:
        after = decode_cursor(params.cursor, sort.scope, arity)
        # A hand-made cursor can carry values of the wrong type for its sort columns (an int
        # for a timestamp, a naive time for a timestamptz): bad input, not a database error.
        if not all(_fits(value, column) for value, column in zip(after, sort.columns, strict=True)):
            raise field_problem(422, "query.cursor", "cursor does not fit this sort order")
        cmp = (
            tuple_(*sort.columns) < tuple_(*after)
            if sort.descending
            else tuple_(*sort.columns) > tuple_(*after)
        )
        keyed = keyed.where(cmp)
    order = [c.desc() if sort.descending else c.asc() for c in sort.columns]
    want = params.skip + params.limit + 1
    paged = keyed.order_by(*order).limit(want)
    count_q = (
        select(func.count()).select_from(query.order_by(None).subquery()) if with_total else None
    )

    async def run(conn: AsyncConnection) -> tuple[list[RowMapping], int]:
        rows = list((await conn.execute(paged)).mappings().all())
        total = int((await conn.execute(count_q)).scalar_one()) if count_q is not None else 0
        return rows, total

    results = await db.fan_out(run, shards)
    keys = [f"_k{i}" for i in range(arity)]

    def key_of(row: RowMapping) -> tuple[Any, ...]:
        return tuple(row[k] for k in keys)

    if len(results) == 1:
        merged: list[RowMapping] = results[0][0]
    else:
        merged = list(heapq.merge(*(r for r, _ in results), key=key_of, reverse=sort.descending))
    window = merged[params.skip : params.skip + params.limit]
    has_more = len(merged) > params.skip + params.limit
    next_cursor = encode_cursor(sort.scope, key_of(window[-1])) if has_more and window else None
    info = PageInfo(
        limit=params.limit,
        skip=params.skip,
        total=sum(t for _, t in results),
        next_cursor=next_cursor,
    )
    return window, info
