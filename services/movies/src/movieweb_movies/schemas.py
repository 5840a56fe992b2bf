"""The HTTP contract of the movies service (pydantic models with examples).

``MovieCreate`` holds every validation rule; ``movieweb import`` validates each catalogue row
with it too, so the API and the importer accept exactly the same movies.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from typing import Annotated, Literal
from urllib.parse import urlsplit

from movieweb_shared.text import clean
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from .models import CATEGORY_MAX, COUNTRY_MAX, DIRECTOR_MAX, TITLE_MAX, URL_MAX

MIN_YEAR = 1870  # the oldest surviving motion pictures
MAX_QUERY_CHARS = 200


def max_year() -> int:
    """Next calendar year: films announced for next year may be listed already."""
    return dt.datetime.now(dt.UTC).year + 1


def reject_control_chars(value: str) -> str:
    """Postgres text cannot hold NUL, and no title needs control characters or lone surrogates."""
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cs") and not ch.isspace():
            raise ValueError("must not contain control characters")
    return value


def _clean_text(value: object) -> object:
    return clean(value) if isinstance(value, str) else value


def _clean_optional(value: object) -> object:
    """Trim and collapse whitespace; an empty or blank value means "not given"."""
    if isinstance(value, str):
        return clean(value) or None
    return value


def _check_url(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ValueError("must be an http(s) URL") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL with a host")
    if any(ch.isspace() for ch in value):
        raise ValueError("must not contain whitespace")
    return reject_control_chars(value)


def _check_year(value: int) -> int:
    if value > max_year():
        raise ValueError(f"must be between {MIN_YEAR} and {max_year()}")
    return value


Title = Annotated[
    str,
    Field(
        min_length=1,
        max_length=TITLE_MAX,
        description="1 to 300 characters after trimming",
        examples=["Amélie"],
    ),
    BeforeValidator(_clean_text),
    AfterValidator(reject_control_chars),
]
Year = Annotated[
    int,
    Field(ge=MIN_YEAR, description="From 1870 to next calendar year", examples=[2001]),
    AfterValidator(_check_year),
]
# Director, country and category: trimmed, whitespace collapsed, blank means unknown (null).
DirectorText = Annotated[str, Field(max_length=DIRECTOR_MAX), AfterValidator(reject_control_chars)]
CountryText = Annotated[str, Field(max_length=COUNTRY_MAX), AfterValidator(reject_control_chars)]
CategoryText = Annotated[str, Field(max_length=CATEGORY_MAX), AfterValidator(reject_control_chars)]
UrlText = Annotated[
    str,
    Field(
        max_length=URL_MAX,
        json_schema_extra={"format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"},
    ),
    AfterValidator(_check_url),
]
Director = Annotated[DirectorText | None, BeforeValidator(_clean_optional)]
Country = Annotated[CountryText | None, BeforeValidator(_clean_optional)]
Category = Annotated[CategoryText | None, BeforeValidator(_clean_optional)]
ImageUrl = Annotated[UrlText | None, BeforeValidator(_clean_optional)]


class MovieCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Amélie",
                    "year": 2001,
                    "director": "Jean-Pierre Jeunet",
                    "country": "France",
                    "category": "Comedy",
                    "poster_url": "https://images.example.org/amelie.jpg",
                }
            ]
        },
    )

    title: Title
    year: Year
    director: Director = Field(
        default=None,
        description="Trimmed, at most 200 characters; blank means unknown",
        examples=["Jean-Pierre Jeunet"],
    )
    country: Country = Field(
        default=None,
        description="Trimmed, at most 100 characters; blank means unknown",
        examples=["France"],
    )
    category: Category = Field(
        default=None,
        description="Trimmed, at most 100 characters; blank means unknown",
        examples=["Comedy"],
    )
    poster_url: ImageUrl = Field(
        default=None,
        description="An http(s) URL, at most 2048 characters",
        examples=["https://images.example.org/amelie.jpg"],
    )
    background_url: ImageUrl = Field(
        default=None,
        description="An http(s) URL, at most 2048 characters",
        examples=["https://images.example.org/amelie-wide.jpg"],
    )


class Movie(BaseModel):
    id: uuid.UUID = Field(examples=["6f1d3c2e-8a4b-4c55-9d0e-2b7a1f3e9c10"])
    slug: str = Field(examples=["amelie-2001-n4ot2lrkjngfltj5a35h6pu4ca"])
    title: str = Field(examples=["Amélie"])
    year: int = Field(examples=[2001])
    director: str | None = Field(examples=["Jean-Pierre Jeunet"])
    country: str | None = Field(examples=["France"])
    category: str | None = Field(examples=["Comedy"])
    poster_url: str | None = Field(examples=["https://images.example.org/amelie.jpg"])
    background_url: str | None = Field(examples=[None])
    created_by: uuid.UUID | None = Field(
        description="The user who added the movie; null for imported movies",
        examples=["0b9c6f5e-1d2a-4e3b-8c7d-5a6f4e3d2c1b"],
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class MovieBatch(BaseModel):
    items: list[Movie] = Field(description="Found movies in request order; unknown ids omitted")


SortName = Literal["title", "year", "created"]
Direction = Literal["asc", "desc"]
