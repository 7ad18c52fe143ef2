"""Reading the event log back: resuming after an event id."""

from __future__ import annotations

import pytest

from bufdir_reporting.events import Delivery
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
    live = [{"event_id": ids[0]}, {"event_id": ids[-1]}, {"event_id": ids[-1] + 1}, {"event": "unlogged"}]
    new = [d for d in live if resumption.is_new(Delivery(CHANNEL, d))]
    assert new == [{"event_id": ids[-1] + 1}, {"event": "unlogged"}]


@pytest.mark.parametrize(
    ("text", "expected"), [("12", 12), (None, None), ("", None), ("-3", None), ("1e3", None), ("9" * 20, None), ("²", None)]
)
def test_an_event_id_a_client_sends_back_is_a_bigint_or_nothing(text, expected):
    assert event_log.event_id_or_none(text) == expected
