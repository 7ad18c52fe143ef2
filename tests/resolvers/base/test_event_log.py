"""Reading the event log back: resuming after an event id, and relaying to a hub's subscribers
what pub/sub did not bring them (the hub here is a real one that was never told)."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest

from bufdir_reporting.events import Delivery, EventHub, ValueNoted
from bufdir_reporting.models import EventLog, ValueNoteKind
from bufdir_reporting.resolvers.base import event_log, notify
from bufdir_reporting.resolvers.base.context import Context

CHANNEL = ValueNoted.channel("org-1042")


def note(number: int, organization_id: str = "org-1042") -> ValueNoted:
    return ValueNoted(
        note_id=number,
        organization_id=organization_id,
        period_id="2024",
        field_key="k",
        kind=ValueNoteKind.COMMENT,
        text=str(number),
        author="x",
        parent_id=None,
    )


async def logged(settings, count: int, organization_id: str = "org-1042") -> list[int]:
    """Notes written to the log and never published (as by a replica that died meanwhile); the
    ids of their rows on the organisation's channel."""
    unpublished = Context(settings=settings)
    for number in range(count):
        await notify.publish(unpublished, note(number, organization_id))
    records = await EventLog.filter(channel=ValueNoted.channel(organization_id)).order_by("id")
    return [record.id for record in records][-count:]


async def test_a_resumption_replays_every_page_after_the_id_then_only_new_live_events(app, settings):
    ids = await logged(settings, 450)
    resumption = event_log.Resumption(CHANNEL, ids[0])
    replayed = [delivery.event_id async for delivery in resumption.missed()]
    assert replayed == ids[1:]  # three pages, in order
    texts = [cast(ValueNoted, d.event).text async for d in event_log.Resumption(CHANNEL, ids[0]).missed(limit=100)]
    assert texts == [str(n) for n in range(1, 101)]
    live = [ids[0], ids[-1], ids[-1] + 1, None]
    assert [i for i in live if resumption.is_new(Delivery(CHANNEL, note(0), i))] == [ids[-1] + 1, None]


async def test_a_logged_row_this_version_cannot_read_is_skipped(app, settings):
    """A row a newer replica wrote (an event kind this one does not know) during a rolling
    upgrade: replaying passes over it instead of breaking the stream."""
    first = (await logged(settings, 1))[0]
    await EventLog.create(channel=CHANNEL, payload={"event": "from_a_newer_version"})
    last = (await logged(settings, 1))[0]
    assert [d.event_id async for d in event_log.Resumption(CHANNEL, first - 1).missed()] == [first, last]


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
            missed = await logged(settings, 3) + await logged(settings, 1, organization_id="org-2077")
            assert await event_log.relay_missed(hub, cursor, grace=0) == 3
            got = [subscription._queue.get_nowait() for _ in range(3)]
            assert [d.event_id for d in got] == missed[:3] and [d.event.text for d in got] == ["0", "1", "2"]
            assert subscription._queue.empty()  # nothing from before it subscribed

            assert await event_log.relay_missed(hub, cursor, grace=0) == 0  # relayed once

            delivered = await logged(settings, 1)  # published as well: pub/sub brings it first
            await hub.publish(CHANNEL, note(0), delivered[0])
            async with asyncio.timeout(5):
                assert (await anext(subscription)).event_id == delivered[0]
            assert await event_log.relay_missed(hub, cursor, grace=0) == 0

            late = await logged(settings, 1)
            assert await event_log.relay_missed(hub, cursor, grace=60) == 0  # pub/sub has a while to bring it
            await hub.publish(CHANNEL, note(0), missed[0])  # a late duplicate
            await hub.publish(CHANNEL, note(0), late[0])
            async with asyncio.timeout(5):
                assert (await anext(subscription)).event_id == late[0]
            assert subscription._queue.empty()
        assert before[-1] < missed[0]
        assert await event_log.relay_missed(hub, cursor, grace=0) == 0 and cursor.scanned_through is None
    finally:
        await hub.disconnect()
