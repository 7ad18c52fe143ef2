"""Manual values on the current snapshot, at the use-case level."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bufdir_reporting.errors import Conflict, InvalidInput
from bufdir_reporting.models import Snapshot
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.snapshots import manual_values, validation

from ...factories import context_for, counted, make_scope, manual


@pytest.fixture
async def current(app, settings):
    scope = await make_scope(
        fields=[
            counted("antall_saker"),
            manual("antall_arsverk", max_value=Decimal(1000)),
            manual("har_plan", data_type="boolean"),
        ]
    )
    ctx = context_for(settings, app, scope.org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    return ctx, snapshot


async def test_a_value_is_checked_stored_and_counted_towards_completeness(current):
    ctx, snapshot = current
    row = await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="antall_arsverk", value="12.5")
    assert row.value == Decimal("12.5") and row.data_source == "manual" and row.set_by == "tester"
    refreshed = await Snapshot.get(id=snapshot.id)
    assert refreshed.missing_required_fields == ["har_plan"]


async def test_a_recount_after_a_manual_value_agrees_with_a_run_over_the_same_values(current):
    """One completeness rule: the counts a manual value leaves are those a new run carrying it
    writes, and validation misses the same required fields."""
    ctx, snapshot = current
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="har_plan", value=False)
    recounted = await Snapshot.get(id=snapshot.id)
    rerun = (await snapshots.rerun(ctx, snapshot=recounted, wait=True)).snapshot
    counts = ("field_count", "populated_field_count", "missing_required_fields")
    assert (
        [getattr(rerun, name) for name in counts] == [getattr(recounted, name) for name in counts] == [3, 2, ["antall_arsverk"]]
    )
    findings = await validation.validate(ctx, snapshot=rerun)
    assert [f.field_key for f in findings if f.code == "REQUIRED_MISSING"] == ["antall_arsverk"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("antall_arsverk", 1001),
        ("antall_arsverk", True),
        ("antall_arsverk", "mange"),
        ("har_plan", 2),
        ("har_plan", "kanskje"),
        ("antall_saker", 3),
    ],
)
async def test_a_wrong_value_is_refused_and_nothing_changes(current, key, value):
    ctx, snapshot = current
    with pytest.raises(InvalidInput):
        await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key=key, value=value)
    assert (await Snapshot.get(id=snapshot.id)).populated_field_count == 1


async def test_only_the_current_snapshot_takes_values(current):
    ctx, snapshot = current
    await snapshots.trigger(ctx, organization_id=snapshot.organization_id, period_id=snapshot.period_id, wait=True)
    with pytest.raises(Conflict):
        await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="antall_arsverk", value=1)
