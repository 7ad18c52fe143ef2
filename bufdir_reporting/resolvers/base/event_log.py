"""The event log as subscribers read it: the truth behind pub/sub, which is fire-and-forget.

* **Resuming.** A client that reconnects with the id of the last event it saw gets what it
  missed from the log (within ``RETENTION``), in id order, then the live events, never one
  twice (``Resumption``): the SSE watch stream (Last-Event-ID) and the GraphQL subscriptions
  (``afterEventId``).
* **Relaying.** An event published while Redis was down, or by a replica that died between
  logging and publishing it, never reaches pub/sub. Every replica reads the log's newest rows
  every ``BUFDIR_EVENT_RELAY_SECONDS`` (``relay_missed``) and hands its local subscribers those
  they are owed and did not get (``EventHub.missing``). The statement reads ids and channels
  only; payloads are read for the few events owed. Nothing is read per event or per subscriber,
  and a replica without subscribers reads nothing.

Event ids come from one sequence but are committed by many connections, so a smaller id can
become visible after a larger one: the relay reads the last ``WINDOW`` again every time and
leaves an event to pub/sub for ``grace`` before it counts it lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from ...errors import InvalidInput
from ...events import Delivery, Event, EventHub, decode
from ...events.hub import REMEMBERED_SECONDS
from ...models import EventLog
from .notify import RETENTION

log = logging.getLogger(__name__)

REPLAY_PAGE = 200
WINDOW = timedelta(seconds=5)
SCAN_LIMIT = 5_000
LARGEST_EVENT_ID = 2**63 - 1  # the column's bigint


def event_id_or_none(text: str | None) -> int | None:
    """The event id a client sends back (``Last-Event-ID``, ``afterEventId``), or None when
    the text is not one."""
    if text is None or not (text.isascii() and text.isdigit() and len(text) <= 19):
        return None
    number = int(text)
    return number if number <= LARGEST_EVENT_ID else None


def resume_point(text: str | None, *, field: str) -> int | None:
    """An event id to resume after, as a GraphQL client gives it; refused when it is not one."""
    event_id = event_id_or_none(text)
    if text is not None and event_id is None:
        raise InvalidInput(field=field, message_id="base.event_log.eventid_you_received_whole", values={"field": field})
    return event_id


async def logged_after(*, channel: str, after_event_id: int, limit: int) -> list[EventLog]:
    """The channel's logged events after this id, oldest first."""
    return (
        await EventLog.filter(channel=channel, id__gt=after_event_id, created_at__gte=datetime.now(UTC) - RETENTION)
        .order_by("id")
        .limit(limit)
    )


def _decoded(payload: dict[str, Any]) -> Event | None:
    """The logged event, or None for a row this version cannot read (one a newer replica wrote
    in a rolling upgrade): skipped, not the end of a stream or of the relay."""
    try:
        return decode(payload)[0]
    except ValidationError:
        log.warning("event log row is no event this version knows; skipped", exc_info=True)
        return None


@dataclass
class Resumption:
    """Replay from the log, then live events without the replayed ones again. Open the
    subscription first, then replay: an event written in between is in one or the other."""

    channel: str
    after_event_id: int | None
    replayed: set[int] = field(default_factory=set)

    async def missed(self, *, limit: int | None = None) -> AsyncIterator[Delivery[Event]]:
        """Everything logged after ``after_event_id`` (up to ``limit``), page by page."""
        if self.after_event_id is None:
            return
        last, left = self.after_event_id, limit
        while left is None or left > 0:
            size = REPLAY_PAGE if left is None else min(REPLAY_PAGE, left)
            page = await logged_after(channel=self.channel, after_event_id=last, limit=size)
            for record in page:
                last = record.id
                event = _decoded(record.payload)
                if event is not None:
                    self.replayed.add(last)
                    yield Delivery(self.channel, event, last)
            if len(page) < size:
                return
            left = None if left is None else left - size

    def is_new(self, delivery: Delivery[Event]) -> bool:
        """A live event the client has not had: not replayed, and not at or before the id it
        resumed from."""
        if self.after_event_id is None:
            return True
        event_id = delivery.event_id
        return event_id is None or (event_id > self.after_event_id and event_id not in self.replayed)


@dataclass
class RelayCursor:
    """Where a replica's relay reads the log from: after ``scanned_through`` (None: not started,
    or stopped while the replica had no subscribers)."""

    scanned_through: int | None = None


async def relay_missed(hub: EventHub, cursor: RelayCursor, *, grace: float) -> int:
    """Hand the hub's subscribers the logged events they are owed and did not get through
    pub/sub in ``grace`` seconds; returns how many. Called every few seconds by each replica."""
    if not hub.listening:
        cursor.scanned_through = None
        return 0
    now = time.time()
    settled = datetime.fromtimestamp(now, UTC) - WINDOW
    if cursor.scanned_through is None:  # from the last WINDOW: subscribers are owed nothing older
        before = await EventLog.filter(created_at__lt=settled).order_by("-id").only("id").first()
        cursor.scanned_through = before.id if before else 0
    rows = [
        (event_id, channel, written.timestamp())
        for event_id, channel, written in await EventLog.filter(id__gt=cursor.scanned_through)
        .order_by("id")
        .limit(SCAN_LIMIT)
        .values_list("id", "channel", "created_at")
    ]
    owed = [row for row in rows if row[2] <= now - grace and hub.missing(*row)]
    await _hand_over(hub, owed)
    for event_id, _, written_at in rows:  # what is older than the window will not be read again
        if written_at >= settled.timestamp():
            break
        cursor.scanned_through = event_id
    hub.forget_delivered()
    return len(owed)


async def read_logged(event_id: int) -> dict[str, Any] | None:
    """An event's logged body, for one published as a reference (``EventHub.publish``)."""
    row = await EventLog.get_or_none(id=event_id).only("id", "payload")
    return None if row is None else dict(row.payload)


async def catch_up(hub: EventHub, lost_at: float) -> int:
    """Hand the hub's subscribers, in id order, the logged events of their channels they did not
    get since pub/sub was lost at ``lost_at`` (from a ``WINDOW`` before it: an id committed late);
    the hub calls it once reconnected, before the next live message. Reads no further back than
    the hub remembers what it delivered: an outage longer than that was relayed meanwhile."""
    channels = hub.channels
    if not channels:
        return 0
    since = max(lost_at - WINDOW.total_seconds(), time.time() - REMEMBERED_SECONDS + WINDOW.total_seconds())
    rows = [
        (event_id, channel, written.timestamp())
        for event_id, channel, written in await EventLog.filter(
            channel__in=channels, created_at__gte=datetime.fromtimestamp(since, UTC)
        )
        .order_by("id")
        .limit(SCAN_LIMIT)
        .values_list("id", "channel", "created_at")
    ]
    owed = [row for row in rows if hub.missing(*row)]
    await _hand_over(hub, owed)
    return len(owed)


async def _hand_over(hub: EventHub, owed: list[tuple[int, str, float]]) -> None:
    """Relay these logged events (id, channel, written at), read whole in one statement."""
    if not owed:
        return
    payloads = dict(await EventLog.filter(id__in=[event_id for event_id, _, _ in owed]).values_list("id", "payload"))
    for event_id, channel, written_at in owed:
        event = _decoded(payloads[event_id]) if event_id in payloads else None  # else pruned meanwhile
        if event is not None:
            hub.relay(channel, event_id, event, written_at)
