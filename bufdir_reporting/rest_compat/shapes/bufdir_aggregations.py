"""The answers of bufdir-aggregation-service and -repository (``/api/v1/bufdir-aggregations``), one resource whose
answers carry the union of both contracts' fields."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from ...models import SnapshotStatus
from ...rest.shapes import Instant, Number, Pagination, Shape, examples
from .. import examples as contract

ServiceStatus = Literal["processing", "completed", "failed"]

# What each contract's example leaves out of the union, as this service would answer it.
_SERVICE = {
    "snapshot_status": "current",
    "range_start": "2024-09-30T22:00:00Z",
    "range_end": "2024-12-31T22:59:59Z",
    "snapshot_at": "2025-01-05T08:12:43Z",
    "error": None,
}
_REPOSITORY = {
    "reporting_period_id": None,
    "status": "completed",
    "snapshot_status": "current",
    "participant_count": 1290,
    "hours_delivered": 1534.5,
    "created_at": "2026-03-26T08:00:00Z",
    "refreshed_at": "2026-03-26T08:00:00Z",
    "error": None,
}
_BREAKDOWN = {"bufdir_category_breakdown": {"foreldre_barn": 402, "ungdom": 388, "eldre": 0, "funksjonsnedsettelse": 500}}


class Aggregation(Shape):
    id: str
    org_id: str
    reporting_period_id: str | None = Field(description="null for an aggregation over a range")
    status: ServiceStatus
    snapshot_status: SnapshotStatus
    participant_count: int | None
    hours_delivered: Number | None
    activity_count: int | None
    range_start: Instant
    range_end: Instant
    created_at: Instant | None
    refreshed_at: Instant | None
    snapshot_at: Instant | None
    error: str | None = Field(description="why a failed run failed")


class AggregationList(Shape):
    model_config = examples(
        {"data": [{**contract.SERVICE_LIST_ITEM, **_SERVICE}], "pagination": {"page": 1, "limit": 20, "total": 3}},
        {"data": [{**contract.REPOSITORY_ITEM, **_REPOSITORY}], "pagination": {"page": 1, "limit": 20, "total": 1}},
    )

    data: list[Aggregation]
    pagination: Pagination


class AggregationDetail(Aggregation):
    model_config = examples({**contract.SERVICE_GET, **_SERVICE}, {**contract.REPOSITORY_ITEM, **_REPOSITORY, **_BREAKDOWN})

    bufdir_category_breakdown: dict[str, int] = Field(description="participants per Bufdir category, every one named")


class AggregationRun(AggregationDetail):
    model_config = examples(
        {
            **contract.SERVICE_POST_RESPONSE,
            **_SERVICE,
            "snapshot_status": "processing",
            "participant_count": None,
            "hours_delivered": None,
            "activity_count": None,
            "range_start": "2024-12-31T23:00:00Z",
            "range_end": "2025-03-31T21:59:59Z",
            "snapshot_at": "2025-03-26T09:00:00Z",
            "bufdir_category_breakdown": {"foreldre_barn": 0, "ungdom": 0, "eldre": 0, "funksjonsnedsettelse": 0},
            "job_id": "job-agg-9001",
        },
        {**contract.REPOSITORY_POST_RESPONSE, **_REPOSITORY, **_BREAKDOWN, "job_id": None},
    )

    job_id: str | None = Field(description="the aggregation job; null when the answer was already at hand")


class CategoryMetrics(Shape):
    participants: int
    hours: Number
    activities: int


class Metrics(Shape):
    model_config = examples(
        {
            **contract.SERVICE_METRICS,
            "id": "agg-001",
            "category_distribution": {
                name: {**figures, "activities": 60} for name, figures in contract.SERVICE_METRICS["category_distribution"].items()
            },
        }
    )

    id: str
    org_id: str
    period_id: str | None
    total_participants: int | None
    unique_participants: int | None
    total_hours: Number | None
    total_activities: int | None
    category_distribution: dict[str, CategoryMetrics]


class AggregationDeleted(Shape):
    model_config = examples(contract.DELETE_AGGREGATION)

    deleted: bool
    id: str


class ActivityShape(Shape):
    activity_id: str
    org_id: str
    activity_type: str
    recorded_at: Instant
    participant_count: int
    location: str | None
    status: str = Field(description="as the source system records it (completed, opened, …)")
    category: str
    hours: Number | None
    source_system: str


class ActivityList(Shape):
    model_config = examples(
        {
            "data": [
                {**contract.REPOSITORY_ACTIVITY, "category": "foreldre_barn", "hours": 1.5, "source_system": "fagsystem-cis"}
            ],
            "pagination": {"page": 1, "limit": 20, "total": 318},
        }
    )

    data: list[ActivityShape]
    pagination: Pagination


class LastSubmitted(Shape):
    model_config = examples(
        {**contract.LAST_SUBMITTED, "version": 1, "report_id": "rpt_01HX9K2M3N4P5Q6R7S8T9U0V", "reopened_at": None}
    )

    org_id: str
    submitted_period_id: str
    period_start: date
    period_end: date
    submitted_at: Instant
    submitted_by: str
    activity_count: int
    version: int
    report_id: str
    reopened_at: Instant | None
