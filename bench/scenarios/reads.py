"""S1 nested GraphQL reads against hand-written SQL, S3 the same snapshot over REST and GraphQL."""

from __future__ import annotations

import json
from base64 import b64encode
from datetime import UTC
from decimal import Decimal
from typing import Any

import orjson

from bufdir_reporting.schema import schema

from ..environment import Env
from ..harness import Row, checked, compare, counting_statements, judged, response_cache_on

NESTED = """
query Nested($first: Int!) {
  snapshots(first: $first) {
    edges { node {
      id status aggregatedAt
      organization { id name }
      period { id name }
      sections {
        section { id title }
        fieldValues { fieldKey label value priorValue textValue }
      }
    } }
  }
}
"""

SNAPSHOTS = """
SELECT s.id, s.status, s.aggregated_at, o.id AS organization_id, o.name AS organization_name,
       p.id AS period_id, p.name AS period_name
FROM snapshot s JOIN organization o ON o.id = s.organization_id LEFT JOIN period p ON p.id = s.period_id
ORDER BY s.created_at DESC, s.id LIMIT $1
"""
VALUES = """
SELECT v.snapshot_id, v.field_key, d.label, v.value, v.prior_value, v.text_value, c.id AS section_id, c.title
FROM field_value v JOIN field_definition d ON d.id = v.field_definition_id JOIN section c ON c.id = v.section_key
WHERE v.snapshot_id = ANY($1::text[])
ORDER BY v.snapshot_id, c."order", c.id, d.position, d.id
"""


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


async def graphql_nested(env: Env, first: int) -> bytes:
    """What the GraphQL route does for this query, minus HTTP: execute, then encode JSON."""
    result = await schema.execute(NESTED, variable_values={"first": first}, context_value=env.context())
    assert result.errors is None, result.errors
    return json.dumps({"data": result.data}).encode()


async def handwritten_nested(pool: Any, first: int) -> bytes:
    """The baseline: the same data with two hand-written statements, shaped and encoded with orjson."""
    async with pool.acquire() as connection:
        snapshots = await connection.fetch(SNAPSHOTS, first)
        values = await connection.fetch(VALUES, [s["id"] for s in snapshots])
    sections: dict[str, dict[str, dict]] = {}
    for v in values:
        section = sections.setdefault(v["snapshot_id"], {}).setdefault(
            v["section_id"], {"section": {"id": v["section_id"], "title": v["title"]}, "fieldValues": []}
        )
        section["fieldValues"].append(
            {
                "fieldKey": v["field_key"],
                "label": v["label"],
                "value": _text(v["value"]),
                "priorValue": _text(v["prior_value"]),
                "textValue": v["text_value"],
            }
        )
    edges = [
        {
            "node": {
                "id": b64encode(f"Snapshot:{s['id']}".encode()).decode(),
                "status": s["status"].upper(),
                "aggregatedAt": s["aggregated_at"].astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "organization": {"id": s["organization_id"], "name": s["organization_name"]},
                "period": {"id": s["period_id"], "name": s["period_name"]},
                "sections": list(sections.get(s["id"], {}).values()),
            }
        }
        for s in snapshots
    ]
    return orjson.dumps({"data": {"snapshots": {"edges": edges}}})


async def s1_nested_query(env: Env) -> list[Row]:
    """S1 nested GraphQL: N snapshots x 57 field values with labels and prior values."""
    import asyncpg

    rows: list[Row] = []
    sizes = [10, 100, 1000] if env.dataset.organizations * env.dataset.periods >= 1000 else [10, 100]
    pool = await asyncpg.create_pool(env.database_url, min_size=1, max_size=2)
    try:
        counts = {}
        for first in sizes:
            with counting_statements() as counter:
                ours = json.loads(await graphql_nested(env, first))
            counts[first] = len(counter.statements)
            theirs = json.loads(await handwritten_nested(pool, first))
            edges = ours["data"]["snapshots"]["edges"]
            assert len(edges) == first, f"GraphQL gave {len(edges)} snapshots, not {first}"
            _assert_same_values(ours, theirs)
        rows.append(
            checked(
                "S1",
                f"SQL statements, N={'/'.join(map(str, sizes))}",
                value=max(counts.values()),
                unit="statements",
                goal="constant, <= 6",
                ok=len(set(counts.values())) == 1 and max(counts.values()) <= 6,
                notes=f"per N: {counts}",
                details={"statements": counts},
            )
        )
        for first in sizes:
            runs = env.runs if first <= 100 else max(3, env.runs // 3)
            mine, theirs = await compare(
                lambda f=first: graphql_nested(env, f), lambda f=first: handwritten_nested(pool, f), runs=runs
            )
            rows.append(
                judged(
                    "S1",
                    f"p50 N={first}",
                    ours=mine.p50 * 1e3,
                    baseline=theirs.p50 * 1e3,
                    unit="ms",
                    limit=2,
                    details={"ours": mine.summary(), "baseline": theirs.summary()},
                )
            )
        rows += await _s1_through_the_cache(env, pool, sizes)
    finally:
        await pool.close()
    return rows


async def _s1_through_the_cache(env: Env, pool: Any, sizes: list[int]) -> list[Row]:
    """The same query repeated through the whole HTTP stack (in-process ASGI) with the response
    cache on: what a dashboard reading the same page again pays. The in-process app runs with
    the cache off for the other scenarios; it is on only here."""
    rows: list[Row] = []
    cache = env.app.state.response_cache
    headers = {"Authorization": f"Bearer {env.token(admin=True)}"}
    with response_cache_on(env, 256):
        async with env.client() as client:
            for first in sizes:
                body = {"query": NESTED, "variables": {"first": first}}

                async def read(body: dict[str, Any] = body) -> None:
                    response = await client.post("/graphql", json=body, headers=headers)
                    assert response.status_code == 200 and b'"errors"' not in response.content[:20], response.text[:300]

                await read()  # computed once and kept
                hits = cache.hits
                runs = env.runs if first <= 100 else max(3, env.runs // 3)
                mine, theirs = await compare(read, lambda f=first: handwritten_nested(pool, f), runs=runs)
                assert cache.hits > hits, "the repeated reads were answered from the cache"
                rows.append(
                    judged(
                        "S1",
                        f"p50 N={first}, repeated through the response cache (HTTP)",
                        ours=mine.p50 * 1e3,
                        baseline=theirs.p50 * 1e3,
                        unit="ms",
                        limit=2,
                        notes="ours: POST /graphql in-process, answered from the cache; baseline as above (no HTTP)",
                        details={"ours": mine.summary(), "baseline": theirs.summary(), "cache": cache.stats},
                    )
                )
    return rows


def _assert_same_values(ours: dict, theirs: dict) -> None:
    def values(document: dict) -> list[tuple]:
        return [
            (
                edge["node"]["id"],
                v["fieldKey"],
                v["label"],
                v["value"] and Decimal(v["value"]),
                v["priorValue"] and Decimal(v["priorValue"]),
            )
            for edge in document["data"]["snapshots"]["edges"]
            for section in edge["node"]["sections"]
            for v in section["fieldValues"]
        ]

    mine, baseline = values(ours), values(theirs)
    for a, b in zip(mine, baseline, strict=True):
        assert a == b, f"GraphQL and the baseline disagree: {a} != {b}"


SNAPSHOT_QUERY = """
query One($id: ID!) {
  snapshot(id: $id) {
    snapshotId status aggregatedAt cacheValid
    organization { id name }
    period { id name }
    metrics { activityCount participantCount uniqueParticipants hoursDelivered }
    sections { section { id title } fieldValues { fieldKey label value priorValue textValue dataSource } }
  }
}
"""


async def s3_rest_and_graphql(env: Env) -> list[Row]:
    """S3 the same snapshot over REST (aggregated-report-data) and over GraphQL, through HTTP."""
    organization_id, period_id = env.dataset.organization_ids[0], env.dataset.period_ids[-1]
    snapshot_id = f"snap-bench-{organization_id}-{period_id}"
    headers = {"Authorization": f"Bearer {env.token(organization_id)}"}
    async with env.client() as client:

        async def rest() -> None:
            response = await client.get(f"/api/v1/aggregated-report-data/{snapshot_id}", headers=headers)
            assert response.status_code == 200, response.text

        async def graphql() -> None:
            response = await client.post(
                "/graphql", headers=headers, json={"query": SNAPSHOT_QUERY, "variables": {"id": snapshot_id}}
            )
            assert response.status_code == 200 and "errors" not in response.json(), response.text

        mine, theirs = await compare(rest, graphql, runs=env.runs * 4, warmup=5)
    return [
        judged(
            "S3",
            "REST p50 vs GraphQL p50",
            ours=mine.p50 * 1e3,
            baseline=theirs.p50 * 1e3,
            unit="ms",
            limit=1.2,
            notes="ours = REST GET /api/v1/aggregated-report-data/{id}; baseline = GraphQL with the same fields",
            details={"rest": mine.summary(), "graphql": theirs.summary()},
        )
    ]
