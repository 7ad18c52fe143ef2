"""The executor's read path (compiled reads off, or a document the planner does not cover)
builds no Tortoise model of what it only reads: organisations and snapshots come as plain rows
(``resolvers.base.rows``), field definitions and sections from the structure the process holds
under the revision (issue #37 item 2)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from tortoise.models import Model

from bench.scenarios.dashboard import DASHBOARD  # bench S7's document
from bench.scenarios.reads import NESTED  # bench S1's document
from bench.scenarios.reads import SNAPSHOT_QUERY as ONE  # bench S3's GraphQL document
from bufdir_reporting.config import Settings
from bufdir_reporting.models import FieldDefinition, Organization, Section, Snapshot
from bufdir_reporting.resolvers.base import revision
from bufdir_reporting.resolvers.base.rows import OrganizationRow, SnapshotRow, columns

from .test_compiled_reads import aggregated, global_id

READ_ONLY = (Organization, Snapshot, FieldDefinition, Section)

NODES = """
query Nodes($org: ID!, $snapshot: ID!) {
  nodes(ids: [$org, $snapshot]) { __typename ... on Organization { name } ... on Snapshot { snapshotId } }
  organizations(first: 10) { edges { node { organizationId children { edges { node { name } } } } } }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.response_cache_mb = 0  # each read computed by the executor
    settings.graphql_compiled_reads = False
    return settings


@pytest.fixture
def models_built(monkeypatch: pytest.MonkeyPatch) -> Counter[type]:
    """Models built from database rows, by class (every read of a model goes through
    ``Model._init_from_db``): instrumentation, the reads themselves run as ever."""
    built: Counter[type] = Counter()
    real = Model._init_from_db.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Model], /, **kwargs: Any) -> Model:
        built[cls] += 1
        return real(cls, **kwargs)

    monkeypatch.setattr(Model, "_init_from_db", classmethod(counting))
    return built


async def test_the_executors_reads_build_no_organization_snapshot_field_or_section_model(
    client, graphql, app, tokens, reporting, settings, models_built
):
    admin = tokens.admin()
    await aggregated(graphql, app, admin, "org-1042", "2023")
    snapshot_id = await aggregated(graphql, app, admin, "org-1042", "2024")
    await revision.bump()  # the factories wrote the structure directly; a use case would have bumped
    reads: list[tuple[str, dict[str, Any]]] = [
        (NESTED, {"first": 10}),
        (DASHBOARD, {"org": "org-1042", "period": "2024"}),
        (ONE, {"id": snapshot_id}),
        (NODES, {"org": global_id("Organization", "org-1042"), "snapshot": global_id("Snapshot", snapshot_id)}),
    ]
    for document, variables in reads:
        await graphql(document, variables, admin)  # the structure read once under the revision
    for document, variables in reads:
        models_built.clear()
        result = await graphql(document, variables, admin)
        assert "errors" not in result, result
        assert {cls: models_built[cls] for cls in READ_ONLY if models_built[cls]} == {}, document[:40]
    nested = (await graphql(NESTED, {"first": 10}, admin))["data"]["snapshots"]["edges"]
    assert len(nested) == 2 and all(edge["node"]["organization"]["name"] for edge in nested)
    assert all(section["fieldValues"] for edge in nested for section in edge["node"]["sections"])
    dashboard = (await graphql(DASHBOARD, {"org": "org-1042", "period": "2024"}, admin))["data"]["organization"]
    (edge,) = dashboard["snapshots"]["edges"]
    assert edge["node"]["snapshotId"] == snapshot_id and edge["node"]["metrics"]["categories"] is not None
    nodes = (await graphql(NODES, reads[-1][1], admin))["data"]["nodes"]
    assert [node["__typename"] for node in nodes] == ["Organization", "Snapshot"]


async def test_a_plain_row_has_every_column_of_its_model(app):
    """A column added to the model and not to its row would be missing from every read."""
    assert set(columns(OrganizationRow)) == set(Organization._meta.fields_db_projection)
    assert set(columns(SnapshotRow)) == set(Snapshot._meta.fields_db_projection)
