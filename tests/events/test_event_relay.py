"""Events are not lost when pub/sub blinks: the event log is the truth, and every replica relays
from it what its subscribers missed. Met with real servers: Redis stopped while events are
raised over HTTP, an event a replica committed and never published (it died in between), two
replica processes, and a client that resumes after a disconnect."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import websockets

from bufdir_reporting import events
from bufdir_reporting.auth import issue_token
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.base import event_log, notify
from bufdir_reporting.resolvers.base.context import Context

from .. import services
from ..conftest import _unavailable
from ..factories import context_for, make_reporting_world
from ..live import GRAPHQL_TRANSPORT_WS, emptied, live_server, wait_for_subscribers

NOTES = 'subscription ($after: ID) { valueNoteAdded(organizationId: "org-1042", afterEventId: $after) { eventId text } }'
EXPLAIN = 'mutation ($s: ID!, $t: String!) { explainValue(snapshotId: $s, fieldKey: "antall_undersokelser_igangsatt", text: $t) { id } }'


@pytest.fixture
def stoppable_redis():
    try:
        with services.redis_process() as server:
            yield server
    except services.ServiceUnavailable as exc:
        _unavailable(str(exc))


@asynccontextmanager
async def subscribed(address: str, token: str, after: int | str | None = None) -> AsyncIterator[Any]:
    async with websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        payload = {"query": NOTES, "variables": {"after": after}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        yield socket


async def received(socket: Any, count: int, timeout: float = 15) -> list[dict]:
    notes: list[dict] = []
    async with asyncio.timeout(timeout):
        while len(notes) < count:
            message = json.loads(await socket.recv())
            assert message["type"] == "next", message
            notes.append(message["payload"]["data"]["valueNoteAdded"])
    return notes


MARKER: dict[str, Any] = {"note_id": 1, "organization_id": "org-1042", "period_id": "2024", "field_key": "k", "kind": "comment"}


async def nothing_more(socket: Any, app: Any, settings: Any) -> None:
    """Nothing reached the subscriber but what the test took: a note published now (live, after
    everything before it on the channel) is the next message. The tests waited 0.5-1 s for
    silence instead; what the relay could still hand out is waited for first (``RelayPasses``)."""
    ctx = Context(settings=settings, events=app.state.events)
    await notify.publish(ctx, events.ValueNoted(**MARKER, text="marker", author="x", parent_id=None))
    async with asyncio.timeout(15):
        message = json.loads(await socket.recv())
    assert message["type"] == "next" and message["payload"]["data"]["valueNoteAdded"]["text"] == "marker", message


class RelayPasses:
    """Counts the relay's passes over the event log (``event_log.relay_missed``, which the
    background calls by its module's name)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.done = 0
        relay = event_log.relay_missed

        async def counted(*args: Any, **kwargs: Any) -> int:
            try:
                return await relay(*args, **kwargs)
            finally:
                self.done += 1

        monkeypatch.setattr(event_log, "relay_missed", counted)

    async def two_more(self) -> None:
        """Two more passes: the second starts a relay interval after the first ends, so it reads
        every event written before now as settled (past its grace) and hands out what is owed."""
        target = self.done + 2
        async with asyncio.timeout(20):
            while self.done < target:
                await asyncio.sleep(0.01)


async def explain(http: httpx.AsyncClient, snapshot_id: str, text: str) -> None:
    response = await http.post("/graphql", json={"query": EXPLAIN, "variables": {"s": snapshot_id, "t": text}})
    assert "errors" not in response.json(), response.text


@asynccontextmanager
async def reporting_server(settings: Any) -> AsyncIterator[tuple[str, Any, str, str]]:
    """A served app with org-1042's 2024 snapshot, and kari's token (she works for org-1042)."""
    async with live_server(settings) as (address, app):
        await emptied()
        await make_reporting_world()
        ctx = context_for(settings, app, "org-1042", subject="kari")
        snapshot = (await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024", wait=True)).snapshot
        yield address, app, snapshot.id, issue_token(settings, subject="kari", organizations=["org-1042"])


async def test_events_raised_while_redis_is_down_reach_the_subscriber_in_order(settings, stoppable_redis, monkeypatch):
    passes = RelayPasses(monkeypatch)
    relayed = settings.model_copy(update={"broadcast_url": stoppable_redis.url, "event_relay_seconds": 0.2})
    async with reporting_server(relayed) as (address, app, snapshot_id, token):
        headers = {"Authorization": f"Bearer {token}"}
        async with subscribed(address, token) as socket, httpx.AsyncClient(base_url=f"http://{address}", headers=headers) as http:
            await wait_for_subscribers(app, 1)
            await explain(http, snapshot_id, "before")
            notes = await received(socket, 1)
            stoppable_redis.stop()
            for number in range(10):
                await explain(http, snapshot_id, f"during {number}")  # the writes succeed; publishing fails
            notes += await received(socket, 10)
            stoppable_redis.start()
            async with asyncio.timeout(20):
                while app.state.events.reconnects < 1:
                    await asyncio.sleep(0.05)
            await explain(http, snapshot_id, "after")
            notes += await received(socket, 1)
            await passes.two_more()
            await nothing_more(socket, app, relayed)
            metrics = (await http.get("/metrics")).text
    assert [n["text"] for n in notes] == ["before", *(f"during {n}" for n in range(10)), "after"]
    ids = [n["eventId"] for n in notes]
    assert ids == sorted(set(ids))  # in order, no duplicates
    relayed = next(line for line in metrics.splitlines() if line.startswith("bufdir_events_relayed_total"))
    assert float(relayed.split()[1]) >= 10


async def test_after_a_redis_blink_the_subscriber_gets_the_lost_events_before_the_next_live_one(settings, stoppable_redis):
    """The relay's timer is far away (30 s): what the subscriber gets after Redis is back comes
    from the hub catching up from the log on reconnect. Before, the events raised during the
    blink came after the live ones that followed it, relayed up to a relay interval later, and
    a client resuming after the greatest id it had seen lost them."""
    slow_relay = settings.model_copy(update={"broadcast_url": stoppable_redis.url, "event_relay_seconds": 30})
    async with reporting_server(slow_relay) as (address, app, snapshot_id, token):
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=f"http://{address}", headers=headers) as http:
            async with subscribed(address, token) as socket:
                await wait_for_subscribers(app, 1)
                await explain(http, snapshot_id, "before")
                notes = await received(socket, 1)
                stoppable_redis.stop()
                for number in range(3):
                    await explain(http, snapshot_id, f"during {number}")
                stoppable_redis.start()
                async with asyncio.timeout(20):
                    while app.state.events.reconnects < 1:
                        await asyncio.sleep(0.05)
                await explain(http, snapshot_id, "after")
                notes += await received(socket, 4, timeout=10)
            await explain(http, snapshot_id, "while away")
            async with subscribed(address, token, after=notes[-1]["eventId"]) as socket:
                resumed = await received(socket, 1)
                await nothing_more(socket, app, slow_relay)
    assert [n["text"] for n in notes] == ["before", "during 0", "during 1", "during 2", "after"]
    ids = [n["eventId"] for n in notes]
    assert ids == sorted(set(ids))
    assert [n["text"] for n in resumed] == ["while away"]


async def test_an_event_committed_but_never_published_reaches_the_subscriber(settings, redis_url, monkeypatch):
    """A replica that dies between writing an event to the log and publishing it leaves exactly
    this: the event in the log, and nothing on pub/sub. Another replica relays it."""
    passes = RelayPasses(monkeypatch)
    relayed = settings.model_copy(update={"broadcast_url": redis_url, "event_relay_seconds": 0.2})
    async with reporting_server(relayed) as (address, app, _, token):
        async with subscribed(address, token) as socket:
            await wait_for_subscribers(app, 1)
            unpublished = Context(settings=relayed)  # no event hub: written to the log, never published
            note: dict[str, Any] = {
                "note_id": 1,
                "organization_id": "org-1042",
                "period_id": "2024",
                "field_key": "k",
                "kind": "comment",
            }
            await notify.publish(unpublished, events.ValueNoted(**note, text="orphaned", author="x", parent_id=None))
            assert [n["text"] for n in await received(socket, 1)] == ["orphaned"]
            await passes.two_more()
            await nothing_more(socket, app, relayed)


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
                await nothing_more(socket, app, settings)
    assert [n["text"] for n in notes] == ["missed 1", "missed 2", "missed 3", "live"]
    assert all(n["eventId"] > seen["eventId"] for n in notes)


@pytest.mark.one_database
@pytest.mark.parametrize("after", ["next", "-1", "9" * 30])
async def test_an_after_event_id_that_is_no_event_id_is_refused(settings, after):
    async with live_server(settings) as (address, _):
        await emptied()
        await make_reporting_world()
        token = issue_token(settings, subject="kari", organizations=["org-1042"])
        async with subscribed(address, token, after=after) as socket:
            async with asyncio.timeout(10):
                message = json.loads(await socket.recv())
    assert message["type"] in ("next", "error"), message
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in errors] == [("BAD_USER_INPUT", "afterEventId")]


@pytest.mark.parametrize("backend", ["memory", "redis", "postgres"])
async def test_an_event_above_notifys_limit_reaches_the_subscriber_on_every_backend(settings, request, backend):
    """It was refused before publishing (8,000 bytes, PostgreSQL NOTIFY's limit, applied on
    every backend), so on memory:// no subscriber ever got it; now it travels as a reference to
    its event-log row, read back by the listening replica."""
    if backend == "postgres" and settings.database_dialect != "postgres":
        pytest.skip("LISTEN/NOTIFY needs the PostgreSQL database")
    url = {"memory": "memory://", "redis": None, "postgres": settings.database_url}[backend]
    if url is None:
        url = request.getfixturevalue("redis_url")
    served = settings.model_copy(update={"broadcast_url": url})
    async with reporting_server(served) as (address, app, _, token):
        async with subscribed(address, token) as socket:
            await wait_for_subscribers(app, 1)
            ctx = Context(settings=served, events=app.state.events)
            long = "ø" * 9_000  # 18,000 bytes in UTF-8
            note = events.ValueNoted.model_validate(
                {"note_id": 1, "organization_id": "org-1042", "period_id": "2024", "field_key": "k", "kind": "comment"}
                | {"text": long, "author": "x", "parent_id": None}
            )
            await notify.publish(ctx, note)
            (received_note,) = await received(socket, 1)
            await nothing_more(socket, app, served)
    assert received_note["text"] == long and int(received_note["eventId"]) > 0
