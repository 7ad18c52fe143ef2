"""Submitting, locking and reopening, at the use-case level, on rows made for each test."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bufdir_reporting.errors import Conflict, Forbidden, InvalidInput, PeriodLocked
from bufdir_reporting.resolvers import activities, snapshots
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec
from bufdir_reporting.resolvers.reporting import records, submissions
from bufdir_reporting.resolvers.snapshots import manual_values

from ...factories import context_for, make_activity, make_scope
from ...statements import counting_statements


@pytest.fixture
async def scope(app):
    made = await make_scope()
    await make_activity(org=made.org, occurred_at=datetime(2024, 5, 1, tzinfo=UTC))
    return made


async def current_report(ctx, scope, *, fill: bool = True) -> str:
    triggered = await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)
    if fill:
        await manual_values.set_value(ctx, snapshot_id=triggered.snapshot.id, field_key="antall_arsverk", value=3.5)
    record = await records.generate(ctx, snapshot_id=triggered.snapshot.id, report_type="annual_report")
    return record.id


def spec(scope, day: datetime) -> ActivitySpec:
    return ActivitySpec(
        organization_id=scope.org.id,
        source_system="fagsystem-test",
        activity_type="investigation",
        category="ungdom",
        status="opened",
        occurred_at=day,
    )


async def test_a_report_missing_a_required_value_is_refused_with_the_fields_named(app, settings, scope):
    ctx = context_for(settings, app, scope.org.id)
    report_id = await current_report(ctx, scope, fill=False)
    with pytest.raises(InvalidInput) as refused:
        await submissions.submit(ctx, report_id=report_id)
    assert refused.value.details["missing_required_fields"] == ["antall_arsverk"]


async def test_submitting_locks_the_period_until_an_admin_reopens_it(app, settings, scope):
    ctx = context_for(settings, app, scope.org.id)
    first = await submissions.submit(ctx, report_id=await current_report(ctx, scope))
    assert first.version == 1 and first.lock_slot is not None

    with pytest.raises(PeriodLocked):
        await activities.record(ctx, spec=spec(scope, datetime(2024, 6, 1, tzinfo=UTC)))
    await activities.record(ctx, spec=spec(scope, datetime(2025, 1, 2, tzinfo=UTC)))  # outside the period: fine
    with pytest.raises(PeriodLocked):
        await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id)

    with pytest.raises(Forbidden):
        await submissions.reopen(ctx, organization_id=scope.org.id, period_id=scope.period.id, reason="feil")
    admin = context_for(settings, app, admin=True)
    reopened = await submissions.reopen(admin, organization_id=scope.org.id, period_id=scope.period.id, reason="Feil tall")
    assert reopened.reopen_reason == "Feil tall" and reopened.lock_slot is None

    await activities.record(ctx, spec=spec(scope, datetime(2024, 6, 1, tzinfo=UTC)))
    second = await submissions.submit(ctx, report_id=await current_report(ctx, scope))
    assert second.version == 2


async def test_a_report_of_a_snapshot_made_stale_by_new_activities_cannot_be_submitted(app, settings, scope):
    ctx = context_for(settings, app, scope.org.id)
    report_id = await current_report(ctx, scope)
    await activities.record(ctx, spec=spec(scope, datetime(2024, 7, 1, tzinfo=UTC)))
    with pytest.raises(Conflict):
        await submissions.submit(ctx, report_id=report_id)


async def test_a_submission_reads_its_snapshots_values_once_before_and_once_inside_its_transaction(app, settings, scope):
    """The values it checks for a change are those validation and the document read (the
    request's loader), read once more with the row held; it read them on its own beside them too."""
    ctx = context_for(settings, app, scope.org.id)
    report_id = await current_report(ctx, scope)
    submit_ctx = context_for(settings, app, scope.org.id)  # a new request: nothing loaded yet
    with counting_statements() as counter:
        await submissions.submit(submit_ctx, report_id=report_id)
    values_read = [text for text in counter.texts if text.startswith("SELECT") and re.search(r'FROM "?field_value"? WHERE', text)]
    assert len(values_read) == 2, values_read
