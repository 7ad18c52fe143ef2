"""One principal holds at most ``live_subscriptions_per_principal`` live subscriptions in a
process, its websockets' operations and its SSE watches together: one token opening many
websockets times many subscriptions held a queue and work per event each, without bound. A
subscription ends its count however it ends, so a dashboard that reconnects is not locked out
by the connections it dropped (``events.EventHub.subscribe``, ``resolvers.base.live``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

from bufdir_reporting.auth import ANONYMOUS, issue_token
from bufdir_reporting.errors import TooManySubscriptions
from bufdir_reporting.events import DataUpdated
from bufdir_reporting.resolvers.base import live
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.rest_compat.watch import AT_LIMIT

from .factories import make_reporting_world
from .live import GRAPHQL_TRANSPORT_WS, emptied, live_server, wait_for_subscribers

PERIOD = 'subscription { aggregatedDataChanged(organizationId: "%s", periodId: "2024") { eventId } }'
ORGANIZATION = 'subscription { organizationDataChanged(organizationId: "%s") { eventId } }'
WATCH = "/api/v1/aggregated-report-data/watch?organization_id=org-1042&period_id=2024"


@pytest.fixture
async def server(settings):
    settings.live_subscriptions_per_principal = 2
    async with live_server(settings) as (address, app):
        await emptied()
        await make_reporting_world()
        yield address, app


async def opened(address: str, token: str, language: str = "en") -> websockets.ClientConnection:
    socket = await websockets.connect(
        f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS, additional_headers={"Accept-Language": language}
    )
    await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    return socket


async def subscribe(socket: websockets.ClientConnection, number: int, query: str) -> None:
    await socket.send(json.dumps({"id": str(number), "type": "subscribe", "payload": {"query": query}}))


async def refusal(socket: websockets.ClientConnection) -> dict[str, Any]:
    """The next error the connection is sent for an operation (a refused one's "complete" passed over)."""
    async with asyncio.timeout(10):
        message = json.loads(await socket.recv())
        while message["type"] == "complete":
            message = json.loads(await socket.recv())
    errors = message["payload"] if message["type"] == "error" else message["payload"].get("errors")
    assert errors, message
    return errors[0]


async def test_a_principal_holds_at_most_its_cap_across_connections_and_gets_it_back_when_they_drop(server, settings):
    address, app = server
    kari = issue_token(settings, subject="kari", organizations=["org-1042"])
    kari_again = issue_token(settings, subject="kari", organizations=["org-1042"], ttl=None)  # another token, same claims
    per = issue_token(settings, subject="per", organizations=["org-2077"])
    first = await opened(address, kari)
    await subscribe(first, 1, PERIOD % "org-1042")
    await subscribe(first, 2, ORGANIZATION % "org-1042")
    await wait_for_subscribers(app, 2)

    async with await opened(address, kari_again, "nb") as second:
        await subscribe(second, 1, PERIOD % "org-1042")
        refused = await refusal(second)
        assert refused["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        assert refused["extensions"]["limit"] == 2
        assert refused["message"].startswith("dette tokenet har allerede 2 aktive abonnementer")
        async with await opened(address, per) as other:  # another principal is not held by kari's
            await subscribe(other, 1, PERIOD % "org-2077")
            await wait_for_subscribers(app, 3)

            first.transport.abort()  # dropped without a close frame, as a lost network drops it
            async with asyncio.timeout(10):
                while app.state.events.stats["subscribers"] > 1:
                    await asyncio.sleep(0.02)
            await subscribe(second, 2, PERIOD % "org-1042")
            await subscribe(second, 3, ORGANIZATION % "org-1042")
            await wait_for_subscribers(app, 3)
            await subscribe(second, 4, ORGANIZATION % "org-1042")
            assert (await refusal(second))["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"


async def test_watch_streams_count_with_websockets_and_are_refused_429_at_the_cap(server, settings):
    address, app = server
    settings.live_subscriptions_per_principal = 1
    token = issue_token(settings, subject="kari", organizations=["org-1042"])
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
        async with await opened(address, token) as socket:
            await subscribe(socket, 1, PERIOD % "org-1042")
            await wait_for_subscribers(app, 1)
            refused = await http.get(WATCH, headers=headers)
            assert refused.status_code == 429, refused.text
            assert refused.json()["error"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        async with asyncio.timeout(10):
            while app.state.events.stats["subscribers"]:
                await asyncio.sleep(0.02)
        async with http.stream("GET", WATCH, headers=headers) as stream:
            assert stream.status_code == 200
            await wait_for_subscribers(app, 1)
            async with await opened(address, token) as socket:
                await subscribe(socket, 1, PERIOD % "org-1042")
                assert (await refusal(socket))["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"


async def test_a_topic_that_reads_before_it_subscribes_is_refused_before_the_read(server, settings):
    """reportingRatesChanged sends the rates as they are first, then subscribes: at the cap it
    answered the first rates (a period's read per attempt) and only then refused."""
    address, app = server
    settings.live_subscriptions_per_principal = 1
    token = issue_token(settings, subject="case-officer", reviewer=True)
    async with await opened(address, token) as socket:
        await subscribe(socket, 1, PERIOD % "org-1042")
        await wait_for_subscribers(app, 1)
        await subscribe(socket, 2, 'subscription { reportingRatesChanged(periodId: "2024") { expected } }')
        assert (await refusal(socket))["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"


async def test_a_watch_that_loses_the_race_for_the_last_place_ends_saying_so(server, settings, monkeypatch):
    """Two watches answered 200 at once, one place left: the one the hub refuses ends with a
    comment, not a broken stream."""

    address, app = server
    settings.live_subscriptions_per_principal = 1
    monkeypatch.setattr(live, "refuse_at_limit", lambda ctx: None)  # both passed the check before either subscribed
    token = issue_token(settings, subject="kari", organizations=["org-1042"])
    async with await opened(address, token) as socket:
        await subscribe(socket, 1, PERIOD % "org-1042")
        await wait_for_subscribers(app, 1)
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http, asyncio.timeout(10):
            async with http.stream("GET", WATCH, headers={"Authorization": f"Bearer {token}"}) as stream:
                assert stream.status_code == 200
                received = "".join([chunk async for chunk in stream.aiter_text()])
    assert received.endswith(AT_LIMIT), received


async def test_anonymous_callers_are_counted_per_address_not_as_one(app, settings):
    """The public topics (``formAssignmentsChanged``) take anonymous callers: counted as one
    holder, one anonymous client holding every place shut every other anonymous client out of
    them in the process; now each address holds its own places (``Context.holder``)."""
    settings.live_subscriptions_per_principal = 1

    def anonymous(address: str) -> Context:
        return Context(settings=settings, principal=ANONYMOUS, events=app.state.events, client=address)

    async with live.subscribed(anonymous("192.0.2.1"), "public", DataUpdated):
        with pytest.raises(TooManySubscriptions):
            live.refuse_at_limit(anonymous("192.0.2.1"))
        live.refuse_at_limit(anonymous("192.0.2.2"))  # another client is not held by the first one's place
        async with live.subscribed(anonymous("192.0.2.2"), "public", DataUpdated):
            pass


async def refused_connection(address: str, token: str | None) -> websockets.exceptions.ConnectionClosed:
    """The close a websocket gets instead of its ``connection_ack``."""
    socket = await websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS)
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        async with asyncio.timeout(10):
            raise AssertionError(await socket.recv())
    return closed.value


@pytest.mark.one_database
async def test_a_principal_keeps_at_most_its_cap_of_websockets_open_and_gets_it_back_when_one_closes(server, settings):
    """A websocket with no subscription held no place (attacker's review): one token, or one
    anonymous address, could open connections without bound, each a task and buffers in the
    process. Now each takes a place when its connection_init is accepted, and gives it back
    however it ends."""
    address, app = server
    settings.websocket_connections_per_principal = 2
    kari = issue_token(settings, subject="kari", organizations=["org-1042"])
    per = issue_token(settings, subject="per", organizations=["org-2077"])
    first, second = await opened(address, kari), await opened(address, kari)
    refused = await refused_connection(address, issue_token(settings, subject="kari", organizations=["org-1042"], ttl=None))
    assert refused.rcvd is not None and refused.rcvd.code == 1013, refused
    assert refused.rcvd.reason == "too many connections: 2 open already"
    async with await opened(address, per):  # another principal is not held by kari's places
        pass

    first.transport.abort()  # dropped without a close frame, as a lost network drops it
    await connections_left(app, 1)
    async with await opened(address, kari):  # the dropped connection's place is free again
        pass
    await second.close()
    await connections_left(app, 0)


async def connections_left(app: Any, count: int) -> None:
    async with asyncio.timeout(10):
        while app.state.events.stats["connections"] != count:
            await asyncio.sleep(0.02)


@pytest.mark.one_database
async def test_anonymous_websockets_are_counted_per_address(server, settings):
    address, app = server
    settings.websocket_connections_per_principal = 1
    socket = await websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS)
    await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    refused = await refused_connection(address, None)
    assert refused.rcvd is not None and refused.rcvd.code == 1013
    async with await opened(address, issue_token(settings, subject="kari", organizations=["org-1042"])):
        pass  # a token's connections are its own, not the address's
    await socket.close()
    await connections_left(app, 0)
