"""S11 the peer: PostGraphile 5, pointed read-only at the same database, against ``serve`` under the
same load (issue #37). PostGraphile and the Node 22 it needs come from the npm registry into
bench/peer (``make bench`` runs ``npm ci`` there); without them the scenario says so in one line.

Each document is written for each side — ours as a client of this service writes it, the peer's as
a client of PostGraphile's generated schema would — and before any measuring both answers are
reduced to the same facts (ids, names, values, labels, sections, metrics) and compared: a peer
answering less, or something else, would make the ratio meaningless.

The peer's documents and that check are in peer_facts.py, starting PostGraphile (where it is
installed, the read-only role it connects as, its command) in postgraphile.py; the measuring is here.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .. import load
from ..environment import Env
from ..harness import Row, Timing
from .dashboard import DASHBOARD
from .peer_facts import (
    PEER_DASHBOARD,
    PEER_NESTED,
    dashboard_facts,
    nested_facts,
    peer_dashboard_facts,
    peer_nested_facts,
    same_facts,
)
from .postgraphile import command, missing, read_only_url
from .reads import NESTED


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its live children, from /proc: what the server
    spent, threads included (Node's pool, the database driver's)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ...
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@dataclass
class Side:
    """One server's load over the rounds: answers, seconds, latencies (of requests sent after
    each round's warm-up), CPU and statements."""

    sent: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    cpu: float = 0.0
    statements: int | None = 0
    failures: int = 0

    @property
    def per_second(self) -> float:
        """Every answer over the whole time the connections were busy (warm-up and the last
        answers after the stop included): closed-loop throughput that stays defined when one
        answer takes longer than the measured window (S1 N=100 on a busy machine)."""
        return self.sent / self.seconds

    @property
    def timing(self) -> Timing:
        # no request both sent and answered within the measured time (a very busy machine): NaN
        return Timing(self.latencies or [float("nan")])


async def _drive(
    env: Env, label: str, side: Side, address: str, pid: int, request: bytes, *, connections: int, seconds: float
) -> None:
    cpu, statements = cpu_seconds(pid), await env.statements_executed()
    started = time.perf_counter()
    result = await load.run(address, request, connections=connections, seconds=seconds)
    elapsed = time.perf_counter() - started
    spent, after = cpu_seconds(pid) - cpu, await env.statements_executed()
    env.progress(f"  {label}: {result.sent / elapsed:,.1f} req/s ({result.sent} answered in {elapsed:.1f}s)")
    side.sent += result.sent
    side.seconds += elapsed
    side.latencies += result.latency.samples
    side.failures += result.failures
    side.cpu += spent
    side.statements = (
        None if statements is None or after is None or side.statements is None else side.statements + after - statements
    )


def _rows(name: str, ours: Side, peer: Side, *, rounds: int, connections: int, seconds: float) -> list[Row]:
    def ratio(a: float, b: float) -> float | None:
        return a / b if a and b else None

    load_note = f"{rounds} alternating rounds of {seconds:g}s, {connections} keep-alive connections each"
    throughput = ratio(ours.per_second, peer.per_second)
    rows = [
        Row(
            "S11",
            f"{name} req/s (ratio ours/peer)",
            ours.per_second,
            peer.per_second,
            "req/s",
            ">= 1x",
            "info" if throughput is None else ("pass" if throughput >= 1 else "FAIL"),
            throughput,
            notes=load_note
            + " (req/s: every answer over the whole run)"
            + "; ours: serve with the response cache off; peer: PostGraphile 5 (Amber), read-only role",
            details={"ours": ours.timing.summary(), "peer": peer.timing.summary()},
        ),
        Row(
            "S11",
            f"{name} p50 latency (ours/peer)",
            ours.timing.p50 * 1e3,
            peer.timing.p50 * 1e3,
            "ms",
            "recorded",
            "info",
            ratio(ours.timing.p50, peer.timing.p50),
            notes=(
                f"p95 {ours.timing.p95 * 1e3:.1f} ms vs {peer.timing.p95 * 1e3:.1f} ms "
                f"({ratio(ours.timing.p95, peer.timing.p95) or 0:.2f}x)"
            ),
        ),
        Row(
            "S11",
            f"{name} server CPU per request (ours/peer)",
            ours.cpu / max(ours.sent, 1) * 1e3,
            peer.cpu / max(peer.sent, 1) * 1e3,
            "ms",
            "recorded",
            "info",
            ratio(ours.cpu / max(ours.sent, 1), peer.cpu / max(peer.sent, 1)),
            notes="user + system time of the server process (/proc), over every request it answered, warm-up included",
        ),
    ]
    if ours.statements is not None and peer.statements is not None:
        mine, theirs = ours.statements / max(ours.sent, 1), peer.statements / max(peer.sent, 1)
        rows.append(
            Row(
                "S11",
                f"{name} SQL statements per request (ours/peer)",
                mine,
                theirs,
                "statements",
                "recorded",
                "info",
                ratio(mine, theirs),
                notes="pg_stat_statements calls in the bench database over the load, the pool's resets left out",
            )
        )
    return rows


async def _answer(address: str, document: str, variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(
            f"http://{address}/graphql", json={"query": document, "variables": variables}, headers=headers
        )
    answer: dict[str, Any] = response.json()
    assert response.status_code == 200 and not answer.get("errors"), response.text[:500]
    return answer


async def s11_peer(env: Env) -> list[Row]:
    """S11 the same reads from PostGraphile 5 (read-only on the bench database) and from serve."""
    reason = missing()
    if reason is not None:
        env.progress(reason)
        return [Row("S11", "PostGraphile peer", None, None, "-", ">= 1x", "skipped", notes=reason)]
    peer_url = await read_only_url(env)
    organization_id, period_id = env.dataset.organization_ids[0], env.dataset.period_ids[-1]
    admin = {"Authorization": f"Bearer {env.token(admin=True)}"}
    member = {"Authorization": f"Bearer {env.token(organization_id)}"}
    dashboard = {"org": organization_id, "period": period_id}
    documents = [
        ("S1 N=10", NESTED, PEER_NESTED, {"first": 10}, admin, nested_facts, peer_nested_facts),
        ("S1 N=100", NESTED, PEER_NESTED, {"first": 100}, admin, nested_facts, peer_nested_facts),
        ("S7 dashboard", DASHBOARD, PEER_DASHBOARD, dashboard, member, dashboard_facts, peer_dashboard_facts),
    ]
    seconds, connections, rounds = (5.0, 8, 3) if env.quick else (10.0, 8, 3)
    peer_command, peer_env = command(peer_url)
    rows: list[Row] = []
    ours_env = env.service_environment(BUFDIR_RESPONSE_CACHE_MB="0")
    async with (
        env.process(env.serve(), env=ours_env) as (ours_at, ours_pid),
        env.process(peer_command, env=peer_env) as (peer_at, peer_pid),
    ):
        for name, mine, theirs, variables, headers, our_facts, their_facts in documents:
            peer_variables = {"first": variables["first"]} if "first" in variables else variables
            same_facts(
                name,
                our_facts(await _answer(ours_at, mine, variables, headers)),
                their_facts(await _answer(peer_at, theirs, peer_variables, {})),
            )
            ours_request = load.request_bytes(
                ours_at, "/graphql", json.dumps({"query": mine, "variables": variables}).encode(), headers
            )
            peer_body = json.dumps({"query": theirs, "variables": peer_variables}).encode()
            peer_request = load.request_bytes(peer_at, "/graphql", peer_body, {})
            ours, peer = Side(), Side()
            for _ in range(rounds):
                await _drive(
                    env, f"{name}, ours", ours, ours_at, ours_pid, ours_request, connections=connections, seconds=seconds
                )
                await _drive(
                    env, f"{name}, peer", peer, peer_at, peer_pid, peer_request, connections=connections, seconds=seconds
                )
            assert ours.failures == 0 and peer.failures == 0, (name, ours.failures, peer.failures)
            rows += _rows(name, ours, peer, rounds=rounds, connections=connections, seconds=seconds)
    return rows
