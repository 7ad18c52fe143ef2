"""What a client sends to ``/api/v1/bufdir-aggregations``: the service contract's POST names a
period, the repository's a range; PUT may name either."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Discriminator, Field, Tag, WrapValidator

from ...rest.routing import untagged_errors


class RangeBody(BaseModel):
    start: datetime
    end: datetime


class PeriodAggregation(BaseModel):
    """The service contract's body: aggregate a reporting period (a job; 202 while it runs)."""

    org_id: str = Field(min_length=1, max_length=64)
    reporting_period_id: str = Field(min_length=1, max_length=32)
    range: None = Field(default=None, description="leave out: a period is aggregated")


class RangeAggregation(BaseModel):
    """The repository contract's body (countActivitiesInRange): aggregate a range at once (201)."""

    org_id: str = Field(min_length=1, max_length=64)
    range: RangeBody
    reporting_period_id: None = Field(default=None, description="leave out: a range is aggregated")


def _period_or_range(body: Any) -> str | None:
    """Which contract's body this is: the one naming a period or the one naming a range."""
    if isinstance(body, BaseModel):
        return "period" if isinstance(body, PeriodAggregation) else "range"
    if not isinstance(body, dict):
        return None
    period, range_ = body.get("reporting_period_id") is not None, body.get("range") is not None
    return None if period == range_ else "period" if period else "range"


# Disjoint branches (each takes the other's key only as null), so a generated client can send
# either; keys neither contract names are ignored, as they were.
AggregationRequest = Annotated[
    Annotated[PeriodAggregation, Tag("period")] | Annotated[RangeAggregation, Tag("range")],
    Discriminator(
        _period_or_range,
        custom_error_type="period_or_range",
        custom_error_message="give exactly one of reporting_period_id and range",
    ),
    WrapValidator(untagged_errors),
]


class RefreshBody(BaseModel):
    org_id: str | None = Field(default=None, max_length=64)
    reporting_period_id: str | None = Field(default=None, max_length=32)
    force_refresh: bool = Field(default=True, strict=True)
    range: RangeBody | None = None
