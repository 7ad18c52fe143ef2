"""The routes of ``/api/v1/bufdir-aggregations``: each parses its input, makes one use-case call
and answers in the contracts' shapes (``answers``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Body, Depends, Response

from ...resolvers import activities, periods, snapshots
from ...resolvers.base.context import Context
from ...resolvers.base.pagination import Window
from ...resolvers.reporting import submissions
from ...resolvers.snapshots import legacy
from ...rest.routing import (
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
)
from .. import examples
from ..shapes import bufdir_aggregations as shapes
from .answers import activity_shape, aggregation, detail, run
from .requests import AggregationRequest, RangeAggregation, RefreshBody

router = ContractRouter("/api/v1/bufdir-aggregations", tag="bufdir-aggregations")


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
    summary="Re-aggregate (an aggregation of a range optionally over a new one) and return the result",
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
