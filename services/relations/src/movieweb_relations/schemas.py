"""The HTTP contract of the relations service (pydantic models with examples)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

ALICE = "6f1c2a7e-3b0d-4c1e-9a57-2d3f8b9e0a11"
BOB = "0b9c4d2e-7f15-4a8b-b3c6-91d0e2f4a5b7"


class Follow(BaseModel):
    """One edge: ``follower_id`` follows ``followee_id`` since ``created_at``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "follower_id": BOB,
                    "followee_id": ALICE,
                    "created_at": "2026-11-28T09:15:02.123456Z",
                }
            ]
        }
    )

    follower_id: uuid.UUID = Field(description="The user who follows", examples=[BOB])
    followee_id: uuid.UUID = Field(description="The user who is followed", examples=[ALICE])
    created_at: datetime = Field(
        description="When the follow was first made (a repeated follow keeps it)",
        examples=["2026-11-28T09:15:02.123456Z"],
    )


class Counts(BaseModel):
    user_id: uuid.UUID = Field(examples=[ALICE])
    followers: int = Field(ge=0, description="Users who follow this user", examples=[128])
    follows: int = Field(ge=0, description="Users this user follows", examples=[42])


class FollowIds(BaseModel):
    """The ids a user follows, newest first, for building their review feed."""

    ids: list[uuid.UUID] = Field(examples=[[ALICE, BOB]])
    truncated: bool = Field(
        description="True when the user follows more users than `limit`: only the newest "
        "`limit` follows are listed",
        examples=[False],
    )
