"""Live topics of snapshots and their values: who may follow each is checked before anything is
streamed (``base.live``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ...events import DataUpdated, Delivery, SnapshotStatusChanged, ValueNoted
from .. import periods
from ..base import access, live
from ..base.context import Context
from . import lifecycle


async def follow_aggregated_data(
    ctx: Context, *, organization_id: str, period_id: str, after_event_id: int | None = None, replay_limit: int | None = None
) -> AsyncIterator[Delivery[DataUpdated]]:
    """Every change to an organisation's data for a period (the legacy watch stream's events)."""
    access.require_read(ctx, organization_id)
    await periods.get_or_raise(ctx, period_id=period_id)
    channel = DataUpdated.period_channel(organization_id, period_id)
    return live.follow(ctx, channel, DataUpdated, after_event_id=after_event_id, replay_limit=replay_limit)


async def follow_organization_data(
    ctx: Context, *, organization_id: str, after_event_id: int | None = None
) -> AsyncIterator[Delivery[DataUpdated]]:
    """Every change to an organisation's data, whatever the period."""
    access.require_read(ctx, organization_id)
    channel = DataUpdated.organization_channel(organization_id)
    return live.follow(ctx, channel, DataUpdated, after_event_id=after_event_id)


async def follow_snapshot_status(
    ctx: Context, *, snapshot_id: str, after_event_id: int | None = None
) -> AsyncIterator[Delivery[SnapshotStatusChanged]]:
    await lifecycle.get_or_raise(ctx, snapshot_id=snapshot_id)
    channel = SnapshotStatusChanged.channel(snapshot_id)
    return live.follow(ctx, channel, SnapshotStatusChanged, after_event_id=after_event_id)


async def follow_value_notes(
    ctx: Context, *, organization_id: str | None, after_event_id: int | None = None
) -> AsyncIterator[Delivery[ValueNoted]]:
    """Explanations, comments and answers about one organisation's values, or (``None``) about
    every organisation's."""
    live.require_one_or_every(ctx, organization_id)
    notes = live.follow(ctx, ValueNoted.channel(organization_id), ValueNoted, after_event_id=after_event_id)
    return notes if organization_id is not None else live.every_readable(ctx, notes)
