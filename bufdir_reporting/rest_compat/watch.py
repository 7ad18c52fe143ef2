"""Contract: aggregated-report-data ``GET /watch`` — Server-Sent Events for legacy clients.

Each event carries ``id:`` (resume with ``Last-Event-ID``), ``event: data_updated`` and
``data:`` with the documented JSON; comment lines keep idle connections alive. When the server
shuts down, a stream ends at once with a last comment (clients reconnect, to another replica).
A stream lasts as long as the token it was opened with, as a websocket does
(``Principal.seconds_left``): when the token expires it ends with a comment saying so; before,
it went on streaming an organisation's data to a client whose authority had ended. A national
token's (ID-porten, Maskinporten) is mapped again every heartbeat's time and before each event
(the mapping read at most once a second per token: ``dependencies.mapped_lately``): once it no
longer reads the organisation (an admin ended the person's assignment, the supplier's
delegation), the stream ends with a comment saying so; checked per heartbeat alone, an event
raised meanwhile still went out. A token that holds as many live subscriptions as the server
allows (``live_subscriptions_per_principal``, its websockets' subscriptions counted too) is
answered 429 ``TOO_MANY_SUBSCRIPTIONS``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from typing import Any

from fastapi import Header, Request
from fastapi.responses import StreamingResponse

from ..auth import Principal
from ..config import Settings
from ..dependencies import remap
from ..errors import TooManySubscriptions
from ..events import DataUpdated, Delivery
from ..resolvers.base import access, event_log
from ..resolvers.base.context import Context
from ..resolvers.snapshots import live
from ..rest.routing import ContextDep, ContractRouter, OrganizationId, PeriodId
from .examples import WATCH_EVENT

router = ContractRouter("/api/v1/aggregated-report-data", tag="aggregated-report-data")

REPLAY_LIMIT = 100
"""Events a reconnecting client gets from the event log at most (of the last hour)."""
CLOSING = ": the server is shutting down; reconnect with Last-Event-ID to get what follows\n\n"
HEARTBEAT = ": heartbeat\n\n"
EXPIRED = ": the token expired; reconnect with a new token and Last-Event-ID\n\n"
WITHDRAWN = ": this token no longer reads the organisation\n\n"
AT_LIMIT = ": this token holds as many live subscriptions as the server allows; end one and reconnect\n\n"

Item = Delivery[DataUpdated] | None
"""An event, or None when the stream was idle for a heartbeat's time."""


async def _until(
    closing: asyncio.Event, events: AsyncIterator[Delivery[DataUpdated]], heartbeat: float, ends_at: float | None
) -> AsyncIterator[Item]:
    """``events``, with None after each ``heartbeat`` seconds without one, until the server
    shuts down (then at once, not after the grace period) or ``ends_at`` (loop time) passes."""
    loop = asyncio.get_running_loop()
    shutdown = asyncio.ensure_future(closing.wait())
    step: asyncio.Future[Delivery[DataUpdated]] | None = None
    try:
        while True:
            if step is None:
                step = asyncio.ensure_future(anext(events))
            waited: set[asyncio.Future[Any]] = {step, shutdown}
            timeout = heartbeat if ends_at is None else max(0.0, min(heartbeat, ends_at - loop.time()))
            await asyncio.wait(waited, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if ends_at is not None and loop.time() >= ends_at:
                return
            if not step.done():
                if shutdown.done():
                    return
                yield None  # the read goes on: an idle stream is not cancelled, only waited for
                continue
            try:
                yield step.result()
            except StopAsyncIteration:
                return
            step = None
    finally:
        # Also when the client went away (this generator is closed mid-wait): the pending read
        # ends before the stream is closed, which unsubscribes it.
        shutdown.cancel()
        if step is not None and not step.done():
            step.cancel()
            with suppress(asyncio.CancelledError, StopAsyncIteration):
                await step
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


def frame(delivery: Delivery[DataUpdated]) -> str:
    """One event as legacy clients have always read it: its id, its name and the documented JSON
    as ``json.dumps`` writes it (", " and ": ", non-ASCII as is), with the id last."""
    head = f"id: {delivery.event_id}\n" if delivery.event_id is not None else ""
    data = json.dumps(delivery.event.body(delivery.event_id), ensure_ascii=False)
    return f"{head}event: {delivery.event.event}\ndata: {data}\n\n"


EXAMPLE_STREAM = "retry: 3000\n\n" + frame(Delivery("", DataUpdated.model_validate(WATCH_EVENT), 1842)) + HEARTBEAT
"""The stream as documented: the contract's example event written as a live one is (``frame``,
from the event's own class), so the example carries every key the stream sends: written out by
hand, it lacked ``changed_field_keys_truncated`` and ``event_id`` (outside review)."""


async def _frames(
    events: AsyncIterator[Delivery[DataUpdated]],
    closing: asyncio.Event,
    heartbeat: float,
    seconds_left: float | None,
    still_reads: Callable[[], Awaitable[bool]] | None = None,
) -> AsyncIterator[str]:
    yield "retry: 3000\n\n"
    loop = asyncio.get_running_loop()
    ends_at = None if seconds_left is None else loop.time() + seconds_left
    checked = loop.time()
    try:
        async for item in _until(closing, events, heartbeat, ends_at):
            if still_reads is not None and (item is not None or loop.time() - checked >= heartbeat):
                checked = loop.time()
                if not await still_reads():
                    yield WITHDRAWN
                    return
            yield HEARTBEAT if item is None else frame(item)
    except TooManySubscriptions:  # another stream of the token took the last one since it was answered 200
        yield AT_LIMIT
        return
    if closing.is_set():
        yield CLOSING
    elif ends_at is not None and asyncio.get_running_loop().time() >= ends_at:
        yield EXPIRED


@router.endpoint(
    "GET",
    "/watch",
    "watchAggregatedReportData",
    None,
    errors={403, 429},
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
    events = await live.follow_aggregated_data(
        ctx, organization_id=organization_id, period_id=period_id, after_event_id=after, replay_limit=REPLAY_LIMIT
    )
    still_reads = None
    if ctx.principal.is_mapped:
        still_reads = _still_reads(ctx.settings, request.headers.get("authorization"), organization_id)
    frames = _frames(
        events, request.app.state.closing, ctx.settings.sse_heartbeat_seconds, ctx.principal.seconds_left(), still_reads
    )
    return StreamingResponse(
        frames,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _still_reads(settings: Settings, authorization: str | None, organization_id: str) -> Callable[[], Awaitable[bool]]:
    """Whether the token, mapped again as a new request maps it, still reads the organisation
    (the database away: yes, until it is back)."""

    async def still_reads() -> bool:
        now = await remap(settings, authorization, lately=True)
        return now is None or (isinstance(now, Principal) and access.can_read(now, organization_id))

    return still_reads
