"""``nodes(ids:)``: many objects by global ID, each answering as ``node(id:)`` does."""

from __future__ import annotations

import base64

from ..conftest import error_codes
from ..statements import counting_statements

NODES = """query ($ids: [ID!]!) { nodes(ids: $ids) {
  __typename id
  ... on Organization { organizationId } ... on Snapshot { snapshotId } ... on AggregationJob { jobId }
  ... on Activity { activityId } ... on Period { periodId }
} }"""


def global_id(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


async def snapshot_and_job(graphql, app, headers, org: str) -> tuple[str, str]:
    trigger = 'mutation ($o: ID!) { triggerAggregation(organizationId: $o, periodId: "2024") { snapshot { id job { id } } } }'
    made = (await graphql(trigger, {"o": org}, headers))["data"]["triggerAggregation"]
    await app.state.jobs.wait_idle()
    return made["snapshot"]["id"], made["snapshot"]["job"]["id"]


async def test_nodes_answers_each_id_in_order_as_node_does(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    snapshot, job = await snapshot_and_job(graphql, app, own, "org-1042")
    foreign_snapshot, _ = await snapshot_and_job(graphql, app, tokens.admin(), "org-2077")
    ids = [
        global_id("Period", "2024"),
        snapshot,
        global_id("Organization", "org-2077"),  # named by its key: FORBIDDEN, as node(id:) answers
        job,
        foreign_snapshot,  # another organisation's: null, as a missing one
        global_id("Snapshot", "snap-missing"),
        global_id("Organization", "org-1042"),
    ]
    result = await graphql(NODES, {"ids": ids}, own)
    nodes = result["data"]["nodes"]
    assert [n and n["__typename"] for n in nodes] == ["Period", "Snapshot", None, "AggregationJob", None, None, "Organization"]
    assert [n and n["id"] for n in nodes] == [ids[0], ids[1], None, ids[3], None, None, ids[6]]
    assert [(e["path"], e["extensions"]["code"]) for e in result["errors"]] == [(["nodes", 2], "FORBIDDEN")]
    for position, one in enumerate(ids):
        alone = await graphql("query ($id: ID!) { node(id: $id) { id } }", {"id": one}, own)
        assert (alone["data"]["node"] or {}).get("id") == (nodes[position] or {}).get("id")
        assert error_codes(alone) == (["FORBIDDEN"] if position == 2 else [])


async def test_a_malformed_id_is_null_at_its_position_with_its_own_error(graphql, tokens, reporting):
    """One id this API did not give out failed the whole list (data null): per Relay's convention
    it is null where it stands, with node(id:)'s error and its path, and the others stand."""
    own = tokens.headers("org-1042")
    ids = [global_id("Period", "2024"), "not-base64!!", global_id("Nope", "x"), global_id("Organization", "org-1042")]
    result = await graphql(NODES, {"ids": ids}, own)
    assert [n and n["__typename"] for n in result["data"]["nodes"]] == ["Period", None, None, "Organization"]
    errors = [(e["path"], e["extensions"]["code"], e["message"]) for e in result["errors"]]
    for position in (1, 2):
        alone = (await graphql("query ($id: ID!) { node(id: $id) { id } }", {"id": ids[position]}, own))["errors"][0]
        assert (["nodes", position], "BAD_USER_INPUT", alone["message"]) in errors, (errors, alone)
    assert len(errors) == 2


async def test_an_id_of_a_type_this_api_lacks_is_quoted_by_node_and_nodes_alike(graphql, tokens, reporting):
    """An id of an unknown type read "The id is not one this API gave out", naming no id, where
    one not base64 at all is quoted (polish5): both name the id as it was given."""
    own = tokens.headers("org-1042")
    unknown = global_id("Nope", "x")
    for document, variables in (
        ("query ($id: ID!) { node(id: $id) { id } }", {"id": unknown}),
        (f'{{ node(id: "{unknown}") {{ id }} }}', {}),
        (NODES, {"ids": [unknown]}),
    ):
        for headers, said in (
            ({}, f"'{unknown}' is not an id this API gave out"),
            ({"Accept-Language": "nn"}, f"«{unknown}» er ikkje ein id"),
        ):
            (error,) = (await graphql(document, variables, {**own, **headers}))["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["message"].startswith(said), error


async def test_nodes_reads_each_kind_in_one_statement_however_many_ids(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    page = '{ organization(id: "org-1042") { activities(first: 8) { edges { node { id } } } } }'
    activities = [e["node"]["id"] for e in (await graphql(page, {}, own))["data"]["organization"]["activities"]["edges"]]
    snapshot, job = await snapshot_and_job(graphql, app, own, "org-1042")
    counts = []
    for ids in ([*activities[:2], snapshot, job], [*activities, *[snapshot, job] * 3]):
        with counting_statements() as counter:
            result = await graphql(NODES, {"ids": ids}, own)
        assert "errors" not in result and all(result["data"]["nodes"])
        counts.append(len(counter.statements))
    assert counts[0] == counts[1], counts


async def test_nodes_takes_at_most_a_page_of_ids(graphql, tokens, reporting, settings):
    ids = [global_id("Period", "2024")] * (settings.max_page_size + 1)
    refused = await graphql(NODES, {"ids": ids}, tokens.admin())
    assert error_codes(refused) == ["BAD_USER_INPUT"] and refused["errors"][0]["extensions"]["field"] == "ids"
    assert refused["data"] is None
    taken = await graphql(NODES, {"ids": ids[1:]}, tokens.admin())
    assert len(taken["data"]["nodes"]) == settings.max_page_size
