"""A client that stops reading is dropped, with its subscriptions, and told why with close code
4429: met with a real TCP socket that does not read (its receive buffer shrunk) against a real
server. Without the send timeout the server's send waited on that socket for ever, holding the
subscriber; without queueing the close behind the unread events the client found no close
frame where its events stopped, or uvicorn's keepalive 1011 "keepalive ping timeout"."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bufdir_reporting import events
from bufdir_reporting.auth import issue_token

from ..factories import make_reporting_world
from ..live import emptied, live_server

CLOSE = 0x8
DATA_CHANGED = 'subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") { changedFieldKeys } }'


def frame(message: dict) -> bytes:
    data = json.dumps(message).encode()
    mask = os.urandom(4)
    length = bytes([0x80 | len(data)]) if len(data) < 126 else bytes([0x80 | 126]) + len(data).to_bytes(2, "big")
    return bytes([0x81]) + length + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def close_frame_in(data: bytes) -> tuple[int, str] | None:
    """The (code, reason) of the close frame among the server's frames in ``data``, if it came."""
    at = 0
    while at + 2 <= len(data):
        opcode, length, start = data[at] & 0x0F, data[at + 1] & 0x7F, at + 2
        if length >= 126:
            size = 2 if length == 126 else 8
            length, start = int.from_bytes(data[start : start + size], "big"), start + size
        if start + length > len(data):
            return None
        if opcode == CLOSE:
            body = data[start : start + length]
            return int.from_bytes(body[:2], "big"), body[2:].decode()
        at = start + length
    return None


@asynccontextmanager
async def subscribed_without_reading(address: str, token: str, query: str) -> AsyncIterator[socket.socket]:
    """A websocket client that subscribes and then reads nothing (until the test reads)."""
    loop = asyncio.get_running_loop()
    host, port = address.split(":")
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.setblocking(False)
    try:
        await loop.sock_connect(client, (host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        await loop.sock_sendall(
            client,
            f"GET /graphql HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n".encode(),
        )
        async with asyncio.timeout(10):
            assert (await loop.sock_recv(client, 4096)).startswith(b"HTTP/1.1 101")
        await loop.sock_sendall(client, frame({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        async with asyncio.timeout(10):
            assert b"connection_ack" in await loop.sock_recv(client, 4096)
        await loop.sock_sendall(client, frame({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        yield client
    finally:
        client.close()


async def read_until_closed(client: socket.socket) -> tuple[int, str]:
    """Read what the server sent until its close frame (fails the test if none comes)."""
    loop = asyncio.get_running_loop()
    data = b""
    async with asyncio.timeout(10):
        while (closed := close_frame_in(data)) is None:
            chunk = await loop.sock_recv(client, 1 << 20)
            assert chunk, "the connection ended without a close frame"
            data += chunk
    return closed


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("queue_size", "reason"),
    [
        (32, "subscriber too slow"),  # its queue of events overflows first
        (100_000, "the client stopped reading"),  # a queue that does not: the send timeout gives up
    ],
)
async def test_a_subscriber_that_stops_reading_is_dropped_with_4429(settings, queue_size, reason):
    slow = settings.model_copy(update={"websocket_send_timeout_seconds": 1.0, "subscriber_queue_size": queue_size})
    async with live_server(slow, ws_ping_timeout=1.0) as (address, app):
        await emptied()
        await make_reporting_world()
        token = issue_token(slow, subject="dashboard", admin=True)
        async with subscribed_without_reading(address, token, DATA_CHANGED) as client:
            hub = app.state.events
            async with asyncio.timeout(10):
                while hub.stats["subscribers"] < 1:
                    await asyncio.sleep(0.02)
            event = events.DataUpdated(
                snapshot_id="snap-x", organization_id="org-1042", period_id="2024",
                changed_sections=(), changed_field_keys=("k" * 100,) * 60,
            )  # fmt: skip
            async with asyncio.timeout(30):
                while hub.stats["subscribers"]:  # the client reads nothing: its buffers fill, then sends stall
                    await hub.publish(event.period_channel("org-1042", "2024"), event, None)
                    await asyncio.sleep(0.003)
            assert len(app.state.websockets) == 0
            # The client reads again: its events, then the close frame where they stopped.
            assert await read_until_closed(client) == (4429, reason)
        async with asyncio.timeout(10):  # and the server let go of the socket
            while app.state.server.server_state.connections:
                await asyncio.sleep(0.05)


@pytest.mark.one_database
async def test_a_client_that_leaves_the_keepalive_ping_unanswered_is_closed_with_4429(settings):
    async with live_server(settings, ws_ping_interval=0.3, ws_ping_timeout=0.3) as (address, app):
        token = issue_token(settings, subject="dashboard", admin=True)
        async with subscribed_without_reading(address, token, DATA_CHANGED) as client:
            assert await read_until_closed(client) == (4429, "the client stopped reading")
        async with asyncio.timeout(10):
            while app.state.server.server_state.connections:
                await asyncio.sleep(0.05)
