"""S9 analytics over stored values: one field over every organisation and quarter, and a
10-field comparison of every organisation in one quarter, through the REST route in-process
against hand-written asyncpg SQL + orjson; and the JSON-stat export of everything (57 fields x
every organisation x every quarter) in cells per second, with the export's peak of Python memory.

The bench data has current snapshots and no submissions: the scenario approves every snapshot
for the duration (one report record and one approved submission each, made with two INSERT ...
SELECT) so the default source (approved submissions) is what is measured, and removes them after.
"""

from __future__ import annotations

import time
import tracemalloc
from decimal import Decimal
from typing import Any

import orjson

from bufdir_reporting.resolvers.analytics import export
from bufdir_reporting.resolvers.analytics.selection import Selection
from bufdir_reporting.resolvers.base import revision

from ..environment import Env
from ..harness import Row, checked, compare, judged

APPROVE = [
    "INSERT INTO report_record (id, organization_id, snapshot_id, period_id, report_type, period_from, period_to, status, "
    "created_at, updated_at) SELECT 'rec-' || s.id, s.organization_id, s.id, s.period_id, 'quarterly_activity', p.start, p.end, "
    "'completed', now(), now() FROM snapshot s JOIN period p ON p.id = s.period_id WHERE s.status = 'current'",
    "INSERT INTO submission (id, organization_id, period_id, snapshot_id, report_record_id, version, activity_count, "
    "submitted_by, submitted_at, review_state) SELECT 'sub-' || s.id, s.organization_id, s.period_id, s.id, 'rec-' || s.id, 1, "
    "0, 'bench', now(), 'approved' FROM snapshot s WHERE s.status = 'current'",
    "ANALYZE submission",
]
UNAPPROVE = [
    "DELETE FROM submission WHERE id LIKE 'sub-snap-bench-%'",
    "DELETE FROM report_record WHERE id LIKE 'rec-snap-bench-%'",
]

HANDWRITTEN = """
SELECT sub.organization_id, sub.period_id, fv.field_key, fv.value, fv.text_value, sub.review_state, sub.version
FROM submission sub JOIN field_value fv ON fv.snapshot_id = sub.snapshot_id
WHERE sub.review_state = 'approved' AND sub.period_id = ANY($1::text[]) AND fv.field_key = ANY($2::text[])
"""


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


async def handwritten_table(pool: Any, field_keys: list[str], period_ids: list[str]) -> bytes:
    """The baseline: the organisations and the values in two statements, the dense table of cells
    in dimension order (field, organisation, period; latest version per cell) encoded with orjson."""
    async with pool.acquire() as connection:
        organizations = await connection.fetch("SELECT id, name, kind FROM organization ORDER BY id")
        rows = await connection.fetch(HANDWRITTEN, period_ids, field_keys)
    found: dict[tuple[str, str, str], Any] = {}
    for r in rows:
        key = (r["field_key"], r["organization_id"], r["period_id"])
        held = found.get(key)
        if held is None or r["version"] > held["version"]:
            found[key] = r
    cells = []
    for field_key in field_keys:
        for organization in organizations:
            for period_id in period_ids:
                r = found.get((field_key, organization["id"], period_id))
                value = None if r is None or r["value"] is None else _plain(r["value"])
                cells.append(
                    {
                        "field_key": field_key,
                        "organization_id": organization["id"],
                        "period_id": period_id,
                        "value": value,
                        "text": None if r is None else r["text_value"],
                        "status": "missing" if r is None else r["review_state"],
                        "approved": r is not None,
                    }
                )
    return orjson.dumps({"organizations": [dict(o) for o in organizations], "cells": cells})


async def s9_analytics(env: Env) -> list[Row]:
    import asyncpg

    connection = await env.connect()
    pool = await asyncpg.create_pool(env.database_url, min_size=1, max_size=2)
    try:
        for statement in APPROVE:
            await connection.execute(statement)
        await revision.bump()  # a database whose structure was written through the service has a revision
        field_keys = [r["key"] for r in await connection.fetch("SELECT DISTINCT key FROM field_definition ORDER BY key")]
        numeric = [
            r["key"]
            for r in await connection.fetch("SELECT DISTINCT key FROM field_definition WHERE data_type <> 'text' ORDER BY key")
        ]
        periods = list(env.dataset.period_ids)
        headers = {"Authorization": f"Bearer {env.token(admin=True)}"}
        rows: list[Row] = []
        async with env.client() as client:
            cases = [
                ("one field, every organisation and quarter", numeric[:1], periods),
                ("10 fields, every organisation, one quarter", numeric[:10], periods[-1:]),
            ]
            for name, keys, period_ids in cases:
                params = [("fields", k) for k in keys] + [("periods", p) for p in period_ids]

                async def ours(params: list[tuple[str, str]] = params) -> None:
                    response = await client.get("/api/v1/analytics", params=params, headers=headers)
                    assert response.status_code == 200, response.text[:300]

                mine = (await client.get("/api/v1/analytics", params=params, headers=headers)).json()
                theirs = orjson.loads(await handwritten_table(pool, keys, period_ids))

                def values(table: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
                    return {(c["field_key"], c["organization_id"], c["period_id"]): c["value"] for c in table["cells"]}

                assert values(mine) == values(theirs), "the route and the baseline disagree"
                cells = len(mine["cells"])
                timing, baseline = await compare(
                    ours, lambda k=keys, p=period_ids: handwritten_table(pool, k, p), runs=env.runs, warmup=3
                )
                rows.append(
                    judged(
                        "S9",
                        f"p50 {name} ({cells:,} cells)",
                        ours=timing.p50 * 1e3,
                        baseline=baseline.p50 * 1e3,
                        unit="ms",
                        limit=1.5,
                        notes="ours: GET /api/v1/analytics in-process (HTTP, auth, peers, summaries); baseline: asyncpg + orjson",
                        details={"ours": timing.summary(), "baseline": baseline.summary(), "cells": cells},
                    )
                )
            everything = Selection(field_keys=field_keys, period_ids=periods)
            ctx = env.context()

            async def export_all() -> int:
                made = await export.export(ctx, selection=everything, format=export.ExportFormat.JSONSTAT)
                size = 0
                async for part in made.body:
                    size += len(part)
                return size

            started = time.perf_counter()
            size = await export_all()
            seconds = time.perf_counter() - started
            total = len(field_keys) * env.dataset.organizations * len(periods)
            tracemalloc.start()
            await export_all()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rows.append(
                checked(
                    "S9",
                    f"JSON-stat export of everything ({total:,} cells, {size / 2**20:.1f} MiB)",
                    value=total / seconds,
                    unit="cells/s",
                    goal="recorded; Python memory peak <= 64 MiB (a chunk of fields at a time, not the table)",
                    ok=peak <= 64 * 2**20,
                    notes=f"{seconds:.2f} s; Python memory peak {peak / 2**20:.1f} MiB (tracemalloc, second run)",
                    details={"seconds": seconds, "bytes": size, "peak_bytes": peak, "cells": total},
                )
            )
        return rows
    finally:
        for statement in UNAPPROVE:
            await connection.execute(statement)
        await connection.close()
        await pool.close()
