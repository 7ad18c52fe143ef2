"""What an anonymous client sends that must not cost the server more than its size (outside
review): websocket messages above the limit, documents too large to remember, persisted queries
past their bounds, JSON nested deeper than the decoder goes."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import pytest
import websockets
from strawberry.extensions.parser_cache import _get_parse_cache

from bufdir_reporting.graphql_requests import PersistedQueries
from bufdir_reporting.schema import CACHED_DOCUMENTS
from bufdir_reporting.schema.limits import CACHED_DOCUMENT_CHARS

from .conftest import error_of
from .live import GRAPHQL_TRANSPORT_WS, live_server

pytestmark = pytest.mark.one_database  # refused before any statement

MiB = 2**20


async def closed_with(socket: websockets.ClientConnection) -> tuple[int | None, str | None]:
    async with asyncio.timeout(10):
        try:
            while True:
                await socket.recv()
        except websockets.ConnectionClosed as closed:
            return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, None)


async def acknowledged(address: str) -> websockets.ClientConnection:
    socket = await websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS, max_size=None)
    await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
    async with asyncio.timeout(10):
        assert json.loads(await socket.recv())["type"] == "connection_ack"
    return socket


@pytest.mark.parametrize("server_limit", ["uvicorn", "app"])
async def test_a_websocket_message_above_the_limit_closes_with_1009(settings, server_limit):
    """``serve``'s uvicorn stops the frame as it arrives; the app's own check holds behind a
    server that lets it through (here uvicorn told to take 16 MiB)."""
    config = {"ws_max_size": 16 * MiB} if server_limit == "app" else {}
    async with live_server(settings, **config) as (address, _):
        socket = await acknowledged(address)
        await socket.send(json.dumps({"type": "ping", "payload": {"pad": "x" * (MiB + 10)}}))
        code, _ = await closed_with(socket)
        assert code == 1009
        socket = await acknowledged(address)  # the server is still there for others
        await socket.send(json.dumps({"type": "ping", "payload": {"pad": "x" * (MiB // 2)}}))
        async with asyncio.timeout(10):
            assert json.loads(await socket.recv())["type"] == "pong"
        await socket.close()


async def test_a_document_above_the_cached_size_is_not_kept_by_the_parse_cache(client):
    cache: Any = _get_parse_cache(CACHED_DOCUMENTS)  # an lru_cache: cache_info() is its, not Callable's
    padded = "{ __typename }" + " " * CACHED_DOCUMENT_CHARS
    before = cache.cache_info()
    assert (await client.post("/graphql", json={"query": padded})).json() == {"data": {"__typename": "Query"}}
    assert cache.cache_info().misses == before.misses and cache.cache_info().currsize == before.currsize
    small = "{ __typename } # " + hashlib.sha256(padded.encode()).hexdigest()
    assert (await client.post("/graphql", json={"query": small})).json() == {"data": {"__typename": "Query"}}
    assert cache.cache_info().misses == before.misses + 1


async def test_a_persisted_query_above_its_size_is_answered_and_not_kept(client):
    padded = "{ __typename }" + " " * 70_000
    digest = hashlib.sha256(padded.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    sent = await client.post("/graphql", json={"query": padded, "extensions": persisted})
    assert sent.json() == {"data": {"__typename": "Query"}}
    by_hash = await client.post("/graphql", json={"extensions": persisted})
    assert by_hash.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_the_persisted_queries_hold_at_most_their_total():
    store = PersistedQueries(size=100, max_chars=1000, total_chars=2500)
    documents = [f"{{ __typename }} # {i}" + " " * 900 for i in range(5)]
    for document in documents:
        store.resolve(document, {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(document.encode()).hexdigest()}})
        assert store.chars <= 2500
    newest = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(documents[-1].encode()).hexdigest()}}
    assert store.resolve(None, newest) == documents[-1]


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


async def test_a_websocket_message_nested_too_deeply_closes_with_4400(settings):
    """The decoder's RecursionError ended the connection without a close frame (1006)."""
    async with live_server(settings) as (address, _):
        socket = await acknowledged(address)
        query = "subscription($v: JSON) { __typename }"
        await socket.send(
            f'{{"id": "1", "type": "subscribe", "payload": {{"query": "{query}", "variables": {{"v": {deep(100_000)}}}}}}}'
        )
        assert await closed_with(socket) == (4400, "WebSocket message nests too deeply")


async def test_json_nested_too_deeply_is_refused_over_http(client):
    """/graphql's POST body was checked already; its GET variables and a REST body were not."""
    got = await client.get("/graphql", params={"query": "{ __typename }", "variables": deep(5000)})
    assert got.status_code == 400 and error_of(got)["code"] == "BAD_REQUEST", got.text
    posted = await client.post(
        "/graphql",
        content=f'{{"query": "{{ __typename }}", "variables": {deep(100_000)}}}',
        headers={"Content-Type": "application/json"},
    )
    assert posted.status_code == 400
    rest = await client.put(
        "/api/v1/bufdir-aggregations/1", content=f'{{"range": {deep(100_000)}}}', headers={"Content-Type": "application/json"}
    )
    assert rest.status_code in (400, 422), rest.text
