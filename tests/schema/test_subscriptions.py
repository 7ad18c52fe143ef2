"""GraphQL subscriptions over graphql-transport-ws, driven by an independent client (gql)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
import websockets
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from bufdir_reporting.auth import issue_token

from ..factories import make_reporting_world
from ..live import GRAPHQL_TRANSPORT_WS, emptied, live_server, wait_for_subscribers


@pytest.fixture
async def server(settings):
    async with live_server(settings) as (address, app):
        await emptied()
        await make_reporting_world()
        yield address, app


def client(address: str, token: str | None) -> Client:
    init = {"Authorization": f"Bearer {token}"} if token else {}
    transport = WebsocketsTransport(
        url=f"ws://{address}/graphql", init_payload=init, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
    )
    return Client(transport=transport)


DATA_CHANGED = gql("""
subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") {
  eventId snapshotId changedFieldKeys changedSections
  snapshot { status organization { organizationId } metrics { activityCount } }
} }
""")


async def trigger(address: str, token: str) -> dict:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        response = await http.post(
            "/graphql",
            json={
                "query": 'mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024", force: true) { snapshot { snapshotId } } }'
            },
            headers={"Authorization": f"Bearer {token}"},
        )
    return response.json()["data"]["triggerAggregation"]["snapshot"]


async def test_a_subscriber_receives_the_fresh_snapshot_in_the_same_operation(server, settings):
    address, app = server
    token = issue_token(settings, subject="kari", organizations=["org-1042"])
    async with client(address, token) as session:
        events = session.subscribe(DATA_CHANGED)
        first = asyncio.ensure_future(anext(events))
        await wait_for_subscribers(app, 1)
        started = await trigger(address, token)
        async with asyncio.timeout(10):
            event = (await first)["aggregatedDataChanged"]
        await events.aclose()
    assert event["snapshotId"] == started["snapshotId"]
    assert event["snapshot"]["status"] == "CURRENT" and event["snapshot"]["metrics"]["activityCount"] > 0
    assert "antall_undersokelser_igangsatt" in event["changedFieldKeys"] and event["eventId"] > 0
    async with asyncio.timeout(5):
        while app.state.events.stats["subscribers"]:
            await asyncio.sleep(0.02)


async def test_another_organisations_subscription_is_refused_with_an_error(server, settings):
    address, _ = server
    token = issue_token(settings, subject="per", organizations=["org-2077"])
    async with client(address, token) as session:
        with pytest.raises(TransportQueryError) as refused:
            async with asyncio.timeout(10):
                await anext(session.subscribe(DATA_CHANGED))
    assert refused.value.errors[0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.one_database
async def test_each_operation_on_a_connection_has_a_request_id_of_its_own(server, settings):
    """Every refusal on a websocket carried the connection's one request id: a person quoting
    it could not say which operation it was. Each operation's is now the connection's (the
    X-Request-Id it was opened with, else a new one) numbered."""
    address, _ = server
    token = issue_token(settings, subject="per", organizations=["org-2077"])
    socket = await websockets.connect(
        f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS, additional_headers={"X-Request-Id": "dashboard-7"}
    )
    async with socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        ids = []
        for number in ("a", "b"):  # another organisation's topic: each refused FORBIDDEN
            query = 'subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") { eventId } }'
            await socket.send(json.dumps({"id": number, "type": "subscribe", "payload": {"query": query}}))
            async with asyncio.timeout(10):
                message = json.loads(await socket.recv())
                while message["type"] == "complete":
                    message = json.loads(await socket.recv())
            errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            assert errors[0]["extensions"]["code"] == "FORBIDDEN", message
            ids.append(errors[0]["extensions"]["request_id"])
    assert ids == ["dashboard-7.1", "dashboard-7.2"]


async def test_without_a_token_a_subscription_is_unauthenticated(server):
    address, _ = server
    async with client(address, None) as session:
        with pytest.raises(TransportQueryError) as refused:
            async with asyncio.timeout(10):
                await anext(session.subscribe(DATA_CHANGED))
    assert refused.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_bad_token_in_connection_init_closes_the_connection_with_4403(server):
    address, _ = server
    async with websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer not-a-jwt"}}))
        with pytest.raises(websockets.ConnectionClosed):
            async with asyncio.timeout(10):
                await socket.recv()
    assert socket.close_code == 4403


async def test_a_connection_is_closed_with_4401_when_its_token_expires(server, settings):
    address, app = server
    token = issue_token(settings, subject="kari", organizations=["org-1042"], ttl=timedelta(seconds=2))
    async with websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        query = 'subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") { snapshotId } }'
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        await wait_for_subscribers(app, 1)
        with pytest.raises(websockets.ConnectionClosed):
            async with asyncio.timeout(10):
                while True:
                    await socket.recv()
    assert (socket.close_code, socket.close_reason) == (4401, "token expired")
    async with asyncio.timeout(5):  # its subscription ended with it
        while app.state.events.stats["subscribers"]:
            await asyncio.sleep(0.02)


async def test_the_replaced_snapshot_reports_that_it_became_historical(server, settings):
    address, app = server
    token = issue_token(settings, subject="kari", organizations=["org-1042"])
    first = await trigger(address, token)
    await app.state.jobs.wait_idle()
    status = gql(
        'subscription {{ snapshotStatusChanged(snapshotId: "{}") {{ status snapshot {{ snapshotId status }} }} }}'.format(
            first["snapshotId"]
        )
    )
    async with client(address, token) as session:
        events = session.subscribe(status)
        change = asyncio.ensure_future(anext(events))
        await wait_for_subscribers(app, 1)
        await trigger(address, token)
        async with asyncio.timeout(10):
            event = (await change)["snapshotStatusChanged"]
        await events.aclose()
    assert event == {"status": "HISTORICAL", "snapshot": {"snapshotId": first["snapshotId"], "status": "HISTORICAL"}}


async def test_subscribers_of_one_change_share_one_read_of_the_snapshot(server, settings, monkeypatch):
    from bufdir_reporting.resolvers.base import loaders

    address, app = server
    reads: list[list[str]] = []
    original = loaders.SnapshotByIdLoader.batch_load_fn

    async def counting(self, ids):
        reads.append(list(ids))
        return await original(self, ids)

    monkeypatch.setattr(loaders.SnapshotByIdLoader, "batch_load_fn", counting)
    token = issue_token(settings, subject="kari", organizations=["org-1042"])
    clients = [client(address, token) for _ in range(4)]
    sessions = [await c.connect_async() for c in clients]
    try:
        streams = [s.subscribe(DATA_CHANGED) for s in sessions]
        firsts = [asyncio.ensure_future(anext(stream)) for stream in streams]
        await wait_for_subscribers(app, 4)
        reads.clear()
        started = await trigger(address, token)
        async with asyncio.timeout(10):
            received = await asyncio.gather(*firsts)
        for stream in streams:
            await stream.aclose()
    finally:
        for c in clients:
            await c.close_async()
    assert {r["aggregatedDataChanged"]["snapshotId"] for r in received} == {started["snapshotId"]}
    assert len([batch for batch in reads if started["snapshotId"] in batch]) == 1


async def test_subscribers_with_the_same_selection_and_principal_share_one_execution(server, settings, monkeypatch):
    """Five subscribers: four with one token and selection share one execution of it; the
    fifth (another principal: an admin) gets its own, so access is never decided for it by
    someone else's result."""
    import strawberry.schema.schema as strawberry_schema
    from graphql import OperationType

    address, app = server
    executions: list[str] = []
    original = strawberry_schema.StrawberryGraphQLCoreExecutionContext.execute_operation

    def counting(self, serially=None):
        if self.operation.operation == OperationType.SUBSCRIPTION:
            executions.append(self.context_value.principal.subject)
        return original(self, serially)

    monkeypatch.setattr(strawberry_schema.StrawberryGraphQLCoreExecutionContext, "execute_operation", counting)
    kari = issue_token(settings, subject="kari", organizations=["org-1042"])
    admin = issue_token(settings, subject="ola", admin=True)
    clients = [client(address, kari) for _ in range(4)] + [client(address, admin)]
    sessions = [await c.connect_async() for c in clients]
    try:
        streams = [s.subscribe(DATA_CHANGED) for s in sessions]
        firsts = [asyncio.ensure_future(anext(stream)) for stream in streams]
        await wait_for_subscribers(app, 5)
        executions.clear()
        started = await trigger(address, kari)
        async with asyncio.timeout(10):
            received = await asyncio.gather(*firsts)
        for stream in streams:
            await stream.aclose()
    finally:
        for c in clients:
            await c.close_async()
    assert {r["aggregatedDataChanged"]["snapshotId"] for r in received} == {started["snapshotId"]}
    assert len({json.dumps(r, sort_keys=True) for r in received}) == 1
    assert sorted(executions) == ["kari", "ola"], executions


@pytest.fixture
async def strict_server(settings):
    strict = settings.model_copy(update={"graphql_max_subscriptions": 1, "graphql_connection_init_seconds": 0.5})
    async with live_server(strict) as (address, app):
        await emptied()
        await make_reporting_world()
        yield address, app


async def test_a_client_that_never_sends_connection_init_is_closed(strict_server):
    address, _ = strict_server
    async with websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS) as socket:
        with pytest.raises(websockets.ConnectionClosed):
            async with asyncio.timeout(10):
                await socket.recv()
    assert socket.close_code == 4408


async def test_subscriptions_per_connection_are_limited(strict_server, settings):
    address, _ = strict_server
    token = issue_token(settings, subject="kari", organizations=["org-1042"])
    async with websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        query = 'subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") { snapshotId } }'
        for number in (1, 2):
            await socket.send(json.dumps({"id": str(number), "type": "subscribe", "payload": {"query": query}}))
        async with asyncio.timeout(10):
            try:
                reply = json.loads(await socket.recv())
            except websockets.ConnectionClosed:
                reply = None
    refused = reply is None or (reply["type"] == "error" and reply["id"] == "2")
    assert refused, reply


async def test_a_subscription_past_the_connections_limit_is_refused_with_its_code_in_the_language_asked(strict_server, settings):
    """Strawberry refused it "Subscription limit reached", in English and without a code, where
    the token's cap says TOO_MANY_SUBSCRIPTIONS in the language asked (outsider6)."""
    address, _ = strict_server
    token = issue_token(settings, subject="kari", organizations=["org-1042"])
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "nn"}
    async with websockets.connect(
        f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS, additional_headers=headers
    ) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        query = 'subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") { snapshotId } }'
        for number in (1, 2):
            await socket.send(json.dumps({"id": str(number), "type": "subscribe", "payload": {"query": query}}))
        async with asyncio.timeout(10):
            reply = json.loads(await socket.recv())
    assert reply["type"] == "error" and reply["id"] == "2", reply
    [error] = reply["payload"]
    assert error["message"] == (
        "dette websocket-sambandet køyrer alt 1 operasjonar; avslutt ein av dei, eller opne eit nytt samband"
    )
    assert error["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
    assert error["extensions"]["limit"] == 1
    assert error["extensions"]["per"] == "connection"


async def test_shutdown_closes_websockets_with_going_away(settings):
    async with live_server(settings) as (address, app):
        async with websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            assert len(app.state.websockets) == 1
            app.state.server.should_exit = True
            with pytest.raises(websockets.ConnectionClosed):
                async with asyncio.timeout(10):
                    await socket.recv()
        assert socket.close_code == 1001


def test_a_shared_result_is_encoded_as_strawberry_encodes_it():
    """The router encodes a subscription result shared by many subscribers once; the text each
    subscriber gets is byte for byte what Strawberry's own encoding gives, and anything else
    (errors, other message types, another result) is encoded as usual."""
    from strawberry.fastapi import GraphQLRouter

    from bufdir_reporting.graphql_http import BufdirGraphQLRouter
    from bufdir_reporting.graphql_requests import PersistedQueries
    from bufdir_reporting.schema import schema

    ours = BufdirGraphQLRouter(schema, persisted_queries=PersistedQueries())
    plain = GraphQLRouter(schema)
    shared = {"aggregatedDataChanged": {"snapshotId": "snap-1", "label": 'Tromsø "nord"', "values": [1, 2.5, None]}}
    other = {"aggregatedDataChanged": {"snapshotId": "snap-2"}}
    messages = [
        {"id": "1", "type": "next", "payload": {"data": shared}},
        {"id": "2", "type": "next", "payload": {"data": shared}},
        {"id": "3", "type": "next", "payload": {"data": other}},
        {"id": "4", "type": "next", "payload": {"data": shared, "errors": [{"message": "no"}]}},
        {"id": "5", "type": "complete"},
        {"type": "connection_ack"},
    ]
    for message in messages:
        assert ours.encode_json(message) == plain.encode_json(message)
