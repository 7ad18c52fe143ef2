"""Snapshot lifecycle: trigger, background job, current/historical, failure, races, recovery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bufdir_reporting.auth import Principal
from bufdir_reporting.errors import Forbidden, InvalidInput, NotFound
from bufdir_reporting.models import (
    AggregationJob,
    FieldValue,
    JobStatus,
    Snapshot,
    SnapshotStatus,
)
from bufdir_reporting.resolvers import periods, snapshots
from bufdir_reporting.resolvers.base.context import Context

from ...factories import make_scope
from ...live import started_app


@pytest.fixture
async def data(reporting):
    """org-1042's few activities in the report structure (the ``reporting`` fixture)."""


@pytest.fixture
def ctx(app, settings):
    return Context(settings=settings, principal=Principal("kari", frozenset({"org-1042"})), jobs=app.state.jobs)


async def settle(ctx: Context) -> None:
    await ctx.jobs.wait_idle()


async def test_a_trigger_returns_processing_and_the_job_makes_it_current(ctx, data):
    triggered = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024")
    assert triggered.snapshot.status == SnapshotStatus.PROCESSING
    assert triggered.job is not None and triggered.job.id.startswith("job-agg-")
    assert triggered.estimated_completion_seconds >= 1
    await settle(ctx)
    snapshot = await Snapshot.get(id=triggered.snapshot.id)
    assert snapshot.status == SnapshotStatus.CURRENT and snapshot.running_slot is None
    assert snapshot.activity_count > 0 and snapshot.field_count == 57
    assert snapshot.populated_field_count < snapshot.field_count  # manual fields stay NULL
    assert "antall_arsverk" in snapshot.missing_required_fields
    assert (await AggregationJob.get(id=triggered.job.id)).status == JobStatus.SUCCEEDED
    prior = await Snapshot.get(id=snapshot.prior_snapshot_id)
    assert prior.period_id == "2023" and prior.status == SnapshotStatus.CURRENT
    value = await FieldValue.get(snapshot_id=snapshot.id, field_key="antall_undersokelser_igangsatt")
    prior_value = await FieldValue.get(snapshot_id=prior.id, field_key="antall_undersokelser_igangsatt")
    assert value.prior_value == prior_value.value and value.value is not None
    assert (await FieldValue.get(snapshot_id=snapshot.id, field_key="antall_arsverk")).value is None


async def test_a_prior_made_for_another_run_carries_its_own_prior(ctx, data):
    """2025 is aggregated first: its prior 2024 is made inline, and 2024 in turn carries 2023's
    values (it had none: a prior was made without a prior of its own); the chain ends where
    there is no data (2022 has no period, 2025's 2026 is never aggregated)."""
    await snapshots.trigger(ctx, organization_id="org-1042", period_id="2025", wait=True)
    current = {s.period_id: s for s in await Snapshot.filter(organization_id="org-1042", status=SnapshotStatus.CURRENT)}
    assert set(current) == {"2023", "2024", "2025"}
    assert current["2025"].prior_snapshot_id == current["2024"].id
    assert current["2024"].prior_snapshot_id == current["2023"].id
    assert current["2023"].prior_snapshot_id is None
    in_2024 = await FieldValue.get(snapshot_id=current["2024"].id, field_key="antall_undersokelser_igangsatt")
    in_2023 = await FieldValue.get(snapshot_id=current["2023"].id, field_key="antall_undersokelser_igangsatt")
    assert in_2023.value is not None and in_2024.prior_value == in_2023.value


async def test_a_second_run_makes_the_first_historical(ctx, data):
    first = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024-Q2")).snapshot
    await settle(ctx)
    second = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024-Q2")).snapshot
    await settle(ctx)
    statuses = {s.id: s.status for s in await Snapshot.filter(period_id="2024-Q2", organization_id="org-1042")}
    assert statuses == {first.id: SnapshotStatus.HISTORICAL, second.id: SnapshotStatus.CURRENT}


async def test_without_force_a_valid_current_snapshot_is_returned(ctx, data):
    first = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024")).snapshot
    await settle(ctx)
    again = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024", force=False)
    assert again.snapshot.id == first.id and again.job is None
    await snapshots.invalidate(ctx, snapshot_id=first.id, reason="test", reaggregate=False)
    fresh = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024", force=False)
    assert fresh.snapshot.id != first.id
    await settle(ctx)  # its job done before the app stops (not left for the shutdown to wait on)


async def test_twenty_concurrent_triggers_make_one_job_and_one_snapshot(ctx, data):
    results = await asyncio.gather(*(snapshots.trigger(ctx, organization_id="org-1042", period_id="2024-Q1") for _ in range(20)))
    await settle(ctx)
    assert len({r.snapshot.id for r in results}) == 1
    snapshots_made = await Snapshot.filter(organization_id="org-1042", period_id="2024-Q1")
    assert len(snapshots_made) == 1 and snapshots_made[0].status == SnapshotStatus.CURRENT
    assert await AggregationJob.filter(snapshot_id=snapshots_made[0].id).count() == 1


async def test_a_failed_run_keeps_the_previous_current_snapshot(ctx, data, monkeypatch):
    good = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2025")).snapshot
    await settle(ctx)

    async def broken(**_):
        raise RuntimeError("fagsystem export was truncated")

    monkeypatch.setattr("bufdir_reporting.resolvers.aggregation.engine.aggregate", broken)
    bad = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2025")).snapshot
    await settle(ctx)
    bad = await Snapshot.get(id=bad.id)
    assert bad.status == SnapshotStatus.FAILED and "truncated" in bad.error and bad.running_slot is None
    assert (await Snapshot.get(id=good.id)).status == SnapshotStatus.CURRENT


async def test_a_failure_inside_the_completing_transaction_ends_the_run_failed_and_frees_the_scope(ctx, data, monkeypatch):
    """The completion had already set the new snapshot current in memory (its current slot is the
    previous one's) when the transaction failed: failing must not write that half-done state —
    it did, hit the unique slot, and left the job running and the scope taken for minutes."""
    from bufdir_reporting.resolvers.snapshots import runs

    good = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2025")).snapshot
    await settle(ctx)
    finish = runs._finish

    async def failing(job, started, status):
        if status == JobStatus.SUCCEEDED:
            raise RuntimeError("connection lost during commit")
        await finish(job, started, status)

    monkeypatch.setattr(runs, "_finish", failing)
    bad = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2025")
    await settle(ctx)
    failed = await Snapshot.get(id=bad.snapshot.id)
    assert (failed.status, failed.running_slot, failed.current_slot) == (SnapshotStatus.FAILED, None, None)
    assert "connection lost" in failed.error
    job = await AggregationJob.get(id=bad.job.id)
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert (await Snapshot.get(id=good.id)).status == SnapshotStatus.CURRENT
    monkeypatch.setattr(runs, "_finish", finish)
    again = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2025")
    assert again.snapshot.id not in (good.id, bad.snapshot.id)  # the scope was free at once
    await settle(ctx)
    assert (await Snapshot.get(id=again.snapshot.id)).status == SnapshotStatus.CURRENT


async def test_a_prior_snapshot_deleted_while_a_run_reads_it_does_not_fail_the_run(ctx, data, monkeypatch):
    from bufdir_reporting.resolvers.snapshots import runs

    prior = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024")).snapshot
    await settle(ctx)
    read_prior = runs._prior_snapshot

    async def deleted_meanwhile(context, snapshot, *, depth):
        found = await read_prior(context, snapshot, depth=depth)
        await Snapshot.filter(id=found.id).delete()  # as a DELETE from another request would
        return found

    monkeypatch.setattr(runs, "_prior_snapshot", deleted_meanwhile)
    triggered = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2025")
    await settle(ctx)
    done = await Snapshot.get(id=triggered.snapshot.id)
    assert done.status == SnapshotStatus.CURRENT and done.prior_snapshot_id is None and done.running_slot is None
    assert not await Snapshot.exists(id=prior.id)


async def test_bad_scope_is_refused(ctx, data):
    with pytest.raises(NotFound):
        await snapshots.trigger(ctx, organization_id="org-1042", period_id="1999")
    with pytest.raises(Forbidden):
        await snapshots.trigger(ctx, organization_id="org-2077", period_id="2024")
    backwards = periods.DateRange(datetime(2025, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidInput) as raised:
        await snapshots.trigger(ctx, organization_id="org-1042", window=backwards)
    assert raised.value.field == "range.start"
    too_long = periods.DateRange(datetime(2020, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidInput):
        await snapshots.trigger(ctx, organization_id="org-1042", window=too_long)
    assert await Snapshot.all().count() == 0


async def orphaned_job(name: str, year: int, *, heartbeat_at: datetime) -> None:
    """A processing snapshot and a running job as a process that died leaves them."""
    org = (await make_scope(year=year)).org
    orphan = await Snapshot.create(
        id=f"snap-{name}",
        organization=org,
        period_id=str(year),
        status=SnapshotStatus.PROCESSING,
        running_slot=f"{org.id}|{year}",
        range_start=datetime(year, 1, 1, tzinfo=UTC),
        range_end=datetime(year, 12, 31, 23, 59, 59, tzinfo=UTC),
    )
    await AggregationJob.create(
        id=f"job-agg-{name}",
        snapshot=orphan,
        status=JobStatus.RUNNING,
        owner=f"{name}:1",
        started_at=heartbeat_at,
        heartbeat_at=heartbeat_at,
    )


async def test_a_job_left_processing_by_a_dead_process_is_recovered_at_start_up(settings):
    async with started_app(settings):
        await orphaned_job("orphan", 2024, heartbeat_at=datetime.now(UTC) - timedelta(hours=1))
    async with started_app(settings, empty=False) as second:
        await second.state.jobs.wait_idle()
        recovered = await Snapshot.get(id="snap-orphan")
        assert recovered.status == SnapshotStatus.CURRENT
        job = await AggregationJob.get(id="job-agg-orphan")
        assert job.status == JobStatus.SUCCEEDED and job.attempts == 1


async def test_a_running_replica_resumes_a_job_whose_owner_stopped_beating(settings):
    """No restart: the recovery sweep of a live process finds the dead owner's job."""
    async with started_app(settings.model_copy(update={"stale_job_seconds": 1})) as app:
        # its owner's last beat a stale interval ago: the next sweep (every half interval) takes
        # it, where a beat of now waited out the interval first (1-1.5 s of the test's wall)
        await orphaned_job("dead-owner", 2025, heartbeat_at=datetime.now(UTC) - timedelta(seconds=1))
        async with asyncio.timeout(15):
            while (await Snapshot.get(id="snap-dead-owner")).status == SnapshotStatus.PROCESSING:
                await asyncio.sleep(0.1)
        await app.state.jobs.wait_idle()
        assert (await Snapshot.get(id="snap-dead-owner")).status == SnapshotStatus.CURRENT
        job = await AggregationJob.get(id="job-agg-dead-owner")
        assert job.status == JobStatus.SUCCEEDED and job.owner != "dead-owner:1"


async def test_the_completion_estimate_follows_recent_run_times(ctx, data):
    assert await snapshots.estimated_seconds() == snapshots.DEFAULT_ESTIMATE_SECONDS
    first = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024")).snapshot
    await settle(ctx)
    await AggregationJob.filter(snapshot_id__in=[s.id for s in await Snapshot.all()]).update(duration_ms=14_000)
    triggered = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024")
    assert triggered.estimated_completion_seconds == 14
    assert first.id != triggered.snapshot.id


async def test_a_rerun_aggregates_the_snapshots_own_scope_again(ctx, data):
    """Every re-run (invalidation, the automatic sweep, the REST refresh and PUT) asks
    ``snapshots.rerun``: a period's snapshot again over its period, a range's over its range,
    and with a window over that range alone."""
    by_period = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024", wait=True)).snapshot
    again = (await snapshots.rerun(ctx, snapshot=by_period, wait=True)).snapshot
    assert (again.period_id, again.range_start, again.range_end) == ("2024", by_period.range_start, by_period.range_end)
    assert again.id != by_period.id and (await Snapshot.get(id=by_period.id)).status == SnapshotStatus.HISTORICAL

    spring = periods.DateRange(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))
    by_range = (await snapshots.trigger(ctx, organization_id="org-1042", window=spring, wait=True)).snapshot
    rerun = (await snapshots.rerun(ctx, snapshot=by_range, wait=True)).snapshot
    assert (rerun.period_id, rerun.range_start, rerun.range_end) == (None, spring.start, spring.end)
    assert rerun.id != by_range.id

    summer = periods.DateRange(datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 9, 1, tzinfo=UTC))
    moved = (await snapshots.rerun(ctx, snapshot=by_period, window=summer, wait=True)).snapshot
    assert (moved.period_id, moved.range_start, moved.range_end) == (None, summer.start, summer.end)

    unforced = await snapshots.rerun(ctx, snapshot=again, force=False)
    assert unforced.snapshot.id == again.id and unforced.job is None  # still valid: what answers already


@pytest.mark.postgres_only  # SQLite lets one writer at a time: its transactions never meet
async def test_a_snapshot_deleted_four_times_at_once_is_deleted_once(app, settings, data):
    """Four concurrent deletes of one snapshot each answered that it was deleted and each
    audited a deletion (attacker's review). One deletes it; the others find it gone (NOT_FOUND,
    as a later delete does), and the audit log tells one deletion."""
    from bufdir_reporting.models import AuditEntry

    def fresh() -> Context:  # each request its own loaders
        return Context(settings=settings, principal=Principal("kari", frozenset({"org-1042"})), jobs=app.state.jobs)

    made = (await snapshots.trigger(fresh(), organization_id="org-1042", period_id="2025")).snapshot
    await app.state.jobs.wait_idle()
    outcomes = await asyncio.gather(*(snapshots.delete(fresh(), snapshot_id=made.id) for _ in range(4)), return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["NotFound", "NotFound", "NotFound", "Snapshot"], outcomes
    assert await AuditEntry.filter(action="snapshot.deleted", entity_id=made.id).count() == 1
