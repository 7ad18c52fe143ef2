"""Activity writes at the use-case level: what they change, and what they invalidate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bufdir_reporting.errors import Forbidden, NotFound
from bufdir_reporting.models import Activity, Snapshot
from bufdir_reporting.resolvers import activities, snapshots
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec

from ...factories import context_for, make_organization, make_scope


def spec(org_id: str, *, external_id: str | None = "sak-1", status: str = "opened", day: int = 1) -> ActivitySpec:
    return ActivitySpec(
        organization_id=org_id,
        source_system="fagsystem-test",
        external_id=external_id,
        activity_type="investigation",
        category="ungdom",
        status=status,
        occurred_at=datetime(2024, 3, day, tzinfo=UTC),
    )


async def test_recording_again_with_the_same_key_corrects_and_invalidates_the_snapshot(app, settings):
    scope = await make_scope()
    ctx = context_for(settings, app, scope.org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    first = await activities.record(ctx, spec=spec(scope.org.id))
    second = await activities.record(ctx, spec=spec(scope.org.id, status="closed"))
    assert first.id == second.id and (await Activity.get(id=first.id)).status == "closed"
    assert (await Snapshot.get(id=snapshot.id)).cache_valid is False


async def test_deleting_keeps_the_row_and_stops_it_counting(app, settings):
    scope = await make_scope()
    ctx = context_for(settings, app, scope.org.id)
    activity = await activities.record(ctx, spec=spec(scope.org.id))
    await activities.delete(ctx, activity_id=activities.public_id(ctx, activity))
    assert (await Activity.get(id=activity.id)).deleted_at is not None
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    assert snapshot.activity_count == 0


async def test_writes_for_another_organisation_are_refused_and_its_activities_are_hidden(app, settings):
    mine, theirs = await make_organization(), await make_organization()
    ctx = context_for(settings, app, mine.id)
    with pytest.raises(Forbidden):
        await activities.record(ctx, spec=spec(theirs.id))
    admin = context_for(settings, app, admin=True)
    their_activity = await activities.record(admin, spec=spec(theirs.id))
    with pytest.raises(NotFound):
        await activities.correct(ctx, activity_id=activities.public_id(admin, their_activity), changes={"status": "closed"})


async def test_a_bad_row_in_a_bulk_ingest_writes_nothing(app, settings):
    org = await make_organization()
    ctx = context_for(settings, app, org.id)
    rows = [
        spec(org.id, external_id="a").model_dump(mode="json"),
        {**spec(org.id, external_id="b").model_dump(mode="json"), "category": "ukjent"},
    ]
    result = await activities.ingest(ctx, rows=rows)
    assert [e.row for e in result.errors] == [2] and result.created == 0
    assert await Activity.filter(organization_id=org.id).count() == 0


@pytest.mark.parametrize("path", ["record", "ingest"])
async def test_a_correction_moving_an_activity_to_a_later_period_invalidates_the_period_it_left(app, settings, path):
    """The period an activity leaves loses it: its snapshot is no longer valid. (The write
    invalidated from the earliest *new* moment on, so a move from 2023 to 2024 left 2023's
    snapshot valid, still counting the activity; a single ``correct`` already took both.)"""
    scope = await make_scope()  # periods 2023 (prior) and 2024
    ctx = context_for(settings, app, scope.org.id)
    moved = spec(scope.org.id).model_copy(update={"occurred_at": datetime(2023, 5, 1, tzinfo=UTC)})
    await activities.record(ctx, spec=moved)
    left = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.prior.id, wait=True)).snapshot
    assert (await Snapshot.get(id=left.id)).cache_valid is True
    later = moved.model_copy(update={"occurred_at": datetime(2024, 8, 1, tzinfo=UTC)})
    if path == "record":
        await activities.record(ctx, spec=later)
    else:
        result = await activities.ingest(ctx, rows=[later.model_dump(mode="json")])
        assert result.updated == 1 and not result.errors
    assert (await Snapshot.get(id=left.id)).cache_valid is False
