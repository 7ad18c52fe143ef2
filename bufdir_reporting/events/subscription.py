"""One local subscriber of a channel: a bounded queue of deliveries, dropped (``SubscriberTooSlow``)
rather than let memory grow when it does not read."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from .base import Event

__all__ = ["Delivery", "HolderAtLimit", "SubscriberTooSlow", "Subscription"]


class SubscriberTooSlow(Exception):
    """The subscriber's queue filled up: it was dropped rather than let memory grow."""


class HolderAtLimit(Exception):
    """Whoever subscribes holds as many subscriptions as it may (``EventHub.subscribe``'s
    ``limit``): nothing was subscribed."""


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
