"""The HTTP contract of the reviews service: request and response models, with examples."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from movieweb_shared.pagination import Page
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .models import MAX_COMMENT

MOVIE_ID = "7d1f9c0e-3b8a-4c52-9e0f-2a6b1d4e8c31"
USER_ID = "0b9c3f4e-5a6d-4e7f-8a9b-0c1d2e3f4a5b"
REVIEW_ID = "0a3c6f1e-9d2b-4f6a-8c1e-5b7d9f0a2c4e"

SortName = Literal["created", "rating"]
Direction = Literal["asc", "desc"]


class ReviewIn(BaseModel):
    """The whole review of the caller for one movie (PUT replaces it: no comment → null)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"rating": 8, "comment": "Slow start, superb last act."}]},
    )

    rating: int = Field(ge=1, le=10, description="1 (worst) to 10 (best)", examples=[8])
    comment: str | None = Field(
        default=None,
        max_length=MAX_COMMENT,
        description=(
            f"Up to {MAX_COMMENT} characters; trimmed, and empty or blank becomes null. "
            "NUL characters and unpaired surrogates are refused."
        ),
        examples=["Slow start, superb last act."],
    )

    @field_validator("comment")
    @classmethod
    def _clean_comment(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("must be valid Unicode (unpaired surrogate)") from exc
        return value.strip() or None


class Review(BaseModel):
    id: uuid.UUID = Field(examples=[REVIEW_ID])
    movie_id: uuid.UUID = Field(examples=[MOVIE_ID])
    user_id: uuid.UUID = Field(examples=[USER_ID])
    rating: int = Field(ge=1, le=10, examples=[8])
    comment: str | None = Field(examples=["Slow start, superb last act."])
    created_at: datetime = Field(examples=["2026-11-28T09:15:02.123456Z"])
    updated_at: datetime = Field(examples=["2026-11-28T09:20:40.654321Z"])


ReviewPage = Page[Review]


class Stats(BaseModel):
    movie_id: uuid.UUID = Field(examples=[MOVIE_ID])
    count: int = Field(ge=0, description="Number of ratings", examples=[12])
    average: float | None = Field(description="Mean rating; null without ratings", examples=[7.5])
    bayesian_average: float | None = Field(
        description=(
            "(C·m + sum) / (C + count), C = min_votes, m = the site-wide mean rating: a movie with "
            "few votes is pulled towards the site mean. Null without ratings."
        ),
        examples=[7.21],
    )
    histogram: list[int] = Field(
        min_length=10,
        max_length=10,
        description="Number of ratings 1, 2, …, 10 (index 0 counts the 1s)",
        examples=[[0, 0, 0, 1, 1, 2, 2, 3, 2, 1]],
    )


class StatsList(BaseModel):
    items: list[Stats]


class TopRated(BaseModel):
    items: list[Stats]
    min_votes: int = Field(description="C: the vote threshold and prior weight used", examples=[5])
    site_mean: float | None = Field(
        description="m: the site-wide mean rating used as the prior; null without any rating",
        examples=[6.4],
    )


class PopularMovie(BaseModel):
    movie_id: uuid.UUID = Field(examples=[MOVIE_ID])
    reviews_in_window: int = Field(
        ge=1, description="Reviews created within the window", examples=[17]
    )
    count: int = Field(ge=0, description="All ratings of the movie", examples=[240])
    average: float | None = Field(description="Mean of all its ratings", examples=[7.9])


class Popular(BaseModel):
    items: list[PopularMovie]
    window_days: int = Field(examples=[7])


class UserStats(BaseModel):
    user_id: uuid.UUID = Field(examples=[USER_ID])
    review_count: int = Field(ge=0, examples=[31])
