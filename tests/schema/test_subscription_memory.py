"""A live subscription's memory stays flat however many events it delivers: graphql-core's
per-event executor kept every event's sub-field memo (~11 KB an event per subscription)."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc

import pytest

from bufdir_reporting import events
from bufdir_reporting.auth import Principal
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.schema import schema
from bufdir_reporting.schema.context import GraphQLContext

QUERY = """
subscription ($o: ID!, $p: ID!) {
  aggregatedDataChanged(organizationId: $o, periodId: $p) {
    snapshotId changedFieldKeys
    snapshot { status organization { name } period { name } sections { section { title } } }
  }
}
"""


async def deliver(app, subscription, event: events.DataUpdated, count: int) -> None:
    hub = app.state.events
    for _ in range(count):
        await hub.publish(event.period_channel("org-1042", "2024"), event, None)
        async with asyncio.timeout(5):
            result = await anext(subscription)
        assert not result.errors, result.errors


@pytest.mark.one_database
async def test_memory_per_subscription_stays_flat_over_hundreds_of_events(app, settings, reporting):
    principal = Principal("kari", frozenset({"org-1042"}))
    ctx = GraphQLContext(settings=settings, principal=principal, jobs=app.state.jobs, events=app.state.events)
    snapshot = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024", wait=True)).snapshot
    payload = events.DataUpdated(
        snapshot_id=snapshot.id,
        organization_id="org-1042",
        period_id="2024",
        changed_sections=(),
        changed_field_keys=("antall_arsverk",),
    )
    subscription = await schema.subscribe(QUERY, variable_values={"o": "org-1042", "p": "2024"}, context_value=ctx)
    first = asyncio.ensure_future(anext(subscription))  # registers the subscriber
    while not app.state.events.stats["subscribers"]:
        await asyncio.sleep(0.01)
    await app.state.events.publish(payload.period_channel("org-1042", "2024"), payload, None)
    assert not (await first).errors
    try:
        await deliver(app, subscription, payload, 30)  # warm: caches, loaders, pools
        tracemalloc.start()
        await deliver(app, subscription, payload, 60)  # what tracing itself first allocates
        gc.collect()
        before = tracemalloc.take_snapshot()
        await deliver(app, subscription, payload, 300)
        gc.collect()
        grown = sum(stat.size_diff for stat in tracemalloc.take_snapshot().compare_to(before, "filename"))
    finally:
        tracemalloc.stop()
        await subscription.aclose()
    assert grown < 300 * 300, f"{grown / 300:.0f} bytes retained per event"  # the leak kept ~11,000
