"""The data_updated stream of one organisation and period, for the SSE watch endpoint.

Checks come first, before any byte is streamed. A client that reconnects with the id of the
last event it saw gets what it missed from the event log (at most ``REPLAY_LIMIT`` events of the
last hour), then the live events, without duplicates. ``None`` items are heartbeats.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from ... import events
from ...events import SubscriberTooSlow
from .. import periods
from ..base import access, event_log
from ..base.context import Context

REPLAY_LIMIT = 100

Item = tuple[int | None, dict[str, Any]] | None


async def require_following(ctx: Context, *, organization_id: str, period_id: str) -> None:
    """May the caller follow this organisation's changes in the period: checked before subscribing."""
    access.require_read(ctx, organization_id)
    await periods.get_or_raise(ctx, period_id=period_id)


async def open_data_updated(
    ctx: Context, *, organization_id: str, period_id: str, after_event_id: int | None
) -> AsyncIterator[Item]:
    await require_following(ctx, organization_id=organization_id, period_id=period_id)
    return _stream(ctx, events.data_updated_channel(organization_id, period_id), after_event_id)


async def _stream(ctx: Context, channel: str, after_event_id: int | None) -> AsyncIterator[Item]:
    assert ctx.events is not None
    heartbeat = ctx.settings.sse_heartbeat_seconds
    resumption = event_log.Resumption(channel, after_event_id)
    async with ctx.events.subscribe(channel) as subscription:
        async for missed in resumption.missed(limit=REPLAY_LIMIT):
            yield missed.payload["event_id"], missed.payload
        while True:
            try:
                delivery = await asyncio.wait_for(anext(subscription), heartbeat)
            except TimeoutError:
                yield None
                continue
            except SubscriberTooSlow:
                return
            if resumption.is_new(delivery):
                yield delivery.payload.get("event_id"), delivery.payload
