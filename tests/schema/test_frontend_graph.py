"""The graph as a frontend reads it: activities navigable both ways, who the viewer is, and an
identity on every object a normalising cache stores."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from ..conftest import error_codes
from ..statements import counting_statements

ACTIVITIES = """
query ($org: ID!, $type: String, $from: DateTime, $to: DateTime) {
  organization(id: $org) {
    activities(activityType: $type, occurredFrom: $from, occurredTo: $to, first: 5) {
      totalCount
      edges { node { activityId activityType occurredAt organization { organizationId name } } }
    }
  }
}
"""


async def test_an_organisations_activities_are_a_filtered_connection_newest_first(graphql, tokens, reporting):
    own = tokens.headers("org-1042")
    every = (await graphql(ACTIVITIES, {"org": "org-1042"}, own))["data"]["organization"]["activities"]
    nodes = [edge["node"] for edge in every["edges"]]
    assert every["totalCount"] > 5 and len(nodes) == 5
    assert [n["occurredAt"] for n in nodes] == sorted((n["occurredAt"] for n in nodes), reverse=True)
    assert {n["organization"]["organizationId"] for n in nodes} == {"org-1042"}
    variables = {"org": "org-1042", "type": "investigation", "from": "2024-01-01T00:00:00Z", "to": "2024-12-31T23:59:59Z"}
    narrowed = (await graphql(ACTIVITIES, variables, own))["data"]["organization"]["activities"]
    assert 0 < narrowed["totalCount"] < every["totalCount"]
    assert all(e["node"]["activityType"] == "investigation" for e in narrowed["edges"])
    assert all("2024-" in e["node"]["occurredAt"][:5] for e in narrowed["edges"])
    other = await graphql(ACTIVITIES, {"org": "org-1042"}, tokens.headers("org-2077"))
    assert error_codes(other) == ["FORBIDDEN"]


async def test_reading_activities_and_their_organisation_costs_the_same_for_any_page(graphql, tokens, reporting):
    query = """query ($n: Int!) { organizations(first: 5) { edges { node {
        activities(first: $n) { edges { node { activityId organization { name } } } } } } } }"""
    counts = []
    for size in (2, 20):
        with counting_statements() as counter:
            result = await graphql(query, {"n": size}, tokens.admin())
        assert "errors" not in result
        counts.append(len(counter.statements))
    # the page of organisations, one page of activities each, and at most one organisation load
    # each (the loader batches what it can): however many activities a page holds
    assert all(count <= 1 + 5 + 5 for count in counts), counts


async def test_a_snapshots_activities_are_those_its_activity_count_counts(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    triggered = await graphql(
        'mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024") { snapshot { snapshotId } } }', {}, own
    )
    await app.state.jobs.wait_idle()
    snapshot_id = triggered["data"]["triggerAggregation"]["snapshot"]["snapshotId"]
    result = await graphql(
        "query ($id: ID!) { snapshot(id: $id) { metrics { activityCount } activities(first: 3) { totalCount } } }",
        {"id": snapshot_id},
        own,
    )
    snapshot = result["data"]["snapshot"]
    assert snapshot["activities"]["totalCount"] == snapshot["metrics"]["activityCount"] > 0


async def test_the_viewer_says_who_you_are_and_what_you_may_act_for(graphql, tokens, reporting):
    query = "{ viewer { subject authenticated admin roles organizations { organizationId } } }"
    own = (await graphql(query, {}, tokens.headers("org-1042", "org-2077", subject="kari")))["data"]["viewer"]
    assert own == {
        "subject": "kari",
        "authenticated": True,
        "admin": False,
        "roles": [],
        "organizations": [{"organizationId": "org-1042"}, {"organizationId": "org-2077"}],
    }
    admin = (await graphql(query, {}, tokens.admin()))["data"]["viewer"]
    assert admin["admin"] and len(admin["organizations"]) == 5
    anonymous = (await graphql(query, {}))["data"]["viewer"]
    assert anonymous == {"subject": None, "authenticated": False, "admin": False, "roles": [], "organizations": []}


async def test_values_and_sections_have_identities_a_cache_can_merge(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    triggered = await graphql(
        'mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024") { snapshot { snapshotId } } }', {}, own
    )
    await app.state.jobs.wait_idle()
    snapshot_id = triggered["data"]["triggerAggregation"]["snapshot"]["snapshotId"]
    first = await graphql(
        "query ($id: ID!) { snapshot(id: $id) { sections { id fieldValues { id value } } } }", {"id": snapshot_id}, own
    )
    second = await graphql(
        "query ($id: ID!) { snapshot(id: $id) { fieldValues { id label fieldKey } } }", {"id": snapshot_id}, own
    )
    sections = first["data"]["snapshot"]["sections"]
    value_ids = [v["id"] for section in sections for v in section["fieldValues"]]
    assert len(set(value_ids)) == len(value_ids), "one identity per value"
    assert {v["id"] for v in second["data"]["snapshot"]["fieldValues"]} == set(value_ids), "the same identity in every view"
    assert all(v["id"] == f"{snapshot_id}/{v['fieldKey']}" for v in second["data"]["snapshot"]["fieldValues"])
    assert len({s["id"] for s in sections}) == len(sections) and sections[0]["id"].startswith(f"{snapshot_id}/")


async def test_one_id_rule_a_mutation_takes_global_ids_and_public_keys_alike(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    ids = await graphql('{ organization(id: "org-1042") { id } period(id: "2024") { id } }', {}, own)
    org_gid, period_gid = ids["data"]["organization"]["id"], ids["data"]["period"]["id"]
    trigger = "mutation ($o: ID!, $p: ID!) { triggerAggregation(organizationId: $o, periodId: $p) { snapshot { snapshotId } } }"
    by_global = await graphql(trigger, {"o": org_gid, "p": period_gid}, own)
    by_key = await graphql(trigger, {"o": "org-1042", "p": "2024"}, own)
    assert by_global["data"]["triggerAggregation"] == by_key["data"]["triggerAggregation"]  # the same scope, one snapshot
    crossed = await graphql(trigger, {"o": period_gid, "p": org_gid}, own)
    assert error_codes(crossed) == ["BAD_USER_INPUT"] and crossed["errors"][0]["extensions"]["field"] == "id"


async def test_an_aggregation_run_is_a_node_refetched_under_the_same_access(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    await graphql('mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024") { jobId } }', {}, own)
    await app.state.jobs.wait_idle()
    read = await graphql('{ snapshots(organizationId: "org-1042") { edges { node { job { id jobId status } } } } }', {}, own)
    job = read["data"]["snapshots"]["edges"][0]["node"]["job"]
    assert job["jobId"].startswith("job-agg-") and job["id"] != job["jobId"]
    node = "query ($id: ID!) { node(id: $id) { __typename ... on AggregationJob { jobId status } } }"
    assert (await graphql(node, {"id": job["id"]}, own))["data"]["node"] == {
        "__typename": "AggregationJob",
        "jobId": job["jobId"],
        "status": "SUCCEEDED",
    }
    foreign = await graphql(node, {"id": job["id"]}, tokens.headers("org-2077"))
    assert foreign["data"]["node"] is None  # another organisation's run answers as a missing one


async def test_event_instants_are_datetimes(app, settings, tokens, reporting):
    from bufdir_reporting.auth import Principal
    from bufdir_reporting.resolvers import snapshots
    from bufdir_reporting.schema import schema
    from bufdir_reporting.schema.context import GraphQLContext

    ctx = GraphQLContext(
        settings=settings, principal=Principal("kari", frozenset({"org-1042"})), jobs=app.state.jobs, events=app.state.events
    )
    query = 'subscription { organizationDataChanged(organizationId: "org-1042") { updatedAt } }'
    subscription = await schema.subscribe(query, context_value=ctx)
    first = asyncio.ensure_future(anext(subscription))
    while not app.state.events.stats["subscribers"]:
        await asyncio.sleep(0.01)
    await snapshots.trigger(ctx, organization_id="org-1042", period_id="2024", wait=True)
    async with asyncio.timeout(5):
        result = await first
    await subscription.aclose()
    updated_at = result.data["organizationDataChanged"]["updatedAt"]
    assert updated_at.endswith("Z"), updated_at  # the DateTime scalar prints as the event does
    assert datetime.fromisoformat(updated_at).utcoffset() == timedelta(0)
