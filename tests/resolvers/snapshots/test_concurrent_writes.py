"""Writes to one organisation's periods at once: every writer holds a snapshot's row before it
writes its values, the prior period's before the next one's (``periods.hold``). A value entered
by hand while a run aggregates reaches the snapshot the run makes (the run tests put the write
just before the run's transaction opens), and two values entered at once in a period and the one
after it do not deadlock on PostgreSQL (attack4)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from tortoise.connection import get_connection

from bufdir_reporting.models import FieldValue, Snapshot, SnapshotStatus
from bufdir_reporting.resolvers import activities, periods, snapshots
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec
from bufdir_reporting.resolvers.base import notify
from bufdir_reporting.resolvers.snapshots import completeness, manual_values, runs

from ...factories import context_for, current_snapshot, make_scope_with_history


@pytest.fixture
async def scope(app):
    return await make_scope_with_history()


current = current_snapshot


def value_set_as_the_next_transaction_opens(settings, app, scope, monkeypatch, snapshot_id: str, value: str) -> list[str]:
    """The next transaction (the run's) opens just after a colleague's value in ``snapshot_id``
    commits; the list left empty once it did."""
    opening = notify.transaction
    writing = [snapshot_id]

    @asynccontextmanager
    async def written_first(context: Any) -> AsyncIterator[notify.Outbox]:
        if writing:
            other = context_for(settings, app, scope.org.id, subject="colleague")
            await manual_values.set_value(other, snapshot_id=writing.pop(), field_key="antall_arsverk", value=value)
        async with opening(context) as outbox:
            yield outbox

    monkeypatch.setattr(notify, "transaction", written_first)
    return writing


async def test_a_value_set_while_a_run_aggregates_is_carried_into_its_snapshot(app, settings, scope, monkeypatch):
    ctx = context_for(settings, app, scope.org.id)
    triggered = await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)
    await manual_values.set_value(ctx, snapshot_id=triggered.snapshot.id, field_key="antall_arsverk", value="10")
    previous = await current(scope, scope.period)
    running, job, _ = await runs.start(
        ctx, organization_id=scope.org.id, period=scope.period, window=periods.period_bounds(scope.period)
    )
    assert job is not None
    writing = value_set_as_the_next_transaction_opens(settings, app, scope, monkeypatch, previous.id, "12")
    await runs.run_job(ctx, job_id=job.id)
    assert not writing
    assert (await Snapshot.get(id=running.id)).status == SnapshotStatus.CURRENT
    assert (await FieldValue.get(snapshot_id=running.id, field_key="antall_arsverk")).value == Decimal(12)


async def test_a_prior_value_set_while_a_run_aggregates_reaches_its_snapshot(app, settings, scope, monkeypatch):
    """The value entered in the prior period after the run read its figures and before the run
    committed refreshed the snapshot the run replaced, and never reached the run's."""
    ctx = context_for(settings, app, scope.org.id)
    await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)
    prior = await current(scope, scope.prior)
    running, job, _ = await runs.start(
        ctx, organization_id=scope.org.id, period=scope.period, window=periods.period_bounds(scope.period)
    )
    assert job is not None
    writing = value_set_as_the_next_transaction_opens(settings, app, scope, monkeypatch, prior.id, "14.5")
    await runs.run_job(ctx, job_id=job.id)
    assert not writing
    made = await Snapshot.get(id=running.id)
    assert made.status == SnapshotStatus.CURRENT and made.prior_snapshot_id == prior.id
    assert (await FieldValue.get(snapshot_id=running.id, field_key="antall_arsverk")).prior_value == Decimal("14.5")


async def _a_writer_waits_on_a_lock() -> None:
    """Until another transaction of this database waits for a row (PostgreSQL's own view)."""
    statement = "SELECT count(*) AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    async with asyncio.timeout(60):
        while not (await get_connection("default").execute_query_dict(statement))[0]["waiting"]:
            await asyncio.sleep(0.05)


@pytest.mark.postgres_only
async def test_values_entered_at_once_in_a_period_and_the_next_do_not_deadlock(app, settings, scope, monkeypatch):
    """A value of the later period wrote its row, then counted its snapshot; a value of the
    prior period, refreshing the later one's prior figures, held that snapshot, then wrote the
    same row: PostgreSQL broke the cycle by failing one of them (main, under 10 writers at once:
    "deadlock detected", an INTERNAL answer or a failed run)."""
    ctx = context_for(settings, app, scope.org.id)
    await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)
    prior, later = await current(scope, scope.prior), await current(scope, scope.period)
    counting = completeness.recount
    paused, go_on = asyncio.Event(), asyncio.Event()

    async def counted_when_told(snapshot: Snapshot) -> None:
        if snapshot.id == later.id:  # the later value's transaction, paused between its row and its count
            paused.set()
            await go_on.wait()
        await counting(snapshot)

    monkeypatch.setattr(completeness, "recount", counted_when_told)
    colleague = context_for(settings, app, scope.org.id, subject="colleague")
    in_later = asyncio.create_task(manual_values.set_value(ctx, snapshot_id=later.id, field_key="antall_arsverk", value="3"))
    async with asyncio.timeout(60):
        await paused.wait()
    in_prior = asyncio.create_task(
        manual_values.set_value(colleague, snapshot_id=prior.id, field_key="antall_arsverk", value="14.5")
    )
    await _a_writer_waits_on_a_lock()
    go_on.set()
    await asyncio.gather(in_later, in_prior)

    value = await FieldValue.get(snapshot_id=later.id, field_key="antall_arsverk")
    assert (value.value, value.prior_value) == (Decimal(3), Decimal("14.5"))


@pytest.mark.postgres_only
async def test_an_activity_and_a_value_entered_at_once_do_not_deadlock(app, settings, scope, monkeypatch):
    """An activity marks every snapshot of its organisation from its day on, holding their rows
    in the snapshots' own order (``Snapshot.Meta.ordering``: the newest made first, here the
    later period's, aggregated again); a value entered in the prior period holds that period's
    row, then the next one's (its prior figures): each waited for the other's ("deadlock
    detected" on main, under mixed writes of one organisation at once)."""
    ctx = context_for(settings, app, scope.org.id)
    await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)
    await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, force=True, wait=True)
    prior = await current(scope, scope.prior)
    counting = completeness.recount
    paused, go_on = asyncio.Event(), asyncio.Event()

    async def counted_when_told(snapshot: Snapshot) -> None:
        if snapshot.id == prior.id:  # the prior period's value, its row held, paused before its count
            paused.set()
            await go_on.wait()
        await counting(snapshot)

    monkeypatch.setattr(completeness, "recount", counted_when_told)
    in_prior = asyncio.create_task(manual_values.set_value(ctx, snapshot_id=prior.id, field_key="antall_arsverk", value="2"))
    async with asyncio.timeout(60):
        await paused.wait()
    colleague = context_for(settings, app, scope.org.id, subject="colleague")
    day = datetime(2023, 6, 1, 10, tzinfo=UTC)
    activity = ActivitySpec(
        organization_id=scope.org.id,
        source_system="fagsystem-test",
        activity_type="investigation",
        category="ungdom",
        status="opened",
        occurred_at=day,
    )
    recorded = asyncio.create_task(activities.record(colleague, spec=activity))
    await _a_writer_waits_on_a_lock()
    go_on.set()
    await asyncio.gather(in_prior, recorded)
    assert not (await Snapshot.get(id=prior.id)).cache_valid
