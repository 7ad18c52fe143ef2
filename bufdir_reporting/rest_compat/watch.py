"""Contract: aggregated-report-data ``GET /watch`` — Server-Sent Events for legacy clients.

Each event carries ``id:`` (resume with ``Last-Event-ID``), ``event: data_updated`` and
``data:`` with the documented JSON; comment lines keep idle connections alive.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import Header, Query
from fastapi.responses import StreamingResponse

from ..resolvers.base.context import Context
from ..resolvers.snapshots import watch
from .routing import NO_NUL, ContextDep, ContractRouter

router = ContractRouter("/api/v1/aggregated-report-data", tag="aggregated-report-data")


async def _frames(items: AsyncIterator[watch.Item]) -> AsyncIterator[str]:
    yield "retry: 3000\n\n"
    async for item in items:
        if item is None:
            yield ": heartbeat\n\n"
            continue
        event_id, payload = item
        head = f"id: {event_id}\n" if event_id is not None else ""
        yield f"{head}event: {payload.get('event', 'data_updated')}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


@router.endpoint(
    "GET",
    "/watch",
    summary="Server-Sent Events: data_updated for an organisation and period",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def watch_data(
    organization_id: str = Query(..., min_length=1, max_length=64, pattern=NO_NUL),
    period_id: str = Query(..., min_length=1, max_length=32, pattern=NO_NUL),
    ctx: Context = ContextDep,
    last_event_id: str | None = Header(None, alias="Last-Event-ID"),
) -> StreamingResponse:
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
    items = await watch.open_data_updated(ctx, organization_id=organization_id, period_id=period_id, after_event_id=after)
    return StreamingResponse(
        _frames(items),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
