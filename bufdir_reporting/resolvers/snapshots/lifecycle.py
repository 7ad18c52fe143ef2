"""Snapshots: trigger aggregation, read, invalidate, delete.

At most one aggregation runs per scope (organisation + period, or organisation + ad-hoc range)
across all processes: the new snapshot takes the scope's ``running_slot`` under a unique index,
and a trigger that loses that race gets the running snapshot back instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.functions import Avg
from tortoise.transactions import in_transaction

from ...errors import Conflict, InvalidInput
from ...events import CacheInvalidated
from ...models import AggregationJob, JobStatus, ReportForm, ReportRecord, Snapshot, SnapshotStatus, Submission
from .. import organizations, periods
from ..base import access, audit, jobs, notify
from ..base.context import Context
from ..base.pagination import Page, Window, paginate_rows
from ..base.rows import AnySnapshot, SnapshotRow
from ..structure import forms
from . import form_choice, runs, scopes

DEFAULT_ESTIMATE_SECONDS = 5


@dataclass(frozen=True, slots=True)
class Triggered:
    snapshot: Snapshot
    job: AggregationJob | None
    estimated_completion_seconds: int


async def estimated_seconds() -> int:
    recent = (
        await AggregationJob.filter(status=JobStatus.SUCCEEDED, duration_ms__isnull=False)
        .annotate(average=Avg("duration_ms"))
        .first()
        .values("average")
    )
    average = recent and recent.get("average")
    return max(1, round(float(average) / 1000)) if average else DEFAULT_ESTIMATE_SECONDS


async def trigger(
    ctx: Context,
    *,
    organization_id: str,
    period_id: str | None = None,
    window: periods.DateRange | None = None,
    form_id: str | None = None,
    force: bool = True,
    wait: bool = False,
) -> Triggered:
    """Start aggregating the organisation's figures of a form (the default form: every section)
    for a period or range, or return what already answers: the running snapshot, or (unless
    ``force``) the current one while its cache is valid. ``wait`` runs the job inline."""
    organization = await organizations.get_for_write(ctx, organization_id=organization_id)
    period = await periods.get_or_raise(ctx, period_id=period_id) if period_id else None
    form = await forms.for_period(ctx, form_id=form_id, period=period)
    form_id = None if form.is_default else form.id
    if period is not None:
        bounds = periods.period_bounds(period)
    elif window is not None:
        bounds = periods.checked_range(ctx, window.start, window.end)
    else:
        raise InvalidInput(field="period_id", message_id="snapshots.lifecycle.give_period_range")
    slot = scopes.scope_key(organization.id, period.id if period else None, bounds, form_id=form_id)
    if not force:
        current = await Snapshot.get_or_none(current_slot=slot, cache_valid=True)
        if current is not None:
            return Triggered(current, None, 0)
    # Asked before the run as well as when it finishes (``runs``, the row held): a whole
    # aggregation is the work it saves.
    await periods.refuse_if_period_locked(organization.id, period.id if period else None, form_id)
    snapshot, job, created = await runs.start(ctx, organization_id=organization.id, period=period, window=bounds, form_id=form_id)
    if created and job is not None and wait:
        await runs.run_job(ctx, job_id=job.id)
        await snapshot.refresh_from_db()
        return Triggered(snapshot, job, 0)
    if created and job is not None and ctx.jobs is not None:
        ctx.jobs.submit(jobs.AGGREGATION, job.id)
    return Triggered(snapshot, job, await estimated_seconds())


async def rerun(
    ctx: Context, *, snapshot: AnySnapshot, window: periods.DateRange | None = None, force: bool = True, wait: bool = False
) -> Triggered:
    """Aggregate the scope of ``snapshot`` again, of its form: its period, or its range when it
    has none; or, given ``window``, that range instead. Every re-run (an invalidation, the
    automatic sweep, a REST refresh) asks this, so they all mean the same scope."""
    if window is not None:
        return await trigger(
            ctx, organization_id=snapshot.organization_id, window=window, form_id=snapshot.form_id, force=force, wait=wait
        )
    return await trigger(
        ctx,
        organization_id=snapshot.organization_id,
        period_id=snapshot.period_id,
        window=periods.DateRange(snapshot.range_start, snapshot.range_end),
        form_id=snapshot.form_id,
        force=force,
        wait=wait,
    )


async def get_or_raise(ctx: Context, *, snapshot_id: str) -> SnapshotRow:
    snapshot = await ctx.loaders.snapshot_by_id.load(snapshot_id)
    return access.readable(ctx, snapshot, kind="snapshot", key=snapshot_id)


async def get_for_write(ctx: Context, *, snapshot_id: str) -> Snapshot:
    """The model, which the write saves or deletes (a read takes a plain row: ``get_or_raise``)."""
    snapshot = await Snapshot.get_or_none(id=snapshot_id)
    return access.writable(ctx, snapshot, kind="snapshot", key=snapshot_id)


async def get_job_or_raise(ctx: Context, *, job_id: str) -> AggregationJob:
    """One aggregation run, for those who may read its snapshot; NOT_FOUND alike for a missing
    job and another organisation's."""
    access.require_authenticated(ctx)
    job = await ctx.loaders.aggregation_job_by_id.load(job_id)
    snapshot = None if job is None else await ctx.loaders.snapshot_by_id.load(job.snapshot_id)
    access.readable(ctx, snapshot, kind="aggregation job", key=job_id)
    assert job is not None  # a job always has its snapshot (cascade)
    return job


async def latest_job(ctx: Context, *, snapshot: AnySnapshot) -> AggregationJob | None:
    return await ctx.loaders.latest_job_by_snapshot.load(snapshot.id)


async def list_(
    ctx: Context,
    *,
    window: Window,
    organization_id: str | None = None,
    period_id: str | None = None,
    status: SnapshotStatus | None = None,
    excluding: list[str] | None = None,
    by_period: bool = False,
    form: ReportForm | None = None,
    one_form_per_period: bool = False,
) -> Page[SnapshotRow]:
    """Snapshots the caller may read, newest run first; ``by_period``: the latest period first
    (an organisation's overview), and within it the newest run. ``form``: of that form only;
    ``one_form_per_period``: of one form per organisation and period (``form_choice``)."""
    order = ("-range_end", "-created_at", "id") if by_period else ("-created_at", "id")
    query = access.readable_rows(ctx, Snapshot.all().order_by(*order), organization_id)
    if form is not None:
        query = form_choice.of_form(query, form)
    elif one_form_per_period:
        query = form_choice.one_form_per_period(query, Snapshot)
    if excluding:
        query = query.exclude(id__in=excluding)
    if period_id is not None:
        query = query.filter(period_id=period_id)
    if status is not None:
        query = query.filter(status=status)
    return await paginate_rows(query, window, SnapshotRow)


async def invalidate(
    ctx: Context, *, snapshot_id: str, reason: str, reaggregate: bool = True
) -> tuple[Snapshot, Triggered | None]:
    snapshot = await get_for_write(ctx, snapshot_id=snapshot_id)
    async with notify.transaction(ctx) as outbox:
        await periods.hold_unlocked(snapshot.id)
        await Snapshot.filter(id=snapshot.id).update(
            cache_valid=False, invalidation_reason=reason, invalidated_at=datetime.now(UTC)
        )
        await snapshot.refresh_from_db()
        outbox.add(*CacheInvalidated.each([snapshot], reason))
    if not reaggregate:
        return snapshot, None
    return snapshot, await rerun(ctx, snapshot=snapshot)


async def delete(ctx: Context, *, snapshot_id: str) -> Snapshot:
    found = await get_for_write(ctx, snapshot_id=snapshot_id)
    async with in_transaction():
        # Checked and deleted under the row's lock: four concurrent deletes of one snapshot each
        # answered that it was deleted and each audited a deletion (attacker's review, on
        # PostgreSQL); the one that finds it gone is NOT_FOUND, as a later delete is.
        locked = await periods.hold(found.id)
        snapshot = access.writable(ctx, locked, kind="snapshot", key=snapshot_id)
        if snapshot.status == SnapshotStatus.PROCESSING:
            raise Conflict(
                details={"snapshot_id": snapshot_id}, message_id="snapshots.lifecycle.snapshot_still_processing_deleted"
            )
        if await Submission.exists(snapshot_id=snapshot.id) or await ReportRecord.exists(snapshot_id=snapshot.id):
            raise Conflict(
                details={"snapshot_id": snapshot_id}, message_id="snapshots.lifecycle.snapshot_reports_submissions_kept"
            )
        await Snapshot.filter(prior_snapshot_id=snapshot.id).update(prior_snapshot_id=None)
        await snapshot.delete()
        await audit.record(
            ctx,
            action="snapshot.deleted",
            entity_type="snapshot",
            entity_id=snapshot.id,
            organization_id=snapshot.organization_id,
            before={"period_id": snapshot.period_id, "status": snapshot.status, "activity_count": snapshot.activity_count},
        )
    ctx.loaders.snapshot_by_id.clear(snapshot_id)
    return snapshot
