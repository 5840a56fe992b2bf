"""HTTP routes of the movies service: parse, call a ``catalog`` function, answer a schema."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from movieweb_shared.app import Database
from movieweb_shared.jwt import CurrentUser
from movieweb_shared.pagination import Page, PageParams, page_params
from pydantic import AfterValidator

from . import catalog
from .models import CATEGORY_MAX, COUNTRY_MAX, DIRECTOR_MAX
from .schemas import (
    MAX_QUERY_CHARS,
    MIN_YEAR,
    Direction,
    Movie,
    MovieBatch,
    MovieCreate,
    SortName,
    reject_control_chars,
)

MAX_BATCH = 100

router = APIRouter(tags=["movies"])

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "No such movie"}}
INVALID: Responses = {422: {"description": "Invalid input; `errors` names each bad field"}}


# Query text reaches Postgres (folded): NUL and other control characters are a 422, not a 500.
QueryText = Annotated[str, AfterValidator(reject_control_chars)]


@router.post(
    "/movies",
    status_code=201,
    response_model=Movie,
    summary="Add a movie to the catalogue",
    responses={401: {"description": "No valid bearer token"}, **INVALID},
)
async def create_movie(body: MovieCreate, db: Database, user: CurrentUser) -> Movie:
    return await catalog.create_movie(db, body, created_by=user.id)


# Declared before /movies/{movie_id} so that "batch" is never read as an id.
@router.get(
    "/movies/batch",
    response_model=MovieBatch,
    summary="Get up to 100 movies by id, in request order (unknown ids left out)",
    responses=INVALID,
)
async def get_movies_batch(
    db: Database,
    ids: Annotated[
        list[uuid.UUID],
        Query(max_length=MAX_BATCH, description="Movie ids (repeat the parameter, at most 100)"),
    ] = [],  # noqa: B006 -- FastAPI copies defaults per request
) -> MovieBatch:
    return MovieBatch(items=await catalog.get_movies(db, ids))


@router.get(
    "/movies/by-slug/{slug}",
    response_model=Movie,
    summary="Get a movie by its slug",
    responses=NOT_FOUND,
)
async def get_movie_by_slug(
    db: Database,
    slug: Annotated[str, Path(max_length=512, description="The movie's slug")],
) -> Movie:
    return await catalog.get_movie_by_slug(db, slug)


@router.get(
    "/movies/{movie_id}",
    response_model=Movie,
    summary="Get a movie by id",
    responses={**NOT_FOUND, **INVALID},
)
async def get_movie(db: Database, movie_id: uuid.UUID) -> Movie:
    return await catalog.get_movie(db, movie_id)


@router.get(
    "/movies",
    response_model=Page[Movie],
    summary="List movies: sorted, filtered, searched, paged",
    responses=INVALID,
)
async def list_movies(
    db: Database,
    page: Annotated[PageParams, Depends(page_params)],
    sort: Annotated[SortName, Query(description="Sort key (ties broken by id)")] = "title",
    direction: Annotated[Direction, Query(description="Sort direction")] = "asc",
    category: Annotated[
        QueryText | None,
        Query(max_length=CATEGORY_MAX, description="Exact category, ignoring case and accents"),
    ] = None,
    country: Annotated[
        QueryText | None,
        Query(max_length=COUNTRY_MAX, description="Exact country, ignoring case and accents"),
    ] = None,
    director: Annotated[
        QueryText | None,
        Query(max_length=DIRECTOR_MAX, description="Exact director, ignoring case and accents"),
    ] = None,
    year_gte: Annotated[
        int | None, Query(ge=MIN_YEAR, le=9999, description="Earliest year")
    ] = None,
    year_lte: Annotated[int | None, Query(ge=MIN_YEAR, le=9999, description="Latest year")] = None,
    q: Annotated[
        QueryText | None,
        Query(
            max_length=MAX_QUERY_CHARS,
            description="Words to find in title or director (prefixes, any case or accents)",
        ),
    ] = None,
) -> Page[Movie]:
    filters = catalog.MovieFilters(
        category=category,
        country=country,
        director=director,
        year_gte=year_gte,
        year_lte=year_lte,
        q=q,
    )
    items, info = await catalog.list_movies(db, filters, sort, direction == "desc", page)
    return Page[Movie](items=items, info=info)
