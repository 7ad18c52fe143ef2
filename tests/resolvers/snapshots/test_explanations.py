"""Explanations of large changes, and reviewers' comments with answers: a field that asks for it
needs an explanation of a large change before the report can be submitted; the explanation is
shown beside the value in the report; reviewers comment on values and the organisation answers."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from bufdir_reporting.models import FieldDefinition
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.resolvers.reporting import records
from bufdir_reporting.resolvers.snapshots import manual_values
from bufdir_reporting.timefmt import iso_z

from ...conftest import error_codes
from ...factories import context_for, make_activity, make_period, make_scope

EXPLAIN = 'mutation ($s: ID!, $t: String!) { explainValue(snapshotId: $s, fieldKey: "antall_saker", text: $t) { id kind state } }'
SUBMIT = "mutation ($r: ID!) { submitReport(reportId: $r) { version } }"
NOTES = """query ($s: ID!) { snapshot(id: $s) { fieldValues { fieldKey explanation notes { id kind text author parentId } } } }"""


@pytest.fixture
async def changed(app, settings):
    """Cases went 2 -> 9 (+350 %, 7 more: above the absolute floor of 5) on a field that asks for an
    explanation of a large change."""
    scope = await make_scope()
    await make_period(year=2023)
    await FieldDefinition.filter(key="antall_saker").update(explain_large_change=True)
    for year, count in ((2023, 2), (2024, 9)):
        for day in range(1, count + 1):
            await make_activity(org=scope.org, occurred_at=datetime(year, 3, day, 10, tzinfo=UTC))
    ctx = context_for(settings, app, scope.org.id, subject="kari")
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id="2024", wait=True)).snapshot
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="antall_arsverk", value="3")
    return scope.org.id, snapshot.id, ctx


async def report(ctx, snapshot_id) -> str:
    fresh = Context(settings=ctx.settings, principal=ctx.principal, jobs=ctx.jobs, events=ctx.events)  # a new request
    return (await records.generate(fresh, snapshot_id=snapshot_id, report_type="annual_report")).id


async def test_a_large_change_must_be_explained_before_submission_and_is_shown_in_the_report(graphql, tokens, changed):
    org, snapshot_id, ctx = changed
    own = tokens.headers(org, subject="kari")
    refused = await graphql(SUBMIT, {"r": await report(ctx, snapshot_id)}, own)
    assert error_codes(refused) == ["BAD_USER_INPUT"]
    codes = [(e["field_key"], e["code"]) for e in refused["errors"][0]["extensions"]["validation_errors"]]
    assert codes == [("antall_saker", "EXPLANATION_MISSING")]

    explained = await graphql(EXPLAIN, {"s": snapshot_id, "t": "Ny rutine for mottak ga flere registrerte saker."}, own)
    # its initial state: pending until a reviewer accepts it (it read null)
    assert (explained["data"]["explainValue"]["kind"], explained["data"]["explainValue"]["state"]) == ("EXPLANATION", "PENDING")
    record_id = await report(ctx, snapshot_id)
    assert "errors" not in await graphql(SUBMIT, {"r": record_id}, own)
    _, path = await records.file_of(ctx, report_id=record_id)
    sheet = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes())).worksheets[1]
    cases = next(row for row in sheet.iter_rows(values_only=True) if row[7] == "antall_saker")
    assert cases[6].startswith("Forklaring: Ny rutine for mottak ga flere registrerte saker.")
    assert "Advarsel: " in cases[6]
    again = await graphql(EXPLAIN, {"s": snapshot_id, "t": "Endret forklaring"}, own)
    assert error_codes(again) == ["PERIOD_LOCKED"], "what was submitted stays as submitted"


async def test_a_reviewer_comments_and_the_organisation_answers_in_a_thread(graphql, tokens, changed):
    org, snapshot_id, _ = changed
    own, reviewer = tokens.headers(org, subject="kari"), tokens.reviewer()
    comment = await graphql(
        'mutation ($s: ID!) { commentOnValue(snapshotId: $s, fieldKey: "antall_saker", text: "Hvorfor økte dette?") { id } }',
        {"s": snapshot_id},
        reviewer,
    )
    comment_id = comment["data"]["commentOnValue"]["id"]
    answer = await graphql(
        "mutation ($c: ID!, $t: String!) { answerComment(commentId: $c, text: $t) { parentId author } }",
        {"c": comment_id, "t": "Ny mottaksrutine."},
        own,
    )
    assert answer["data"]["answerComment"] == {"parentId": comment_id, "author": "kari"}
    values = (await graphql(NOTES, {"s": snapshot_id}, reviewer))["data"]["snapshot"]["fieldValues"]
    cases = next(v for v in values if v["fieldKey"] == "antall_saker")
    assert [(n["kind"], n["author"], n["parentId"]) for n in cases["notes"]] == [
        ("COMMENT", "bufdir-saksbehandler", None),
        ("ANSWER", "kari", comment_id),
    ]
    assert cases["explanation"] is None


async def test_a_value_takes_so_many_notes_and_no_more(graphql, tokens, changed, monkeypatch):
    """One coordinator wrote 5,000 explanations of one value: the submission, which prints the
    dialogue, then took 15-19 s and every request slowed (attack7). A value takes
    ``MAX_NOTES_PER_VALUE`` notes of every kind; another value is not held by its count."""
    from bufdir_reporting.resolvers.snapshots import notes

    monkeypatch.setattr(notes, "MAX_NOTES_PER_VALUE", 2)
    org, snapshot_id, _ = changed
    own = tokens.headers(org, subject="kari")
    comment_on = 'mutation ($s: ID!) { commentOnValue(snapshotId: $s, fieldKey: "antall_saker", text: "Hvorfor?") { id } }'
    assert "errors" not in await graphql(EXPLAIN, {"s": snapshot_id, "t": "Ny rutine."}, own)
    assert "errors" not in await graphql(comment_on, {"s": snapshot_id}, tokens.reviewer())
    for refused in (
        await graphql(EXPLAIN, {"s": snapshot_id, "t": "Ny rutine, igjen."}, own),
        await graphql(comment_on, {"s": snapshot_id}, tokens.reviewer()),
    ):
        (error,) = refused["errors"]
        assert error["extensions"]["code"] == "CONFLICT" and error["extensions"]["limit"] == 2, error
        assert error["extensions"]["field_key"] == "antall_saker" and "2" in error["message"], error
    other = 'mutation ($s: ID!) { explainValue(snapshotId: $s, fieldKey: "antall_arsverk", text: "Tre årsverk.") { id } }'
    assert "errors" not in await graphql(other, {"s": snapshot_id}, own)


async def test_who_may_explain_comment_and_answer(graphql, tokens, changed):
    org, snapshot_id, _ = changed
    comment_on = 'mutation ($s: ID!) { commentOnValue(snapshotId: $s, fieldKey: "antall_saker", text: "x") { id } }'
    assert error_codes(await graphql(EXPLAIN, {"s": snapshot_id, "t": "x"}, tokens.reviewer())) == ["FORBIDDEN"]
    assert error_codes(await graphql(comment_on, {"s": snapshot_id}, tokens.headers(org))) == ["FORBIDDEN"]
    assert error_codes(await graphql(EXPLAIN, {"s": snapshot_id, "t": "x"}, tokens.headers("org-other"))) == ["NOT_FOUND"]
    comment_id = (await graphql(comment_on, {"s": snapshot_id}, tokens.reviewer()))["data"]["commentOnValue"]["id"]
    answer = 'mutation ($c: ID!) { answerComment(commentId: $c, text: "x") { id } }'
    assert error_codes(await graphql(answer, {"c": comment_id}, tokens.headers("org-other"))) == ["NOT_FOUND"]
    assert error_codes(await graphql(EXPLAIN, {"s": snapshot_id, "t": " "}, tokens.headers(org))) == ["BAD_USER_INPUT"]


async def test_notes_over_rest_and_live_to_the_organisation_and_reviewers(client, app, settings, tokens, changed):
    import asyncio

    from bufdir_reporting.auth import principal_from_authorization
    from bufdir_reporting.schema import schema
    from bufdir_reporting.schema.context import GraphQLContext

    org, snapshot_id, _ = changed
    reviewers_view = GraphQLContext(
        settings=settings,
        principal=principal_from_authorization(settings, tokens.reviewer()["Authorization"]),
        events=app.state.events,
    )
    stream = await schema.subscribe("subscription { valueNoteAdded { kind author fieldKey } }", context_value=reviewers_view)
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.1)

    own = tokens.headers(org, subject="kari")
    explained = await client.post(
        "/api/v1/value-notes",
        json={"snapshot_id": snapshot_id, "field_key": "antall_saker", "kind": "explanation", "text": "Ny rutine."},
        headers=own,
    )
    assert explained.status_code == 201 and (explained.json()["kind"], explained.json()["state"]) == ("explanation", "pending")
    async with asyncio.timeout(5):
        assert (await first).data["valueNoteAdded"] == {"kind": "EXPLANATION", "author": "kari", "fieldKey": "antall_saker"}
    await stream.aclose()

    commented = await client.post(
        "/api/v1/value-notes",
        json={"snapshot_id": snapshot_id, "field_key": "antall_saker", "kind": "comment", "text": "Stemmer det?"},
        headers=tokens.reviewer(),
    )
    answered = await client.post(f"/api/v1/value-notes/{commented.json()['note_id']}/answers", json={"text": "Ja."}, headers=own)
    assert answered.status_code == 201 and answered.json()["parent_id"] == commented.json()["note_id"]
    listed = await client.get("/api/v1/value-notes", params={"org_id": org, "period_id": "2024"}, headers=tokens.reviewer())
    assert [(n["kind"], n["state"]) for n in listed.json()["data"]] == [
        ("explanation", "pending"),
        ("comment", "answered"),
        ("answer", None),
    ]
    stranger = await client.get(
        "/api/v1/value-notes", params={"org_id": org, "period_id": "2024"}, headers=tokens.headers("org-x")
    )
    assert stranger.status_code == 403


async def test_a_regional_reviewer_following_every_organisation_gets_only_its_regions_notes(app, settings, tokens, changed):
    """valueNoteAdded and submissionReviewChanged without organizationId are every organisation's
    for a reviewer; one whose token names a region received every organisation's notes, their
    texts included (attacker's review, two replicas). It gets those of its region only."""
    import asyncio

    from bufdir_reporting.auth import principal_from_authorization
    from bufdir_reporting.resolvers.organizations import tree
    from bufdir_reporting.resolvers.snapshots import notes
    from bufdir_reporting.schema import schema
    from bufdir_reporting.schema.context import GraphQLContext

    from ...factories import make_organization

    _, snapshot_id, ctx = changed
    region = await make_organization(id="org-region")
    branch = await make_organization(id="org-branch", parent=region)
    branch_ctx = context_for(settings, app, branch.id, subject="ola")
    branch_snapshot = (await snapshots.trigger(branch_ctx, organization_id=branch.id, period_id="2024", wait=True)).snapshot
    principal = principal_from_authorization(settings, tokens.headers(region.id, reviewer=True)["Authorization"])
    regional = GraphQLContext(settings=settings, principal=await tree.reach(principal), events=app.state.events)
    stream = await schema.subscribe("subscription { valueNoteAdded { organizationId text } }", context_value=regional)
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.1)

    await notes.explain(ctx, snapshot_id=snapshot_id, field_key="antall_saker", text="Utenfor regionen.")
    await notes.explain(branch_ctx, snapshot_id=branch_snapshot.id, field_key="antall_saker", text="I regionen.")
    async with asyncio.timeout(5):
        assert (await first).data["valueNoteAdded"] == {"organizationId": "org-branch", "text": "I regionen."}
    await stream.aclose()


@pytest.mark.postgres_only  # SQLite lets one writer at a time: its settles never meet
async def test_reviewers_settling_one_note_at_once_one_wins_and_the_other_is_told_its_state(app, settings, changed):
    """Two reviewers resolve the same question, or accept the same explanation, at once: one
    wins; the other gets CONFLICT saying how the note stands now, who settled it and when (it
    said only "already"); one audit entry and one event per note, from the winner."""
    import asyncio

    from bufdir_reporting.auth import Principal
    from bufdir_reporting.errors import Conflict
    from bufdir_reporting.models import AuditEntry, EventLog
    from bufdir_reporting.resolvers.snapshots import notes

    _, snapshot_id, ctx = changed
    reviewers = [
        Context(settings=settings, principal=Principal(who, roles=frozenset({"reviewer"})), events=app.state.events)
        for who in ("saksbehandler-1", "saksbehandler-2")
    ]
    for round_ in range(3):
        question = await notes.comment(reviewers[0], snapshot_id=snapshot_id, field_key="antall_saker", text=f"Hvorfor {round_}?")
        explanation = await notes.explain(ctx, snapshot_id=snapshot_id, field_key="antall_saker", text=f"Fordi {round_}.")
        for settle, note, state in ((notes.resolve, question, "resolved"), (notes.accept, explanation, "accepted")):
            outcomes = await asyncio.gather(*[settle(r, note_id=note.id) for r in reviewers], return_exceptions=True)
            [won] = [o for o in outcomes if not isinstance(o, BaseException)]
            [lost] = [o for o in outcomes if isinstance(o, BaseException)]
            assert isinstance(lost, Conflict), repr(lost)
            assert won.resolved_at is not None
            assert lost.details == {
                "note_id": note.id,
                "state": state,
                "resolved_by": won.resolved_by,
                "resolved_at": iso_z(won.resolved_at),  # as the note shows it
            }
            assert await AuditEntry.filter(entity_id=str(note.id), action=f"value.{state}").count() == 1
            settled = [
                e for e in await EventLog.filter(channel=f"value_noted:{note.organization_id}") if e.payload["note_id"] == note.id
            ]
            assert len(settled) == 2, "made, then settled once"


async def test_a_live_note_says_how_it_stands_once_resolved(client, app, settings, tokens, changed):
    """A question resolved (or an explanation accepted) reached live subscribers as the note as
    it was made: the same event as its adding, with no state, so a live page could not tell that
    the question was settled (outsider). The event says the state and who settled it."""
    import asyncio

    from bufdir_reporting.auth import principal_from_authorization
    from bufdir_reporting.schema import schema
    from bufdir_reporting.schema.context import GraphQLContext

    org, snapshot_id, _ = changed
    own = tokens.headers(org, subject="kari")
    coordinators_view = GraphQLContext(
        settings=settings, principal=principal_from_authorization(settings, own["Authorization"]), events=app.state.events
    )
    stream = await schema.subscribe(
        f'subscription {{ valueNoteAdded(organizationId: "{org}") {{ noteId kind state resolvedBy resolvedAt }} }}',
        context_value=coordinators_view,
    )
    try:
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.1)
        comment = {"snapshot_id": snapshot_id, "field_key": "antall_saker", "kind": "comment", "text": "Stemmer det?"}
        note_id = (await client.post("/api/v1/value-notes", json=comment, headers=tokens.reviewer())).json()["note_id"]
        async with asyncio.timeout(5):
            added = (await first).data["valueNoteAdded"]
        assert added == {"noteId": str(note_id), "kind": "COMMENT", "state": "OPEN", "resolvedBy": None, "resolvedAt": None}
        resolved = await client.post(f"/api/v1/value-notes/{note_id}/resolve", headers=tokens.reviewer())
        assert resolved.status_code == 200, resolved.text
        async with asyncio.timeout(5):
            settled = (await anext(stream)).data["valueNoteAdded"]
        assert (settled["noteId"], settled["state"], settled["resolvedBy"]) == (str(note_id), "RESOLVED", "bufdir-saksbehandler")
        assert settled["resolvedAt"] == resolved.json()["resolved_at"]
    finally:
        await stream.aclose()
