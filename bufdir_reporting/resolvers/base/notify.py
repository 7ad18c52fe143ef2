"""Raising events: logged in the transaction that made them true, published after it commits.

``transaction(ctx)`` is ``in_transaction()`` with an outbox. The events added to it are written
to the event log inside the transaction, after everything else (so an id is committed moments
after it is taken, which the relay's window expects), and published once it has committed:

* a transaction that rolls back logs and publishes nothing;
* one that commits has its events in the log whatever happens next: if pub/sub is down, or
  this process dies before publishing, every replica's relay hands them to their subscribers
  (``event_log.relay_missed``). Committed means delivered.

Each event goes to each of its channels as a log row of its own; the row's id is the event id
clients see (resuming after it on any replica). A pub/sub outage never fails the write that
caused the event. ``publish`` is the same for a write that is one statement, already done.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import TransactionalDBClient
from tortoise.connection import connections
from tortoise.transactions import in_transaction

from ...events import Event
from ...models import EventLog
from . import changes
from .context import Context

log = logging.getLogger(__name__)

RETENTION = timedelta(hours=1)
PRUNE_EVERY = 500


@dataclass
class Outbox:
    """The events a transaction raises."""

    events: list[Event] = field(default_factory=list)

    def add(self, *events: Event) -> None:
        for event in events:
            self.events.append(event)
            self.add(*event.also())


@dataclass(frozen=True)
class _Logged:
    channel: str
    event: Event
    event_id: int


@asynccontextmanager
async def transaction(ctx: Context) -> AsyncIterator[Outbox]:
    """One transaction whose events (``outbox.add``) are logged in it and published after it
    commits. It must be the outermost: inside another, its commit would not be the commit."""
    if isinstance(connections.get("default"), TransactionalDBClient):
        raise RuntimeError("events are raised by the outermost transaction: open notify.transaction() outside any other")
    outbox = Outbox()
    async with in_transaction():
        yield outbox
        logged = [
            _Logged(channel, event, (await EventLog.create(channel=channel, payload=event.body())).id)
            for event in outbox.events
            for channel in event.channels()
        ]
        await changes.record(changes.of_event(event) for event in outbox.events)
    await _published(ctx, logged)
    if any(entry.event_id % PRUNE_EVERY == 0 for entry in logged):
        await EventLog.filter(created_at__lt=datetime.now(UTC) - RETENTION).delete()


async def publish(ctx: Context, *events: Event) -> None:
    """Log and publish the events of a write that is committed already."""
    async with transaction(ctx) as outbox:
        outbox.add(*events)


async def _published(ctx: Context, logged: list[_Logged]) -> None:
    if ctx.events is None:
        return
    for entry in logged:
        try:
            await ctx.events.publish(entry.channel, entry.event, entry.event_id)
        except Exception:
            log.warning("publishing %s failed; the event stays in the event log", entry.channel, exc_info=True)


async def tell(ctx: Context, event: Event) -> None:
    """To pub/sub only, without an id: progress told from inside a transaction (an import's
    rows written so far), which a listener may miss and nobody resumes from."""
    if ctx.events is None:
        return
    for channel in event.channels():
        try:
            await ctx.events.publish(channel, event, None)
        except Exception:  # progress is a courtesy; the outcome is raised with its commit
            log.warning("telling %s failed", channel, exc_info=True)
