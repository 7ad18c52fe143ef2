"""Events are logged with the write that made them true and published after it commits, with
the documented shapes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bufdir_reporting import events
from bufdir_reporting.auth import Principal
from bufdir_reporting.models import EventLog, Snapshot, ValueNote
from bufdir_reporting.resolvers import activities, snapshots
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec
from bufdir_reporting.resolvers.base import notify
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.resolvers.snapshots import manual_values, notes

from ...factories import make_reporting_world


@pytest.fixture
async def ctx(app, settings):
    await make_reporting_world()
    state = app.state
    return Context(settings=settings, principal=Principal("kari", frozenset({"org-1042"})), jobs=state.jobs, events=state.events)


async def next_payload(subscription) -> dict:
    """The next event as JSON, as every backend carries it."""
    async with asyncio.timeout(5):
        delivery = await anext(subscription)
    return delivery.event.body(delivery.event_id)


async def test_aggregation_publishes_status_changes_and_data_updated(ctx):
    hub = ctx.events
    async with hub.subscribe(events.DataUpdated.period_channel("org-1042", "2024")) as data:
        triggered = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024")
        async with hub.subscribe(events.SnapshotStatusChanged.channel(triggered.snapshot.id)) as status:
            await ctx.jobs.wait_idle()
            assert (await next_payload(status))["status"] == "current"
        first = await next_payload(data)
        assert first["event"] == "data_updated" and first["snapshot_id"] == triggered.snapshot.id
        assert set(first) >= {"organization_id", "period_id", "changed_sections", "changed_field_keys", "updated_at"}
        assert "antall_undersokelser_igangsatt" in first["changed_field_keys"]
        assert (
            first["event_id"] == (await EventLog.filter(channel=events.DataUpdated.period_channel("org-1042", "2024")).first()).id
        )

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
    async with ctx.events.subscribe(events.CacheInvalidated.channel("org-1042")) as invalidations:
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
    # The run fails only once the test follows its snapshot: else, on a loaded machine, it failed
    # and published before the subscription was made (PostgreSQL's LISTEN is a round trip), and
    # the test waited for an event already gone.
    following = asyncio.Event()

    async def broken(**_):
        await following.wait()
        raise RuntimeError("boom")

    monkeypatch.setattr("bufdir_reporting.resolvers.aggregation.engine.aggregate", broken)
    triggered = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2025")
    async with ctx.events.subscribe(events.SnapshotStatusChanged.channel(triggered.snapshot.id)) as status:
        following.set()
        await ctx.jobs.wait_idle()
        payload = await next_payload(status)
        while payload["status"] == "processing":  # published after the subscription, as it may be
            payload = await next_payload(status)
    assert payload["status"] == "failed" and "boom" in payload["error"]


async def test_generating_a_report_publishes_report_record_updated(ctx, settings):
    from bufdir_reporting.resolvers.reporting import records

    triggered = await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024")
    await ctx.jobs.wait_idle()
    ctx.settings = settings.model_copy(update={"report_store_dir": settings.var_dir / "store"})
    async with ctx.events.subscribe(events.ReportRecordUpdated.channel("org-1042")) as updates:
        record = await records.generate(ctx, snapshot_id=triggered.snapshot.id, report_type="annual_report")
        statuses = [(await next_payload(updates))["status"] for _ in range(2)]
    assert statuses == ["pending", "completed"]
    assert (settings.var_dir / "store" / record.file_ref).is_file()


async def nothing_arrives(subscription) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            raise AssertionError(await anext(subscription))


async def current_snapshot(ctx) -> Snapshot:
    return (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024", wait=True)).snapshot


async def test_the_events_of_a_transaction_that_rolls_back_are_neither_logged_nor_published(ctx):
    snapshot = await current_snapshot(ctx)
    channel = events.DataUpdated.period_channel("org-1042", "2024")
    logged = await EventLog.all().count()
    async with ctx.events.subscribe(channel) as data:
        with pytest.raises(RuntimeError, match="after the event"):
            async with notify.transaction(ctx) as outbox:
                await Snapshot.filter(id=snapshot.id).update(cache_valid=False)
                outbox.add(events.DataUpdated.of(snapshot, []))
                raise RuntimeError("a check that fails after the event was raised")
        await nothing_arrives(data)
    assert await EventLog.all().count() == logged
    assert (await Snapshot.get(id=snapshot.id)).cache_valid is True


async def test_a_write_and_its_event_commit_together_or_not_at_all(ctx, monkeypatch):
    """Logged after the commit, an event was lost when the process died (or the database
    refused the insert) in between: the note stood and nobody was ever told. Logged in the
    write's transaction, a failing log refuses the write, and a committed write has its event."""
    snapshot = await current_snapshot(ctx)
    field_key = "antall_undersokelser_igangsatt"

    async def log_refused(**_):
        raise ConnectionError("the process dies here")

    monkeypatch.setattr(EventLog, "create", log_refused)
    with pytest.raises(ConnectionError):
        await notes.explain(ctx, snapshot_id=snapshot.id, field_key=field_key, text="lost?")
    assert not await ValueNote.exists(text="lost?")
    monkeypatch.undo()

    async with ctx.events.subscribe(events.ValueNoted.channel("org-1042")) as noted:
        note = await notes.explain(ctx, snapshot_id=snapshot.id, field_key=field_key, text="told")
        told = await next_payload(noted)
    rows = await EventLog.filter(channel__startswith="value_noted:").order_by("id")
    assert [(row.channel, row.payload["note_id"]) for row in rows] == [
        ("value_noted:org-1042", note.id),
        ("value_noted:*", note.id),
    ]
    assert told["event_id"] == rows[0].id and told["text"] == "told"


async def test_events_are_raised_only_by_the_outermost_transaction(ctx):
    """Inside another transaction, an outbox's commit is a savepoint's: published then, the
    event would reach subscribers before the write it tells of is committed, or without it."""
    from tortoise.transactions import in_transaction

    event = events.ReportingStatusChanged(organization_id="org-1042", period_id="2024")
    with pytest.raises(RuntimeError, match="outermost"):
        async with in_transaction():
            await notify.publish(ctx, event)
    assert await EventLog.all().count() == 0
