"""Open websockets (a send timeout, a goodbye at shutdown) and the server that says it."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from .close_codes import GOING_AWAY, MESSAGE_TOO_BIG, STOPPED_READING, TOO_SLOW

log = logging.getLogger("bufdir_reporting.access")


class SlowWebSocketClient(WebSocketDisconnect):
    """The client took nothing for the send timeout: its connection is given up, and Strawberry
    treats it as the disconnect it is (no error logged for an expected event)."""


class OpenWebSockets:
    """The accepted websockets of this process, so a shutdown can say goodbye with 1001; and
    a bound on what one client that stops reading can hold: a send that waits longer than
    ``send_timeout`` (the socket's buffers full) fails, which ends the connection's handler and
    with it every subscription on it. Without it the handler waited on that send for ever,
    holding its subscribers. The connection is closed with 4429, which ``serve``'s protocol
    (``websocket_protocol``) queues behind what the client has not read.

    A message larger than ``max_message_bytes`` closes the connection with 1009 before the
    application reads it: an anonymous client sent multi-MB messages one after another and the
    process grew with each (outside review). ``serve``'s uvicorn stops such a frame as it arrives
    (``ws_max_size``); this check holds for any server."""

    def __init__(self, *, send_timeout: float = 10, max_message_bytes: int = 1_048_576) -> None:
        self._senders: dict[int, Send] = {}
        self.send_timeout = send_timeout
        self.max_message_bytes = max_message_bytes
        # Sends under way: (deadline, the task sending). One watchdog looks at them a few times
        # per timeout, instead of a timer armed and cancelled around every send (with 1,000
        # subscribers a timer per send was a sixth of a fan-out, bench S6).
        self._sending: dict[int, tuple[float, asyncio.Task[Any]]] = {}
        self._overdue: set[int] = set()
        self._numbers = itertools.count()
        self._watchdog: asyncio.Task[None] | None = None

    def track(self, app: ASGIApp) -> ASGIApp:
        async def tracked(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "websocket":
                await app(scope, receive, send)
                return
            key = id(scope)

            async def tracking_send(message: Message) -> None:
                if message["type"] == "websocket.accept":
                    self._senders[key] = send
                elif message["type"] == "websocket.close":
                    self._senders.pop(key, None)
                task = asyncio.current_task()
                assert task is not None  # ASGI runs in a task
                number = next(self._numbers)
                self._sending[number] = (asyncio.get_running_loop().time() + self.send_timeout, task)
                self._watch()
                try:
                    await send(message)
                except asyncio.CancelledError:
                    if number in self._overdue and task.uncancel() == 0:  # the watchdog's cancel, and only it
                        self._senders.pop(key, None)
                        log.warning("dropping a websocket that took nothing for %ss", self.send_timeout)
                        await self._close_stalled(send)
                        raise SlowWebSocketClient(code=TOO_SLOW, reason=STOPPED_READING) from None
                    raise
                finally:
                    self._sending.pop(number, None)
                    self._overdue.discard(number)

            async def bounded_receive() -> Message:
                message = await receive()
                if message["type"] == "websocket.receive" and self._too_big(message):
                    log.info("closing a websocket that sent a message above %s bytes", self.max_message_bytes)
                    await tracking_send({"type": "websocket.close", "code": MESSAGE_TOO_BIG, "reason": "message too big"})
                    return {"type": "websocket.disconnect", "code": MESSAGE_TOO_BIG, "reason": "message too big"}
                return message

            try:
                await app(scope, bounded_receive, tracking_send)
            finally:
                self._senders.pop(key, None)

        return tracked

    def _too_big(self, message: Message) -> bool:
        text, data = message.get("text"), message.get("bytes")
        if data is not None:
            return len(data) > self.max_message_bytes
        # a character is 1 to 4 bytes in UTF-8: encode only a text that might be over
        return text is not None and len(text) * 4 > self.max_message_bytes and len(text.encode()) > self.max_message_bytes

    async def _close_stalled(self, send: Send) -> None:
        try:
            async with asyncio.timeout(self.send_timeout):  # another server may wait for room to write it
                await send({"type": "websocket.close", "code": TOO_SLOW, "reason": STOPPED_READING})
        except Exception:  # gone already, or closed by someone else meanwhile
            log.debug("closing a stalled websocket failed", exc_info=True)

    def _watch(self) -> None:
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.get_running_loop().create_task(self._cancel_overdue(), name="websocket-send-watchdog")

    async def _cancel_overdue(self) -> None:
        """Cancel every send that has waited past its deadline (within a quarter of the timeout
        after it); ends when no send is under way."""
        loop = asyncio.get_running_loop()
        while self._sending:
            await asyncio.sleep(self.send_timeout / 4)
            now = loop.time()
            for number, (deadline, task) in list(self._sending.items()):
                if deadline <= now and number not in self._overdue:
                    self._overdue.add(number)
                    task.cancel()

    def __len__(self) -> int:
        return len(self._senders)

    async def close_all(self) -> None:
        for key, send in list(self._senders.items()):
            self._senders.pop(key, None)
            try:
                await send({"type": "websocket.close", "code": GOING_AWAY, "reason": "server shutting down"})
            except Exception:  # the client may be gone already
                log.debug("closing a websocket at shutdown failed", exc_info=True)


class GracefulServer:
    """uvicorn closes open websockets with 1012 on shutdown; clients of this service get 1001
    (going away) first, SSE streams a last comment and their end (``app.state.closing``), then
    uvicorn lets in-flight requests finish. ``ready`` is called once the server listens, after
    the start-up lines, where a person sees what it says."""

    @staticmethod
    def create(app: Any, *, ready: Callable[[], None] | None = None, **config: Any) -> Any:
        import uvicorn

        from .websocket_protocol import GivingUpWebSocketProtocol

        class Server(uvicorn.Server):
            async def startup(self, sockets: Any = None) -> None:
                await super().startup(sockets)
                if ready is not None and not self.should_exit:
                    ready()

            async def shutdown(self, sockets: Any = None) -> None:
                app.state.closing.set()
                await app.state.websockets.close_all()
                await super().shutdown(sockets)

        # uvicorn refuses a larger frame as it arrives, before it holds the whole (close 1009)
        limit = app.state.websockets.max_message_bytes
        return Server(uvicorn.Config(app, **{"ws": GivingUpWebSocketProtocol, "ws_max_size": limit, **config}))
