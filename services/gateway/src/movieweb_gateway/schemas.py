"""The public API's request and response models (v1) — the contract the web app programs against."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_EX_MOVIE = "6f1d3c1e-4b7a-4c1e-9a53-1d2f0e8b7c11"
_EX_USER = "0b9c6a0e-2f55-4d8e-b7b5-8f1f3a7d2e44"
_HTTP_URL = r"^[Hh][Tt][Tt][Pp][Ss]?://"


class RatingStats(BaseModel):
    count: int = Field(examples=[42], description="Number of reviews")
    average: float | None = Field(examples=[7.6], description="Mean rating; null without reviews")
    histogram: list[int] = Field(
        examples=[[0, 0, 1, 2, 3, 5, 9, 12, 6, 4]],
        description="Review counts for ratings 1..10",
    )


class Movie(BaseModel):
    id: uuid.UUID = Field(examples=[_EX_MOVIE])
    slug: str = Field(examples=["the-third-man-1949"])
    title: str = Field(examples=["The Third Man"])
    year: int = Field(examples=[1949])
    director: str | None = Field(default=None, examples=["Carol Reed"])
    country: str | None = Field(default=None, examples=["GB"])
    category: str | None = Field(default=None, examples=["thriller"])
    poster_url: str | None = None
    background_url: str | None = None
    created_by: uuid.UUID | None = None
    created_at: datetime
    updated_at: datetime
    rating: RatingStats | None = Field(
        default=None,
        description="Rating statistics; null inside reviews, or when the reviews service is down",
    )


class MovieCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300, examples=["The Third Man"])
    year: int = Field(ge=1870, le=9999, examples=[1949])
    director: str | None = Field(default=None, max_length=200, examples=["Carol Reed"])
    country: str | None = Field(default=None, max_length=100, examples=["GB"])
    category: str | None = Field(default=None, max_length=100, examples=["thriller"])
    poster_url: str | None = Field(default=None, max_length=2048, pattern=_HTTP_URL)
    background_url: str | None = Field(default=None, max_length=2048, pattern=_HTTP_URL)


class UserCounts(BaseModel):
    followers: int | None = Field(examples=[12], description="null when relations is down")
    follows: int | None = Field(examples=[30], description="null when relations is down")
    reviews: int | None = Field(examples=[7], description="null when reviews is down")


class User(BaseModel):
    id: uuid.UUID = Field(examples=[_EX_USER])
    login: str = Field(examples=["ada"])
    name: str | None = Field(default=None, examples=["Ada Lovelace"])
    avatar_url: str | None = None
    created_at: datetime
    counts: UserCounts | None = Field(
        default=None, description="Given on a single user (GET /v1/users/{id}, /me); null in lists"
    )


class Me(User):
    email: str = Field(examples=["ada@example.org"])


class Review(BaseModel):
    id: uuid.UUID
    movie_id: uuid.UUID = Field(examples=[_EX_MOVIE])
    user_id: uuid.UUID = Field(examples=[_EX_USER])
    rating: int = Field(ge=1, le=10, examples=[8])
    comment: str | None = Field(default=None, examples=["Zither music and sewers."])
    created_at: datetime
    updated_at: datetime
    movie: Movie | None = Field(default=None, description="The movie (null if it no longer exists)")
    user: User | None = Field(default=None, description="The author (null if no longer exists)")


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    movie_id: uuid.UUID = Field(examples=[_EX_MOVIE])
    rating: int = Field(ge=1, le=10, examples=[8])
    comment: str | None = Field(default=None, max_length=4000, examples=["Zither music."])


class FollowEntry(BaseModel):
    user: User | None = Field(description="The follower (or followee); null if no longer exists")
    followed_at: datetime


class Follow(BaseModel):
    follower_id: uuid.UUID
    followee_id: uuid.UUID
    created_at: datetime


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: str = Field(min_length=1, max_length=32, examples=["ada"])
    password: str = Field(min_length=1, max_length=256, examples=["correct horse battery"])


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: str = Field(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.]+$", examples=["ada"])
    email: str = Field(min_length=3, max_length=254, examples=["ada@example.org"])
    password: str = Field(min_length=10, max_length=256, examples=["correct horse battery"])
    name: str | None = Field(default=None, min_length=1, max_length=100, examples=["Ada Lovelace"])
    avatar_url: str | None = Field(default=None, min_length=1, max_length=2048)


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a token type, not a secret
    expires_in: int = Field(examples=[900], description="Seconds until the token expires")
    user: User


class Session(BaseModel):
    user: User
    expires_in: int = Field(examples=[900], description="Seconds until the session expires")
    csrf_token: str = Field(
        description="Also in the readable mw_csrf cookie: send it as X-CSRF-Token on writes"
    )
