"""Contracts: bufdir-aggregation-service and bufdir-aggregation-repository, as one resource.

Both documents describe ``/api/v1/bufdir-aggregations`` with different shapes; each response
carries the union of their fields (DESIGN.md decision 2). A period-based POST starts a job
(202, the service contract); a range-based POST computes and persists at once (201, the
repository's countActivitiesInRange), as does PUT (both contracts show refreshed figures).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Body, Depends, Response
from pydantic import BaseModel, Discriminator, Field, Tag, WrapValidator

from ..models import Activity, SnapshotStatus
from ..resolvers import activities, periods, snapshots
from ..resolvers.base.context import Context
from ..resolvers.base.pagination import Window
from ..resolvers.base.rows import AnySnapshot
from ..resolvers.reporting import submissions
from ..resolvers.snapshots import legacy
from ..rest.routing import (
    ActivityStatusQuery,
    ActivityTypeQuery,
    ContextDep,
    ContractRouter,
    LegacyFormIdQuery,
    OrganizationId,
    OrganizationIdQuery,
    PeriodIdQuery,
    SnapshotId,
    examples_of,
    number,
    page_window,
    pagination,
    untagged_errors,
)
from . import examples
from .shapes import bufdir_aggregations as shapes

router = ContractRouter("/api/v1/bufdir-aggregations", tag="bufdir-aggregations")

SERVICE_STATUS: dict[SnapshotStatus, shapes.ServiceStatus] = {
    SnapshotStatus.CURRENT: "completed",
    SnapshotStatus.HISTORICAL: "completed",
    SnapshotStatus.PROCESSING: "processing",
    SnapshotStatus.FAILED: "failed",
}


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


def aggregation(snapshot: AnySnapshot) -> shapes.Aggregation:
    return shapes.Aggregation(
        id=legacy.shown_id(snapshot),
        org_id=snapshot.organization_id,
        reporting_period_id=snapshot.period_id,
        status=SERVICE_STATUS[snapshot.status],
        snapshot_status=snapshot.status,
        participant_count=snapshot.participant_count,
        hours_delivered=number(snapshot.hours_delivered),
        activity_count=snapshot.activity_count,
        range_start=snapshot.range_start,
        range_end=snapshot.range_end,
        created_at=snapshot.created_at,
        refreshed_at=snapshot.aggregated_at,
        snapshot_at=snapshot.aggregated_at or snapshot.created_at,
        error=snapshot.error,
    )


def detail(snapshot: AnySnapshot) -> shapes.AggregationDetail:
    categories = snapshots.category_breakdown(snapshot)
    breakdown = {name: c["participants"] for name, c in categories.items()}
    return shapes.AggregationDetail(**dict(aggregation(snapshot)), bufdir_category_breakdown=breakdown)


def run(triggered: snapshots.Triggered, response: Response, *, done: int) -> shapes.AggregationRun:
    """A run's answer: 202 while it is processing, else ``done``."""
    snapshot = triggered.snapshot
    response.status_code = 202 if snapshot.status == SnapshotStatus.PROCESSING else done
    return shapes.AggregationRun(**dict(detail(snapshot)), job_id=triggered.job.id if triggered.job else None)


def activity_shape(ctx: Context, activity: Activity) -> shapes.ActivityShape:
    return shapes.ActivityShape(
        activity_id=activities.public_id(ctx, activity),
        org_id=activity.organization_id,
        activity_type=activity.activity_type,
        recorded_at=activity.occurred_at,
        participant_count=activity.participant_count,
        location=activity.location,
        status=activity.status,
        category=activity.category,
        hours=number(activity.hours),
        source_system=activity.source_system,
    )


@router.endpoint(
    "GET",
    "/activities",
    "getActivitiesInRange",
    shapes.ActivityList,
    errors={403},
    summary="Activities within a range (getActivitiesInRange)",
)
async def list_activities(
    org_id: OrganizationId,
    start: datetime,
    end: datetime,
    ctx: Context = ContextDep,
    window: Window = Depends(page_window),
    activity_type: ActivityTypeQuery = None,
    status: ActivityStatusQuery = None,
) -> shapes.ActivityList:
    page = await activities.list_in_range(
        ctx, organization_id=org_id, start=start, end=end, window=window, activity_type=activity_type, status=status
    )
    return shapes.ActivityList(data=[activity_shape(ctx, a) for a in page.items], pagination=pagination(page))


@router.endpoint(
    "GET",
    "/last-submitted-period",
    "getLastSubmittedPeriod",
    shapes.LastSubmitted,
    errors={403, 404},
    summary="The most recently submitted period (getLastSubmittedPeriod)",
)
async def last_submitted_period(
    org_id: OrganizationId, ctx: Context = ContextDep, form_id: LegacyFormIdQuery = None
) -> shapes.LastSubmitted:
    submission, period = await submissions.last_submitted(ctx, organization_id=org_id, form_id=form_id)
    return shapes.LastSubmitted(
        org_id=submission.organization_id,
        submitted_period_id=period.id,
        period_start=period.start,
        period_end=period.end,
        submitted_at=submission.submitted_at,
        submitted_by=submission.submitted_by,
        activity_count=submission.activity_count,
        version=submission.version,
        report_id=submission.report_record_id,
        reopened_at=submission.reopened_at,
    )


@router.endpoint(
    "GET",
    "",
    "listAggregations",
    shapes.AggregationList,
    errors={403, 404},
    summary="Aggregation snapshots of an organisation",
)
async def list_aggregations(
    ctx: Context = ContextDep,
    window: Window = Depends(page_window),
    org_id: OrganizationIdQuery = None,
    reporting_period_id: PeriodIdQuery = None,
    form_id: LegacyFormIdQuery = None,
) -> shapes.AggregationList:
    page = await legacy.list_(
        ctx, window=window, organization_id=org_id, period_id=reporting_period_id, form_id=form_id, refreshed_in_place=True
    )
    return shapes.AggregationList(data=[aggregation(s) for s in page.items], pagination=pagination(page))


@router.endpoint(
    "POST",
    "",
    "createAggregation",
    shapes.AggregationRun,
    status_code=202,
    response_description="A reporting period: its aggregation runs as a job (poll GET /{id})",
    also={
        200: "A reporting period whose current aggregation answers (its cache is valid)",
        201: "A range (countActivitiesInRange): aggregated at once",
    },
    errors={403, 404, 409},
    summary="Aggregate a reporting period (a job: 202, or 200 when one answers already) or a range "
    "(countActivitiesInRange: at once, 201)",
)
async def create_aggregation(
    body: Annotated[
        AggregationRequest,
        Body(
            openapi_examples=examples_of(
                service_contract=examples.SERVICE_POST_REQUEST, repository_contract=examples.REPOSITORY_POST_REQUEST
            )
        ),
    ],
    response: Response,
    ctx: Context = ContextDep,
) -> shapes.AggregationRun:
    if isinstance(body, RangeAggregation):
        window = periods.checked_range(ctx, body.range.start, body.range.end)
        triggered = await snapshots.trigger(ctx, organization_id=body.org_id, window=window, wait=True)
        return run(triggered, response, done=201)
    triggered = await snapshots.trigger(ctx, organization_id=body.org_id, period_id=body.reporting_period_id)
    return run(triggered, response, done=200)


@router.endpoint("GET", "/{snapshot_id}", "getAggregation", shapes.AggregationDetail, summary="One aggregation snapshot")
async def get_aggregation(snapshot_id: SnapshotId, ctx: Context = ContextDep) -> shapes.AggregationDetail:
    return detail(await legacy.named(ctx, snapshot_id=snapshot_id))


@router.endpoint(
    "GET", "/{snapshot_id}/metrics", "getAggregationMetrics", shapes.Metrics, summary="Detailed metrics of an aggregation"
)
async def get_metrics(snapshot_id: SnapshotId, ctx: Context = ContextDep) -> shapes.Metrics:
    snapshot = await legacy.named(ctx, snapshot_id=snapshot_id)
    categories = snapshots.category_breakdown(snapshot)
    return shapes.Metrics(
        id=legacy.shown_id(snapshot),
        org_id=snapshot.organization_id,
        period_id=snapshot.period_id,
        total_participants=snapshot.participant_count,
        unique_participants=snapshot.unique_participants,
        total_hours=number(snapshot.hours_delivered),
        total_activities=snapshot.activity_count,
        category_distribution={
            name: shapes.CategoryMetrics(
                participants=c["participants"], hours=number(c["hours"]) or 0, activities=c["activities"]
            )
            for name, c in categories.items()
        },
    )


@router.endpoint(
    "PUT",
    "/{snapshot_id}",
    "refreshAggregation",
    shapes.AggregationRun,
    response_description="Aggregated again",
    also={202: "Still running (a run of the same scope was under way)"},
    errors={403, 409},
    summary="Re-aggregate (optionally over a new range) and return the result",
)
async def refresh_aggregation(
    snapshot_id: SnapshotId,
    body: Annotated[
        RefreshBody,
        Body(
            openapi_examples=examples_of(
                service_contract=examples.SERVICE_PUT_REQUEST, repository_contract=examples.REPOSITORY_PUT_REQUEST
            )
        ),
    ],
    response: Response,
    ctx: Context = ContextDep,
) -> shapes.AggregationRun:
    window = periods.checked_range(ctx, body.range.start, body.range.end) if body.range is not None else None
    triggered = await legacy.refresh(
        ctx,
        snapshot_id=snapshot_id,
        organization_id=body.org_id,
        period_id=body.reporting_period_id,
        window=window,
        force=body.force_refresh,
    )
    return run(triggered, response, done=200)


@router.endpoint(
    "DELETE",
    "/{snapshot_id}",
    "deleteAggregation",
    shapes.AggregationDeleted,
    errors={403, 409},
    summary="Delete an aggregation snapshot",
)
async def delete_aggregation(snapshot_id: SnapshotId, ctx: Context = ContextDep) -> shapes.AggregationDeleted:
    await legacy.delete(ctx, snapshot_id=snapshot_id)
    return shapes.AggregationDeleted(deleted=True, id=snapshot_id)
