"""Following a live topic: a channel's events as one subscriber receives them, typed.

Each domain has a use case per topic (``follow_<topic>``) that checks who may follow it, before
anything is subscribed or streamed, and returns ``follow``: the subscription opens, what the
event log holds after the id a client resumes from is replayed (``event_log.Resumption``), then
live events follow without the replayed ones. Every event comes with loaders of its own, shared
by every local subscriber of it: one read of the fresh rows per change, not per subscriber, and
never a row cached for an event before. A subscriber that falls behind is told
(``Context.fell_behind``) and its stream ends. A principal holds at most
``live_subscriptions_per_principal`` subscriptions at once in the process, whatever the
transport and however many connections it opens (``TooManySubscriptions``): one token's
websockets times their subscriptions each held a queue and work per event, without bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable, Coroutine, Hashable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar, cast

from ... import language
from ...errors import TooManySubscriptions
from ...events import Delivery, Event, HolderAtLimit, SubscriberTooSlow
from . import access, event_log
from .context import Context
from .loaders import Loaders

E = TypeVar("E", bound=Event)
T = TypeVar("T")


def read_once(ctx: Context, delivery: Delivery[Any], key: Hashable, read: Callable[[], Coroutine[Any, Any, T]]) -> Awaitable[T]:
    """``read()``, once for every local subscriber of ``delivery`` who asks it under the same
    ``key`` as the same principal in the same language: a topic that reads a whole period again
    at each change (a worklist, reporting rates) read it once per subscriber, and one reviewer's
    60 subscriptions made each change cost 60 reads (attacker's review). Shielded: a subscriber
    that leaves does not cancel the read the others wait for."""
    reads = delivery.shared.setdefault("reads", {})
    whose = (ctx.principal, language.chosen(), key)
    if whose not in reads:
        reads[whose] = asyncio.ensure_future(read())
    return asyncio.shield(reads[whose])


def require_one_or_every(ctx: Context, organization_id: str | None) -> None:
    """May the caller follow this organisation's events (its users, reviewers, admins), or with
    ``None`` every organisation's it reads (reviewers and admins: ``every_readable``)."""
    if organization_id is None:
        access.require_review(ctx)
    else:
        access.require_read(ctx, organization_id)


async def every_readable(ctx: Context, deliveries: AsyncIterator[Delivery[E]]) -> AsyncGenerator[Delivery[E], None]:
    """The events of every organisation's channel that are about an organisation the caller
    reads: a reviewer whose token names a region followed every organisation's notes and review
    steps there, their texts included (attacker's review). Unfiltered for who reads them all."""
    if access.reads_all(ctx.principal):
        async for delivery in deliveries:
            yield delivery
        return
    async for delivery in deliveries:
        if access.can_read(ctx.principal, getattr(delivery.event, "organization_id", "")):
            yield delivery


def refuse_at_limit(ctx: Context) -> None:
    """Refuse a caller who holds as many subscriptions as it may: for a transport that must
    answer before it subscribes (the SSE watch's status goes out before its first event)."""
    hub = ctx.events
    assert hub is not None, "the app's lifespan sets up the event hub"
    if hub.holding(ctx.holder) >= ctx.settings.live_subscriptions_per_principal:
        raise _too_many(ctx)


def _too_many(ctx: Context) -> TooManySubscriptions:
    limit = ctx.settings.live_subscriptions_per_principal
    return TooManySubscriptions(details={"limit": limit}, message_id="base.live.too_many_subscriptions", values={"limit": limit})


@asynccontextmanager
async def subscribed(ctx: Context, channel: str, kind: type[E]) -> AsyncIterator[AsyncIterator[Delivery[E]]]:
    """The channel's live events, from the moment this is entered; counted as one of the
    principal's subscriptions until it ends."""
    hub = ctx.events
    assert hub is not None, "the app's lifespan sets up the event hub"
    limit = ctx.settings.live_subscriptions_per_principal
    async with AsyncExitStack() as stack:
        try:
            subscription = await stack.enter_async_context(
                hub.subscribe(channel, on_overflow=ctx.fell_behind, holder=ctx.holder, limit=limit)
            )
        except HolderAtLimit:
            raise _too_many(ctx) from None
        events = _typed(ctx, subscription, kind)
        try:
            yield events
        finally:
            await events.aclose()


def follow(
    ctx: Context, channel: str, kind: type[E], *, after_event_id: int | None = None, replay_limit: int | None = None
) -> AsyncIterator[Delivery[E]]:
    """The channel's events; with ``after_event_id``, those logged after it first (at most
    ``replay_limit`` of them). A caller at its limit is refused here, before anything streams."""
    refuse_at_limit(ctx)
    return _follow(ctx, channel, kind, after_event_id, replay_limit)


async def _follow(
    ctx: Context, channel: str, kind: type[E], after_event_id: int | None, replay_limit: int | None
) -> AsyncIterator[Delivery[E]]:
    resumption = event_log.Resumption(channel, after_event_id)
    async with subscribed(ctx, channel, kind) as live:  # first: an event written meanwhile is replayed or live
        async for delivery in _typed(ctx, resumption.missed(limit=replay_limit), kind):
            yield delivery
        async for delivery in live:
            if resumption.is_new(delivery):
                yield delivery


async def _typed(ctx: Context, deliveries: AsyncIterable[Delivery[Event]], kind: type[E]) -> AsyncGenerator[Delivery[E], None]:
    try:
        async for delivery in deliveries:
            if isinstance(delivery.event, kind):
                ctx.loaders = delivery.shared.setdefault("loaders", Loaders())
                yield cast(Delivery[E], delivery)
    except SubscriberTooSlow:
        return
