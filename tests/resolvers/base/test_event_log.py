"""Reading the event log back: resuming after an event id, and relaying to a hub's subscribers
what pub/sub did not bring them (the hub here is a real one that was never told)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bufdir_reporting.events import Delivery, EventHub
from bufdir_reporting.models import EventLog
from bufdir_reporting.resolvers.base import event_log, notify
from bufdir_reporting.resolvers.base.context import Context

CHANNEL = "value_noted:org-1042"


async def logged(settings, count: int, channel: str = CHANNEL) -> list[int]:
    """Events written to the log and never published (as by a replica that died meanwhile)."""
    unpublished = Context(settings=settings)
    for number in range(count):
        await notify.publish(unpublished, channel, {"event": "value_noted", "n": number})
    records = await EventLog.filter(channel=channel).order_by("id")
    return [record.id for record in records][-count:]


async def test_a_resumption_replays_every_page_after_the_id_then_only_new_live_events(app, settings):
    ids = await logged(settings, 450)
    resumption = event_log.Resumption(CHANNEL, ids[0])
    replayed = [delivery.payload["event_id"] async for delivery in resumption.missed()]
    assert replayed == ids[1:]  # three pages, in order
    assert [d.payload["n"] async for d in event_log.Resumption(CHANNEL, ids[0]).missed(limit=100)] == list(range(1, 101))
    live: list[dict[str, Any]] = [{"event_id": ids[0]}, {"event_id": ids[-1]}, {"event_id": ids[-1] + 1}, {"event": "unlogged"}]
    new = [d for d in live if resumption.is_new(Delivery(CHANNEL, d))]
    assert new == [{"event_id": ids[-1] + 1}, {"event": "unlogged"}]


@pytest.mark.parametrize(
    ("text", "expected"), [("12", 12), (None, None), ("", None), ("-3", None), ("1e3", None), ("9" * 20, None), ("²", None)]
)
def test_an_event_id_a_client_sends_back_is_a_bigint_or_nothing(text, expected):
    assert event_log.event_id_or_none(text) == expected


async def test_the_relay_hands_subscribers_what_they_missed_once_and_nothing_from_before(app, settings):
    hub = EventHub("memory://", relayed=True)
    await hub.connect()
    cursor = event_log.RelayCursor()
    try:
        before = await logged(settings, 2)
        await asyncio.sleep(0.01)
        async with hub.subscribe(CHANNEL) as subscription, hub.subscribe("elsewhere"):
            missed = await logged(settings, 3) + await logged(settings, 1, channel="not-followed")
            assert await event_log.relay_missed(hub, cursor, grace=0) == 3
            got = [subscription._queue.get_nowait().payload for _ in range(3)]
            assert [p["event_id"] for p in got] == missed[:3] and [p["n"] for p in got] == [0, 1, 2]
            assert subscription._queue.empty()  # nothing from before it subscribed

            assert await event_log.relay_missed(hub, cursor, grace=0) == 0  # relayed once

            delivered = await logged(settings, 1)  # published as well: pub/sub brings it first
            await hub.publish(CHANNEL, {"event": "value_noted", "n": 0, "event_id": delivered[0]})
            async with asyncio.timeout(5):
                assert (await anext(subscription)).payload["event_id"] == delivered[0]
            assert await event_log.relay_missed(hub, cursor, grace=0) == 0

            late = await logged(settings, 1)
            assert await event_log.relay_missed(hub, cursor, grace=60) == 0  # pub/sub has a while to bring it
            await hub.publish(CHANNEL, {"event": "value_noted", "n": 0, "event_id": missed[0]})  # a late duplicate
            await hub.publish(CHANNEL, {"event": "value_noted", "n": 0, "event_id": late[0]})
            async with asyncio.timeout(5):
                assert (await anext(subscription)).payload["event_id"] == late[0]
            assert subscription._queue.empty()
        assert before[-1] < missed[0]
        assert await event_log.relay_missed(hub, cursor, grace=0) == 0 and cursor.scanned_through is None
    finally:
        await hub.disconnect()
