"""A websocket or an SSE watch opened with a national token (ID-porten here) lasts as long as its
mapping: an admin who ends the person's assignment ends what the connection reads, as HTTP's
next request is refused (``graphql_ws.TransportWSConnection._remap``, ``rest_compat.watch``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

from bufdir_reporting import dependencies, graphql_ws
from bufdir_reporting.auth import issue_token
from bufdir_reporting.operations.close_codes import ACCESS_WITHDRAWN
from bufdir_reporting.rest_compat.watch import HEARTBEAT, WITHDRAWN

from .digdir import PID
from .factories import make_reporting_world
from .live import GRAPHQL_TRANSPORT_WS, emptied, live_server, wait_for_subscribers

READ = '{ organization(id: "org-1042") { name } }'
FOLLOW = 'subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") { eventId } }'
ASSIGN = 'mutation ($p: String!) { assignPerson(pid: $p, role: COORDINATOR, organizationId: "org-1042", name: "Kari") { id } }'
UNASSIGN = "mutation ($a: ID!) { unassignPerson(assignmentId: $a) { id } }"


@pytest.fixture
async def server(settings, digdir):
    settings.sse_heartbeat_seconds = 0.1
    async with live_server(settings) as (address, app):
        await emptied()
        await make_reporting_world()
        yield address, app


async def admin(address: str, settings, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    token = issue_token(settings, subject="admin", admin=True)
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"http://{address}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    answer: dict[str, Any] = response.json()
    assert "errors" not in answer, answer
    return answer["data"]


async def opened(address: str, digdir) -> websockets.ClientConnection:
    socket = await websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS)
    await socket.send(json.dumps({"type": "connection_init", "payload": digdir.idporten()}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    return socket


async def test_an_operation_after_the_assignment_ended_closes_the_connection(server, settings, digdir):
    address, _ = server
    assigned = await admin(address, settings, ASSIGN, {"p": PID})
    socket = await opened(address, digdir)
    async with socket, asyncio.timeout(10):
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": READ}}))
        first = json.loads(await socket.recv())
        assert first["payload"]["data"]["organization"]["name"], first
        await admin(address, settings, UNASSIGN, {"a": assigned["assignPerson"]["id"]})
        await socket.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": READ}}))
        with pytest.raises(websockets.ConnectionClosed):
            while True:  # the first operation's "complete", then the close: no second answer
                message = json.loads(await socket.recv())
                assert message["type"] == "complete" and message["id"] == "1", message
    assert socket.close_code == ACCESS_WITHDRAWN


async def test_a_running_subscription_ends_when_the_assignment_ends(server, settings, digdir, monkeypatch):
    monkeypatch.setattr(graphql_ws, "ACCESS_RECHECK_SECONDS", 0.1)
    address, _ = server
    assigned = await admin(address, settings, ASSIGN, {"p": PID})
    socket = await opened(address, digdir)
    async with socket, asyncio.timeout(10):
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": FOLLOW}}))
        await admin(address, settings, UNASSIGN, {"a": assigned["assignPerson"]["id"]})
        with pytest.raises(websockets.ConnectionClosed):
            message = await socket.recv()
            raise AssertionError(f"an event after the assignment ended: {message!r}")
    assert socket.close_code == ACCESS_WITHDRAWN


async def test_a_watch_stream_ends_when_the_assignment_ends(server, settings, digdir):
    address, _ = server
    assigned = await admin(address, settings, ASSIGN, {"p": PID})
    url = f"http://{address}/api/v1/aggregated-report-data/watch?organization_id=org-1042&period_id=2024"
    async with httpx.AsyncClient(timeout=10) as http, asyncio.timeout(10):
        async with http.stream("GET", url, headers=digdir.idporten()) as stream:
            assert stream.status_code == 200
            received = ""
            chunks = stream.aiter_text()
            while HEARTBEAT not in received:  # the stream is open, and its token read the organisation
                received += await anext(chunks)
            await admin(address, settings, UNASSIGN, {"a": assigned["assignPerson"]["id"]})
            async for chunk in chunks:  # until the stream ends: without the check, heartbeats until the token expired
                received += chunk
    assert received.endswith(WITHDRAWN), received[-200:]


TRIGGER = 'mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024", force: true) { snapshot { snapshotId } } }'


async def test_an_event_after_the_assignment_ended_is_not_sent(server, settings, digdir, monkeypatch):
    """Checked every 30 s alone, an event raised after an admin ended the assignment reached the
    person until the next check; it is checked before each event it is sent."""
    monkeypatch.setattr(dependencies, "MAPPED_SECONDS", 0.0)  # no mapping read a moment before is taken again
    address, app = server
    assigned = await admin(address, settings, ASSIGN, {"p": PID})
    socket = await opened(address, digdir)
    async with socket, asyncio.timeout(10):
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": FOLLOW}}))
        await wait_for_subscribers(app, 1)
        await admin(address, settings, UNASSIGN, {"a": assigned["assignPerson"]["id"]})
        await admin(address, settings, TRIGGER, {})
        with pytest.raises(websockets.ConnectionClosed):
            message = await socket.recv()
            raise AssertionError(f"an event after the assignment ended: {message!r}")
    assert socket.close_code == ACCESS_WITHDRAWN


async def test_a_watch_sends_no_event_after_the_assignment_ended(server, settings, digdir, monkeypatch):
    monkeypatch.setattr(dependencies, "MAPPED_SECONDS", 0.0)
    settings.sse_heartbeat_seconds = 60  # the heartbeat's check would not come within the test
    address, app = server
    assigned = await admin(address, settings, ASSIGN, {"p": PID})
    url = f"http://{address}/api/v1/aggregated-report-data/watch?organization_id=org-1042&period_id=2024"
    async with httpx.AsyncClient(timeout=10) as http, asyncio.timeout(10):
        async with http.stream("GET", url, headers=digdir.idporten()) as stream:
            assert stream.status_code == 200
            chunks = stream.aiter_text()
            received = await anext(chunks)
            await wait_for_subscribers(app, 1)
            await admin(address, settings, UNASSIGN, {"a": assigned["assignPerson"]["id"]})
            await admin(address, settings, TRIGGER, {})
            async for chunk in chunks:
                received += chunk
    assert "data_updated" not in received and received.endswith(WITHDRAWN), received[-300:]


async def test_a_tokens_mapping_is_read_once_a_second_for_all_its_streams(monkeypatch):
    """What makes the check before each event cheap: a thousand events to one token's streams
    within a second cost one mapping read, and a read that old is not kept."""
    settings: Any = object()  # the mapping itself is replaced: no database
    reads: list[str | None] = []

    async def principal_of(settings, authorization):
        reads.append(authorization)
        await asyncio.sleep(0)
        return authorization

    monkeypatch.setattr(dependencies, "principal_of", principal_of)
    monkeypatch.setattr(dependencies, "_mapped", type(dependencies._mapped)())
    answers = await asyncio.gather(*(dependencies.mapped_lately(settings, "Bearer a") for _ in range(1000)))
    assert set(answers) == {"Bearer a"} and reads == ["Bearer a"]
    monkeypatch.setattr(dependencies, "MAPPED_SECONDS", 0.0)
    await dependencies.mapped_lately(settings, "Bearer b")
    assert reads == ["Bearer a", "Bearer b"] and list(dependencies._mapped) == [(id(settings), "Bearer b")]
