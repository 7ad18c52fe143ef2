"""The structure in force is read once per structure revision, and a change made anywhere is
seen by the next aggregation: never a stale structure."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from bufdir_reporting.models import FieldValue, StructureRevision
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.base import revision
from bufdir_reporting.resolvers.structure import sections
from bufdir_reporting.resolvers.structure.inputs import SectionSpec

from ...factories import context_for, make_activity, make_scope
from ...statements import counting_statements

NEW_SECTION = {
    "section_id": "familievern",
    "section_title": "Familievern",
    "section_order": 50,
    "fields": [{"field_key": "antall_meglinger", "label": "Antall meglinger", "data_type": "integer"}],
    "effective_from_period_id": "2024",
}


async def aggregated_keys(ctx, org_id: str) -> set[str]:
    snapshot = (await snapshots.trigger(ctx, organization_id=org_id, period_id="2024", wait=True)).snapshot
    return {str(key) for key in await FieldValue.filter(snapshot_id=snapshot.id).values_list("field_key", flat=True)}


STRUCTURE = re.compile(r'FROM "?(section|field_definition)"?[\s,]')


def structure_reads(statements: list[str]) -> int:
    """Statements reading the structure's tables (the counter keeps a statement's first 120 characters)."""
    return sum(bool(STRUCTURE.search(statement)) for statement in statements)


async def test_the_structure_is_read_once_per_revision_and_a_change_is_seen_at_once(app, settings):
    scope = await make_scope()
    await make_activity(org=scope.org, occurred_at=datetime(2024, 3, 1, tzinfo=UTC))
    await revision.bump()  # the factories wrote the structure directly; a use case would have bumped
    ctx = context_for(settings, app, scope.org.id)
    with counting_statements() as first:
        assert await aggregated_keys(ctx, scope.org.id) == {"antall_saker", "antall_arsverk"}
    with counting_statements() as second:
        await aggregated_keys(ctx, scope.org.id)
    assert structure_reads(first.statements) >= 1 and structure_reads(second.statements) == 0, (
        first.statements,
        second.statements,
    )

    admin = context_for(settings, app, admin=True)
    await sections.create(admin, spec=SectionSpec.model_validate(NEW_SECTION))
    assert "antall_meglinger" in await aggregated_keys(ctx, scope.org.id), "the change is seen by the next run"


async def test_a_change_another_process_commits_replaces_the_token_this_one_reads(app, settings):
    scope = await make_scope()
    await revision.bump()
    ctx = context_for(settings, app, scope.org.id)
    before = await aggregated_keys(ctx, scope.org.id)
    token = await revision.current()
    # another replica changes the structure: its transaction replaces the token with the change
    from bufdir_reporting.models import FieldDefinition

    await FieldDefinition.filter(key="antall_saker").update(valid_to=datetime(2023, 12, 31).date())
    await StructureRevision.filter(id=1).update(token=f"other-{uuid.uuid4().hex[:20]}")
    assert await revision.current() != token
    fresh = context_for(settings, app, scope.org.id)  # a new request, with its own loaders
    assert await aggregated_keys(fresh, scope.org.id) == before - {"antall_saker"}


async def test_without_a_revision_nothing_is_cached(app, settings):
    scope = await make_scope()
    ctx = context_for(settings, app, scope.org.id)
    assert await revision.current() is None
    await aggregated_keys(ctx, scope.org.id)
    with counting_statements() as again:
        await aggregated_keys(ctx, scope.org.id)
    assert structure_reads(again.statements) >= 1


LABELLED = """query ($id: ID!) { %s: snapshot(id: $id) { sections { section { title } fieldValues { label value } } } }"""


async def test_a_snapshots_labels_and_sections_are_read_from_memory_under_the_revision(
    client, graphql, app, tokens, reporting, settings
):
    """The read path takes field definitions and sections from the process's structure under
    the revision: one primary-key read, no row of either table; a change is seen at once. (The
    executor's path: on PostgreSQL a compiled statement would answer this document in one.)"""
    settings.graphql_compiled_reads = False
    admin = tokens.admin()
    trigger = 'mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024") { snapshot { snapshotId } } }'
    snapshot_id = (await graphql(trigger, {}, admin))["data"]["triggerAggregation"]["snapshot"]["snapshotId"]
    await app.state.jobs.wait_idle()

    async def titles(alias: str) -> tuple[set[str], list[str]]:
        with counting_statements() as counter:  # a new alias each time: never the response cache's answer
            result = await graphql(LABELLED % alias, {"id": snapshot_id}, admin)
        assert "errors" not in result, result
        node = result["data"][alias]
        assert all(v["label"] for s in node["sections"] for v in s["fieldValues"])
        return {s["section"]["title"] for s in node["sections"]}, counter.statements

    await titles("warm")
    before, statements = await titles("held")
    assert structure_reads(statements) == 0, statements
    assert sum("structure_revision" in s for s in statements) == 1, statements

    current = (await client.get("/api/v1/report-sections/hjelpetiltak")).json()
    body = {"section_title": "Hjelpetiltak (nytt)", "section_order": 3, "fields": current["fields"]}
    assert (await client.put("/api/v1/report-sections/hjelpetiltak", json=body, headers=admin)).status_code == 200
    after, _ = await titles("changed")
    assert "Hjelpetiltak (nytt)" in after and "Hjelpetiltak (nytt)" not in before


async def test_with_the_structure_held_the_engine_reads_the_revision_in_its_own_statements(app, settings):
    """The revision's round trip weighed as much as the bare statement at 200,000 activities
    (bench S4): with definitions held under a revision, a run sends the engine's two statements
    and nothing else, one of them reading the token, and keeps the run when the token has not
    moved (a moved one runs again: test_a_change_another_process_commits_replaces_the_token_this_one_reads)."""
    from bufdir_reporting.resolvers.snapshots import run_inputs

    scope = await make_scope()
    await make_activity(org=scope.org, occurred_at=datetime(2024, 3, 1, tzinfo=UTC))
    await revision.bump()
    ctx = context_for(settings, app, scope.org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id="2024", wait=True)).snapshot
    with counting_statements() as counter:
        definitions, result = await run_inputs.aggregated(ctx, snapshot, [scope.org.id])
    assert len(counter.statements) == 2, counter.statements
    assert result.statements == 2 and result.revision == await revision.current() is not None
    assert result.activity_count == 1
    assert {d.key for d in definitions} >= {"antall_saker", "antall_arsverk"}
