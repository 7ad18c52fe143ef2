"""broadcaster's backends, made to fail loudly so the hub can reconnect.

broadcaster 0.3.1 leaves two gaps this module closes (encode/broadcaster #144):

* Redis: the backend's listener task dies on a lost connection and ``next_published`` then
  waits for ever. Here ``next_published`` raises ``ConnectionError`` as soon as the listener
  has died. It also subscribes *before* waking the listener: the other order makes redis-py 5+
  stop listening at once, so the first subscriber heard nothing.
* PostgreSQL: a dropped LISTEN connection is never noticed. Here a termination listener turns
  it into ``ConnectionError`` from ``next_published``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from broadcaster import Event
from broadcaster._backends.base import BroadcastBackend
from broadcaster._backends.memory import MemoryBackend
from broadcaster._backends.postgres import PostgresBackend
from broadcaster._backends.redis import RedisBackend

log = logging.getLogger(__name__)


class ResilientRedisBackend(RedisBackend):
    async def connect(self) -> None:
        try:
            await super().connect()
        except BaseException:
            await self._stop_listener()  # else a failed reconnect leaves it pending for ever
            raise

    async def disconnect(self) -> None:
        await self._stop_listener()
        for close in (self._pubsub.aclose, self._conn.aclose):
            try:
                await close()
            except Exception:  # the connection is gone already
                log.debug("closing a Redis connection failed", exc_info=True)

    async def _stop_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        self._ready.set()

    async def next_published(self) -> Event:
        listener = self._listener
        if listener is None:
            raise ConnectionError("Redis pub/sub is not connected")
        getter = asyncio.ensure_future(self._queue.get())
        try:
            done, _ = await asyncio.wait({getter, listener}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not getter.done():
                getter.cancel()
        if getter in done:
            return getter.result()
        error = listener.exception() if not listener.cancelled() else None
        raise ConnectionError(f"Redis pub/sub listener stopped: {error!r}")


_LOST = Event(channel="", message="")


class ResilientPostgresBackend(PostgresBackend):
    async def connect(self) -> None:
        await super().connect()
        self._conn.add_termination_listener(self._terminated)

    def _terminated(self, *_: Any) -> None:
        self._listen_queue.put_nowait(_LOST)

    async def disconnect(self) -> None:
        self._conn.remove_termination_listener(self._terminated)
        await super().disconnect()

    async def next_published(self) -> Event:
        event = await self._listen_queue.get()
        if event is _LOST:
            raise ConnectionError("PostgreSQL LISTEN connection was closed")
        return event


def backend_for(url: str) -> BroadcastBackend:
    if url.startswith(("redis://", "rediss://")):
        return ResilientRedisBackend(url)
    if url.startswith(("postgres://", "postgresql://")):
        return ResilientPostgresBackend(url.replace("postgres://", "postgresql://", 1))
    return MemoryBackend(url)  # one process only
