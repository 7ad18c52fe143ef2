"""uvicorn's websocket protocol, able to give up on a client that stopped reading.

uvicorn waits for room in the socket's buffers before it writes any message, a close included:
the close frame for a client that reads nothing never went out. The server's send timeout
(``serving.OpenWebSockets``) then dropped the connection without it, and what the client saw in
the end was uvicorn's keepalive giving up: 1011 "keepalive ping timeout" — not the 4429 this
service promises a subscriber that falls behind. Here a close while the buffers are full is
queued behind what the client has not read (a few bytes more), so a client that reads again
finds 4429 where its events stop; one that does not is cut off after the ping timeout, so its
socket is freed either way. An unanswered keepalive ping is the same story (the client reads
nothing) and closes the same way.

Imported by ``GracefulServer.create`` only: uvicorn is not loaded by the CLI's other commands.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from .close_codes import STOPPED_READING, TOO_SLOW


class GivingUpWebSocketProtocol(WebSocketsSansIOProtocol):
    async def send(self, message: Any) -> None:
        stalled = not self.writable.is_set() and self.handshake_complete and self.initial_response is None
        if stalled and self.close_sent:
            raise ClientDisconnected  # given up on: nothing more goes out (Starlette: a disconnect)
        if stalled and message["type"] == "websocket.close":
            self.give_up(message.get("code", 1000), message.get("reason") or "")
            return
        await super().send(message)
        if message["type"] == "websocket.close" and self.close_timer is not None:
            # uvicorn closes the transport if the client does not answer the close, which waits
            # for ever to flush a buffer a client that stopped reading never drains
            self.close_timer.cancel()
            self.close_timer = self.loop.call_later(self.close_timeout, self.transport.abort)

    def keepalive_timeout(self) -> None:
        self.pong_timer = None
        self.pending_ping_payload = None
        if self.close_sent or self.transport.is_closing():
            return
        self.give_up(TOO_SLOW, STOPPED_READING)

    def give_up(self, code: int, reason: str) -> None:
        """Queue the close frame whatever the buffers hold, tell the app the connection is over,
        and cut it off if the client has not answered the close within the ping timeout."""
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.conn.send_close(code, reason)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.stop_keepalive()
        if self.read_paused:  # the client's answer to the close must be read
            self.read_paused = False
            self.transport.resume_reading()
        grace = self.ping_timeout if self.ping_timeout is not None else self.close_timeout
        self.close_timer = self.loop.call_later(grace, self.transport.abort)
