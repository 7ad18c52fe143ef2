"""Publish/subscribe of typed events (``catalogue``) over broadcaster's backends.

``EventHub`` adds what broadcaster leaves out:

* one listener per process fans each message out to local subscribers, decoding it into its
  event once for all of them (every event crosses every backend, memory included, as JSON text
  under 8,000 bytes, so what passes on ``memory://`` holds on Redis and PostgreSQL NOTIFY; a
  larger one as a reference to its event-log row, read back once per replica); a message that
  is no event is skipped with a warning, not the end of the listener;
* when the backend's connection drops, the listener reconnects with backoff and subscribes
  every live channel again; subscribers simply continue (``reconnects`` counts it);
* each subscriber has a bounded queue: one that does not keep up is told once (its
  ``on_overflow``) and its iteration ends with ``SubscriberTooSlow`` — memory stays bounded;
* whoever subscribes (a ``holder``: the caller's principal) holds at most ``limit``
  subscriptions at once in the process, across all its connections (``HolderAtLimit``); each
  is counted until it ends, however it ends (unsubscribed, cancelled, its client gone); the
  connections themselves are counted alike (``connections``, taken by the websocket handler);
* subscribing and unsubscribing run under a lock, and a channel nobody listens to any more
  is unsubscribed from the backend, so nothing is left behind;
* pub/sub is fire-and-forget (an event published while Redis is down, or never published by a
  replica that died after logging it, is gone), so the event log is the truth: a relay
  (``resolvers.base.event_log.relay_missed``) hands local subscribers the logged events they
  did not get (``missing``, ``relay``). The hub remembers which events it delivered so that
  none arrives twice, and a subscriber is relayed only events written after it subscribed;
* after a reconnect, before it takes the next live message, the listener hands its subscribers
  what the log holds that they missed while it was away (``catch_up``), in id order. Before,
  the events raised during a blink came through the relay a second or more after the live
  events that followed it, so a subscriber saw ids out of order, and one that resumed after the
  greatest id it had seen lost the older ones still to come (outside review).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any

from pydantic import ValidationError

from .base import MAX_PAYLOAD_BYTES, Event
from .catalogue import decode
from .subscription import Delivery, Holdings, Subscription

log = logging.getLogger(__name__)


def _backend_for(url: str) -> Any:
    # Imported when a hub connects, not with this module: broadcaster brings redis-py (40 ms),
    # which no CLI command but ``serve`` needs.
    from ..pubsub_backends import backend_for

    return backend_for(url)


REMEMBERED_SECONDS = 60
LOGGED = "logged_event_id"
"""The one key of a message that stands for an event too large to send: its id in the log."""
DATABASE_READ_SECONDS = 5.0
"""How long the one listener waits for the event log (an event sent by reference, the catch-up
after a reconnect): every live subscriber of the process waits behind it, so a database that
hangs costs one event (the relay hands it on later), not every event after it."""


class EventHub:
    def __init__(self, url: str, *, queue_size: int = 256, max_backoff: float = 5.0, relayed: bool = False) -> None:
        """``relayed``: a relay hands this hub what pub/sub lost, so it remembers the events it
        delivered for ``REMEMBERED_SECONDS`` to deliver none twice."""
        self.url = url
        self.queue_size = queue_size
        self.max_backoff = max_backoff
        self.reconnects = 0
        self.relayed = 0
        self._delivered: dict[int, float] | None = {} if relayed else None  # event id -> when (loop time)
        self._subscribers: dict[str, set[Subscription]] = {}
        self._held = Holdings("subscriptions")
        self.connections = Holdings("connections")
        """The live connections (websockets) each holder holds open in this process."""
        self._lock = asyncio.Lock()
        self._backend: Any = None
        self._listener: asyncio.Task[None] | None = None
        self.read_logged: Callable[[int], Awaitable[dict[str, Any] | None]] | None = None
        """Set by the serving process (``event_log.read_logged``): an event's logged body by id,
        for an event published as a reference (above ``MAX_PAYLOAD_BYTES``)."""
        self.database_read_seconds = DATABASE_READ_SECONDS
        self.catch_up: Callable[[EventHub, float], Awaitable[int]] | None = None
        """Set by the serving process (``event_log.catch_up``): hands the subscribers what the
        log holds of the time since the connection was lost (a time.time())."""

    async def connect(self) -> None:
        self._backend = _backend_for(self.url)
        await self._backend.connect()
        self._listener = asyncio.create_task(self._listen(), name="event-hub-listener")

    async def disconnect(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        if self._backend is not None:
            try:
                await self._backend.disconnect()
            except Exception:  # the connection may be gone already
                log.debug("pub/sub backend disconnect failed", exc_info=True)

    @property
    def stats(self) -> dict[str, int]:
        return {
            "channels": len(self._subscribers),
            "subscribers": sum(len(s) for s in self._subscribers.values()),
            "connections": self.connections.total(),
            "reconnects": self.reconnects,
            "relayed": self.relayed,
        }

    async def ping(self) -> None:
        """Raises when the backend cannot publish (for readiness)."""
        await self._backend.publish("health:ping", "{}")

    async def publish(self, channel: str, event: Event, event_id: int | None) -> None:
        """Send the event as its JSON text; one above ``MAX_PAYLOAD_BYTES`` (PostgreSQL NOTIFY's
        limit) as a reference to its row in the event log, on every backend alike, which each
        replica reads back (``read_logged``). Such events were refused before and never went out
        live, on ``memory://`` too (outside review). Progress told without an id has no row to
        refer to: it must fit."""
        message = event.message(event_id)
        if len(message.encode()) > MAX_PAYLOAD_BYTES:
            if event_id is None:
                raise ValueError(f"event payload on {channel} exceeds {MAX_PAYLOAD_BYTES} bytes and is not logged")
            message = json.dumps({LOGGED: event_id})
        await self._backend.publish(channel, message)

    def holding(self, holder: Hashable) -> int:
        """How many subscriptions ``holder`` holds in this process."""
        return self._held.count(holder)

    @asynccontextmanager
    async def subscribe(
        self,
        channel: str,
        *,
        on_overflow: Callable[[], None] | None = None,
        holder: Hashable | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[Subscription]:
        """A subscription to ``channel`` while the block runs; with ``holder``, counted as one of
        the holder's until it ends, refused (``HolderAtLimit``) when it holds ``limit`` already."""
        if holder is not None:
            self._held.take(holder, limit)  # before the first await: no two pass the check at once
        try:
            subscription = Subscription(channel, self.queue_size, on_overflow)
            async with self._lock:
                if channel not in self._subscribers:
                    try:
                        await self._backend.subscribe(channel)
                    except asyncio.CancelledError:
                        await asyncio.shield(self._backend_unsubscribe(channel))  # it may have gone through
                        raise
                    self._subscribers[channel] = set()
                self._subscribers[channel].add(subscription)
            try:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # redis-py can swallow a cancellation that lands during SUBSCRIBE: the subscriber
                    # (a websocket already closed) would then wait on its channel for ever.
                    raise asyncio.CancelledError
                yield subscription
            finally:
                await asyncio.shield(self._unsubscribe(subscription))
        finally:
            if holder is not None:
                self._held.give_back(holder)

    async def _unsubscribe(self, subscription: Subscription) -> None:
        async with self._lock:
            members = self._subscribers.get(subscription.channel)
            if members is None:
                return
            members.discard(subscription)
            if not members:
                del self._subscribers[subscription.channel]
                await self._backend_unsubscribe(subscription.channel)

    async def _backend_unsubscribe(self, channel: str) -> None:
        try:
            await self._backend.unsubscribe(channel)
        except Exception:  # a dead connection forgets its channels anyway
            log.debug("unsubscribe from %s failed", channel, exc_info=True)

    async def _listen(self) -> None:
        while True:
            try:
                event = await self._backend.next_published()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                lost_at = time.time()
                log.warning("pub/sub connection lost (%s); reconnecting", exc)
                await self._reconnect()
                await self._caught_up(lost_at)
                continue
            members = self._subscribers.get(event.channel)
            if not members:
                continue
            try:
                body = json.loads(event.message)
                if isinstance(body, dict) and list(body) == [LOGGED]:
                    logged = await self._logged(body[LOGGED])
                    if logged is None:
                        continue
                    body = logged
                delivery = Delivery(event.channel, *decode(body))
            except (ValueError, ValidationError):  # a message of a newer version, or none of ours
                log.warning("a message on %s is no event; skipped", event.channel, exc_info=True)
                continue
            if self._delivered is not None:
                if delivery.event_id in self._delivered:
                    continue  # relayed from the event log already
                if delivery.event_id is not None:
                    self._delivered[delivery.event_id] = asyncio.get_running_loop().time()
            for subscription in list(members):
                subscription.offer(delivery)

    async def _logged(self, event_id: Any) -> dict[str, Any] | None:
        """The logged body (with its id) of an event sent as a reference, or None when it cannot
        be read (delivered already, no reader, the database away: the relay hands it on)."""
        if not isinstance(event_id, int) or (self._delivered is not None and event_id in self._delivered):
            return None
        if self.read_logged is None:
            log.warning("an event sent by reference (%s) cannot be read here; skipped", event_id)
            return None
        try:
            async with asyncio.timeout(self.database_read_seconds):
                body = await self.read_logged(event_id)
        except Exception as exc:  # TimeoutError too
            log.warning("reading event %s from the event log failed (%s); skipped", event_id, exc)
            return None
        return None if body is None else {**body, "event_id": event_id}

    async def _caught_up(self, lost_at: float) -> None:
        """Live messages wait (in the backend's queue) while the log is read, so none overtakes
        an older event; those the read found already are skipped as delivered."""
        if self.catch_up is None or self._delivered is None or not self._subscribers:
            return
        try:
            async with asyncio.timeout(self.database_read_seconds):
                caught = await self.catch_up(self, lost_at)
            if caught:
                log.info("handed %d events from the event log that pub/sub lost while reconnecting", caught)
        except Exception as exc:  # the database is away too: the relay hands them on later
            log.warning("catching up from the event log after a reconnect failed (%s)", exc)

    @property
    def channels(self) -> list[str]:
        """The channels with local subscribers."""
        return list(self._subscribers)

    def missing(self, event_id: int, channel: str, written_at: float) -> bool:
        """Whether a logged event is owed to a local subscriber: one of the channel's
        subscribers was there when it was written, and the event has not reached them."""
        members = self._subscribers.get(channel)
        if not members or self._delivered is None or event_id in self._delivered:
            return False
        return any(subscription.since <= written_at for subscription in members)

    def relay(self, channel: str, event_id: int, event: Event, written_at: float) -> None:
        """Hand a logged event to the channel's subscribers that were there when it was
        written, as if pub/sub had brought it."""
        if self._delivered is not None:
            self._delivered[event_id] = asyncio.get_running_loop().time()
        self.relayed += 1
        delivery = Delivery(channel, event, event_id)
        for subscription in list(self._subscribers.get(channel, ())):
            if subscription.since <= written_at:
                subscription.offer(delivery)

    def forget_delivered(self) -> None:
        """Forget the events delivered more than ``REMEMBERED_SECONDS`` ago: the relay reads back
        only the last few seconds of the log, and pub/sub brings an event moments after it is
        published (a publish that hung for a while may bring one the relay handed out already)."""
        if not self._delivered:
            return
        cutoff = asyncio.get_running_loop().time() - REMEMBERED_SECONDS
        stale = []
        for event_id, delivered_at in self._delivered.items():  # in the order they were delivered
            if delivered_at >= cutoff:
                break
            stale.append(event_id)
        for event_id in stale:
            del self._delivered[event_id]

    @property
    def listening(self) -> bool:
        return bool(self._subscribers)

    async def _reconnect(self) -> None:
        delay = 0.1
        while True:
            try:
                await self._backend.disconnect()
            except Exception:
                log.debug("closing the lost pub/sub connection failed", exc_info=True)
            try:
                backend = _backend_for(self.url)
                await backend.connect()
                async with self._lock:
                    for channel in self._subscribers:
                        await backend.subscribe(channel)
                    self._backend = backend
                self.reconnects += 1
                log.warning("pub/sub reconnected; %d channels subscribed again", len(self._subscribers))
                return
            except Exception as exc:
                log.warning("pub/sub reconnect failed (%s); next try in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
