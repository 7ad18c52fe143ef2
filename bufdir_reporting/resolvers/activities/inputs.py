"""What an activity record may say: one validation for GraphQL, bulk ingest and the CLI import."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from pydantic import Field, ValidationInfo, field_validator

from ..structure.inputs import BUFDIR_CATEGORIES, Count, Strict

CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class ActivitySpec(Strict):
    organization_id: str = Field(min_length=1, max_length=64)
    source_system: str = Field(min_length=1, max_length=64)
    external_id: str | None = Field(default=None, min_length=1, max_length=128)
    activity_type: str = Field(min_length=1, max_length=64)
    category: str
    status: str = Field(min_length=1, max_length=32)
    location: str | None = Field(default=None, max_length=128)
    occurred_at: datetime
    ended_at: datetime | None = None
    recorded_at: datetime | None = None
    participant_count: Count = Field(default=0, ge=0, le=100_000)
    hours: Decimal = Field(default=Decimal(0), ge=0, le=100_000, decimal_places=2)
    participant_refs: list[str] = Field(default_factory=list, max_length=10_000)

    @field_validator("activity_type", "status")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE.match(value):
            raise ValueError("use lower-case snake_case, e.g. family_guidance")
        return value

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value not in BUFDIR_CATEGORIES:
            raise ValueError(f"unknown Bufdir category; known: {sorted(BUFDIR_CATEGORIES)}")
        return value

    @field_validator("occurred_at", "ended_at", "recorded_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)

    @field_validator("participant_refs")
    @classmethod
    def _refs(cls, value: list[str]) -> list[str]:
        if any(not ref or len(ref) > 64 for ref in value):
            raise ValueError("participant references are 1 to 64 characters")
        return sorted(set(value))

    @field_validator("ended_at")
    @classmethod
    def _ends_after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        started = info.data.get("occurred_at")
        if value is not None and started is not None and value < started:
            raise ValueError("ended_at is before occurred_at")
        return value
