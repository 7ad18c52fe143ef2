"""A document of several operations runs the one the request names, or none (GraphQL spec 6.1,
GetOperation): Strawberry ran the first (attacker's review, 2026-12-05)."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from bufdir_reporting.auth import issue_token

from ..live import GRAPHQL_TRANSPORT_WS, live_server

TWO = "query Mine { periods { totalCount } } query Other { __typename }"


async def test_two_operations_without_a_name_run_neither(app, client, tokens):
    headers = tokens.admin()
    unnamed = await client.post("/graphql", json={"query": TWO}, headers=headers)
    assert unnamed.status_code == 400, unnamed.text
    assert unnamed.json()["errors"][0]["message"] == "Must provide operation name if query contains multiple operations."
    assert unnamed.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "data" not in unnamed.json()
    by_get = await client.get("/graphql", params={"query": TWO}, headers={**headers, "Accept": "application/json"})
    assert by_get.status_code == 400 and "data" not in by_get.json()
    nynorsk = await client.post("/graphql", json={"query": TWO}, headers={**headers, "Accept-Language": "nn"})
    assert (
        nynorsk.json()["errors"][0]["message"]
        == "Dokumentet har fleire operasjonar: oppgi kva for ein som skal køyrast i operationName."
    )
    named = await client.post("/graphql", json={"query": TWO, "operationName": "Other"}, headers=headers)
    assert named.json() == {"data": {"__typename": "Query"}}


async def test_an_anonymous_operation_beside_others_keeps_its_validation_error(app, client):
    answer = (await client.post("/graphql", json={"query": "{ __typename } query B { __typename }"})).json()
    assert answer["errors"][0]["message"] == "This anonymous operation must be the only defined operation."


async def test_a_subscription_of_two_operations_without_a_name_is_refused(settings):
    token = issue_token(settings, subject="kari", organizations=["org-1042"])
    query = (
        'subscription A { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") { snapshotId } } '
        'subscription B { aggregatedDataChanged(organizationId: "org-1042", periodId: "2025") { snapshotId } }'
    )
    async with live_server(settings) as (address, _):
        async with websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
            with pytest.raises(websockets.ConnectionClosed):
                async with asyncio.timeout(10):
                    await socket.recv()  # no event of either subscription: the socket is closed
    # graphql-transport-ws closes a subscribe it cannot run with 4400 and the reason (Strawberry's
    # answer to an operation name the document lacks, too)
    assert socket.close_code == 4400
    assert socket.close_reason == "Must provide operation name if query contains multiple operations."
