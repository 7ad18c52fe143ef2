"""A snapshot or an activity in the shapes of ``/api/v1/bufdir-aggregations``'s answers."""

from __future__ import annotations

from fastapi import Response

from ...models import Activity, SnapshotStatus
from ...resolvers import activities, snapshots
from ...resolvers.base.context import Context
from ...resolvers.base.rows import AnySnapshot
from ...resolvers.snapshots import legacy
from ...rest.routing import number
from ..shapes import bufdir_aggregations as shapes

SERVICE_STATUS: dict[SnapshotStatus, shapes.ServiceStatus] = {
    SnapshotStatus.CURRENT: "completed",
    SnapshotStatus.HISTORICAL: "completed",
    SnapshotStatus.PROCESSING: "processing",
    SnapshotStatus.FAILED: "failed",
}


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
