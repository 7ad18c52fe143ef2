"""S6 subscription fan-out against a ``serve`` process (one uvicorn worker) on loopback, compared
with a bare websocket broadcast in the same conditions."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import redis.asyncio as redis
import websockets

from bufdir_reporting import events

from ..environment import Env, pid_rss_kib
from ..harness import Row, Timing, checked, judged, served

SUBSCRIPTION = """
subscription Changes($org: ID!, $period: ID!) {
  aggregatedDataChanged(organizationId: $org, periodId: $period) {
    eventId snapshotId changedSections changedFieldKeys updatedAt
    snapshot { snapshotId status aggregatedAt metrics { activityCount participantCount hoursDelivered } }
  }
}
"""


class Subscriber:
    """One websocket client; records when each message arrives (perf_counter of this process)."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.socket: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()

    async def open_graphql(self, address: str, token: str, variables: dict[str, str]) -> None:
        self.socket = await websockets.connect(
            f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"], max_size=None, ping_interval=None
        )
        await self.socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await self.socket.recv())["type"] == "connection_ack"
        await self.socket.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION, "variables": variables}})
        )
        self.reader = asyncio.create_task(self._read())

    async def open_bare(self, address: str) -> None:
        self.socket = await websockets.connect(f"ws://{address}/ws", max_size=None, ping_interval=None)
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            self.arrivals.append((time.perf_counter(), message))
            self.changed.set()

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        await self.socket.close()


async def _wait_for(subscribers: list[Subscriber], count: int, timeout: float = 60) -> None:
    async with asyncio.timeout(timeout):
        while any(len(s.arrivals) < count for s in subscribers):
            await asyncio.sleep(0.005)


async def _fan_out(subscribers: list[Subscriber], publish: Any, events_to_send: int) -> Timing:
    """Publish ``events_to_send`` events one after the other; latency = arrival - publish."""
    latencies = []
    for _ in range(events_to_send):
        seen = len(subscribers[0].arrivals)
        sent = time.perf_counter()
        await publish()
        await _wait_for(subscribers, seen + 1)
        latencies += [s.arrivals[seen][0] - sent for s in subscribers]
    return Timing(latencies)


async def _open(subscribers: list[Subscriber], opener: Any) -> None:
    for start in range(0, len(subscribers), 50):
        await asyncio.gather(*(opener(s) for s in subscribers[start : start + 50]))


async def s6_fan_out(env: Env) -> list[Row]:
    """S6 subscription fan-out to 100 and 1,000 subscribers against a bare websocket broadcast."""
    organization_id, period_id = env.dataset.organization_ids[0], env.dataset.period_ids[-1]
    channel = events.DataUpdated.period_channel(organization_id, period_id)
    snapshot_id = f"snap-bench-{organization_id}-{period_id}"
    token = env.token(organization_id)
    sizes = [100, 1000] if not env.quick else [20, 100]
    events_to_send = 5 if env.quick else 20
    rows: list[Row] = []
    bus = redis.from_url(env.redis_url)
    counter = iter(range(1, 10**9))

    async def publish_event() -> None:
        event = events.DataUpdated(
            snapshot_id=snapshot_id,
            organization_id=organization_id,
            period_id=period_id,
            changed_sections=("s1",),
            changed_field_keys=("k1",),
        )
        await bus.publish(channel, event.message(next(counter)))

    try:
        for size in sizes:
            # every subscriber is the same dashboard's token: the cap per principal is raised to hold them all
            async with served(env, BUFDIR_LIVE_SUBSCRIPTIONS_PER_PRINCIPAL=str(size)) as (address, pid):
                before = pid_rss_kib(pid)
                ours = [Subscriber() for _ in range(size)]
                await _open(ours, lambda s: s.open_graphql(address, token, {"org": organization_id, "period": period_id}))
                await _until_subscribed(address, size)
                await publish_event()
                await _wait_for(ours, 1)
                after = pid_rss_kib(pid)
                statements_before = await env.statements_executed()
                mine = await _fan_out(ours, publish_event, events_to_send)
                statements_after = await env.statements_executed()
                payload = ours[0].arrivals[-1][1]
                await asyncio.gather(*(s.close() for s in ours))
            bare = {"BENCH_REDIS_URL": env.redis_url, "BENCH_CHANNEL": "bench-broadcast"}
            async with served(env, baseline="broadcast", **bare) as (address, _):
                theirs_subscribers = [Subscriber() for _ in range(size)]
                await _open(theirs_subscribers, lambda s: s.open_bare(address))
                await asyncio.sleep(0.5)

                async def publish_bare(message: str = payload) -> None:
                    await bus.publish("bench-broadcast", message)

                await publish_bare()
                await _wait_for(theirs_subscribers, 1)
                theirs = await _fan_out(theirs_subscribers, publish_bare, events_to_send)
                await asyncio.gather(*(s.close() for s in theirs_subscribers))
            rows.append(
                judged(
                    "S6",
                    f"publish-to-receive p95, {size:,} subscribers",
                    ours=mine.p95 * 1e3,
                    baseline=theirs.p95 * 1e3,
                    unit="ms",
                    limit=3,
                    notes=f"p50 {mine.p50 * 1e3:.1f} ms vs {theirs.p50 * 1e3:.1f} ms; {len(payload)} bytes a message",
                    details={"ours": mine.summary(), "baseline": theirs.summary(), "payload_bytes": len(payload)},
                )
            )
            if statements_before is not None and statements_after is not None:
                per_change = (statements_after - statements_before) / events_to_send
                rows.append(
                    checked(
                        "S6",
                        f"SQL per change, {size:,} subscribers",
                        value=per_change,
                        unit="statements",
                        goal="<= 1 per distinct subscription (1 here)",
                        ok=per_change <= 1,
                        notes="pg_stat_statements, the pool's connection resets excluded",
                    )
                )
            rows.append(
                Row(
                    "S6",
                    f"memory per subscriber, {size:,}",
                    (after - before) / size,
                    None,
                    "KiB",
                    "recorded",
                    "info",
                    details={"rss_before_kib": before, "rss_after_kib": after},
                )
            )
    finally:
        await bus.aclose()
    return rows


async def _until_subscribed(address: str, count: int) -> None:
    async with httpx.AsyncClient() as client, asyncio.timeout(60):
        while True:
            text = (await client.get(f"http://{address}/metrics")).text
            line = next((x for x in text.splitlines() if x.startswith("bufdir_active_subscriptions ")), "")
            if line and float(line.split()[1]) >= count:
                return
            await asyncio.sleep(0.1)
