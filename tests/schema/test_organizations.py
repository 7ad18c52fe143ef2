from __future__ import annotations

import pytest

from bufdir_reporting.models import OrganizationKind

from ..conftest import error_codes
from ..factories import make_organization


@pytest.fixture
async def orgs(app) -> None:
    """Five organisations, one of them a branch of another."""
    await make_organization(id="org-1042", name="Barnevernstjenesten Oslo Sør", kind=OrganizationKind.CHILD_WELFARE_SERVICE)
    await make_organization(id="org-2077")
    await make_organization(id="org-3310")
    parent = await make_organization(id="org-bufdir-42")
    await make_organization(id="org_bufdir_oslo_42", parent=parent)


ORGANIZATION = """
query ($id: ID!) {
  organization(id: $id) { id organizationId name orgNumber kind parent { organizationId } }
}
"""


async def test_own_organization_is_readable(graphql, tokens, orgs):
    result = await graphql(ORGANIZATION, {"id": "org-1042"}, tokens.headers("org-1042"))
    assert "errors" not in result
    organization = result["data"]["organization"]
    assert organization["organizationId"] == "org-1042"
    assert organization["name"] == "Barnevernstjenesten Oslo Sør"
    assert organization["kind"] == "CHILD_WELFARE_SERVICE"


async def test_another_organisation_is_forbidden(graphql, tokens, orgs):
    result = await graphql(ORGANIZATION, {"id": "org-2077"}, tokens.headers("org-1042"))
    assert error_codes(result) == ["FORBIDDEN"]
    assert result["data"] == {"organization": None}  # nullable (Relay): one refused object nulls itself, not the answer


async def test_organization_without_token_is_unauthenticated(graphql, orgs):
    result = await graphql(ORGANIZATION, {"id": "org-1042"})
    assert error_codes(result) == ["UNAUTHENTICATED"]


async def test_unknown_organization_is_not_found_for_admin(graphql, tokens, orgs):
    result = await graphql(ORGANIZATION, {"id": "org-none"}, tokens.admin())
    assert error_codes(result) == ["NOT_FOUND"]


async def test_parent_is_hidden_unless_the_principal_may_see_it(graphql, tokens, orgs):
    own_only = await graphql(ORGANIZATION, {"id": "org_bufdir_oslo_42"}, tokens.headers("org_bufdir_oslo_42"))
    assert own_only["data"]["organization"]["parent"] is None
    both = await graphql(ORGANIZATION, {"id": "org_bufdir_oslo_42"}, tokens.headers("org_bufdir_oslo_42", "org-bufdir-42"))
    assert both["data"]["organization"]["parent"] == {"organizationId": "org-bufdir-42"}


ORGANIZATIONS = """
query ($first: Int, $after: String) {
  organizations(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { organizationId } }
  }
}
"""


async def test_organizations_lists_only_the_principals_own(graphql, tokens, orgs):
    result = await graphql(ORGANIZATIONS, {}, tokens.headers("org-1042", "org-3310"))
    connection = result["data"]["organizations"]
    assert connection["totalCount"] == 2
    assert [edge["node"]["organizationId"] for edge in connection["edges"]] == ["org-1042", "org-3310"]


async def test_admin_pages_through_every_organisation(graphql, tokens, orgs):
    first = (await graphql(ORGANIZATIONS, {"first": 2}, tokens.admin()))["data"]["organizations"]
    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    rest = (await graphql(ORGANIZATIONS, {"first": 10, "after": first["pageInfo"]["endCursor"]}, tokens.admin()))["data"][
        "organizations"
    ]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert rest["pageInfo"]["hasPreviousPage"] is True
    seen = [edge["node"]["organizationId"] for edge in first["edges"] + rest["edges"]]
    assert seen == sorted(["org-1042", "org-2077", "org-bufdir-42", "org_bufdir_oslo_42", "org-3310"])


@pytest.mark.parametrize(
    "cursor", ["abc", "!!!", "Zm9vOmJhcg==", "YXJyYXljb25uZWN0aW9uOng="], ids=["padding", "junk", "foreign", "no-offset"]
)
async def test_a_malformed_cursor_is_bad_input_naming_after(graphql, tokens, orgs, cursor):
    result = await graphql(ORGANIZATIONS, {"first": 2, "after": cursor}, tokens.admin())
    error = result["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "after")
    assert "padding" not in error["message"] and "expected to contain" not in error["message"]


async def test_page_size_above_the_maximum_is_bad_input(graphql, tokens, orgs):
    result = await graphql(ORGANIZATIONS, {"first": 10_000}, tokens.admin())
    assert error_codes(result) == ["BAD_USER_INPUT"]


async def test_node_round_trips_the_global_id_and_checks_access(graphql, tokens, orgs):
    own = tokens.headers("org-1042")
    global_id = (await graphql(ORGANIZATION, {"id": "org-1042"}, own))["data"]["organization"]["id"]
    node_query = "query ($id: ID!) { node(id: $id) { __typename ... on Organization { name } } }"
    node = await graphql(node_query, {"id": global_id}, own)
    assert node["data"]["node"] == {"__typename": "Organization", "name": "Barnevernstjenesten Oslo Sør"}
    by_global = await graphql(ORGANIZATION, {"id": global_id}, own)
    assert by_global["data"]["organization"]["organizationId"] == "org-1042"
    foreign = await graphql(node_query, {"id": global_id}, tokens.headers("org-2077"))
    assert error_codes(foreign) == ["FORBIDDEN"]
