"""S11 the peer: PostGraphile 5, pointed read-only at the same database, against ``serve`` under the
same load (issue #37). PostGraphile and the Node 22 it needs come from the npm registry into
bench/peer (``make bench`` runs ``npm ci`` there); without them the scenario says so in one line.

Each document is written for each side — ours as a client of this service writes it, the peer's as
a client of PostGraphile's generated schema would — and before any measuring both answers are
reduced to the same facts (ids, names, values, labels, sections, metrics) and compared: a peer
answering less, or something else, would make the ratio meaningless.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from .. import load
from ..environment import Env
from ..harness import Row, Timing
from .dashboard import DASHBOARD
from .reads import NESTED

PEER = Path(__file__).resolve().parent.parent / "peer"
NODE = PEER / "node_modules" / "node" / "bin" / "node"
POSTGRAPHILE = PEER / "node_modules" / "postgraphile" / "dist" / "cli-run.js"
ROLE = "bench_peer"

# S1's document for PostGraphile's generated schema: the same page (newest first, then by id) and
# the same fields; a value's label and section come through its definition (field_value has no
# foreign key to section).
PEER_NESTED = """
query Nested($first: Int!) {
  allSnapshots(first: $first, orderBy: [CREATED_AT_DESC, PRIMARY_KEY_ASC]) { nodes {
    rowId status aggregatedAt
    organizationByOrganizationId { rowId name }
    periodByPeriodId { rowId name }
    fieldValuesBySnapshotId { nodes { fieldKey value priorValue textValue
      fieldDefinitionByFieldDefinitionId { label sectionBySectionId { rowId title } } } }
  } }
}
"""

# S7's: the organisation and its current snapshot of the quarter. The metrics' categories are the
# stored breakdown (JSON); a value's change is not a column, so the check derives it from the
# value and its prior value (ours computes it in the service).
PEER_DASHBOARD = """
query Dashboard($org: String!, $period: String!) {
  organizationByRowId(rowId: $org) {
    rowId name
    snapshotsByOrganizationId(condition: {periodId: $period, status: "current"}, orderBy: [CREATED_AT_DESC], first: 1) {
      nodes {
        rowId status aggregatedAt cacheValid missingRequiredFields
        activityCount participantCount uniqueParticipants hoursDelivered categoryBreakdown
        fieldValuesBySnapshotId { nodes { fieldKey value priorValue
          fieldDefinitionByFieldDefinitionId { label sectionBySectionId { rowId title } } } }
      }
    }
  }
}
"""


class FactsDiffer(AssertionError):
    """Ours and the peer's answers do not carry the same facts: measuring them would compare
    different work."""


def _raw(global_id: str) -> str:
    """The row id inside one of our Relay ids (``base64("Type:id")``)."""
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).normalize()


def _moment(value: str | None) -> datetime | None:
    # to the whole second: ours prints an instant in whole seconds (UTC, Z: GraphQL's DateTime as
    # REST's), PostGraphile with PostgreSQL's microseconds; both cut, neither rounds
    return None if value is None else datetime.fromisoformat(value).replace(microsecond=0)


def nested_facts(document: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """S1's facts from our answer: per snapshot its id, status, time, organisation and period,
    and per value its section, key, label and numbers."""
    facts = []
    for edge in document["data"]["snapshots"]["edges"]:
        node = edge["node"]
        head = (
            _raw(node["id"]),
            node["status"].lower(),
            _moment(node["aggregatedAt"]),
            _raw(node["organization"]["id"]),
            node["organization"]["name"],
            node["period"] and (_raw(node["period"]["id"]), node["period"]["name"]),
        )
        facts.append(head)
        for section in node["sections"]:
            for v in section["fieldValues"]:
                facts.append(
                    (
                        head[0],
                        _raw(section["section"]["id"]),
                        section["section"]["title"],
                        v["fieldKey"],
                        v["label"],
                        _number(v["value"]),
                        _number(v["priorValue"]),
                        v["textValue"],
                    )
                )
    return sorted(facts, key=repr)


def peer_nested_facts(document: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """S1's facts from PostGraphile's answer, in the shape of ``nested_facts``."""
    facts = []
    for node in document["data"]["allSnapshots"]["nodes"]:
        period = node["periodByPeriodId"]
        head = (
            node["rowId"],
            node["status"].lower(),
            _moment(node["aggregatedAt"]),
            node["organizationByOrganizationId"]["rowId"],
            node["organizationByOrganizationId"]["name"],
            period and (period["rowId"], period["name"]),
        )
        facts.append(head)
        for v in node["fieldValuesBySnapshotId"]["nodes"]:
            definition = v["fieldDefinitionByFieldDefinitionId"]
            section = definition["sectionBySectionId"]
            facts.append(
                (
                    head[0],
                    section["rowId"],
                    section["title"],
                    v["fieldKey"],
                    definition["label"],
                    _number(v["value"]),
                    _number(v["priorValue"]),
                    v["textValue"],
                )
            )
    return sorted(facts, key=repr)


def _change(value: Decimal | None, prior: Decimal | None) -> Decimal | None:
    return None if value is None or prior is None else (value - prior).normalize()


def dashboard_facts(document: Mapping[str, Any]) -> dict[str, Any]:
    """S7's facts from our answer. Categories without activities are left out (ours lists every
    category, the stored breakdown only those that occurred)."""
    organization = document["data"]["organization"]
    (edge,) = organization["snapshots"]["edges"]
    node = edge["node"]
    metrics = node["metrics"]
    return {
        "organization": (organization["organizationId"], organization["name"]),
        "snapshot": (
            node["snapshotId"],
            node["status"].lower(),
            _moment(node["aggregatedAt"]),
            node["cacheValid"],
            sorted(node["missingRequiredFields"]),
        ),
        "metrics": (
            metrics["activityCount"],
            metrics["participantCount"],
            metrics["uniqueParticipants"],
            _number(metrics["hoursDelivered"]),
        ),
        "categories": sorted(
            (c["category"].lower(), c["activities"], c["participants"], _number(c["hours"]))
            for c in metrics["categories"]
            if c["activities"]
        ),
        "values": sorted(
            (
                _raw(section["section"]["id"]),
                section["section"]["title"],
                v["fieldKey"],
                v["label"],
                _number(v["value"]),
                _number(v["priorValue"]),
                _number(v["change"]),
            )
            for section in node["sections"]
            for v in section["fieldValues"]
        ),
    }


def peer_dashboard_facts(document: Mapping[str, Any]) -> dict[str, Any]:
    """S7's facts from PostGraphile's answer, in the shape of ``dashboard_facts``."""
    organization = document["data"]["organizationByRowId"]
    (node,) = organization["snapshotsByOrganizationId"]["nodes"]
    values = []
    for v in node["fieldValuesBySnapshotId"]["nodes"]:
        definition = v["fieldDefinitionByFieldDefinitionId"]
        value, prior = _number(v["value"]), _number(v["priorValue"])
        values.append(
            (
                definition["sectionBySectionId"]["rowId"],
                definition["sectionBySectionId"]["title"],
                v["fieldKey"],
                definition["label"],
                value,
                prior,
                _change(value, prior),
            )
        )
    return {
        "organization": (organization["rowId"], organization["name"]),
        "snapshot": (
            node["rowId"],
            node["status"].lower(),
            _moment(node["aggregatedAt"]),
            node["cacheValid"],
            sorted(node["missingRequiredFields"] or []),
        ),
        "metrics": (
            node["activityCount"],
            node["participantCount"],
            node["uniqueParticipants"],
            _number(node["hoursDelivered"]),
        ),
        "categories": sorted(
            (name, c["activities"], c["participants"], _number(c["hours"]))
            for name, c in (node["categoryBreakdown"] or {}).items()
            if c["activities"]
        ),
        "values": sorted(values),
    }


def same_facts(what: str, ours: Any, peer: Any) -> None:
    """Raise ``FactsDiffer`` naming the first fact that differs."""
    if ours == peer:
        return
    if isinstance(ours, dict) and isinstance(peer, dict):
        for key in sorted(set(ours) | set(peer)):
            same_facts(f"{what}, {key}", ours.get(key), peer.get(key))
        return
    if isinstance(ours, list) and isinstance(peer, list):
        for mine, theirs in zip(ours, peer, strict=False):
            if mine != theirs:
                raise FactsDiffer(f"{what}: ours has {mine!r} where the peer has {theirs!r}")
        raise FactsDiffer(f"{what}: ours has {len(ours)} facts, the peer {len(peer)}")
    raise FactsDiffer(f"{what}: ours has {ours!r}, the peer {peer!r}")


def missing() -> str | None:
    """What is missing to run the peer, in one line, or None."""
    if not NODE.exists() or not POSTGRAPHILE.exists():
        npm = "npm ci in bench/peer (make bench does it)" if shutil.which("npm") else "npm (apt-get install npm)"
        return f"S11 skipped: PostGraphile 5 and Node 22 are not installed under bench/peer; needs {npm}"
    return None


async def read_only_url(env: Env) -> str:
    """A login role that may only SELECT (and whose transactions are read-only) on the bench
    database, as the peer's connection URL."""
    connection = await env.connect()
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", ROLE)
        if not exists:
            await connection.execute(f"CREATE ROLE {ROLE} LOGIN")
        database = await connection.fetchval("SELECT current_database()")
        await connection.execute(f"ALTER ROLE {ROLE} SET default_transaction_read_only = on")
        await connection.execute(f"GRANT CONNECT ON DATABASE {database} TO {ROLE}")
        await connection.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
        await connection.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ROLE}")
    finally:
        await connection.close()
    scheme, rest = env.database_url.split("://", 1)
    return f"{scheme}://{ROLE}@{rest.split('@', 1)[1]}"


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
    peer_env = {
        "PATH": f"{NODE.parent}:{os.environ.get('PATH', '')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "BENCH_PEER_DATABASE_URL": peer_url,
        "GRAPHILE_ENV": "production",
        "NODE_ENV": "production",
    }
    peer_command = [str(NODE), str(POSTGRAPHILE), "-C", str(PEER / "graphile.config.mjs"), "-p", "{port}"]
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
