"""Snapshots: trigger aggregation, read, invalidate, delete.

At most one aggregation runs per scope (organisation + period, or organisation + ad-hoc range)
across all processes: the new snapshot takes the scope's ``running_slot`` under a unique index,
and a trigger that loses that race gets the running snapshot back instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.functions import Avg
from tortoise.transactions import in_transaction
from ulid import ULID

from ..errors import Conflict, InvalidInput, NotFound
from ..models import AggregationJob, JobStatus, Period, Snapshot, SnapshotStatus
from . import aggregation, audit, notify, organizations, periods, submissions
from .context import Context
from .pagination import Page, Window, paginate, visible_to

DEFAULT_ESTIMATE_SECONDS = 5


@dataclass(frozen=True, slots=True)
class DateRange:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Triggered:
    snapshot: Snapshot
    job: AggregationJob | None
    estimated_completion_seconds: int


def scope_key(organization_id: str, period_id: str | None, window: DateRange | None = None) -> str:
    if period_id is not None:
        return f"{organization_id}|{period_id}"
    assert window is not None
    return f"{organization_id}|{window.start.isoformat()}|{window.end.isoformat()}"


def period_bounds(period: Period) -> DateRange:
    return DateRange(
        datetime.combine(period.start, time.min, UTC), datetime.combine(period.end, time.max, UTC)
    )


def new_id(prefix: str) -> str:
    return f"{prefix}-{str(ULID()).lower()}"


def checked_range(ctx: Context, start: datetime, end: datetime, *, bounded: bool = True) -> DateRange:
    """A UTC range with start <= end; ``bounded``: no longer than the configured maximum
    (what one aggregation may span; a paginated listing needs no such bound)."""
    start, end = (moment if moment.tzinfo else moment.replace(tzinfo=UTC) for moment in (start, end))
    if start > end:
        raise InvalidInput("range.start is after range.end", field="range.start")
    if bounded and end - start > timedelta(days=ctx.settings.max_range_days):
        raise InvalidInput(f"a range may span at most {ctx.settings.max_range_days} days", field="range.end")
    return DateRange(start.astimezone(UTC), end.astimezone(UTC))


async def estimated_seconds() -> int:
    recent = (
        await AggregationJob.filter(status=JobStatus.SUCCEEDED, duration_ms__isnull=False)
        .annotate(average=Avg("duration_ms"))
        .first()
        .values("average")
    )
    average = recent and recent.get("average")
    return max(1, round(float(average) / 1000)) if average else DEFAULT_ESTIMATE_SECONDS


async def _start(
    ctx: Context, *, organization_id: str, period: Period | None, window: DateRange
) -> tuple[Snapshot, AggregationJob | None, bool]:
    """Create the processing snapshot and its job; or, when the scope is taken, return the
    snapshot holding it and ``False`` (that run's job is already submitted)."""
    slot = scope_key(organization_id, period.id if period else None, window)
    try:
        async with in_transaction():
            snapshot = await Snapshot.create(
                id=new_id("snap"),
                organization_id=organization_id,
                period=period,
                range_start=window.start,
                range_end=window.end,
                status=SnapshotStatus.PROCESSING,
                running_slot=slot,
                created_by=ctx.principal.subject,
            )
            job = await AggregationJob.create(id=new_id("job-agg"), snapshot=snapshot)
        return snapshot, job, True
    except IntegrityError:
        running = await Snapshot.get_or_none(running_slot=slot)
        if running is None:  # finished between our insert and this read: the new current one
            running = await Snapshot.get(current_slot=slot)
        return running, await AggregationJob.filter(snapshot_id=running.id).order_by("-created_at").first(), False


async def trigger(
    ctx: Context,
    *,
    organization_id: str,
    period_id: str | None = None,
    window: DateRange | None = None,
    force: bool = True,
    wait: bool = False,
) -> Triggered:
    """Start aggregating, or return what already answers: the running snapshot, or (unless
    ``force``) the current one while its cache is valid. ``wait`` runs the job inline."""
    organization = await organizations.get_or_raise(ctx, organization_id=organization_id)
    period = await periods.get_or_raise(ctx, period_id=period_id) if period_id else None
    if period is None and window is None:
        raise InvalidInput("give a period or a range", field="period_id")
    bounds = period_bounds(period) if period else checked_range(ctx, window.start, window.end)  # type: ignore[union-attr]
    slot = scope_key(organization.id, period.id if period else None, bounds)
    if not force:
        current = await Snapshot.get_or_none(current_slot=slot, cache_valid=True)
        if current is not None:
            return Triggered(current, None, 0)
    await submissions.refuse_if_period_locked(organization.id, period.id if period else None)
    snapshot, job, created = await _start(ctx, organization_id=organization.id, period=period, window=bounds)
    if created:
        await notify.snapshot_status(ctx, snapshot)
    if created and job is not None and wait:
        await aggregation.run_job(ctx, job_id=job.id)
        await snapshot.refresh_from_db()
        return Triggered(snapshot, job, 0)
    if created and job is not None and ctx.jobs is not None:
        ctx.jobs.submit(job.id)
    return Triggered(snapshot, job, await estimated_seconds())


async def aggregate_now(ctx: Context, *, organization_id: str, period: Period) -> Snapshot | None:
    """Aggregate inline (for a missing prior period); ``None`` if another run holds the scope."""
    snapshot, job, created = await _start(ctx, organization_id=organization_id, period=period, window=period_bounds(period))
    if not created or job is None:
        return snapshot if snapshot.status == SnapshotStatus.CURRENT else None
    await aggregation.run_job(ctx, job_id=job.id, with_prior=False)
    await snapshot.refresh_from_db()
    return snapshot if snapshot.status == SnapshotStatus.CURRENT else None


async def get_or_raise(ctx: Context, *, snapshot_id: str) -> Snapshot:
    snapshot = await ctx.loaders.snapshot_by_id.load(snapshot_id)
    if snapshot is None:
        ctx.principal.require_authenticated()
        raise NotFound("snapshot", snapshot_id)
    ctx.principal.require_organization(snapshot.organization_id)
    return snapshot


async def latest_job(ctx: Context, *, snapshot: Snapshot) -> AggregationJob | None:
    return await AggregationJob.filter(snapshot_id=snapshot.id).order_by("-created_at").first()


async def list_(
    ctx: Context,
    *,
    window: Window,
    organization_id: str | None = None,
    period_id: str | None = None,
    status: SnapshotStatus | None = None,
) -> Page[Snapshot]:
    query = visible_to(ctx, Snapshot.all().order_by("-created_at", "id"), organization_id)
    if period_id is not None:
        query = query.filter(period_id=period_id)
    if status is not None:
        query = query.filter(status=status)
    return await paginate(query, window)


async def invalidate(ctx: Context, *, snapshot_id: str, reason: str, reaggregate: bool = True) -> tuple[Snapshot, Triggered | None]:
    snapshot = await get_or_raise(ctx, snapshot_id=snapshot_id)
    await submissions.refuse_if_period_locked(snapshot.organization_id, snapshot.period_id)
    await Snapshot.filter(id=snapshot.id).update(
        cache_valid=False, invalidation_reason=reason, invalidated_at=datetime.now(UTC)
    )
    await snapshot.refresh_from_db()
    await notify.cache_invalidated(ctx, [snapshot], reason)
    if not reaggregate:
        return snapshot, None
    window = DateRange(snapshot.range_start, snapshot.range_end)
    triggered = await trigger(
        ctx, organization_id=snapshot.organization_id, period_id=snapshot.period_id, window=window, force=True
    )
    return snapshot, triggered


async def delete(ctx: Context, *, snapshot_id: str) -> Snapshot:
    snapshot = await get_or_raise(ctx, snapshot_id=snapshot_id)
    if snapshot.status == SnapshotStatus.PROCESSING:
        raise Conflict("a snapshot that is still processing cannot be deleted", details={"snapshot_id": snapshot_id})
    if await snapshot.submissions.all().exists() or await snapshot.report_records.all().exists():
        raise Conflict("a snapshot with reports or submissions is kept", details={"snapshot_id": snapshot_id})
    async with in_transaction():
        await Snapshot.filter(prior_snapshot_id=snapshot.id).update(prior_snapshot_id=None)
        await snapshot.delete()
        await audit.record(
            ctx, action="snapshot.deleted", entity_type="snapshot", entity_id=snapshot.id,
            organization_id=snapshot.organization_id,
            before={"period_id": snapshot.period_id, "status": snapshot.status, "activity_count": snapshot.activity_count},
        )
    ctx.loaders.snapshot_by_id.clear(snapshot_id)
    return snapshot
