"""A client that stops reading is dropped, with its subscriptions, within the send timeout: met
with a real TCP socket that never reads (its receive buffer shrunk) against a real server.
Without the timeout the server's send waited on that socket for ever, holding the subscriber,
and even the 4429 close frame could not be written through it."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket

import pytest
from tortoise.contrib.test import truncate_all_models

from bufdir_reporting import events
from bufdir_reporting.auth import issue_token

from ..factories import make_reporting_world
from ..live import live_server


def frame(message: dict) -> bytes:
    data = json.dumps(message).encode()
    mask = os.urandom(4)
    length = bytes([0x80 | len(data)]) if len(data) < 126 else bytes([0x80 | 126]) + len(data).to_bytes(2, "big")
    return bytes([0x81]) + length + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


@pytest.mark.one_database
async def test_a_subscriber_that_stops_reading_is_dropped(settings):
    slow = settings.model_copy(update={"websocket_send_timeout_seconds": 1.0, "subscriber_queue_size": 32})
    async with live_server(slow) as (address, app):
        await truncate_all_models()
        await make_reporting_world()
        host, port = address.split(":")
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(client, (host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        await loop.sock_sendall(
            client,
            f"GET /graphql HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n".encode(),
        )
        async with asyncio.timeout(10):
            assert (await loop.sock_recv(client, 4096)).startswith(b"HTTP/1.1 101")
        token = issue_token(slow, subject="dashboard", admin=True)
        await loop.sock_sendall(client, frame({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        async with asyncio.timeout(10):
            assert b"connection_ack" in await loop.sock_recv(client, 4096)
        query = 'subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") { changedFieldKeys } }'
        await loop.sock_sendall(client, frame({"id": "1", "type": "subscribe", "payload": {"query": query}}))  # then never reads
        hub = app.state.events
        async with asyncio.timeout(10):
            while hub.stats["subscribers"] < 1:
                await asyncio.sleep(0.02)
        payload = {
            "event": events.DATA_UPDATED, "snapshot_id": "snap-x", "organization_id": "org-1042", "period_id": "2024",
            "changed_sections": [], "changed_field_keys": ["k" * 100] * 60, "updated_at": "2026-11-29T12:00:00Z",
        }  # fmt: skip
        try:
            async with asyncio.timeout(30):
                while hub.stats["subscribers"]:  # the client reads nothing: its buffers fill, then sends stall
                    await hub.publish(events.data_updated_channel("org-1042", "2024"), payload)
                    await asyncio.sleep(0.003)
            assert len(app.state.websockets) == 0
        finally:
            client.close()
