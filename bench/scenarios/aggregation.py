"""S4 aggregation of one organisation and period against the bare GROUP BY over the same rows;
S5 re-aggregation after one new activity against a full aggregation."""

from __future__ import annotations

import time
from decimal import Decimal

from bufdir_reporting.models import Activity, Period, Snapshot
from bufdir_reporting.resolvers import activities, snapshots
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec
from bufdir_reporting.resolvers.aggregation import engine
from bufdir_reporting.resolvers.aggregation.results import Aggregate
from bufdir_reporting.resolvers.periods import period_bounds
from bufdir_reporting.resolvers.snapshots import run_inputs

from .. import dataset as data
from ..environment import Env
from ..harness import Row, buffers, compare, judged, repeat

BARE = """
SELECT a.category, a.source_system, COUNT(*) AS n, SUM(a.participant_count) AS p, SUM(a.hours) AS h
FROM activity a
WHERE a.organization_id = $1 AND a.deleted_at IS NULL AND a.occurred_at <= $2
GROUP BY a.category, a.source_system
"""
IN_SCOPE = "SELECT COUNT(*) FROM activity a WHERE a.organization_id = $1 AND a.deleted_at IS NULL AND a.occurred_at <= $2"


BARE_SUBTREE = BARE.replace("a.organization_id = $1", "a.organization_id = ANY($1::text[])")
BRANCHES = 50


async def measure_rollup(env: Env) -> Row:
    """A parent with 50 branches reported rolled up: the engine over the subtree's activities
    against the bare GROUP BY over the same subtree (issue #31: goal <= 1.5x, as S4)."""
    _, period_id = scope(env)
    period = await Period.get(id=period_id)
    bounds = period_bounds(period)
    parent, *branches = env.dataset.organization_ids[: BRANCHES + 1]
    subtree = [parent, *branches]
    connection = await env.connect()
    try:
        await connection.execute("UPDATE organization SET parent_id = $1 WHERE id = ANY($2::text[])", parent, branches)
        snapshot = Snapshot(organization_id=parent, period_id=period.id, range_start=bounds.start, range_end=bounds.end)
        definitions = await run_inputs.definitions_for(env.context(), snapshot)
        rows_in_scope = await connection.fetchval(IN_SCOPE.replace("= $1", "= ANY($1::text[])"), subtree, bounds.end)

        async def ours() -> None:
            await engine.aggregate(organization_ids=subtree, start=bounds.start, end=bounds.end, definitions=definitions)

        async def bare() -> None:
            await connection.fetch(BARE_SUBTREE, subtree, bounds.end)

        mine, theirs = await compare(ours, bare, runs=env.runs)
    finally:
        await connection.execute("UPDATE organization SET parent_id = NULL WHERE id = ANY($1::text[])", branches)
        await connection.close()
    return judged(
        "S4",
        f"engine p50, roll-up of a parent and {BRANCHES} branches",
        ours=mine.p50 * 1e3,
        baseline=theirs.p50 * 1e3,
        unit="ms",
        limit=1.5,
        notes=f"{rows_in_scope:,} activities in the subtree's scope",
        details={"ours": mine.summary(), "baseline": theirs.summary(), "rows_in_scope": rows_in_scope},
    )


def scope(env: Env) -> tuple[str, str]:
    """The heaviest scope: a child welfare service (they get 3x the activities) and the last
    quarter, whose stock figures look at every activity since the start."""
    return env.dataset.organization_ids[1], env.dataset.period_ids[-1]


async def _engine_run(env: Env, organization_id: str, period: Period) -> Aggregate:
    bounds = period_bounds(period)
    snapshot = Snapshot(organization_id=organization_id, period_id=period.id, range_start=bounds.start, range_end=bounds.end)
    # as a job runs it: the structure's revision checked beside the engine's statements
    _, result = await run_inputs.aggregated(env.context(), snapshot, [organization_id])
    return result


async def measure_engine(env: Env, label: str) -> Row:
    organization_id, period_id = scope(env)
    period = await Period.get(id=period_id)
    end = period_bounds(period).end
    connection = await env.connect()
    try:
        rows_in_scope = await connection.fetchval(IN_SCOPE, organization_id, end)

        async def ours() -> None:
            await _engine_run(env, organization_id, period)

        async def bare() -> None:
            await connection.fetch(BARE, organization_id, end)

        mine, theirs = await compare(ours, bare, runs=env.runs)
        hit, read = await buffers(connection, BARE, organization_id, end)
    finally:
        await connection.close()
    result = await _engine_run(env, organization_id, period)
    snapshot_rows = len(result.values) + len(result.categories)
    return judged(
        "S4",
        f"engine p50, {label}",
        ours=mine.p50 * 1e3,
        baseline=theirs.p50 * 1e3,
        unit="ms",
        limit=1.5,
        notes=(
            f"{rows_in_scope:,} activities in scope; rows to Python {result.rows} "
            f"(snapshot has {snapshot_rows}: {len(result.values)} values + {len(result.categories)} categories); "
            f"{result.statements} statements; bare query's pages: {hit:,} in shared buffers, {read:,} read in"
        ),
        details={
            "ours": mine.summary(),
            "baseline": theirs.summary(),
            "rows_in_scope": rows_in_scope,
            "rows_to_python": result.rows,
            "snapshot_rows": snapshot_rows,
            "bare_pages": {"shared_hit": hit, "read": read},
        },
    )


async def full_job(env: Env) -> float:
    organization_id, period_id = scope(env)
    started = time.perf_counter()
    triggered = await snapshots.trigger(
        env.context(), organization_id=organization_id, period_id=period_id, force=True, wait=True
    )
    assert triggered.snapshot.status == "current", triggered.snapshot.error
    return time.perf_counter() - started


def _size(activities: int) -> str:
    return f"{activities // 1_000_000}M" if activities % 1_000_000 == 0 else f"{activities:,}"


async def s4_aggregation(env: Env) -> list[Row]:
    """S4 aggregation of one organisation and period against the bare GROUP BY."""
    first = await measure_engine(env, f"{env.dataset.activities:,} activities")
    rows = [first, await measure_rollup(env)]
    job = await repeat(lambda: full_job(env), runs=max(3, env.runs // 3))
    rows.append(
        Row(
            "S4",
            "whole job p50 (engine, prior, writes, events)",
            job.p50 * 1e3,
            None,
            "ms",
            "recorded",
            "info",
            details={"job": job.summary()},
        )
    )
    if env.scale_to:
        added = env.scale_to - env.dataset.activities
        env.progress(f"S4: adding {added:,} activities to reach {env.scale_to:,}")
        connection = await env.connect()
        try:
            first_id = await connection.fetchval("SELECT MAX(id) + 1 FROM activity")
            await data.copy_activities(
                connection, data.activity_records(env.dataset, added, first_id=first_id, seed=data.SEED + 1), env.progress
            )
            for table in ("activity", "activity_participant"):  # VACUUM runs one statement at a time
                await connection.execute(f"VACUUM ANALYZE {table}")
        finally:
            await connection.close()
        scaled = await measure_engine(env, f"{env.scale_to:,} activities")
        growth = env.scale_to / env.dataset.activities
        sizes = f"{_size(env.scale_to)} vs {_size(env.dataset.activities)}"
        rows += [
            scaled,
            judged(
                "S4",
                f"engine growth {sizes}",
                ours=scaled.ours,
                baseline=first.ours,
                unit="ms",
                limit=1.2 * growth,
                notes=f"data grew {growth:g}x",
            ),
            Row(
                "S4",
                f"bare GROUP BY growth {sizes}",
                scaled.baseline,
                first.baseline,
                "ms",
                "recorded",
                "info",
                ratio=scaled.baseline / first.baseline,
                notes=f"the baseline's own growth: what the storage does with {growth:g}x the rows, before any engine",
            ),
        ]
    return rows


async def s5_reaggregation(env: Env) -> list[Row]:
    """S5 re-aggregation after one new activity, against a full aggregation."""
    organization_id, period_id = scope(env)
    period = await Period.get(id=period_id)
    counter = iter(range(1, 1_000_000))

    async def after_one_new_activity() -> None:
        spec = ActivitySpec.model_validate(
            {
                "organization_id": organization_id,
                "source_system": "bench",
                "external_id": f"s5-{next(counter)}",
                "activity_type": "family_guidance",
                "category": "ungdom",
                "status": "completed",
                "occurred_at": period_bounds(period).start.replace(day=15),
                "participant_refs": ["p-bench-1"],
                "participant_count": 1,
                "hours": Decimal(2),
            }
        )
        await activities.record(env.context(), spec=spec)
        await full_job(env)

    async def full() -> None:
        await full_job(env)

    mine, theirs = await compare(after_one_new_activity, full, runs=max(3, env.runs // 2), warmup=1)
    engine_share = (await repeat(lambda: _engine_run(env, organization_id, period), runs=5)).p50
    await Activity.filter(source_system="bench").delete()
    return [
        Row(
            "S5",
            "after one new activity vs full",
            mine.p50 * 1e3,
            theirs.p50 * 1e3,
            "ms",
            "<= 0.05x",
            "no path",
            ratio=mine.p50 / theirs.p50,
            notes=(
                f"no incremental path: a re-aggregation is a full one (engine {engine_share * 1e3:.1f} ms of "
                f"{theirs.p50 * 1e3:.1f} ms). Count-distinct participants and stock figures need the whole scope, "
                "and a new snapshot is written either way (history); see bench/README.md"
            ),
            details={"ours": mine.summary(), "baseline": theirs.summary(), "engine_p50": engine_share},
        )
    ]
