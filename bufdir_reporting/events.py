"""Channel names and publish/subscribe over broadcaster, in one place.

Every payload crosses the wire as a JSON string, on every backend (memory included), so a test
that passes on ``memory://`` means the same on Redis and PostgreSQL NOTIFY.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from broadcaster import Broadcast
from broadcaster._backends.redis import RedisBackend

MAX_PAYLOAD_BYTES = 8000


def channel(kind: str, *parts: str) -> str:
    """``data_updated:org-1042:2024`` — the event kind, then the scope it concerns."""
    return ":".join((kind, *parts))


class _SubscribedRedisBackend(RedisBackend):
    """broadcaster 0.3.1 wakes its listener *before* subscribing; with redis-py 5+ the
    listener then finds no subscription, stops listening and never wakes again, so the first
    subscriber hears nothing. Subscribe first, then wake the listener."""

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        self._ready.set()


def _broadcast_for(url: str) -> Broadcast:
    if url.startswith(("redis://", "rediss://")):
        return Broadcast(backend=_SubscribedRedisBackend(url))
    return Broadcast(url.replace("postgresql://", "postgres://", 1))


class EventBus:
    def __init__(self, url: str) -> None:
        self.url = url
        self._broadcast = _broadcast_for(url)

    async def connect(self) -> None:
        await self._broadcast.connect()

    async def disconnect(self) -> None:
        await self._broadcast.disconnect()

    async def publish(self, channel_name: str, payload: dict[str, Any]) -> None:
        message = json.dumps(payload, separators=(",", ":"), default=str)
        if len(message.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"event payload on {channel_name} exceeds {MAX_PAYLOAD_BYTES} bytes")
        await self._broadcast.publish(channel=channel_name, message=message)

    @asynccontextmanager
    async def subscribe(self, channel_name: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        async with self._broadcast.subscribe(channel=channel_name) as subscriber:

            async def payloads() -> AsyncIterator[dict[str, Any]]:
                async for event in subscriber:
                    if event is None:
                        return
                    yield json.loads(event.message)

            yield payloads()
