"""The event log as subscribers read it back: a client that reconnects with the id of the last
event it saw gets what it missed from the log (within ``RETENTION``), in id order, then the live
events, never one twice (``Resumption``): the SSE watch stream (Last-Event-ID) and the GraphQL
subscriptions (``afterEventId``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ...errors import InvalidInput
from ...events import Delivery
from ...models import EventLog
from .notify import RETENTION

REPLAY_PAGE = 200
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
        raise InvalidInput(f"{field} is an eventId you received: a whole number", field=field)
    return event_id


async def logged_after(*, channel: str, after_event_id: int, limit: int) -> list[Delivery]:
    """The channel's logged events after this id, oldest first, as pub/sub delivers them."""
    records = (
        await EventLog.filter(channel=channel, id__gt=after_event_id, created_at__gte=datetime.now(UTC) - RETENTION)
        .order_by("id")
        .limit(limit)
    )
    return [Delivery(channel, {**record.payload, "event_id": record.id}) for record in records]


@dataclass
class Resumption:
    """Replay from the log, then live events without the replayed ones again. Open the
    subscription first, then replay: an event written in between is in one or the other."""

    channel: str
    after_event_id: int | None
    replayed: set[int] = field(default_factory=set)

    async def missed(self, *, limit: int | None = None) -> AsyncIterator[Delivery]:
        """Everything logged after ``after_event_id`` (up to ``limit``), page by page."""
        if self.after_event_id is None:
            return
        last, left = self.after_event_id, limit
        while left is None or left > 0:
            size = REPLAY_PAGE if left is None else min(REPLAY_PAGE, left)
            page = await logged_after(channel=self.channel, after_event_id=last, limit=size)
            for delivery in page:
                last = delivery.payload["event_id"]
                self.replayed.add(last)
                yield delivery
            if len(page) < size:
                return
            left = None if left is None else left - size

    def is_new(self, delivery: Delivery) -> bool:
        """A live event the client has not had: not replayed, and not at or before the id it
        resumed from."""
        if self.after_event_id is None:
            return True
        event_id = delivery.payload.get("event_id")
        return event_id is None or (event_id > self.after_event_id and event_id not in self.replayed)
