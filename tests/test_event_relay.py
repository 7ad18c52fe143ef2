"""A subscriber that reconnects resumes after the last event it saw: the event log is the truth
behind pub/sub. Met with a real server and a websocket client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import websockets
from tortoise.contrib.test import truncate_all_models

from bufdir_reporting.auth import issue_token
from bufdir_reporting.resolvers import snapshots

from .factories import context_for, make_reporting_world
from .live import live_server, wait_for_subscribers

NOTES = 'subscription ($after: ID) { valueNoteAdded(organizationId: "org-1042", afterEventId: $after) { eventId text } }'
EXPLAIN = 'mutation ($s: ID!, $t: String!) { explainValue(snapshotId: $s, fieldKey: "antall_undersokelser_igangsatt", text: $t) { id } }'


@asynccontextmanager
async def subscribed(address: str, token: str, after: int | str | None = None) -> AsyncIterator[Any]:
    async with websockets.connect(f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        payload = {"query": NOTES, "variables": {"after": after}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        yield socket


async def received(socket: Any, count: int, timeout: float = 15) -> list[dict]:
    notes = []
    async with asyncio.timeout(timeout):
        while len(notes) < count:
            message = json.loads(await socket.recv())
            assert message["type"] == "next", message
            notes.append(message["payload"]["data"]["valueNoteAdded"])
    return notes


async def nothing_more(socket: Any, wait: float = 1.0) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(wait):
            raise AssertionError(await socket.recv())


async def explain(http: httpx.AsyncClient, snapshot_id: str, text: str) -> None:
    response = await http.post("/graphql", json={"query": EXPLAIN, "variables": {"s": snapshot_id, "t": text}})
    assert "errors" not in response.json(), response.text


@asynccontextmanager
async def reporting_server(settings: Any) -> AsyncIterator[tuple[str, Any, str, str]]:
    """A served app with org-1042's 2024 snapshot, and kari's token (she works for org-1042)."""
    async with live_server(settings) as (address, app):
        await truncate_all_models()
        await make_reporting_world()
        ctx = context_for(settings, app, "org-1042", subject="kari")
        snapshot = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024", wait=True)).snapshot
        yield address, app, snapshot.id, issue_token(settings, subject="kari", organizations=["org-1042"])


async def test_a_client_resumes_after_the_last_event_it_saw(settings):
    """On the embedded default (memory pub/sub) as well: the gap comes from the event log."""
    async with reporting_server(settings) as (address, app, snapshot_id, token):
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=f"http://{address}", headers=headers) as http:
            async with subscribed(address, token) as socket:
                await wait_for_subscribers(app, 1)
                await explain(http, snapshot_id, "seen")
                (seen,) = await received(socket, 1)
            for text in ("missed 1", "missed 2", "missed 3"):
                await explain(http, snapshot_id, text)
            async with subscribed(address, token, after=seen["eventId"]) as socket:
                notes = await received(socket, 3)
                await wait_for_subscribers(app, 1)
                await explain(http, snapshot_id, "live")
                notes += await received(socket, 1)
                await nothing_more(socket, 0.5)
    assert [n["text"] for n in notes] == ["missed 1", "missed 2", "missed 3", "live"]
    assert all(n["eventId"] > seen["eventId"] for n in notes)


@pytest.mark.one_database
@pytest.mark.parametrize("after", ["next", "-1", "9" * 30])
async def test_an_after_event_id_that_is_no_event_id_is_refused(settings, after):
    async with live_server(settings) as (address, _):
        await truncate_all_models()
        await make_reporting_world()
        token = issue_token(settings, subject="kari", organizations=["org-1042"])
        async with subscribed(address, token, after=after) as socket:
            async with asyncio.timeout(10):
                message = json.loads(await socket.recv())
    assert message["type"] in ("next", "error"), message
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in errors] == [("BAD_USER_INPUT", "afterEventId")]
