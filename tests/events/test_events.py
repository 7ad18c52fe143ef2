"""The event hub on memory, real Redis and real PostgreSQL NOTIFY: fan-out, bounded queues,
clean-up, and reconnection after the server goes away and comes back."""

from __future__ import annotations

import asyncio
import gc
import logging
import subprocess

import asyncpg
import pytest
import redis

from bufdir_reporting.events import DataUpdated, EventHub, ReportingStatusChanged, SubscriberTooSlow

from .. import services


@pytest.fixture(params=["memory", "redis", "postgres"])
def hub_url(request) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "redis":
        return request.getfixturevalue("redis_url")
    return request.getfixturevalue("postgres_server")


@pytest.fixture
async def hub(hub_url):
    event_hub = EventHub(hub_url, queue_size=8)
    await event_hub.connect()
    yield event_hub
    await event_hub.disconnect()


async def receive(subscription, timeout: float = 5.0):
    async with asyncio.timeout(timeout):
        return await anext(subscription)


def numbered(number: int) -> ReportingStatusChanged:
    """A small event told apart by its number."""
    return ReportingStatusChanged(organization_id="org-1042", period_id=str(number))


def number_of(delivery) -> int:
    return int(delivery.event.period_id)


async def test_every_subscriber_gets_the_same_decoded_event(hub):
    name = DataUpdated.period_channel("org-1042", "2024")
    event = DataUpdated(
        snapshot_id="snap-1",
        organization_id="org-1042",
        period_id="2024",
        changed_sections=("a",),
        changed_field_keys=("a", "æøå"),
    )
    async with hub.subscribe(name) as first, hub.subscribe(name) as second, hub.subscribe("other") as third:
        await hub.publish(name, event, 7)
        one, two = await receive(first), await receive(second)
        assert (one.event, one.event_id) == (event, 7) and one is two  # decoded once, shared
        with pytest.raises(TimeoutError):
            await receive(third, timeout=0.2)


async def test_an_oversized_event_without_a_log_row_is_refused_before_it_is_sent(hub):
    """A logged one goes as a reference to its row (test_event_relay); progress told without an
    id has nothing to refer to."""
    with pytest.raises(ValueError):
        await hub.publish("x", ReportingStatusChanged(organization_id="x" * 9000, period_id="2024"), None)


async def test_a_message_that_is_no_event_is_skipped_and_the_next_one_arrives(hub):
    """Another version's event kind, or anything else published on a channel, must not end the
    one listener every subscriber of the process depends on."""
    async with hub.subscribe("mixed") as subscription:
        for message in ("not json", '{"event": "from_a_newer_version"}', "[]"):
            await hub._backend.publish("mixed", message)
        await hub.publish("mixed", numbered(1), 1)
        assert number_of(await receive(subscription)) == 1


async def test_a_subscriber_that_does_not_read_is_dropped_not_buffered(hub):
    overflowed = []
    async with hub.subscribe("slow", on_overflow=lambda: overflowed.append(True)) as slow, hub.subscribe("slow") as fast:
        for number in range(20):
            await hub.publish("slow", numbered(number), None)
            assert number_of(await receive(fast)) == number
        assert overflowed == [True]
        assert slow._queue.qsize() <= hub.queue_size + 1
        received = []
        with pytest.raises(SubscriberTooSlow):
            async for delivery in slow:
                received.append(number_of(delivery))
        assert received == list(range(8))


async def test_ten_thousand_subscribe_cycles_leave_nothing_behind(hub, hub_url):
    cycles = 10_000 if hub_url == "memory://" else 2_000
    tasks_before = len(asyncio.all_tasks())
    for number in range(cycles):
        async with hub.subscribe(f"c{number % 50}"):
            pass
    assert hub.stats["channels"] == 0 and hub.stats["subscribers"] == 0
    assert len(asyncio.all_tasks()) == tasks_before
    async with hub.subscribe("still-works") as subscription:
        await hub.publish("still-works", numbered(1), None)
        assert number_of(await receive(subscription)) == 1


async def wait_for_reconnect(hub, before: int) -> None:
    async with asyncio.timeout(20):
        while hub.reconnects <= before:
            await asyncio.sleep(0.05)


async def test_events_flow_again_after_redis_restarts(caplog):
    port = services.free_port()
    start = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(start, stdout=subprocess.DEVNULL)
    services._wait_for_port(port)
    hub = EventHub(f"redis://127.0.0.1:{port}", max_backoff=0.2)
    await hub.connect()
    try:
        async with hub.subscribe("survives") as subscription:
            await hub.publish("survives", numbered(1), None)
            assert number_of(await receive(subscription)) == 1
            server.terminate()
            server.wait()
            async with asyncio.timeout(20):  # several reconnects fail meanwhile (each logs it)
                while sum("reconnect failed" in record.getMessage() for record in caplog.records) < 3:
                    await asyncio.sleep(0.02)
            server = subprocess.Popen(start, stdout=subprocess.DEVNULL)
            services._wait_for_port(port)
            await wait_for_reconnect(hub, 0)
            await hub.publish("survives", numbered(2), None)
            assert number_of(await receive(subscription)) == 2
    finally:
        await hub.disconnect()
        server.terminate()
        server.wait()
    gc.collect()  # a task dropped while pending is reported when it is collected
    assert [r.getMessage()[:60] for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_events_flow_again_after_the_postgres_listen_connection_drops(postgres_server):
    hub = EventHub(postgres_server, max_backoff=0.2)
    await hub.connect()
    try:
        async with hub.subscribe("survives") as subscription:
            admin = await asyncpg.connect(postgres_server.replace("postgres://", "postgresql://", 1))
            try:
                # this session's database only: other workers LISTEN on the same server
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid() AND datname = current_database()"
                )
            finally:
                await admin.close()
            await wait_for_reconnect(hub, 0)
            await hub.publish("survives", numbered(2), None)
            assert number_of(await receive(subscription)) == 2
    finally:
        await hub.disconnect()


async def test_subscribers_cancelled_while_subscribing_leave_nothing_behind(hub, hub_url):
    """A websocket closed while the backend's SUBSCRIBE is in flight cancels its subscriber
    mid-await; redis-py can swallow that cancellation, which left the subscriber waiting on a
    quiet channel for ever, registered with its channel and task."""
    cycles = 1_500 if hub_url == "memory://" else 600
    tasks_before = len(asyncio.all_tasks())

    async def follow(channel: str) -> None:
        async with hub.subscribe(channel) as subscription:
            await anext(subscription)

    for number in range(cycles):
        task = asyncio.create_task(follow(f"quiet-{number % 7}"))
        for _ in range(number % 4):  # cancel at different points of subscribing
            await asyncio.sleep(0)
        task.cancel()
        async with asyncio.timeout(5):
            await asyncio.gather(task, return_exceptions=True)
    async with asyncio.timeout(5):
        while hub.stats["subscribers"] or len(asyncio.all_tasks()) > tasks_before:
            await asyncio.sleep(0.01)
    assert hub.stats == {**hub.stats, "channels": 0, "subscribers": 0}


async def test_a_failed_redis_connect_leaves_no_task_behind():
    """Each failed reconnect made a backend whose listener task stayed pending for ever, and was
    logged as "Task was destroyed but it is pending" at ERROR when collected."""
    from bufdir_reporting.pubsub_backends import ResilientRedisBackend

    before = set(asyncio.all_tasks())
    for _ in range(3):
        backend = ResilientRedisBackend(f"redis://127.0.0.1:{services.free_port()}")
        with pytest.raises(redis.exceptions.ConnectionError):
            await backend.connect()
    await asyncio.sleep(0)
    assert {t for t in asyncio.all_tasks() - before if not t.done()} == set()


async def test_an_event_log_that_hangs_costs_one_event_not_the_listener(hub):
    """The one listener reads an event sent by reference from the event log; a database that does
    not answer used to hold every later event of every subscriber of the process."""
    hung = asyncio.Event()

    async def read_logged(event_id: int) -> dict[str, object] | None:
        hung.set()
        await asyncio.Event().wait()  # never answers
        return None

    hub.read_logged = read_logged
    hub.database_read_seconds = 0.2
    async with hub.subscribe("by-reference") as subscription:
        await hub._backend.publish("by-reference", '{"logged_event_id": 41}')
        await hub.publish("by-reference", numbered(2), 2)
        assert number_of(await receive(subscription, timeout=3.0)) == 2
        assert hung.is_set()
