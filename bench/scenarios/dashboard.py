"""S7 dashboard throughput against a ``serve`` process (one uvicorn worker) on loopback, compared
with a bare server answering prepared JSON in the same conditions."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from .. import load
from ..environment import Env, pid_rss_kib
from ..harness import Row, Timing, judged, served
from .importing import file_for_one_organization as importing_file

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
