from __future__ import annotations

import asyncio

import pytest

from bufdir_reporting.events import EventBus, channel


@pytest.fixture(params=["memory", "redis"])
async def bus(request):
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    event_bus = EventBus(url)
    await event_bus.connect()
    yield event_bus
    await event_bus.disconnect()


async def test_a_published_payload_arrives_as_the_same_json(bus):
    name = channel("data_updated", "org-1042", "2024")
    payload = {"event": "data_updated", "organization_id": "org-1042", "changed_field_keys": ["a"]}
    async with bus.subscribe(name) as events:
        await asyncio.sleep(0.05)  # the subscription must be registered before publishing
        await bus.publish(name, payload)
        async with asyncio.timeout(5):
            received = await anext(events)
    assert received == payload


async def test_an_oversized_payload_is_refused_before_it_is_sent(bus):
    with pytest.raises(ValueError):
        await bus.publish("x", {"blob": "x" * 9000})
