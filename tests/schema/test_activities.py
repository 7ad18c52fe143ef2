from __future__ import annotations

import base64
import re
from decimal import Decimal

import pytest

from bufdir_reporting.models import Activity, ActivityParticipant, AuditEntry, Snapshot
from bufdir_reporting.resolvers.base import ids

from ..conftest import error_codes
from ..factories import counted, make_organization, make_period, make_section
from ..statements import counting_statements

ORGANIZATIONS = ["org-1042", "org-2077", "org-bufdir-42", "org_bufdir_oslo_42", "org-3310"]


@pytest.fixture
async def world(app) -> None:
    """Five organisations, the years 2023 to 2025 and one counted field."""
    for org in ORGANIZATIONS:
        await make_organization(id=org)
    for year in (2023, 2024, 2025):
        await make_period(year=year)
    await make_section(fields=[counted("antall_saker")])


RECORD = """
mutation ($input: ActivityInput!) {
  recordActivity(input: $input) { activityId activityType participantCount hours deletedAt }
}
"""

ACTIVITY = {
    "organizationId": "org-1042",
    "sourceSystem": "fagsystem-cis",
    "externalId": "cis-777",
    "activityType": "emergency_placement",
    "category": "UNGDOM",
    "status": "completed",
    "location": "Oslo",
    "occurredAt": "2024-06-01T10:00:00Z",
    "participantCount": 1,
    "hours": "3.5",
    "participantRefs": ["p-x-1"],
}


async def current_snapshot(graphql, app, headers) -> str:
    trigger = 'mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024") { snapshot { snapshotId } } }'
    result = await graphql(trigger, headers=headers)
    await app.state.jobs.wait_idle()
    return result["data"]["triggerAggregation"]["snapshot"]["snapshotId"]


async def test_recording_is_idempotent_and_invalidates_covering_snapshots(graphql, app, tokens, world):
    own = tokens.headers("org-1042")
    snapshot_id = await current_snapshot(graphql, app, own)
    first = await graphql(RECORD, {"input": ACTIVITY}, own)
    assert "errors" not in first, first
    again = await graphql(RECORD, {"input": {**ACTIVITY, "participantCount": 2}}, own)
    assert again["data"]["recordActivity"]["activityId"] == first["data"]["recordActivity"]["activityId"]
    assert await Activity.filter(external_id="cis-777").count() == 1
    snapshot = await Snapshot.get(id=snapshot_id)
    assert snapshot.cache_valid is False and snapshot.invalidation_reason == "activities recorded"


async def test_a_write_in_a_later_period_leaves_earlier_snapshots_valid(graphql, app, tokens, world):
    own = tokens.headers("org-1042")
    snapshot_id = await current_snapshot(graphql, app, own)
    await graphql(RECORD, {"input": {**ACTIVITY, "occurredAt": "2025-02-01T10:00:00Z"}}, own)
    assert (await Snapshot.get(id=snapshot_id)).cache_valid is True


async def test_correct_and_delete(graphql, tokens, world):
    own = tokens.headers("org-1042")
    created = (await graphql(RECORD, {"input": ACTIVITY}, own))["data"]["recordActivity"]["activityId"]
    corrected = await graphql(
        'mutation ($id: ID!) { correctActivity(id: $id, input: {status: "cancelled", hours: "1"}) { status hours } }',
        {"id": created},
        own,
    )
    assert corrected["data"]["correctActivity"] == {"status": "cancelled", "hours": "1"}  # as written, not as stored (1.00)
    bad = await graphql(
        'mutation ($id: ID!) { correctActivity(id: $id, input: {endedAt: "2020-01-01T00:00:00Z"}) { status } }',
        {"id": created},
        own,
    )
    assert error_codes(bad) == ["BAD_USER_INPUT"] and bad["errors"][0]["extensions"]["field"] == "ended_at"
    deleted = await graphql("mutation ($id: ID!) { deleteActivity(id: $id) { deletedAt } }", {"id": created}, own)
    assert deleted["data"]["deleteActivity"]["deletedAt"] is not None
    other = await graphql(
        "mutation ($id: ID!) { deleteActivity(id: $id) { deletedAt } }", {"id": created}, tokens.headers("org-2077")
    )
    assert error_codes(other) == ["NOT_FOUND"]  # another organisation's activity answers as a missing one


async def test_bulk_ingest_is_all_or_nothing_with_row_errors(graphql, tokens, world):
    own = tokens.headers("org-1042")
    ingest = """
    mutation ($inputs: [ActivityInput!]!, $dry: Boolean!) {
      ingestActivities(inputs: $inputs, dryRun: $dry) { created updated errors { row field message } }
    }
    """
    good = [{**ACTIVITY, "externalId": f"bulk-{i}"} for i in range(3)]
    broken = [*good, {**ACTIVITY, "externalId": "bulk-x", "status": "Avsluttet sak"}]
    result = (await graphql(ingest, {"inputs": broken, "dry": False}, own))["data"]["ingestActivities"]
    assert result["created"] == 0 and result["errors"][0]["row"] == 4 and result["errors"][0]["field"] == "status"
    assert await Activity.filter(external_id__startswith="bulk-").count() == 0
    dry = (await graphql(ingest, {"inputs": good, "dry": True}, own))["data"]["ingestActivities"]
    assert dry == {"created": 0, "updated": 0, "errors": []}
    assert await Activity.filter(external_id__startswith="bulk-").count() == 0
    done = (await graphql(ingest, {"inputs": good, "dry": False}, own))["data"]["ingestActivities"]
    assert (done["created"], done["updated"]) == (3, 0)


async def test_recording_needs_the_organisation(graphql, tokens, world):
    assert error_codes(await graphql(RECORD, {"input": ACTIVITY}, tokens.headers("org-2077"))) == ["FORBIDDEN"]
    assert error_codes(await graphql(RECORD, {"input": ACTIVITY})) == ["UNAUTHENTICATED"]
    unknown = await graphql(RECORD, {"input": {**ACTIVITY, "organizationId": "org-none"}}, tokens.admin())
    assert error_codes(unknown) == ["NOT_FOUND"]


INGEST = """
mutation ($inputs: [ActivityInput!]!) {
  ingestActivities(inputs: $inputs, dryRun: false) { created updated errors { row field message } }
}
"""


async def test_a_batch_naming_one_activity_twice_records_then_corrects_it(graphql, tokens, settings, world):
    own = tokens.headers("org-1042")
    rows = [
        {**ACTIVITY, "externalId": "twice", "participantRefs": ["p-a"], "hours": "1"},
        {**ACTIVITY, "externalId": "once", "participantRefs": ["p-c"]},
        {**ACTIVITY, "externalId": "twice", "participantRefs": ["p-b", "p-c"], "hours": "2"},
    ]
    done = (await graphql(INGEST, {"inputs": rows}, own))["data"]["ingestActivities"]
    assert (done["created"], done["updated"], done["errors"]) == (2, 1, [])
    twice = await Activity.get(external_id="twice")
    assert twice.hours == Decimal("2.00")
    assert sorted(await ActivityParticipant.filter(activity_id=twice.id).values_list("participant_ref", flat=True)) == [
        "p-b",
        "p-c",
    ]
    trail = (
        await AuditEntry.filter(entity_id=ids.activity_public_id(settings, twice.id))
        .order_by("id")
        .values_list("action", "before", flat=False)
    )
    assert [action for action, _ in trail] == ["activity.recorded", "activity.corrected"]
    assert trail[1][1]["hours"] == "1"  # the correction's "before" is the first row of the same batch
    # Written again: both are corrections of stored rows, participants replaced, not added.
    again = (await graphql(INGEST, {"inputs": rows[1:]}, own))["data"]["ingestActivities"]
    assert (again["created"], again["updated"]) == (0, 2)
    assert await ActivityParticipant.filter(activity_id=twice.id).count() == 2


async def test_bulk_ingest_costs_a_bounded_number_of_statements_not_some_per_row(graphql, tokens, world):
    """Set-wise writing: 10 rows and 200 rows take the same statements (row-by-row took ~4 each)."""
    own = tokens.headers("org-1042")

    async def statements_for(count: int, prefix: str) -> int:
        rows = [{**ACTIVITY, "externalId": f"{prefix}-{i}", "participantRefs": [f"p-{i}", "p-x"]} for i in range(count)]
        with counting_statements() as counter:
            done = (await graphql(INGEST, {"inputs": rows}, own))["data"]["ingestActivities"]
        assert done["created"] == count
        return len(counter.statements)

    small, large = await statements_for(10, "small"), await statements_for(200, "large")
    assert large == small, (small, large)

    async def corrections(count: int, prefix: str) -> int:
        corrected = [{**ACTIVITY, "externalId": f"{prefix}-{i}", "status": "cancelled"} for i in range(count)]
        with counting_statements() as counter:
            done = (await graphql(INGEST, {"inputs": corrected}, own))["data"]["ingestActivities"]
        assert done["updated"] == count
        return len(counter.statements)

    # 200 corrections go through a staging table (three statements more), 10 take one UPDATE
    assert await corrections(200, "large") <= await corrections(10, "small") + 3


async def test_bulk_ingest_over_many_organisations_costs_what_one_does(graphql, tokens, world):
    """Checks (access, existence, locks) and writes are read and made for all organisations at
    once: rows over five organisations take the statements of rows for one."""
    admin = tokens.admin()
    organizations = ORGANIZATIONS

    async def statements_for(spread: list[str], prefix: str) -> int:
        rows = [{**ACTIVITY, "organizationId": spread[i % len(spread)], "externalId": f"{prefix}-{i}"} for i in range(20)]
        with counting_statements() as counter:
            done = (await graphql(INGEST, {"inputs": rows}, admin))["data"]["ingestActivities"]
        assert done["created"] == 20, done
        return len(counter.statements)

    assert await statements_for(organizations, "many") == await statements_for(organizations[:1], "one")


async def test_activity_ids_are_neither_sequential_nor_guessable(graphql, tokens, world):
    own = tokens.headers("org-1042")
    made = [
        (await graphql(RECORD, {"input": {**ACTIVITY, "externalId": f"guess-{n}"}}, own))["data"]["recordActivity"]["activityId"]
        for n in range(3)
    ]
    assert all(re.fullmatch(r"act-[a-z2-7]{26}", public) for public in made)
    assert len({public[4:8] for public in made}) == 3  # consecutive rows, unrelated ids

    neighbour = made[0][:10] + ("a" if made[0][10] != "a" else "b") + made[0][11:]
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    respelled = made[0][:-1] + alphabet[alphabet.index(made[0][-1]) ^ 1]  # differs only in a padding bit
    for probe in (neighbour, respelled, "act-" + "a" * 26):
        result = await graphql("mutation ($id: ID!) { deleteActivity(id: $id) { activityId } }", {"id": probe}, own)
        assert [e["extensions"]["code"] for e in result["errors"]] == ["NOT_FOUND"]
    sequential = await graphql('mutation { deleteActivity(id: "act-10021") { activityId } }', headers=own)
    assert [e["extensions"]["code"] for e in sequential["errors"]] == ["BAD_USER_INPUT"]

    node = await graphql(
        "query ($id: ID!) { node(id: $id) { ... on Activity { activityId } } }", {"id": _global("Activity", made[1])}, own
    )
    assert node["data"]["node"] == {"activityId": made[1]}
    by_row = await graphql("query ($id: ID!) { node(id: $id) { id } }", {"id": _global("Activity", "10021")}, own)
    assert by_row["data"]["node"] is None


def _global(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


async def test_a_category_is_one_of_bufdirs_five_in_graphql_and_its_code_elsewhere(graphql, client, tokens, world):
    """BufdirCategory is a closed enum: written and read as UNGDOM, stored and shown to REST as
    ungdom, filtered by; a lower-case code is refused before anything runs, naming the value."""
    own = tokens.headers("org-1042")
    recorded = await graphql(RECORD, {"input": {**ACTIVITY, "category": "ELDRE"}}, own)
    assert (await Activity.get(external_id="cis-777")).category == "eldre"
    read = """query ($category: BufdirCategory) { organization(id: "org-1042") {
        activities(category: $category) { totalCount edges { node { activityId category } } } } }"""
    found = (await graphql(read, {"category": "ELDRE"}, own))["data"]["organization"]["activities"]
    assert found["edges"] == [{"node": {"activityId": recorded["data"]["recordActivity"]["activityId"], "category": "ELDRE"}}]
    assert (await graphql(read, {"category": "UNGDOM"}, own))["data"]["organization"]["activities"]["totalCount"] == 0

    refused = await graphql(RECORD, {"input": {**ACTIVITY, "category": "eldre"}}, own)
    assert (
        error_codes(refused) == ["BAD_USER_INPUT"] and "Did you mean the enum value 'ELDRE'?" in refused["errors"][0]["message"]
    )

    rule = {"kind": "COUNT", "filters": {"categories": ["FORELDRE_BARN", "ANNET"], "statuses": ["completed"]}}
    create = """mutation ($rule: AggregationRuleInput!) { createSection(input: {sectionId: "kategorier", title: "Kategorier",
        order: 9, fields: [{key: "antall_familier", label: "Familier", dataType: INTEGER, aggregationRule: $rule}]}) {
        fields { aggregationRule { filters { categories statuses } } } } }"""
    made = (await graphql(create, {"rule": rule}, tokens.admin()))["data"]["createSection"]
    assert made["fields"][0]["aggregationRule"]["filters"] == {
        "categories": ["FORELDRE_BARN", "ANNET"],
        "statuses": ["completed"],
    }
    rest = (await client.get("/api/v1/report-sections/kategorier", headers=tokens.admin())).json()
    assert rest["fields"][0]["aggregation_rule"]["filters"]["categories"] == ["foreldre_barn", "annet"]


async def test_occurred_from_without_an_offset_is_local_time_as_every_datetime_input(graphql, tokens, world):
    """The DateTime scalar says a time without an offset is the service's local time: a filter
    reads it so too (it was UTC), so 00:30 on 1 June in Oslo is on or after 1 June."""
    own = tokens.headers("org-1042")
    await graphql(RECORD, {"input": {**ACTIVITY, "occurredAt": "2024-06-01T00:30:00+02:00"}}, own)
    read = """query ($from: DateTime, $to: DateTime) { organization(id: "org-1042") {
        activities(occurredFrom: $from, occurredTo: $to) { totalCount } } }"""

    async def counted(**bounds: str) -> int:
        return (await graphql(read, bounds, own))["data"]["organization"]["activities"]["totalCount"]

    assert await counted(**{"from": "2024-06-01T00:00:00"}) == 1
    assert await counted(to="2024-05-31T23:59:59") == 0
    assert await counted(**{"from": "2024-06-01T00:00:00Z"}) == 0  # an offset is kept
