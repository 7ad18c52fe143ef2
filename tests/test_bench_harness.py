"""The benchmark harness's own arithmetic and data (the benchmarks run with make bench, not here)."""

from __future__ import annotations

import asyncpg

from bench import dataset
from bench.harness import Timing, buffers, judged, percentile, table


def test_percentiles_are_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 50) == 50 and percentile(samples, 95) == 95 and percentile(samples, 99) == 99
    assert percentile([3.0], 99) == 3.0
    assert Timing([1.0, 3.0, 2.0]).p50 == 2.0


def test_verdicts_compare_the_ratio_with_the_goal_and_invert_throughputs():
    slower = judged("S1", "p50", ours=30, baseline=10, unit="ms", limit=2)
    assert slower.ratio is not None and (round(slower.ratio, 2), slower.verdict) == (3.0, "FAIL")
    assert judged("S3", "p50", ours=11, baseline=10, unit="ms", limit=1.2).verdict == "pass"
    throughput = judged("S8", "rate", ours=1_000, baseline=16_000, unit="/s", limit=None, higher_is_better=True)
    assert (throughput.ratio, throughput.verdict, throughput.goal) == (16.0, "info", "recorded")
    rendered = table([slower, throughput])
    assert "3.00x" in rendered and "16.00x" in rendered and "FAIL" in rendered


def test_the_generated_activities_are_deterministic_and_ids_can_be_shifted():
    small = dataset.Dataset(organizations=4, activities=50)
    first = list(dataset.activity_records(small))
    assert first == list(dataset.activity_records(small))
    assert {a[1] for a, _ in first} <= set(small.organization_ids)
    shifted = list(dataset.activity_records(small, 5, first_id=1_000_000))
    assert [a[0] for a, _ in shifted] == list(range(1_000_000, 1_000_005))
    assert all(activity_id == a[0] for a, refs in shifted for activity_id, _ in refs)


async def test_s4_reads_the_bare_querys_buffer_pages_from_postgresql(postgres_server: str):
    connection = await asyncpg.connect(postgres_server)
    try:
        hit, read = await buffers(connection, "SELECT COUNT(*) FROM pg_class WHERE relname <> $1", "none")
    finally:
        await connection.close()
    assert hit + read > 0 and min(hit, read) >= 0


def test_a_missing_server_program_ends_the_bench_in_one_line(capsys):
    from bench.harness import run
    from tests.services import ServiceUnavailable

    async def without_redis() -> int:
        raise ServiceUnavailable("redis-server is not installed (apt-get install redis-server)")

    assert run(without_redis) == 2
    assert capsys.readouterr().err == "bench: redis-server is not installed (apt-get install redis-server)\n"
