"""What an activity record may say: one validation for GraphQL, bulk ingest and the CLI import.

What passes here is what the database stores: text within its column's length and without NUL
(PostgreSQL's text refuses it), whole numbers and decimals within their columns, times that
stay inside the calendar when turned to UTC. An import's dry run checks exactly this, so a
checked file never fails at its commit for a value the check let through.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ..base.inputs import Count, Strict
from ..periods import calendar
from ..structure.rules import BUFDIR_CATEGORIES

CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("may not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(no_nul)]
"""Text the database can store: the REST and GraphQL edges refuse NUL in a request, but a file's
cells reach the import without passing them."""


class ActivitySpec(Strict):
    organization_id: Text = Field(min_length=1, max_length=64)
    source_system: Text = Field(min_length=1, max_length=64)
    external_id: Text | None = Field(default=None, min_length=1, max_length=128)
    activity_type: Text = Field(min_length=1, max_length=64)
    category: Text
    status: Text = Field(min_length=1, max_length=32)
    location: Text | None = Field(default=None, max_length=128)
    occurred_at: datetime
    ended_at: datetime | None = None
    recorded_at: datetime | None = None
    participant_count: Count = Field(default=0, ge=0, le=100_000)
    hours: Decimal = Field(default=Decimal(0), ge=0, le=100_000, decimal_places=2)
    participant_refs: list[Text] = Field(default_factory=list, max_length=10_000)

    @field_validator("activity_type", "status")
    @classmethod
    def _code(cls, value: str, info: ValidationInfo) -> str:
        if not CODE.match(value):
            if info.field_name == "status":
                # a status with an activity type for example ("Status 'fullført': … e.g.
                # family_guidance") left the writer guessing what a status looks like (outsider)
                raise PydanticCustomError("snake_case_status", "use lower-case snake_case, e.g. completed, planned or cancelled")
            raise PydanticCustomError("snake_case", "use lower-case snake_case, e.g. family_guidance")
        return value

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value not in BUFDIR_CATEGORIES:
            known = ", ".join(sorted(BUFDIR_CATEGORIES))
            raise PydanticCustomError("unknown_category", "unknown Bufdir category; known: {known}", {"known": known})
        return value

    @field_validator("occurred_at", "ended_at", "recorded_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """A UTC instant: a time with an offset keeps it, one without is the service's local time
        (``periods.calendar``)."""
        if value is None:
            return None
        try:
            return calendar.instant(value)
        except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC, which datetime cannot hold
            raise ValueError("must fall between the years 1 and 9999 in UTC") from None

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
