from __future__ import annotations

from ..conftest import error_codes
from ..statements import counting_statements

TRIGGER = """
mutation ($org: ID!, $period: ID!, $force: Boolean!) {
  triggerAggregation(organizationId: $org, periodId: $period, force: $force) {
    jobId estimatedCompletionSeconds snapshot { snapshotId status }
  }
}
"""

SNAPSHOT = """
query ($id: ID!) {
  snapshot(id: $id) {
    snapshotId status cacheValid fieldCount populatedFieldCount missingRequiredFields
    organization { organizationId } period { periodId }
    priorSnapshot { period { periodId } status }
    metrics { activityCount participantCount uniqueParticipants hoursDelivered categories { category participants hours } }
    job { status durationMs attempts }
    sections {
      section { sectionId title }
      fieldValues { fieldKey label value priorValue change dataSource definition { required dataType } }
    }
  }
}
"""


async def triggered(graphql, app, headers, period="2024", force=False) -> dict:
    result = await graphql(TRIGGER, {"org": "org-1042", "period": period, "force": force}, headers)
    assert "errors" not in result, result
    await app.state.jobs.wait_idle()
    return result["data"]["triggerAggregation"]


async def test_trigger_then_read_the_snapshot_through_the_graph(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    started = await triggered(graphql, app, own)
    assert started["snapshot"]["status"] == "PROCESSING" and started["jobId"].startswith("job-agg-")
    result = await graphql(SNAPSHOT, {"id": started["snapshot"]["snapshotId"]}, own)
    assert "errors" not in result, result
    snapshot = result["data"]["snapshot"]
    assert snapshot["status"] == "CURRENT" and snapshot["job"]["status"] == "SUCCEEDED"
    assert snapshot["priorSnapshot"] == {"period": {"periodId": "2023"}, "status": "CURRENT"}
    assert snapshot["sections"][0]["section"]["sectionId"] == "barn-under-omsorg"
    values = {v["fieldKey"]: v for s in snapshot["sections"] for v in s["fieldValues"]}
    assert len(values) == snapshot["fieldCount"] == 57
    started_count = values["antall_undersokelser_igangsatt"]
    assert started_count["label"] == "Antall undersøkelser igangsatt"
    if started_count["priorValue"] is not None:
        assert float(started_count["change"]) == float(started_count["value"]) - float(started_count["priorValue"])
    assert values["antall_arsverk"]["value"] is None and values["antall_arsverk"]["definition"]["required"] is True
    assert "antall_arsverk" in snapshot["missingRequiredFields"]
    total = sum(c["participants"] for c in snapshot["metrics"]["categories"])
    assert total == snapshot["metrics"]["participantCount"]


async def test_without_force_the_current_snapshot_answers(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    first = await triggered(graphql, app, own)
    again = await triggered(graphql, app, own)
    assert again["snapshot"] == {"snapshotId": first["snapshot"]["snapshotId"], "status": "CURRENT"}
    assert again["jobId"] is None


async def test_snapshots_are_listed_per_organisation_and_guarded(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    await triggered(graphql, app, own)
    listed = await graphql(
        '{ organization(id: "org-1042") { snapshots { totalCount edges { node { period { periodId } } } } } }', headers=own
    )
    assert listed["data"]["organization"]["snapshots"]["totalCount"] == 2
    other = tokens.headers("org-2077")
    assert error_codes(await graphql(TRIGGER, {"org": "org-1042", "period": "2024", "force": True}, other)) == ["FORBIDDEN"]
    everything = await graphql("{ snapshots { totalCount } }", headers=other)
    assert everything["data"]["snapshots"]["totalCount"] == 0


async def test_invalidate_and_delete(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    first = (await triggered(graphql, app, own))["snapshot"]["snapshotId"]
    invalidated = await graphql(
        'mutation ($id: ID!) { invalidateSnapshot(id: $id, reason: "late data") { cacheValid invalidationReason } }',
        {"id": first},
        own,
    )
    assert invalidated["data"]["invalidateSnapshot"] == {"cacheValid": False, "invalidationReason": "late data"}
    await app.state.jobs.wait_idle()
    deleted = await graphql("mutation ($id: ID!) { deleteSnapshot(id: $id) }", {"id": first}, own)
    assert deleted["data"]["deleteSnapshot"] == first
    assert error_codes(await graphql(SNAPSHOT, {"id": first}, own)) == ["NOT_FOUND"]


NESTED = """
query ($first: Int!) {
  snapshots(first: $first) {
    edges { node {
      snapshotId organization { name } period { name }
      sections { section { title } fieldValues { fieldKey label value priorValue change } }
    } }
  }
}
"""


async def test_the_jobs_of_many_snapshots_are_read_in_one_statement(graphql, app, tokens, reporting):
    admin = tokens.admin()
    for period in ("2023", "2024", "2025"):
        await triggered(graphql, app, admin, period=period)
    query = "query ($first: Int!) { snapshots(first: $first) { edges { node { job { jobId status } } } } }"
    counts = []
    for first in (1, 3):
        with counting_statements() as counter:
            result = await graphql(query, {"first": first}, admin)
        assert [e["node"]["job"]["status"] for e in result["data"]["snapshots"]["edges"]] == ["SUCCEEDED"] * first
        counts.append(len(counter.statements))
    assert counts[0] == counts[1] == 3, counts  # the data version, the page, the jobs


async def test_nested_snapshot_reads_take_the_same_statements_for_one_or_many(graphql, app, tokens, reporting):
    """Batched loading: 1 and 5 snapshots with all their labelled values take the same, few
    statements (page, organisations, periods, values, definitions, sections) and no count."""
    admin = tokens.admin()
    for period in ("2023", "2024", "2025", "2024-Q1", "2024-Q2"):
        await triggered(graphql, app, admin, period=period)

    async def statements(first: int) -> list[str]:
        with counting_statements() as counter:
            result = await graphql(NESTED, {"first": first}, admin)
        edges = result["data"]["snapshots"]["edges"]
        assert len(edges) == first and all(e["node"]["sections"][0]["fieldValues"][0]["label"] for e in edges)
        return counter.statements

    await statements(2)  # the structure is read once per revision, by the first read of the process
    one, five = await statements(1), await statements(5)
    # first the data version the response cache keys on, then the reads themselves
    assert one[0] == five[0] and "FROM data_change" in one[0]
    assert len(one) == len(five) <= 1 + 6, (one, five)
    assert not any("COUNT(" in s.upper() for s in five)
    counted = await graphql("{ snapshots(first: 1) { totalCount edges { node { snapshotId } } } }", {}, admin)
    assert counted["data"]["snapshots"]["totalCount"] >= 5
