"""Contract: aggregated-report-data ``GET /watch`` — Server-Sent Events for legacy clients.

Each event carries ``id:`` (resume with ``Last-Event-ID``), ``event: data_updated`` and
``data:`` with the documented JSON; comment lines keep idle connections alive. When the server
shuts down, a stream ends at once with a last comment (clients reconnect, to another replica).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import suppress

from fastapi import Header, Request
from fastapi.responses import StreamingResponse

from ..resolvers.base import event_log
from ..resolvers.base.context import Context
from ..resolvers.snapshots import watch
from ..rest.routing import ContextDep, ContractRouter, OrganizationId, PeriodId
from .examples import WATCH_EVENT

router = ContractRouter("/api/v1/aggregated-report-data", tag="aggregated-report-data")


EXAMPLE_STREAM = f"retry: 3000\n\nid: 1842\nevent: data_updated\ndata: {json.dumps(WATCH_EVENT)}\n\n: heartbeat\n\n"
CLOSING = ": the server is shutting down; reconnect with Last-Event-ID to get what follows\n\n"


async def _until(closing: asyncio.Event, items: AsyncIterator[watch.Item]) -> AsyncIterator[watch.Item]:
    """``items`` until the server shuts down (then at once, not after the grace period)."""
    shutdown = asyncio.ensure_future(closing.wait())
    step: asyncio.Future[watch.Item] | None = None
    try:
        while True:
            step = asyncio.ensure_future(anext(items))
            await asyncio.wait({step, shutdown}, return_when=asyncio.FIRST_COMPLETED)
            if not step.done():
                return
            try:
                yield step.result()
            except StopAsyncIteration:
                return
    finally:
        # Also when the client went away (this generator is closed mid-wait): the pending read
        # ends before the stream is closed, which unsubscribes it.
        shutdown.cancel()
        if step is not None and not step.done():
            step.cancel()
            with suppress(asyncio.CancelledError, StopAsyncIteration):
                await step
        aclose = getattr(items, "aclose", None)
        if aclose is not None:
            await aclose()


async def _frames(items: AsyncIterator[watch.Item], closing: asyncio.Event) -> AsyncIterator[str]:
    yield "retry: 3000\n\n"
    async for item in _until(closing, items):
        if item is None:
            yield ": heartbeat\n\n"
            continue
        event_id, payload = item
        head = f"id: {event_id}\n" if event_id is not None else ""
        yield f"{head}event: {payload.get('event', 'data_updated')}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"
    if closing.is_set():
        yield CLOSING


@router.endpoint(
    "GET",
    "/watch",
    "watchAggregatedReportData",
    None,
    errors={403},
    summary="Server-Sent Events: data_updated for an organisation and period",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "A stream of events, each `id:`, `event: data_updated` and `data:` with this JSON",
            "content": {"text/event-stream": {"schema": {"type": "string"}, "example": EXAMPLE_STREAM}},
        }
    },
)
async def watch_data(
    request: Request,
    organization_id: OrganizationId,
    period_id: PeriodId,
    ctx: Context = ContextDep,
    last_event_id: str | None = Header(None, alias="Last-Event-ID"),
) -> StreamingResponse:
    after = event_log.event_id_or_none(last_event_id)  # what a browser sends back, or nothing usable
    items = await watch.open_data_updated(ctx, organization_id=organization_id, period_id=period_id, after_event_id=after)
    return StreamingResponse(
        _frames(items, request.app.state.closing),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
