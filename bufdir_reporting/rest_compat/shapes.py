"""The documented response shapes, declared in OpenAPI (and checked there by the fuzz test).

They document; they do not filter: handlers build the contract's JSON, and these models say
what it contains. Extra keys (the union of the two bufdir-aggregations contracts, and what
this service adds) are allowed.
"""

from __future__ import annotations

from ..rest.shapes import Pagination, Shape


class SectionSummary(Shape):
    section_id: str
    section_title: str
    section_order: int
    description: str
    required_field_count: int
    total_field_count: int
    is_active: bool


class SectionList(Shape):
    data: list[SectionSummary]
    pagination: Pagination


class FieldShape(Shape):
    field_key: str
    label: str
    data_type: str
    required: bool
    min_value: float | None
    max_value: float | None
    explain_large_change: bool


class SectionDetail(Shape):
    section_id: str
    section_title: str
    section_order: int
    is_active: bool
    fields: list[FieldShape]
    required_fields: list[str]


class SectionWritten(Shape):
    section_id: str
    section_title: str
    section_order: int
    is_active: bool
    required_field_count: int
    total_field_count: int


class SectionDeleted(Shape):
    deleted: bool
    section_id: str
    soft_delete: bool


class FieldLabel(Shape):
    field_key: str
    label: str
    description: str
    section_id: str
    section_title: str


class RequiredField(Shape):
    field_key: str
    label: str
    section_id: str
    section_title: str


class RequiredFields(Shape):
    period_id: str | None
    total_required_fields: int
    required_fields: list[RequiredField]


class SnapshotSummary(Shape):
    snapshot_id: str
    organization_id: str
    organization_name: str | None
    period_id: str | None
    snapshot_status: str
    field_count: int | None
    populated_field_count: int | None
    cache_valid: bool
    aggregated_at: str | None


class SnapshotList(Shape):
    data: list[SnapshotSummary]
    pagination: Pagination


class SnapshotFieldValue(Shape):
    field_key: str
    value: float | str | bool | None
    prior_period_value: float | str | bool | None
    data_source: str | None


class SnapshotSection(Shape):
    section_id: str
    section_title: str
    fields: list[SnapshotFieldValue]


class PriorPeriod(Shape):
    period_id: str | None
    snapshot_id: str
    aggregated_at: str | None


class SnapshotDetail(SnapshotSummary):
    sections: list[SnapshotSection]
    prior_period: PriorPeriod | None


class SnapshotStarted(Shape):
    snapshot_id: str
    organization_id: str
    period_id: str | None
    snapshot_status: str
    job_id: str | None
    estimated_completion_seconds: int
    aggregated_at: str | None
    created_at: str | None


class SnapshotInvalidated(Shape):
    snapshot_id: str
    organization_id: str
    period_id: str | None
    snapshot_status: str
    cache_valid: bool
    invalidation_reason: str | None
    job_id: str | None
    invalidated_at: str | None


class SnapshotDeleted(Shape):
    deleted: bool
    snapshot_id: str
    cache_cleared: bool


class Aggregation(Shape):
    id: str
    org_id: str
    reporting_period_id: str | None
    status: str
    participant_count: int | None
    hours_delivered: float | None
    activity_count: int | None
    range_start: str
    range_end: str
    created_at: str | None
    refreshed_at: str | None
    snapshot_at: str | None


class AggregationList(Shape):
    data: list[Aggregation]
    pagination: Pagination


class CategoryMetrics(Shape):
    participants: int
    hours: float


class Metrics(Shape):
    org_id: str
    period_id: str | None
    total_participants: int | None
    unique_participants: int | None
    total_hours: float | None
    total_activities: int | None
    category_distribution: dict[str, CategoryMetrics]


class AggregationDeleted(Shape):
    deleted: bool
    id: str


class ActivityShape(Shape):
    activity_id: str
    org_id: str
    activity_type: str
    recorded_at: str
    participant_count: int
    location: str | None
    status: str


class ActivityList(Shape):
    data: list[ActivityShape]
    pagination: Pagination


class LastSubmitted(Shape):
    org_id: str
    submitted_period_id: str
    period_start: str
    period_end: str
    submitted_at: str
    submitted_by: str
    activity_count: int


class ReportRecordShape(Shape):
    report_id: str
    org_id: str
    report_type: str
    period_from: str
    period_to: str
    status: str
    file_ref: str | None
    file_size_bytes: int | None
    generated_by: str | None
    generated_at: str | None
    created_at: str | None
    updated_at: str | None


class ReportRecordList(Shape):
    data: list[ReportRecordShape]
    pagination: Pagination


class ReportRecordDeleted(Shape):
    report_id: str
    deleted: bool
    deleted_at: str
