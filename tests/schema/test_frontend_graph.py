"""The graph as a frontend reads it: activities navigable both ways, who the viewer is, and an
identity on every object a normalising cache stores."""

from __future__ import annotations

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
