"""A run and the values entered by hand while it aggregates: read with the rows held in the
order every writer holds them (the prior period's current snapshot, then this period's), so a
value committed while the run worked reaches the snapshot it makes (attack4). Each test puts
the write just before the run's transaction opens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from bufdir_reporting.models import FieldValue, Snapshot, SnapshotStatus
from bufdir_reporting.resolvers import periods, snapshots
from bufdir_reporting.resolvers.base import notify
from bufdir_reporting.resolvers.snapshots import manual_values, runs

from ...factories import context_for, make_activity, make_scope


@pytest.fixture
async def scope(app):
    made = await make_scope()
    for year in (2023, 2024):
        await make_activity(org=made.org, occurred_at=datetime(year, 5, 1, tzinfo=UTC))
    return made


async def current(scope, period) -> Snapshot:
    return await Snapshot.get(current_slot=f"{scope.org.id}|{period.id}")


async def test_a_value_set_while_a_run_aggregates_is_carried_into_its_snapshot(app, settings, scope, monkeypatch):
    ctx = context_for(settings, app, scope.org.id)
    triggered = await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)
    await manual_values.set_value(ctx, snapshot_id=triggered.snapshot.id, field_key="antall_arsverk", value="10")
    previous = await current(scope, scope.period)
    running, job, _ = await runs.start(
        ctx, organization_id=scope.org.id, period=scope.period, window=periods.period_bounds(scope.period)
    )
    assert job is not None
    opening = notify.transaction
    writing = [previous.id]

    @asynccontextmanager
    async def written_first(context: Any) -> AsyncIterator[notify.Outbox]:
        # the run's transaction opens just after a colleague's value commits
        if writing:
            other = context_for(settings, app, scope.org.id, subject="colleague")
            await manual_values.set_value(other, snapshot_id=writing.pop(), field_key="antall_arsverk", value="12")
        async with opening(context) as outbox:
            yield outbox

    monkeypatch.setattr(notify, "transaction", written_first)
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
    opening = notify.transaction
    writing = [prior.id]

    @asynccontextmanager
    async def written_first(context: Any) -> AsyncIterator[notify.Outbox]:
        if writing:
            other = context_for(settings, app, scope.org.id, subject="colleague")
            await manual_values.set_value(other, snapshot_id=writing.pop(), field_key="antall_arsverk", value="14.5")
        async with opening(context) as outbox:
            yield outbox

    monkeypatch.setattr(notify, "transaction", written_first)
    await runs.run_job(ctx, job_id=job.id)
    assert not writing
    made = await Snapshot.get(id=running.id)
    assert made.status == SnapshotStatus.CURRENT and made.prior_snapshot_id == prior.id
    assert (await FieldValue.get(snapshot_id=running.id, field_key="antall_arsverk")).prior_value == Decimal("14.5")
