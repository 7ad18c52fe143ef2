"""One aggregation run, from claiming its scope to a current (or failed) snapshot.

At most one aggregation runs per scope (organisation + period, or organisation + ad-hoc range)
across all processes: ``start`` creates the processing snapshot holding the scope's
``running_slot`` under a unique index, and a start that loses that race gets the running
snapshot back instead. The job is then claimed by one conditional UPDATE, so only one process
runs it, and it beats a heartbeat while it runs.

Success writes the field values and metrics, demotes the previous current snapshot of the
same scope to ``historical`` and promotes this one, in one transaction. Failure marks the
snapshot ``failed`` with the error and leaves the previous current one in place. Manual values
of the snapshot being replaced are carried over, so re-aggregating never loses them.

What a run reads (definitions in force, the engine's figures) is ``run_inputs``; the values
and metrics it writes are ``run_values``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from ...database import long_work
from ...events import DataUpdated, SnapshotStatusChanged, changed_values
from ...models import (
    Activity,
    AggregationJob,
    FieldValue,
    JobStatus,
    Period,
    Snapshot,
    SnapshotStatus,
)
from .. import periods
from ..base import changes, ids, loaders, notify
from ..base.context import Context
from ..base.jobs import OWNER
from . import prior_values, run_inputs, scopes
from .completeness import completeness
from .run_values import MANUAL, metrics_of, new_values

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(UTC)


PRIOR_DEPTH = 20
"""How many periods back a run aggregates missing priors inline (each with its own prior): the
chain ends earlier at the organisation's first activity; the bound keeps one run bounded."""


async def _prior_snapshot(ctx: Context, snapshot: Snapshot, *, depth: int) -> Snapshot | None:
    """The current snapshot of the period before the snapshot's, aggregated now (with its own
    prior, ``depth`` periods back) when there is none and that period has data: every current
    snapshot whose prior period has data carries the prior's values."""
    if snapshot.period_id is None:
        return None
    prior_period = await periods.get_prior(ctx, period=await periods.get_or_raise(ctx, period_id=snapshot.period_id))
    if prior_period is None:
        return None
    slot = scopes.scope_key(snapshot.organization_id, prior_period.id, form_id=snapshot.form_id)
    prior = await Snapshot.get_or_none(current_slot=slot)
    if prior is None and depth > 0 and await _has_data(snapshot.organization_id, prior_period):
        prior = await aggregate_now(
            ctx, organization_id=snapshot.organization_id, period=prior_period, form_id=snapshot.form_id, depth=depth - 1
        )
    return prior


async def _has_data(organization_id: str, period: Period) -> bool:
    """Anything to report for the period: an activity by its end (a stock field counts what is
    still open then, whenever it began)."""
    end = periods.period_bounds(period).end
    return await Activity.filter(organization_id=organization_id, occurred_at__lte=end, deleted_at__isnull=True).exists()


async def start(
    ctx: Context, *, organization_id: str, period: Period | None, window: periods.DateRange, form_id: str | None = None
) -> tuple[Snapshot, AggregationJob | None, bool]:
    """Create the processing snapshot and its job; or, when the scope is taken, return the
    snapshot holding it and ``False`` (that run's job is already submitted). ``form_id`` None is
    the default form."""
    slot = scopes.scope_key(organization_id, period.id if period else None, window, form_id=form_id)
    try:
        async with notify.transaction(ctx) as outbox:
            snapshot = await Snapshot.create(
                id=ids.snapshot_id(),
                organization_id=organization_id,
                period=period,
                form_id=form_id,
                range_start=window.start,
                range_end=window.end,
                status=SnapshotStatus.PROCESSING,
                running_slot=slot,
                created_by=ctx.principal.subject,
            )
            job = await AggregationJob.create(id=ids.job_id(), snapshot=snapshot)
            outbox.add(SnapshotStatusChanged.of(snapshot))
        return snapshot, job, True
    except IntegrityError:
        running = await Snapshot.get_or_none(running_slot=slot)
        if running is None:  # finished between our insert and this read: the new current one
            running = await Snapshot.get(current_slot=slot)
        return running, (await loaders.latest_jobs([running.id])).get(running.id), False


async def aggregate_now(
    ctx: Context, *, organization_id: str, period: Period, form_id: str | None = None, depth: int = 0
) -> Snapshot | None:
    """Aggregate inline (for a missing prior period, with priors of its own ``depth`` periods
    back); ``None`` if another run holds the scope."""
    snapshot, job, created = await start(
        ctx, organization_id=organization_id, period=period, window=periods.period_bounds(period), form_id=form_id
    )
    if not created or job is None:
        return snapshot if snapshot.status == SnapshotStatus.CURRENT else None
    await run_job(ctx, job_id=job.id, prior_depth=depth)
    await snapshot.refresh_from_db()
    return snapshot if snapshot.status == SnapshotStatus.CURRENT else None


async def _claim(job_id: str, stale_before: datetime | None) -> bool:
    """Take the job with one conditional UPDATE, so two submitters (or two recovering
    processes) can never both run it: a queued job, or a running one whose owner stopped
    beating before ``stale_before``."""
    claimable = Q(status=JobStatus.QUEUED)
    if stale_before is not None:
        claimable |= Q(status=JobStatus.RUNNING, heartbeat_at__lte=stale_before)
    owner = await AggregationJob.filter(id=job_id).values_list("snapshot__organization_id", flat=True)
    async with in_transaction():
        taken = await AggregationJob.filter(Q(id=job_id) & claimable).update(
            status=JobStatus.RUNNING, owner=OWNER, started_at=now(), heartbeat_at=now(), attempts=F("attempts") + 1
        )
        if taken == 1:
            # Taken (RUNNING, its start, an attempt) is a change of its organisation's: a poller's
            # answer is cached under the versions of what it read, and showed QUEUED for the whole
            # run (test_a_poller_sees_the_aggregation_job_taken).
            await changes.record([(str(organization_id), None) for organization_id in owner])
    return taken == 1


async def run_job(
    ctx: Context, *, job_id: str, prior_depth: int = PRIOR_DEPTH, stale_before: datetime | None = None
) -> Snapshot | None:
    """Run a claimed aggregation job: long work, whether a background job or a request's
    ``wait`` runs it (``database.long_work``)."""
    with long_work(ctx.settings):
        return await _run_job(ctx, job_id=job_id, prior_depth=prior_depth, stale_before=stale_before)


async def _run_job(ctx: Context, *, job_id: str, prior_depth: int, stale_before: datetime | None) -> Snapshot | None:
    if not await _claim(job_id, stale_before):
        return None
    job = await AggregationJob.get(id=job_id).prefetch_related("snapshot")
    snapshot: Snapshot = job.snapshot
    started = time.monotonic()
    beating = asyncio.create_task(_heartbeat(job_id, ctx.settings.stale_job_seconds / 3))
    try:
        await _complete(ctx, snapshot, job, started, prior_depth=prior_depth)
    except Exception as exc:
        log.warning("aggregation job %s failed: %s", job_id, exc, exc_info=True)
        await _fail(ctx, snapshot, job, started, exc)
    finally:
        beating.cancel()
    return snapshot


async def _heartbeat(job_id: str, every: float) -> None:
    """Keep the claim fresh while the job runs, so no other process takes it as abandoned."""
    while True:
        await asyncio.sleep(every)
        await AggregationJob.filter(id=job_id, status=JobStatus.RUNNING).update(heartbeat_at=now())


async def _complete(ctx: Context, snapshot: Snapshot, job: AggregationJob, started: float, *, prior_depth: int) -> None:
    definitions, result = await run_inputs.aggregated(ctx, snapshot, await run_inputs.counted(ctx, snapshot))
    prior = await _prior_snapshot(ctx, snapshot, depth=prior_depth)
    slot = snapshot.running_slot
    previous = await Snapshot.get_or_none(current_slot=slot) if slot else None
    async with notify.transaction(ctx) as outbox:
        if prior is not None and prior.current_slot is not None:
            # The prior period's figures are read with its current snapshot's row held, first (the
            # order of every writer: a value entered there holds it, then refreshes this period's
            # current snapshot). Read before, a value entered meanwhile refreshed the snapshot this
            # run replaces and never reached this one (attack4).
            prior = await scopes.held_current(prior.current_slot)
        prior_figures = {v.field_key: v for v in await FieldValue.filter(snapshot_id=prior.id)} if prior else {}
        if previous is not None:
            # Asked with the current snapshot's row held (``periods.hold_unlocked``), as a submission holds it:
            # a period submitted while this ran keeps the snapshot it sent as its current one (a run
            # started just before a submission made the sent snapshot historical: attack4), and a
            # value set by hand meanwhile is carried, not lost.
            await periods.hold_unlocked(previous.id)
        previous_values = await FieldValue.filter(snapshot_id=previous.id) if previous else []
        carried = {v.field_key: v for v in previous_values if v.data_source == MANUAL}
        rows = new_values(snapshot.id, definitions, result, prior=prior_figures, carried=carried)
        await FieldValue.filter(snapshot_id=snapshot.id).delete()
        await FieldValue.bulk_create(rows)
        if previous is not None:
            await Snapshot.filter(id=previous.id).update(status=SnapshotStatus.HISTORICAL, current_slot=None)
        prior_id = prior.id if prior is not None else None
        snapshot.update_from_dict(
            {
                "status": SnapshotStatus.CURRENT,
                "current_slot": slot,
                "running_slot": None,
                "prior_snapshot_id": prior_id,
                "cache_valid": True,
                **metrics_of(result),
                **completeness(definitions, rows),
                "error": None,
                "aggregated_at": now(),
            }
        )
        await snapshot.save()
        await _finish(job, started, JobStatus.SUCCEEDED)
        outbox.add(SnapshotStatusChanged.of(snapshot))
        if previous is not None:
            await previous.refresh_from_db()
            outbox.add(SnapshotStatusChanged.of(previous))
        outbox.add(DataUpdated.of(snapshot, changed_values(previous_values, rows)))
        await prior_values.refresh_following(ctx, outbox, snapshot)


async def _fail(ctx: Context, snapshot: Snapshot, job: AggregationJob, started: float, exc: Exception) -> None:
    """End the run as failed in its own statements, touching only what failing means: the
    in-memory snapshot may hold half-applied completion (a current slot, a prior link) that must
    not be written, and the scope is freed at once."""
    message = f"{type(exc).__name__}: {exc}"[:2000]
    async with notify.transaction(ctx) as outbox:
        await Snapshot.filter(id=snapshot.id).update(status=SnapshotStatus.FAILED, running_slot=None, error=message)
        await AggregationJob.filter(id=job.id).update(
            status=JobStatus.FAILED, error=message, finished_at=now(), duration_ms=int((time.monotonic() - started) * 1000)
        )
        await snapshot.refresh_from_db()
        outbox.add(SnapshotStatusChanged.of(snapshot))


async def _finish(job: AggregationJob, started: float, status: JobStatus) -> None:
    job.status = status
    job.finished_at = now()
    job.duration_ms = int((time.monotonic() - started) * 1000)
    await job.save()
