"""One local subscriber of a channel: a bounded queue of deliveries, dropped (``SubscriberTooSlow``)
rather than let memory grow when it does not read; and the places each holder holds (``Holdings``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from .base import Event

__all__ = ["Delivery", "HolderAtLimit", "Holdings", "SubscriberTooSlow", "Subscription"]


class SubscriberTooSlow(Exception):
    """The subscriber's queue filled up: it was dropped rather than let memory grow."""


class HolderAtLimit(Exception):
    """Whoever subscribes holds as many subscriptions as it may (``EventHub.subscribe``'s
    ``limit``), or whoever connects as many live connections (``Holdings.take``): nothing was
    subscribed or taken."""


class Holdings:
    """How many places (subscriptions, connections) each holder holds in this process, each at
    most a ``limit``: a place is taken before the first await of whoever takes it, so no two
    pass the check at once, and given back however its holder ends."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._held: dict[Hashable, int] = {}

    def count(self, holder: Hashable) -> int:
        return self._held.get(holder, 0)

    def total(self) -> int:
        return sum(self._held.values())

    def take(self, holder: Hashable, limit: int | None) -> None:
        """One more place for ``holder``; ``HolderAtLimit`` if it holds ``limit`` already."""
        held = self._held.get(holder, 0)
        if limit is not None and held >= limit:
            raise HolderAtLimit(f"{limit} {self.what} held")
        self._held[holder] = held + 1

    def give_back(self, holder: Hashable) -> None:
        left = self._held.pop(holder) - 1
        if left:
            self._held[holder] = left


E = TypeVar("E", bound=Event, covariant=True)


@dataclass(eq=False, frozen=True)
class Delivery(Generic[E]):
    """One event as every local subscriber receives it: decoded once, with its id in the event
    log (None for progress told only to listeners), and a ``shared`` dict where subscribers of
    the same event may share one read of its data."""

    channel: str
    event: E
    event_id: int | None
    shared: dict[str, Any] = field(default_factory=dict)


_END = object()


class Subscription:
    def __init__(self, channel: str, size: int, on_overflow: Callable[[], None] | None) -> None:
        self.channel = channel
        self.since = time.time()  # the relay hands it only events written from then on
        self.overflowed = False
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=size + 1)
        self._size = size
        self._on_overflow = on_overflow

    def offer(self, delivery: Delivery[Event]) -> None:
        if self.overflowed:
            return
        if self._queue.qsize() >= self._size:
            self.overflowed = True
            self._queue.put_nowait(_END)
            if self._on_overflow is not None:
                self._on_overflow()
            return
        self._queue.put_nowait(delivery)

    def __aiter__(self) -> AsyncIterator[Delivery[Event]]:
        return self

    async def __anext__(self) -> Delivery[Event]:
        item = await self._queue.get()
        if item is _END:
            raise SubscriberTooSlow(f"subscriber on {self.channel} fell {self._size} events behind")
        return cast(Delivery[Event], item)
