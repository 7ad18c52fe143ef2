"""The answers of aggregated-report-data (``/api/v1/aggregated-report-data``)."""

from __future__ import annotations

from pydantic import Field

from ...models import SnapshotStatus
from ...rest.shapes import Instant, Number, Pagination, Shape, examples
from .. import examples as contract


class SnapshotSummary(Shape):
    snapshot_id: str
    organization_id: str
    organization_name: str | None
    period_id: str | None
    snapshot_status: SnapshotStatus
    field_count: int | None
    populated_field_count: int | None
    missing_required_fields: list[str]
    cache_valid: bool
    aggregated_at: Instant | None


_LISTED = {"missing_required_fields": ["antall_arsverk", "antall_meldinger_mottatt"]}


class SnapshotList(Shape):
    model_config = examples(
        {"data": [{**contract.REPORT_DATA_LIST_ITEM, **_LISTED}], "pagination": {"page": 1, "limit": 20, "total": 2}}
    )

    data: list[SnapshotSummary]
    pagination: Pagination


class SnapshotFieldValue(Shape):
    field_key: str
    value: Number | str | bool | None
    prior_period_value: Number | str | bool | None
    data_source: str | None


class SnapshotSection(Shape):
    section_id: str
    section_title: str
    fields: list[SnapshotFieldValue]


class PriorPeriod(Shape):
    period_id: str | None
    snapshot_id: str
    aggregated_at: Instant | None


class SnapshotDetail(SnapshotSummary):
    model_config = examples(
        {
            **contract.REPORT_DATA_GET,
            **_LISTED,
            "field_count": 34,
            "populated_field_count": 32,
            "invalidation_reason": None,
            "error": None,
        }
    )

    invalidation_reason: str | None
    error: str | None
    sections: list[SnapshotSection]
    prior_period: PriorPeriod | None


class SnapshotStarted(Shape):
    model_config = examples(contract.REPORT_DATA_POST_RESPONSE)

    snapshot_id: str
    organization_id: str
    period_id: str | None
    snapshot_status: SnapshotStatus
    job_id: str | None
    estimated_completion_seconds: int
    aggregated_at: Instant | None
    created_at: Instant | None


class SnapshotInvalidated(Shape):
    model_config = examples({**contract.REPORT_DATA_PUT_RESPONSE, "new_snapshot_id": "snap-004"})

    snapshot_id: str
    organization_id: str
    period_id: str | None
    snapshot_status: SnapshotStatus = Field(description="the status of the new run")
    cache_valid: bool
    invalidation_reason: str | None
    job_id: str | None
    new_snapshot_id: str = Field(description="the run that replaces this snapshot")
    invalidated_at: Instant | None


class SnapshotDeleted(Shape):
    model_config = examples(contract.REPORT_DATA_DELETE_RESPONSE)

    deleted: bool
    snapshot_id: str
    cache_cleared: bool
