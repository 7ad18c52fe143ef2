from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bufdir_reporting.auth import SYSTEM
from bufdir_reporting.models import Snapshot, SnapshotStatus
from bufdir_reporting.resolvers import activities, snapshots
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec
from bufdir_reporting.resolvers.base.context import Context

from ...factories import counted, make_activity, make_scope
from ...live import started_app

ORG = "org-1042"
NEW_ACTIVITY = ActivitySpec(
    organization_id=ORG,
    source_system="fagsystem-cis",
    external_id="late-1",
    activity_type="emergency_placement",
    category="ungdom",
    status="completed",
    occurred_at=datetime(2024, 5, 5, tzinfo=UTC),
)


async def scope_with_an_activity() -> None:
    """org-1042 in 2024 with one counted field and one activity already recorded."""
    scope = await make_scope(year=2024, org_id=ORG, fields=[counted("antall_saker")])
    await make_activity(org=scope.org)


async def test_invalid_snapshots_are_reaggregated_after_the_debounce(settings):
    async with started_app(settings.model_copy(update={"auto_reaggregate_seconds": 0.2})) as app:
        await scope_with_an_activity()
        ctx = Context(settings=settings, principal=SYSTEM, jobs=app.state.jobs)
        first = (await snapshots.trigger(ctx, organization_id=ORG, period_id="2024")).snapshot
        await app.state.jobs.wait_idle()
        before = await Snapshot.get(id=first.id)
        await activities.record(ctx, spec=NEW_ACTIVITY)
        assert (await Snapshot.get(id=first.id)).cache_valid is False
        async with asyncio.timeout(15):
            while (await Snapshot.get(id=first.id)).status != SnapshotStatus.HISTORICAL:
                await asyncio.sleep(0.1)
        await app.state.jobs.wait_idle()
        fresh = await Snapshot.get(current_slot=f"{ORG}|2024")
        assert fresh.cache_valid is True and fresh.id != first.id
        assert fresh.activity_count == before.activity_count + 1


async def test_without_the_setting_nothing_reaggregates(app, settings):
    await scope_with_an_activity()
    ctx = Context(settings=settings, principal=SYSTEM, jobs=app.state.jobs)
    first = (await snapshots.trigger(ctx, organization_id=ORG, period_id="2024")).snapshot
    await app.state.jobs.wait_idle()
    await activities.record(ctx, spec=NEW_ACTIVITY)
    # what could reaggregate it here is a job the write started (the shared app runs no sweep,
    # tests/live.py; without the setting no app starts one, the last line): waited for, where
    # the test slept 0.5 s
    await app.state.jobs.wait_idle()
    assert (await Snapshot.get(id=first.id)).status == SnapshotStatus.CURRENT
    assert await Snapshot.filter(organization_id=ORG, period_id="2024").count() == 1
    assert timedelta(seconds=settings.auto_reaggregate_seconds) == timedelta(0)
