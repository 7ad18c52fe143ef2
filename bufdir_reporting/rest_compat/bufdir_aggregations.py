"""Contracts: bufdir-aggregation-service and bufdir-aggregation-repository, as one resource.

Both documents describe ``/api/v1/bufdir-aggregations`` with different shapes; each response
carries the union of their fields (DESIGN.md decision 2). A period-based POST starts a job
(202, the service contract); a range-based POST computes and persists at once (201, the
repository's countActivitiesInRange), as does PUT (both contracts show refreshed figures).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..models import Activity, Snapshot, SnapshotStatus
from ..resolvers import activities, periods, snapshots
from ..resolvers.base.context import Context
from ..resolvers.base.pagination import Window
from ..resolvers.reporting import submissions
from ..resolvers.snapshots import legacy
from ..rest.routing import (
    NO_NUL,
    CodeQuery,
    ContextDep,
    ContractRouter,
    OrganizationIdQuery,
    PeriodIdQuery,
    SnapshotId,
    number,
    page_window,
    paginated,
)
from ..rest.shapes import documented
from ..timefmt import iso
from . import shapes

router = ContractRouter("/api/v1/bufdir-aggregations", tag="bufdir-aggregations")

SERVICE_STATUS = {
    SnapshotStatus.CURRENT: "completed",
    SnapshotStatus.HISTORICAL: "completed",
    SnapshotStatus.PROCESSING: "processing",
    SnapshotStatus.FAILED: "failed",
}


class RangeBody(BaseModel):
    start: datetime
    end: datetime


class CreateBody(BaseModel):
    # The OpenAPI document says what the validator below enforces.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["reporting_period_id"],
                    "properties": {"reporting_period_id": {"type": "string"}, "range": {"type": "null"}},
                },
                {"required": ["range"], "properties": {"range": {"type": "object"}, "reporting_period_id": {"type": "null"}}},
            ]
        }
    )

    org_id: str = Field(min_length=1, max_length=64)
    reporting_period_id: str | None = Field(default=None, max_length=32)
    range: RangeBody | None = None

    @model_validator(mode="after")
    def _period_or_range(self) -> CreateBody:
        if (self.reporting_period_id is None) == (self.range is None):
            raise ValueError("give exactly one of reporting_period_id and range")
        return self


class RefreshBody(BaseModel):
    org_id: str | None = Field(default=None, max_length=64)
    reporting_period_id: str | None = Field(default=None, max_length=32)
    force_refresh: bool = Field(default=True, strict=True)
    range: RangeBody | None = None


def shape(snapshot: Snapshot, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": legacy.shown_id(snapshot),
        "org_id": snapshot.organization_id,
        "reporting_period_id": snapshot.period_id,
        "status": SERVICE_STATUS[snapshot.status],
        "snapshot_status": str(snapshot.status),
        "participant_count": snapshot.participant_count,
        "hours_delivered": number(snapshot.hours_delivered),
        "activity_count": snapshot.activity_count,
        "range_start": iso(snapshot.range_start),
        "range_end": iso(snapshot.range_end),
        "created_at": iso(snapshot.created_at),
        "refreshed_at": iso(snapshot.aggregated_at),
        "snapshot_at": iso(snapshot.aggregated_at or snapshot.created_at),
        "error": snapshot.error,
    }
    if detail:
        categories = snapshots.category_breakdown(snapshot)
        body["bufdir_category_breakdown"] = {name: c["participants"] for name, c in categories.items()}
    return body


def respond(triggered: snapshots.Triggered, *, created: int) -> JSONResponse:
    snapshot = triggered.snapshot
    status = 202 if snapshot.status == SnapshotStatus.PROCESSING else created
    body = {**shape(snapshot, detail=True), "job_id": triggered.job.id if triggered.job else None}
    return JSONResponse(body, status_code=status)


def activity_shape(ctx: Context, activity: Activity) -> dict[str, Any]:
    return {
        "activity_id": activities.public_id(ctx, activity),
        "org_id": activity.organization_id,
        "activity_type": activity.activity_type,
        "recorded_at": iso(activity.occurred_at),
        "participant_count": activity.participant_count,
        "location": activity.location,
        "status": activity.status,
        "category": activity.category,
        "hours": number(activity.hours),
        "source_system": activity.source_system,
    }


@router.endpoint(
    "GET", "/activities", **documented(shapes.ActivityList), summary="Activities within a range (getActivitiesInRange)"
)
async def list_activities(
    org_id: str,
    start: datetime,
    end: datetime,
    ctx: Context = ContextDep,
    window: Window = Depends(page_window),
    activity_type: CodeQuery = None,
    status: CodeQuery = None,
) -> dict[str, Any]:
    page = await activities.list_in_range(
        ctx, organization_id=org_id, start=start, end=end, window=window, activity_type=activity_type, status=status
    )
    return paginated(page, [activity_shape(ctx, a) for a in page.items])


@router.endpoint(
    "GET",
    "/last-submitted-period",
    **documented(shapes.LastSubmitted),
    summary="The most recently submitted period (getLastSubmittedPeriod)",
)
async def last_submitted_period(
    org_id: Annotated[str, Query(min_length=1, max_length=64, pattern=NO_NUL)], ctx: Context = ContextDep
) -> dict[str, Any]:
    submission, period = await submissions.last_submitted(ctx, organization_id=org_id)
    return {
        "org_id": submission.organization_id,
        "submitted_period_id": period.id,
        "period_start": iso(period.start),
        "period_end": iso(period.end),
        "submitted_at": iso(submission.submitted_at),
        "submitted_by": submission.submitted_by,
        "activity_count": submission.activity_count,
        "version": submission.version,
        "report_id": submission.report_record_id,
        "reopened_at": iso(submission.reopened_at),
    }


@router.endpoint("GET", **documented(shapes.AggregationList), summary="Aggregation snapshots of an organisation")
async def list_aggregations(
    ctx: Context = ContextDep,
    window: Window = Depends(page_window),
    org_id: OrganizationIdQuery = None,
    reporting_period_id: PeriodIdQuery = None,
) -> dict[str, Any]:
    hidden = await legacy.superseded(ctx, organization_id=org_id)
    page = await snapshots.list_(ctx, window=window, organization_id=org_id, period_id=reporting_period_id, excluding=hidden)
    return paginated(page, [shape(s) for s in page.items])


@router.endpoint(
    "POST",
    status_code=202,
    **documented(shapes.Aggregation, 202, 201, 200),
    summary="Aggregate a reporting period (job) or a range (at once)",
)
async def create_aggregation(body: CreateBody, ctx: Context = ContextDep) -> JSONResponse:
    if body.range is not None:
        window = periods.checked_range(ctx, body.range.start, body.range.end)
        triggered = await snapshots.trigger(ctx, organization_id=body.org_id, window=window, wait=True)
        return respond(triggered, created=201)
    triggered = await snapshots.trigger(ctx, organization_id=body.org_id, period_id=body.reporting_period_id)
    return respond(triggered, created=200)


@router.endpoint("GET", "/{snapshot_id}", **documented(shapes.Aggregation), summary="One aggregation snapshot")
async def get_aggregation(snapshot_id: SnapshotId, ctx: Context = ContextDep) -> dict[str, Any]:
    return shape(await legacy.named(ctx, snapshot_id=snapshot_id), detail=True)


@router.endpoint("GET", "/{snapshot_id}/metrics", **documented(shapes.Metrics), summary="Detailed metrics of an aggregation")
async def get_metrics(snapshot_id: SnapshotId, ctx: Context = ContextDep) -> dict[str, Any]:
    snapshot = await legacy.named(ctx, snapshot_id=snapshot_id)
    categories = snapshots.category_breakdown(snapshot)
    return {
        "id": legacy.shown_id(snapshot),
        "org_id": snapshot.organization_id,
        "period_id": snapshot.period_id,
        "total_participants": snapshot.participant_count,
        "unique_participants": snapshot.unique_participants,
        "total_hours": number(snapshot.hours_delivered),
        "total_activities": snapshot.activity_count,
        "category_distribution": {
            name: {"participants": c["participants"], "hours": number(c["hours"]), "activities": c["activities"]}
            for name, c in categories.items()
        },
    }


@router.endpoint(
    "PUT",
    "/{snapshot_id}",
    **documented(shapes.Aggregation, 200, 202),
    summary="Re-aggregate (optionally over a new range) and return the result",
)
async def refresh_aggregation(snapshot_id: SnapshotId, body: RefreshBody, ctx: Context = ContextDep) -> JSONResponse:
    window = periods.checked_range(ctx, body.range.start, body.range.end) if body.range is not None else None
    triggered = await legacy.refresh(
        ctx,
        snapshot_id=snapshot_id,
        organization_id=body.org_id,
        period_id=body.reporting_period_id,
        window=window,
        force=body.force_refresh,
    )
    return respond(triggered, created=200)


@router.endpoint("DELETE", "/{snapshot_id}", **documented(shapes.AggregationDeleted), summary="Delete an aggregation snapshot")
async def delete_aggregation(snapshot_id: SnapshotId, ctx: Context = ContextDep) -> dict[str, Any]:
    await legacy.delete(ctx, snapshot_id=snapshot_id)
    return {"deleted": True, "id": snapshot_id}
