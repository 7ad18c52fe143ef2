"""The SSE watch stream, read by a plain HTTP client from a real server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from bufdir_reporting.auth import issue_token

from ..factories import make_reporting_world
from ..live import emptied, live_server, wait_for_subscribers

BASE = "/api/v1/aggregated-report-data"
PARAMS = {"organization_id": "org-1042", "period_id": "2024"}


@pytest.fixture
async def server(settings):
    fast = settings.model_copy(update={"sse_heartbeat_seconds": 0.3})
    async with live_server(fast) as (address, app):
        await emptied()
        await make_reporting_world()
        yield address, app


@pytest.fixture
def headers(settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, subject='kari', organizations=['org-1042'])}"}


async def sse_events(response: httpx.Response) -> AsyncIterator[dict]:
    event: dict = {}
    async for line in response.aiter_lines():
        if line == "":
            if event:
                yield event
            event = {}
        elif line.startswith(":"):
            event.setdefault("comments", []).append(line[1:].strip())
        else:
            name, _, value = line.partition(":")
            event[name] = value.lstrip()


async def trigger(http: httpx.AsyncClient, headers: dict, app) -> str:
    response = await http.post(BASE, json={**PARAMS, "force_reaggregate": True}, headers=headers)
    await app.state.jobs.wait_idle()
    return response.json()["snapshot_id"]


@pytest.mark.parametrize("base", [BASE, BASE + BASE], ids=["canonical", "printed"])
async def test_watch_streams_data_updated_with_ids_and_heartbeats(server, headers, base):
    address, app = server
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
        async with http.stream("GET", f"{base}/watch", params=PARAMS, headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            stream = sse_events(response)
            async with asyncio.timeout(10):
                assert "retry" in await anext(stream)
                await wait_for_subscribers(app, 1)
                snapshot_id = await trigger(http, headers, app)
                event = await anext(stream)
                while "event" not in event:
                    event = await anext(stream)
                heartbeat = await anext(stream)
        async with asyncio.timeout(5):
            while app.state.events.stats["subscribers"]:
                await asyncio.sleep(0.02)  # the closed stream left nothing subscribed
    assert event["event"] == "data_updated" and int(event["id"]) > 0
    data = json.loads(event["data"])
    assert data["snapshot_id"] == snapshot_id and data["organization_id"] == "org-1042" and data["period_id"] == "2024"
    assert set(data) >= {"changed_sections", "changed_field_keys", "updated_at"}
    assert heartbeat.get("comments") == ["heartbeat"]


async def test_a_reconnect_with_last_event_id_replays_what_was_missed(server, headers):
    address, app = server
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
        await trigger(http, headers, app)
        await trigger(http, headers, app)
        missed_snapshot = await trigger(http, headers, app)
        from bufdir_reporting.models import EventLog

        ids = await EventLog.filter(channel="data_updated:org-1042:2024").order_by("id").values_list("id", flat=True)
        async with http.stream(
            "GET", f"{BASE}/watch", params=PARAMS, headers={**headers, "Last-Event-ID": str(ids[-2])}
        ) as response:
            stream = sse_events(response)
            async with asyncio.timeout(10):
                await anext(stream)
                replayed = await anext(stream)
    assert int(replayed["id"]) == ids[-1]
    assert json.loads(replayed["data"])["snapshot_id"] == missed_snapshot


async def test_watch_checks_the_principal_before_streaming(server, settings):
    address, _ = server
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
        anonymous = await http.get(f"{BASE}/watch", params=PARAMS)
        assert anonymous.status_code == 401
        other = {"Authorization": f"Bearer {issue_token(settings, subject='per', organizations=['org-2077'])}"}
        assert (await http.get(f"{BASE}/watch", params=PARAMS, headers=other)).status_code == 403
        unknown = {"Authorization": f"Bearer {issue_token(settings, subject='a', admin=True)}"}
        assert (await http.get(f"{BASE}/watch", params={**PARAMS, "period_id": "1999"}, headers=unknown)).status_code == 404


@pytest.mark.parametrize(
    "last_event_id", [b"9" * 30, b"-1", b"\xb2\xb3"], ids=["beyond-bigint", "negative", "superscript-digits"]
)
async def test_a_last_event_id_that_is_no_event_id_starts_a_plain_stream(server, headers, last_event_id):
    """Browsers send back whatever id they were given; one that is none is ignored (a number
    past the column's range broke the stream once it was streaming)."""
    address, _ = server
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
        async with http.stream(
            "GET", f"{BASE}/watch", params=PARAMS, headers={**headers, "Last-Event-ID": last_event_id}
        ) as response:
            stream = sse_events(response)
            async with asyncio.timeout(10):
                assert "retry" in await anext(stream)
                assert (await anext(stream)).get("comments") == ["heartbeat"]


DATA_UPDATED_KEYS = [
    "event",
    "snapshot_id",
    "organization_id",
    "period_id",
    "changed_sections",
    "changed_field_keys",
    "changed_field_keys_truncated",
    "updated_at",
    "event_id",
]


def assert_data_updated_as_written_before(event: dict) -> None:
    """The bytes legacy clients have always read: the documented keys in this order, then the
    event id, as ``json.dumps`` writes them (", " and ": ", non-ASCII as is), seconds and Z."""
    data = json.loads(event["data"])
    assert list(data) == DATA_UPDATED_KEYS
    assert event["data"] == json.dumps(data, ensure_ascii=False)
    assert event["event"] == "data_updated" and event["id"] == str(data["event_id"])
    assert len(data["updated_at"]) == len("2026-03-26T09:12:00Z") and data["updated_at"].endswith("Z")


async def test_live_and_replayed_events_are_written_byte_for_byte_as_before(server, headers):
    address, app = server
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
        async with http.stream("GET", f"{BASE}/watch", params=PARAMS, headers=headers) as response:
            stream = sse_events(response)
            async with asyncio.timeout(10):
                await anext(stream)
                await wait_for_subscribers(app, 1)
                await trigger(http, headers, app)
                live = await anext(stream)
                while "event" not in live:
                    live = await anext(stream)
        await trigger(http, headers, app)
        async with http.stream(
            "GET", f"{BASE}/watch", params=PARAMS, headers={**headers, "Last-Event-ID": live["id"]}
        ) as response:
            stream = sse_events(response)
            async with asyncio.timeout(10):
                await anext(stream)
                replayed = await anext(stream)
    assert_data_updated_as_written_before(live)
    assert_data_updated_as_written_before(replayed)


async def test_the_stream_ends_when_its_token_expires(server, settings):
    """As a websocket is closed with 4401: the stream kept sending heartbeats and events after
    the token it was opened with had expired."""
    address, app = server
    token = issue_token(settings, subject="kari", organizations=["org-1042"], ttl=timedelta(seconds=2))
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
        async with http.stream("GET", f"{BASE}/watch", params=PARAMS, headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status_code == 200
            comments = []
            async with asyncio.timeout(15):
                async for event in sse_events(response):
                    comments += event.get("comments", [])
    assert comments[-1] == "the token expired; reconnect with a new token and Last-Event-ID"
    async with asyncio.timeout(5):
        while app.state.events.stats["subscribers"]:
            await asyncio.sleep(0.02)


@pytest.mark.one_database
async def test_the_documented_stream_carries_every_key_the_stream_sends(client):
    """The OpenAPI example of the watch stream is the contract's example event written as the
    stream writes an event: written out by hand, it lacked changed_field_keys_truncated and
    event_id, which every event carries (outside review)."""
    from bufdir_reporting.events import DataUpdated

    from ..contracts import WATCH_EVENT

    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/aggregated-report-data/watch"]["get"]
    example = operation["responses"]["200"]["content"]["text/event-stream"]["example"]
    (data,) = [line.removeprefix("data: ") for line in example.splitlines() if line.startswith("data: ")]
    documented = json.loads(data)
    assert set(documented) == set(DataUpdated.model_fields) | {"event_id"}
    assert {key: documented[key] for key in WATCH_EVENT} == WATCH_EVENT  # the contract's values, as promised
    assert "id: 1842\n" in example and documented["event_id"] == 1842
