"""The benchmark harness's own arithmetic and data (the benchmarks run with make bench, not here)."""

from __future__ import annotations

import base64

import asyncpg
import pytest

from bench import dataset
from bench.harness import Timing, buffers, judged, percentile, table
from bench.scenarios import peer_facts, postgraphile


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


def _peer_answers() -> tuple[dict, dict]:
    """S11's S7 document answered by us and by PostGraphile, the same facts in each one's shape."""
    section = {"id": base64.b64encode(b"Section:barn").decode(), "title": "Barn"}
    ours = {
        "data": {
            "organization": {
                "organizationId": "org-1",
                "name": "Org",
                "snapshots": {
                    "edges": [
                        {
                            "node": {
                                "snapshotId": "snap-1",
                                "status": "CURRENT",
                                "aggregatedAt": "2026-04-02T00:00:12Z",  # whole seconds, as GraphQL prints an instant
                                "cacheValid": True,
                                "missingRequiredFields": [],
                                "metrics": {
                                    "activityCount": 3,
                                    "participantCount": 5,
                                    "uniqueParticipants": 2,
                                    "hoursDelivered": "4.5",
                                    "categories": [
                                        {"category": "UNGDOM", "activities": 3, "participants": 5, "hours": "4.5"},
                                        {"category": "ANNET", "activities": 0, "participants": 0, "hours": "0"},
                                    ],
                                },
                                "sections": [
                                    {
                                        "section": section,
                                        "fieldValues": [
                                            {"fieldKey": "k", "label": "K", "value": "60", "priorValue": "67", "change": "-7"}
                                        ],
                                    }
                                ],
                            }
                        }
                    ]
                },
            }
        }
    }
    value = {
        "fieldKey": "k",
        "value": "60.0000",
        "priorValue": "67.0000",
        "fieldDefinitionByFieldDefinitionId": {"label": "K", "sectionBySectionId": {"rowId": "barn", "title": "Barn"}},
    }
    peer = {
        "data": {
            "organizationByRowId": {
                "rowId": "org-1",
                "name": "Org",
                "snapshotsByOrganizationId": {
                    "nodes": [
                        {
                            "rowId": "snap-1",
                            "status": "current",
                            "aggregatedAt": "2026-04-02T00:00:12.970248+00:00",  # PostgreSQL keeps microseconds
                            "cacheValid": True,
                            "missingRequiredFields": [],
                            "activityCount": 3,
                            "participantCount": 5,
                            "uniqueParticipants": 2,
                            "hoursDelivered": "4.50",
                            "categoryBreakdown": {"ungdom": {"activities": 3, "participants": 5, "hours": "4.50"}},
                            "fieldValuesBySnapshotId": {"nodes": [value]},
                        }
                    ]
                },
            }
        }
    }
    return ours, peer


def test_the_peers_answer_must_carry_the_same_facts_before_it_is_measured():
    """S11 compares PostGraphile's answer with ours fact by fact (formats aside: ids, decimals,
    times to the whole second — ours prints whole seconds, the peer microseconds — category
    names); one changed value, label or missing row stops the scenario."""
    ours, peer = _peer_answers()
    peer_facts.same_facts("S7", peer_facts.dashboard_facts(ours), peer_facts.peer_dashboard_facts(peer))
    changes = (
        lambda node: node["fieldValuesBySnapshotId"]["nodes"][0].update(priorValue="66"),  # so the change differs too
        lambda node: node["fieldValuesBySnapshotId"]["nodes"][0]["fieldDefinitionByFieldDefinitionId"].update(label="L"),
        lambda node: node["fieldValuesBySnapshotId"].update(nodes=[]),
        lambda node: node["categoryBreakdown"]["ungdom"].update(hours="4.25"),
        lambda node: node.update(uniqueParticipants=3),
    )
    for change in changes:
        ours, peer = _peer_answers()
        change(peer["data"]["organizationByRowId"]["snapshotsByOrganizationId"]["nodes"][0])
        with pytest.raises(peer_facts.FactsDiffer):
            peer_facts.same_facts("S7", peer_facts.dashboard_facts(ours), peer_facts.peer_dashboard_facts(peer))


def test_without_postgraphile_installed_s11_says_what_is_missing_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr(postgraphile, "NODE", tmp_path / "node")
    reason = postgraphile.missing()
    assert reason is not None and "\n" not in reason and "PostGraphile 5 and Node 22" in reason and "npm" in reason
