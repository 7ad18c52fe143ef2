"""S6 subscription fan-out and S7 dashboard throughput, both against a ``serve`` process (one
uvicorn worker) on loopback, each compared with a bare server in the same conditions."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as redis
import websockets

from bufdir_reporting import events

from .. import load
from ..environment import Env, pid_rss_kib
from ..harness import Row, Timing, checked, judged, served
from .importing import file_for_one_organization as importing_file

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
            async with served(env) as (address, pid):
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


DASHBOARD = """
query Dashboard($org: ID!, $period: ID!) {
  organization(id: $org) {
    organizationId name
    snapshots(periodId: $period, first: 1) { edges { node {
      snapshotId status aggregatedAt cacheValid missingRequiredFields
      metrics { activityCount participantCount uniqueParticipants hoursDelivered
                categories { category activities participants hours } }
      sections { section { id title } fieldValues { fieldKey label value priorValue change } }
    } } }
  }
}
"""


WRITE = """mutation ($org: ID!, $id: String!) { recordActivity(input: {organizationId: $org, sourceSystem: "bench",
  externalId: $id, activityType: "care_order", category: UNGDOM, status: "completed", occurredAt: "2019-06-01T10:00:00Z"})
  { activityId } }"""


def _scraped(metrics: str, name: str) -> float:
    return next(float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(f"{name} "))


async def s7_dashboard_throughput(env: Env) -> list[Row]:
    """S7 requests per second of a dashboard query, one uvicorn worker, against prepared JSON:
    computed each time (the response cache off), and repeated through the cache; and what a read
    right after a write costs (a miss) against one computed with the cache off."""
    organization_id, period_id = env.dataset.organization_ids[0], env.dataset.period_ids[-1]
    token = env.token(organization_id)
    auth = {"Authorization": f"Bearer {token}"}
    body = json.dumps({"query": DASHBOARD, "variables": {"org": organization_id, "period": period_id}}).encode()
    seconds, connections = (3, 8) if env.quick else (10, 8)
    pairs = 20 if env.quick else 100
    async with served(env, BUFDIR_RESPONSE_CACHE_MB="0") as (address, _):
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"http://{address}/graphql", content=body, headers={**auth, "Content-Type": "application/json"}
            )
            document = response.json()
            assert "errors" not in document and document["data"]["organization"]["snapshots"]["edges"], document
            computed = Timing([await _timed_read(client, address, body, auth) for _ in range(pairs)])
        request = load.request_bytes(address, "/graphql", body, auth)
        mine = await load.run(address, request, connections=connections, seconds=seconds)
    async with served(env) as (address, pid):
        request = load.request_bytes(address, "/graphql", body, auth)
        cached = await load.run(address, request, connections=connections, seconds=seconds)
        async with httpx.AsyncClient() as client:
            metrics = (await client.get(f"http://{address}/metrics")).text
            hits = _scraped(metrics, "bufdir_response_cache_hits_total")
            misses = _scraped(metrics, "bufdir_response_cache_misses_total")
            held = _scraped(metrics, "bufdir_response_cache_bytes")
            rss_kib = pid_rss_kib(pid)
            after_write = []
            for n in range(pairs):
                variables = {"org": organization_id, "id": f"s7-{time.time_ns()}-{n}"}
                write = {"query": WRITE, "variables": variables}
                wrote = await client.post(f"http://{address}/graphql", json=write, headers=auth)
                assert "errors" not in wrote.json(), wrote.text
                after_write.append(await _timed_read(client, address, body, auth))
        under_import = await _through_the_cache_under_an_import(
            env, address, body, auth, seconds=seconds, connections=connections
        )
    prepared = Path(tempfile.mkdtemp(prefix="bench-s7-")) / "dashboard.json"
    prepared.write_bytes(response.content)
    async with served(env, baseline="prepared_json", BENCH_PREPARED_JSON=str(prepared)) as (address, _):
        request = load.request_bytes(address, "/graphql", body, auth)
        theirs = await load.run(address, request, connections=connections, seconds=seconds)
    assert mine.failures == 0 and theirs.failures == 0 and cached.failures == 0, (mine.failures, theirs.failures, cached.failures)
    missed = Timing(after_write)
    note = (
        f"{connections} keep-alive connections, {seconds}s; p50 {mine.latency.p50 * 1e3:.1f} ms, "
        f"p99 {mine.latency.p99 * 1e3:.1f} ms (bare: {theirs.latency.p50 * 1e3:.2f} / {theirs.latency.p99 * 1e3:.2f} ms); "
        f"{len(response.content):,} bytes; response cache off"
    )
    cached_note = (
        f"the same, response cache on: p50 {cached.latency.p50 * 1e3:.2f} ms, p99 {cached.latency.p99 * 1e3:.2f} ms; "
        f"hit ratio {hits / max(hits + misses, 1):.4f} ({hits:,.0f} hits, {misses:,.0f} misses); "
        f"cache holds {held / 1024:,.0f} KiB, process RSS {rss_kib / 1024:,.0f} MiB"
    )
    miss_note = (
        f"{pairs} times: a write (recordActivity), then the dashboard read; p50 {missed.p50 * 1e3:.1f} ms against "
        f"{computed.p50 * 1e3:.1f} ms computed with the cache off (one client, sequential)"
    )
    return [
        *under_import,
        judged(
            "S7",
            "dashboard req/s, one worker",
            ours=mine.per_second,
            baseline=theirs.per_second,
            unit="req/s",
            limit=None,
            higher_is_better=True,
            notes=note,
            details={
                "ours": mine.latency.summary(),
                "baseline": theirs.latency.summary(),
                "ours_rps": mine.per_second,
                "baseline_rps": theirs.per_second,
                "python": sys.version,
            },
        ),
        judged(
            "S7",
            "dashboard req/s, repeated read through the response cache",
            ours=cached.per_second,
            baseline=theirs.per_second,
            unit="req/s",
            limit=2.0,
            higher_is_better=True,
            notes=cached_note,
            details={"ours": cached.latency.summary(), "hits": hits, "misses": misses, "bytes": held, "rss_kib": rss_kib},
        ),
        judged(
            "S7",
            "dashboard read after a write (a cache miss) vs computed",
            ours=missed.p50,
            baseline=computed.p50,
            unit="s",
            limit=None,
            notes=miss_note,
            details={"ours": missed.summary(), "baseline": computed.summary()},
        ),
    ]


async def _through_the_cache_under_an_import(
    env: Env, address: str, body: bytes, auth: dict[str, str], *, seconds: float, connections: int
) -> list[Row]:
    """The dashboard of one organisation repeated through the cache while the CLI imports
    activities of another, again and again: the hit ratio and req/s of the dashboard (kept under
    its organisation's version) against the same read made to depend on everything (a
    ``viewer`` beside it: any write empties it, as every read did before #37 item 4)."""
    other = env.dataset.organization_ids[1]
    count = 1_000 if env.quick else 5_000
    cli = str(Path(env.serve()[0]))
    everything = json.dumps(
        {**json.loads(body), "query": DASHBOARD.replace("{\n  organization", "{\n  viewer { subject }\n  organization", 1)}
    )
    imported: list[int] = []

    async def importing(stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            path = importing_file(env, other, count, f"s7-{time.time_ns()}-{n}")
            child = await asyncio.create_subprocess_exec(
                cli, "import", str(path), env=env.service_environment(),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            assert await child.wait() == 0, "the concurrent import failed"
            imported.append(count)
            n += 1

    written: list[int] = []

    async def writing(stop: asyncio.Event, client: httpx.AsyncClient) -> None:
        """Activities of the other organisation recorded one by one meanwhile: a commit each,
        where an import of one file commits a few times."""
        token = env.token(admin=True)
        while not stop.is_set():
            variables = {"org": other, "id": f"s7-other-{time.time_ns()}"}
            wrote = await client.post(
                f"http://{address}/graphql",
                json={"query": WRITE, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert "errors" not in wrote.json(), wrote.text
            written.append(1)

    async def measured(request_body: bytes) -> tuple[Any, float, float]:
        async with httpx.AsyncClient() as client:
            before = (await client.get(f"http://{address}/metrics")).text
            stop = asyncio.Event()
            writers = [asyncio.create_task(importing(stop)), asyncio.create_task(writing(stop, client))]
            result = await load.run(
                address, load.request_bytes(address, "/graphql", request_body, auth), connections=connections, seconds=seconds
            )
            stop.set()
            await asyncio.gather(*writers)
            after = (await client.get(f"http://{address}/metrics")).text
        hits = _scraped(after, "bufdir_response_cache_hits_total") - _scraped(before, "bufdir_response_cache_hits_total")
        misses = _scraped(after, "bufdir_response_cache_misses_total") - _scraped(before, "bufdir_response_cache_misses_total")
        return result, hits, misses

    narrowed, hits, misses = await measured(body)
    narrowed_imported, narrowed_written = sum(imported), len(written)
    imported.clear()
    written.clear()
    broad, broad_hits, broad_misses = await measured(everything.encode())
    assert narrowed.failures == 0 and broad.failures == 0, (narrowed.failures, broad.failures)
    ratio = hits / max(hits + misses, 1)
    broad_ratio = broad_hits / max(broad_hits + broad_misses, 1)
    return [
        judged(
            "S7",
            "dashboard req/s through the cache, another organisation importing",
            ours=narrowed.per_second,
            baseline=broad.per_second,
            unit="req/s",
            limit=None,
            higher_is_better=True,
            notes=(
                f"hit ratio {ratio:.4f} ({hits:,.0f} hits, {misses:,.0f} misses) while the CLI imported "
                f"{narrowed_imported:,} activities of {other} and {narrowed_written} more were recorded one by one; "
                f"the same read depending on everything: {broad.per_second:,.0f} req/s, hit ratio {broad_ratio:.4f} "
                f"({broad_hits:,.0f} hits, {broad_misses:,.0f} misses; {sum(imported):,} imported, {len(written)} recorded)"
            ),
            details={
                "hit_ratio": ratio,
                "hits": hits,
                "misses": misses,
                "imported": narrowed_imported,
                "recorded": narrowed_written,
                "everything_hit_ratio": broad_ratio,
                "everything_rps": broad.per_second,
                "ours": narrowed.latency.summary(),
                "baseline": broad.latency.summary(),
            },
        )
    ]


async def _timed_read(client: httpx.AsyncClient, address: str, body: bytes, auth: dict[str, str]) -> float:
    started = time.perf_counter()
    response = await client.post(f"http://{address}/graphql", content=body, headers={**auth, "Content-Type": "application/json"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return elapsed
