"""A tiny service built with the shared library, for testing the library itself."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from movieweb_shared.app import Database, ServiceDef
from movieweb_shared.errors import not_found
from movieweb_shared.jwt import CurrentUser
from movieweb_shared.pagination import Page, PageParams, Sort, fetch_page, page_params
from movieweb_shared.settings import ServiceSettings, settings_config
from pydantic import BaseModel, Field
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    insert,
    select,
)

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100, collation="C"), nullable=False),
    Column("score", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


class ToySettings(ServiceSettings):
    model_config = settings_config("toy")


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    score: int = Field(ge=0, le=1000)


class Item(ItemIn):
    id: uuid.UUID
    created_at: datetime


router = APIRouter()


@router.post("/items", status_code=201)
async def create_item(body: ItemIn, db: Database, user: CurrentUser) -> Item:
    item_id = uuid.uuid4()
    async with db.begin(item_id) as conn:
        row = (
            (
                await conn.execute(
                    insert(items).values(id=item_id, **body.model_dump()).returning(*items.c)
                )
            )
            .mappings()
            .one()
        )
    return Item.model_validate(dict(row))


@router.get("/items/{item_id}")
async def get_item(item_id: uuid.UUID, db: Database) -> Item:
    async with db.connect(item_id) as conn:
        row = (await conn.execute(select(items).where(items.c.id == item_id))).mappings().first()
    if row is None:
        raise not_found(f"item {item_id}")
    return Item.model_validate(dict(row))


@router.get("/items")
async def list_items(
    db: Database,
    page: Annotated[PageParams, Depends(page_params)],
    sort: Literal["name", "score", "created"] = "name",
    direction: Literal["asc", "desc"] = "asc",
    min_score: Annotated[int | None, Query(ge=0)] = None,
) -> Page[Item]:
    column = {"name": items.c.name, "score": items.c.score, "created": items.c.created_at}[sort]
    query = select(*items.c)
    if min_score is not None:
        query = query.where(items.c.score >= min_score)
    rows, info = await fetch_page(
        db, query, Sort(sort, (column, items.c.id), direction == "desc"), page
    )
    return Page[Item](items=[Item.model_validate(dict(r)) for r in rows], info=info)


SERVICE = ServiceDef(
    name="toy",
    title="Toy",
    description="test service",
    settings_cls=ToySettings,
    routers=[router],
    metadata=metadata,
)


@router.get("/items-by-score/{score}")
async def items_by_score(score: int, db: Database) -> list[Item]:
    """Deliberately unvalidated: a huge score reaches Postgres, which must refuse it (22003)."""
    from sqlalchemy import Integer as SqlInt
    from sqlalchemy import cast

    rows = await db.fan_out(
        lambda conn: conn.execute(select(items).where(items.c.score == cast(score, SqlInt)))
    )
    return [Item.model_validate(dict(r)) for res in rows for r in res.mappings()]
