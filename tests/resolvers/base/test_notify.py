"""Events are published after the write that made them true, with the documented shapes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bufdir_reporting import events
from bufdir_reporting.auth import Principal
from bufdir_reporting.models import EventLog, Snapshot
from bufdir_reporting.resolvers import activities, snapshots
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.resolvers.snapshots import manual_values

from ...factories import make_reporting_world


@pytest.fixture
async def ctx(app, settings):
    await make_reporting_world()
    state = app.state
    return Context(settings=settings, principal=Principal("kari", frozenset({"org-1042"})), jobs=state.jobs, events=state.events)


async def next_payload(subscription) -> dict:
    async with asyncio.timeout(5):
        return (await anext(subscription)).payload


async def test_aggregation_publishes_status_changes_and_data_updated(ctx):
    hub = ctx.events
    async with hub.subscribe(events.data_updated_channel("org-1042", "2024")) as data:
        triggered = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024")
        async with hub.subscribe(events.snapshot_status_channel(triggered.snapshot.id)) as status:
            await ctx.jobs.wait_idle()
            assert (await next_payload(status))["status"] == "current"
        first = await next_payload(data)
        assert first["event"] == "data_updated" and first["snapshot_id"] == triggered.snapshot.id
        assert set(first) >= {"organization_id", "period_id", "changed_sections", "changed_field_keys", "updated_at"}
        assert "antall_undersokelser_igangsatt" in first["changed_field_keys"]
        assert first["event_id"] == (await EventLog.filter(channel=events.data_updated_channel("org-1042", "2024")).first()).id

        await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024")
        await ctx.jobs.wait_idle()
        unchanged = await next_payload(data)
        assert unchanged["changed_field_keys"] == [] and unchanged["changed_sections"] == []

        current = await Snapshot.get(current_slot="org-1042|2024")
        await manual_values.set_value(ctx, snapshot_id=current.id, field_key="antall_arsverk", value=7)
        manual = await next_payload(data)
        assert manual["changed_field_keys"] == ["antall_arsverk"] and manual["changed_sections"] == ["ressurser"]


async def test_activity_writes_publish_cache_invalidated_after_commit(ctx):
    triggered = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024")
    await ctx.jobs.wait_idle()
    async with ctx.events.subscribe(events.cache_invalidated_channel("org-1042")) as invalidations:
        await activities.record(
            ctx,
            spec=ActivitySpec(
                organization_id="org-1042",
                source_system="fagsystem-cis",
                activity_type="care_order",
                category="ungdom",
                status="completed",
                occurred_at=datetime(2024, 3, 1, tzinfo=UTC),
            ),
        )
        payload = await next_payload(invalidations)
    assert payload["snapshot_id"] == triggered.snapshot.id and payload["reason"] == "activities recorded"
    assert (await Snapshot.get(id=triggered.snapshot.id)).cache_valid is False


async def test_a_failed_run_publishes_failed(ctx, monkeypatch):
    async def broken(**_):
        raise RuntimeError("boom")

    monkeypatch.setattr("bufdir_reporting.resolvers.aggregation.engine.aggregate", broken)
    triggered = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2025")
    async with ctx.events.subscribe(events.snapshot_status_channel(triggered.snapshot.id)) as status:
        await ctx.jobs.wait_idle()
        payload = await next_payload(status)
    assert payload["status"] == "failed" and "boom" in payload["error"]


async def test_generating_a_report_publishes_report_record_updated(ctx, settings):
    from bufdir_reporting.resolvers.reporting import records

    triggered = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024")
    await ctx.jobs.wait_idle()
    ctx.settings = settings.model_copy(update={"report_store_dir": settings.var_dir / "store"})
    async with ctx.events.subscribe(events.report_record_channel("org-1042")) as updates:
        record = await records.generate(ctx, snapshot_id=triggered.snapshot.id, report_type="annual_report")
        statuses = [(await next_payload(updates))["status"] for _ in range(2)]
    assert statuses == ["pending", "completed"]
    assert (settings.var_dir / "store" / record.file_ref).is_file()
