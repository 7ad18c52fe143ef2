"""The case officer's worklist and the follow-up of questions (issue #33 items 3 and 4): a
period's findings, outliers and unresolved questions across organisations, ranked, filtered, over
GraphQL (a connection, live) and REST; a reviewer marks a value for follow-up, the organisation
answers, the reviewer resolves it and it leaves the list; a form may require follow-ups resolved
before submission. Submitted reports only unless drafts are asked; a report once per form it truly
belongs to, a question on the one report it was asked on; an unknown code refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bufdir_reporting.auth import REVIEWER, Principal
from bufdir_reporting.models import (
    DEFAULT_FORM,
    FieldDefinition,
    FieldValue,
    FormAssignment,
    FormSection,
    OrganizationKind,
    ReportForm,
    Snapshot,
    Submission,
    Translation,
    ValidationRule,
    ValueNote,
    ValueNoteKind,
)
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.resolvers.reporting import records
from bufdir_reporting.resolvers.snapshots import manual_values
from bufdir_reporting.schema import schema
from bufdir_reporting.schema.context import GraphQLContext
from bufdir_reporting.timefmt import iso_z

from ..conftest import error_codes
from ..factories import context_for, counted, make_organization, make_period, make_scope, make_section, make_submission

WORKLIST = """query ($p: ID!, $f: WorklistFilter, $first: Int) { worklist(periodId: $p, filter: $f, first: $first) {
  totalCount edges { node { organizationId fieldKey code severity importance score ruleId noteId noteState submitted } } } }"""
FOLLOW_UP = """mutation ($s: ID!) { markValueForFollowUp(snapshotId: $s, fieldKey: "akutt", text: "Stemmer dette?")
  { id kind state } }"""
RESOLVE = "mutation ($n: ID!) { resolveValueNote(noteId: $n) { state resolvedBy } }"
OPEN = "query ($o: ID!) { openQuestions(organizationId: $o) { id kind state } }"


async def _snapshot(org: str, values: dict[str, int], form_id: str | None = None) -> Snapshot:
    snapshot = await Snapshot.create(
        id=f"snap-{org}" + (f"-{form_id}" if form_id else ""),
        organization_id=org,
        period_id="2024",
        form_id=form_id,
        range_start=datetime(2024, 1, 1, tzinfo=UTC),
        range_end=datetime(2025, 1, 1, tzinfo=UTC),
        status="current",
        current_slot=f"{org}|2024" + (f"|{form_id}" if form_id else ""),
    )
    for key, value in values.items():
        definition = await FieldDefinition.get(key=key)
        await FieldValue.create(
            snapshot=snapshot, field_definition=definition, field_key=key, section_key=definition.section_id, value=Decimal(value)
        )
    return snapshot


@pytest.fixture
async def period(app):
    """Six child-welfare services in 2024, each report submitted: placements 20 each; acute
    placements 3, 4, 3, 5, 4 and org-w6's 60 (an outlier among its peers, and above its
    placements: the rule breaks)."""
    await make_section(fields=[counted("plasseringer"), counted("akutt")])
    await make_period(year=2024)
    for number, acute in enumerate((3, 4, 3, 5, 4, 60), start=1):
        await make_organization(id=f"org-w{number}", name=f"Tjeneste {number}", kind=OrganizationKind.CHILD_WELFARE_SERVICE)
        await make_submission(await _snapshot(f"org-w{number}", {"plasseringer": 20, "akutt": acute}))
    await _rule(DEFAULT_FORM)


async def _rule(form_id: str) -> None:
    await ValidationRule.create(
        form_id=form_id,
        name="Akutt innenfor plasseringer",
        left="akutt",
        operator="<=",
        right="plasseringer",
        missing_value_strategy="skip_if_any_missing",
        severity="error",
        importance="high",
        message_nb="Akuttplasseringer kan ikke være flere enn plasseringer.",
        message_nn="nn",
        message_en="en",
    )


async def test_the_worklist_ranks_errors_then_outliers_by_size_and_filters(graphql, client, tokens, period):
    reviewer = tokens.reviewer()
    found = (await graphql(WORKLIST, {"p": "2024"}, reviewer))["data"]["worklist"]
    items = [e["node"] for e in found["edges"]]
    assert [(i["organizationId"], i["code"], i["severity"]) for i in items] == [
        ("org-w6", "RULE_VIOLATED", "error"),
        ("org-w6", "OUTLIER_PEERS", "warning"),
    ]
    assert found["totalCount"] == 2 and items[1]["score"] > 3.5 and items[0]["submitted"]
    warnings = (await graphql(WORKLIST, {"p": "2024", "f": {"severity": "warning"}}, reviewer))["data"]["worklist"]
    assert [e["node"]["code"] for e in warnings["edges"]] == ["OUTLIER_PEERS"]
    other = (await graphql(WORKLIST, {"p": "2024", "f": {"organizationId": "org-w2"}}, reviewer))["data"]["worklist"]
    assert other["totalCount"] == 0
    for unknown in ({"organizationId": "nope"}, {"formId": "nope"}):  # a typo is not "nothing to look at"
        assert error_codes(await graphql(WORKLIST, {"p": "2024", "f": unknown}, reviewer)) == ["NOT_FOUND"], unknown
    assert error_codes(await graphql(WORKLIST, {"p": "2024"}, tokens.headers("org-w6"))) == ["FORBIDDEN"]

    rest = await client.get("/api/v1/worklist", params={"period_id": "2024"}, headers=reviewer)
    assert [(i["organization_id"], i["code"]) for i in rest.json()["data"]] == [
        (i["organizationId"], i["code"]) for i in items
    ], "REST and GraphQL list the same items in the same order"
    assert rest.json()["pagination"]["total"] == 2
    # one wording: the worklist says of the outlier what the organisation's snapshot (and so its
    # report's PDF) says; the reviewer's score is a field of its own (the worklist said the z)
    said = {i["code"]: i["message"] for i in rest.json()["data"]}
    validation = "query ($s: ID!) { snapshot(id: $s) { validation { code message score } } }"
    own = (await graphql(validation, {"s": "snap-org-w6"}, tokens.headers("org-w6")))["data"]["snapshot"]["validation"]
    assert [(f["message"], f["score"]) for f in own if f["code"] == "OUTLIER_PEERS"] == [(said["OUTLIER_PEERS"], None)], own
    assert (
        await client.get("/api/v1/worklist", params={"period_id": "2024"}, headers=tokens.headers("org-w6"))
    ).status_code == 403


async def test_a_follow_up_is_open_answered_and_resolved_and_leaves_the_worklist(graphql, client, tokens, period):
    reviewer, coordinator = tokens.reviewer(), tokens.headers("org-w2", subject="ola")
    marked = (await graphql(FOLLOW_UP, {"s": "snap-org-w2"}, reviewer))["data"]["markValueForFollowUp"]
    assert (marked["kind"], marked["state"]) == ("FOLLOW_UP", "OPEN")
    assert error_codes(await graphql(FOLLOW_UP, {"s": "snap-org-w2"}, coordinator)) == ["FORBIDDEN"]
    items = [e["node"] for e in (await graphql(WORKLIST, {"p": "2024"}, reviewer))["data"]["worklist"]["edges"]]
    question = next(i for i in items if i["code"] == "QUESTION_OPEN")
    assert (question["organizationId"], question["severity"], question["noteState"]) == ("org-w2", "error", "open")

    assert (await graphql(OPEN, {"o": "org-w2"}, coordinator))["data"]["openQuestions"] == [
        {"id": marked["id"], "kind": "FOLLOW_UP", "state": "OPEN"}
    ]
    assert error_codes(await graphql(OPEN, {"o": "org-w2"}, tokens.headers("org-w3"))) == ["FORBIDDEN"]
    answered = await graphql(
        'mutation ($c: ID!) { answerComment(commentId: $c, text: "Ja, se vedlegg.") { id } }', {"c": marked["id"]}, coordinator
    )
    assert "errors" not in answered
    assert (await graphql(OPEN, {"o": "org-w2"}, coordinator))["data"]["openQuestions"][0]["state"] == "ANSWERED"

    assert error_codes(await graphql(RESOLVE, {"n": marked["id"]}, coordinator)) == ["FORBIDDEN"]
    resolved = (await graphql(RESOLVE, {"n": marked["id"]}, reviewer))["data"]["resolveValueNote"]
    assert resolved == {"state": "RESOLVED", "resolvedBy": "bufdir-saksbehandler"}
    assert error_codes(await graphql(RESOLVE, {"n": marked["id"]}, reviewer)) == ["CONFLICT"]
    assert (await graphql(OPEN, {"o": "org-w2"}, coordinator))["data"]["openQuestions"] == []
    items = [e["node"] for e in (await graphql(WORKLIST, {"p": "2024"}, reviewer))["data"]["worklist"]["edges"]]
    assert "QUESTION_OPEN" not in {i["code"] for i in items}

    # over REST: a comment is a question too, listed open until resolved
    comment = await client.post(
        "/api/v1/value-notes",
        json={"snapshot_id": "snap-org-w3", "field_key": "akutt", "kind": "comment", "text": "Hvorfor?"},
        headers=reviewer,
    )
    assert comment.status_code == 201 and comment.json()["state"] == "open"
    listed = await client.get("/api/v1/value-notes/open-questions", params={"org_id": "org-w3"}, headers=tokens.headers("org-w3"))
    assert [n["note_id"] for n in listed.json()["data"]] == [comment.json()["note_id"]]
    done = await client.post(f"/api/v1/value-notes/{comment.json()['note_id']}/resolve", headers=reviewer)
    assert done.status_code == 200 and done.json()["resolved_by"] == "bufdir-saksbehandler"


async def test_a_resolved_question_takes_no_more_answers_and_says_how_it_stands(graphql, client, tokens, period):
    """An answer to a question already resolved was kept while the question stayed resolved, so
    no reviewer's list ever showed it (attacker's review): it is refused with the question's
    state, who resolved it and when, and nothing is written."""
    reviewer, coordinator = tokens.reviewer(), tokens.headers("org-w2", subject="ola")
    marked = (await graphql(FOLLOW_UP, {"s": "snap-org-w2"}, reviewer))["data"]["markValueForFollowUp"]
    assert "errors" not in await graphql(RESOLVE, {"n": marked["id"]}, reviewer)
    notes_before = await ValueNote.filter(organization_id="org-w2").count()

    late = await graphql(
        'mutation ($c: ID!) { answerComment(commentId: $c, text: "Et svar til.") { id } }', {"c": marked["id"]}, coordinator
    )
    assert error_codes(late) == ["CONFLICT"]
    assert late["errors"][0]["extensions"]["state"] == "resolved"
    note_id = (await ValueNote.get(organization_id="org-w2", kind=ValueNoteKind.FOLLOW_UP)).id
    over_rest = await client.post(
        f"/api/v1/value-notes/{note_id}/answers", json={"text": "Et svar til."}, headers={**coordinator, "Accept-Language": "en"}
    )
    assert over_rest.status_code == 409, over_rest.text
    error = over_rest.json()["error"]
    assert (error["details"]["state"], error["details"]["resolved_by"]) == ("resolved", "bufdir-saksbehandler")
    resolved_at = (await ValueNote.get(id=note_id)).resolved_at
    assert resolved_at is not None and error["details"]["resolved_at"] == iso_z(resolved_at)  # as the note shows it
    assert "takes no more answers" in error["message"]
    documented = (await client.get("/openapi.json")).json()["paths"]["/api/v1/value-notes/{note_id}/answers"]["post"]
    assert "409" in documented["responses"], "a generated client knows the answer it may get"
    assert await ValueNote.filter(organization_id="org-w2").count() == notes_before


async def test_the_worklist_follows_its_period_live(app, settings, graphql, tokens, period):
    ctx = GraphQLContext(
        settings=settings, principal=Principal("case-officer", roles=frozenset({REVIEWER})), events=app.state.events
    )
    stream = await schema.subscribe(
        'subscription { worklistChanged(periodId: "2024") { organizationId code } }', context_value=ctx
    )
    try:
        first = await asyncio.wait_for(stream.__anext__(), 5)
        assert [i["code"] for i in first.data["worklistChanged"]] == ["RULE_VIOLATED", "OUTLIER_PEERS"]
        await graphql(FOLLOW_UP, {"s": "snap-org-w2"}, tokens.reviewer())
        changed = await asyncio.wait_for(stream.__anext__(), 5)
        assert ("org-w2", "QUESTION_OPEN") in [(i["organizationId"], i["code"]) for i in changed.data["worklistChanged"]]
    finally:
        await stream.aclose()


async def test_a_form_that_asks_it_refuses_submission_while_a_follow_up_is_unresolved(app, settings, graphql, tokens):
    scope = await make_scope()
    await ReportForm.filter(id="bufdir-rapport").update(require_questions_resolved=True)
    ctx = context_for(settings, app, scope.org.id, subject="kari")
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id="2024", wait=True)).snapshot
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="antall_arsverk", value="3")
    mark = 'mutation ($s: ID!) { markValueForFollowUp(snapshotId: $s, fieldKey: "antall_saker", text: "Sjekk") { id } }'
    note_id = (await graphql(mark, {"s": snapshot.id}, tokens.reviewer()))["data"]["markValueForFollowUp"]["id"]

    async def submit() -> dict:
        fresh = Context(settings=ctx.settings, principal=ctx.principal, jobs=ctx.jobs, events=ctx.events)
        record = await records.generate(fresh, snapshot_id=snapshot.id, report_type="annual_report")
        return await graphql(
            "mutation ($r: ID!) { submitReport(reportId: $r) { version } }", {"r": record.id}, tokens.headers(scope.org.id)
        )

    refused = await submit()
    assert error_codes(refused) == ["CONFLICT"] and "follow-up" in refused["errors"][0]["message"]
    await graphql(RESOLVE, {"n": note_id}, tokens.reviewer())
    assert "errors" not in await submit()


async def test_the_worklist_lists_submitted_reports_and_drafts_only_when_asked(graphql, client, tokens, period):
    reviewer = tokens.reviewer()
    await Submission.filter(organization_id="org-w6").delete()  # org-w6's report is a draft again
    assert (await graphql(WORKLIST, {"p": "2024"}, reviewer))["data"]["worklist"]["totalCount"] == 0
    drafts = (await graphql(WORKLIST, {"p": "2024", "f": {"submittedOnly": False}}, reviewer))["data"]["worklist"]
    assert [(e["node"]["code"], e["node"]["submitted"]) for e in drafts["edges"]] == [
        ("RULE_VIOLATED", False),
        ("OUTLIER_PEERS", False),
    ]
    assert (await client.get("/api/v1/worklist", params={"period_id": "2024"}, headers=reviewer)).json()["data"] == []
    rest = await client.get("/api/v1/worklist", params={"period_id": "2024", "submitted_only": "false"}, headers=reviewer)
    assert [i["code"] for i in rest.json()["data"]] == ["RULE_VIOLATED", "OUTLIER_PEERS"]


async def test_an_unknown_code_is_refused_naming_code_and_the_codes(graphql, client, tokens, period):
    reviewer = tokens.reviewer()
    refused = await graphql(WORKLIST, {"p": "2024", "f": {"codes": ["OUTLIER"]}}, reviewer)
    assert error_codes(refused) == ["BAD_USER_INPUT"] and "OUTLIER_PEERS" in refused["errors"][0]["message"]
    rest = await client.get("/api/v1/worklist", params={"period_id": "2024", "code": ["RULE_VIOLATED", "NOPE"]}, headers=reviewer)
    assert rest.status_code == 422, rest.text
    details = rest.json()["error"]["details"]
    assert details["field"] == "code" and "QUESTION_OPEN" in details["codes"] and "OUTLIER_HISTORY" in details["codes"]
    known = await client.get("/api/v1/worklist", params={"period_id": "2024", "code": "OUTLIER_PEERS"}, headers=reviewer)
    assert [i["code"] for i in known.json()["data"]] == ["OUTLIER_PEERS"]
    # GraphQL's spelling over REST answered the whole list unfiltered: refused, naming it
    misspelt = await client.get("/api/v1/worklist", params={"period_id": "2024", "codes": "RULE_VIOLATED"}, headers=reviewer)
    assert misspelt.status_code == 422 and misspelt.json()["error"]["details"]["field"] == "codes", misspelt.text
    assert "code" in misspelt.json()["error"]["details"]["known"] and "page" in misspelt.json()["error"]["details"]["known"]


async def test_a_report_is_listed_once_per_form_it_belongs_to_and_a_question_on_one(graphql, tokens, period):
    """org-w6 reports a second form with the same fields (as an umbrella reports a rolled-up form
    beside its own): each report's findings once, and a follow-up mark on the report it was made
    on only. A snapshot of a form the organisation does not report (the default form's, after an
    aggregation that named none) is no report: not listed, even with drafts."""
    reviewer = tokens.reviewer()
    await ReportForm.create(id="annen", name="Annen")
    await FormSection.create(form_id="annen", section_id=(await FieldDefinition.get(key="akutt")).section_id)
    await FormAssignment.create(
        form_id="annen", organization_id="org-w6", valid_from=datetime(2000, 1, 1).date(), created_by="admin"
    )
    await _rule("annen")
    await _snapshot("org-w6", {"plasseringer": 20, "akutt": 60}, form_id="annen")
    everything = {"p": "2024", "f": {"submittedOnly": False}}
    await graphql(FOLLOW_UP, {"s": "snap-org-w6"}, reviewer)

    query = WORKLIST.replace("submitted }", "submitted formId }")
    items = [e["node"] for e in (await graphql(query, everything, reviewer))["data"]["worklist"]["edges"]]
    assert sorted((i["formId"], i["code"]) for i in items) == [
        ("annen", "RULE_VIOLATED"),
        (DEFAULT_FORM, "OUTLIER_PEERS"),
        (DEFAULT_FORM, "QUESTION_OPEN"),
        (DEFAULT_FORM, "RULE_VIOLATED"),
    ], "the other form has no peers to be judged by, and the mark was made on the default form's report"

    await FormAssignment.filter(form_id=DEFAULT_FORM).delete()  # org-w6 reports "annen" only
    await Submission.filter(organization_id="org-w6").delete()
    of_w6 = {"p": "2024", "f": {"submittedOnly": False, "organizationId": "org-w6"}}  # another query: not a cached answer
    items = [e["node"] for e in (await graphql(query, of_w6, reviewer))["data"]["worklist"]["edges"]]
    assert [(i["formId"], i["code"]) for i in items] == [("annen", "RULE_VIOLATED")]


ITEMS = """query ($p: ID!, $f: WorklistFilter) { worklist(periodId: $p, filter: $f) { totalCount edges { node {
  organizationId fieldKey code noteId noteState answer answeredBy resolvedBy resolvedAt } } } }"""


async def _items(graphql, headers, **where) -> list[dict]:
    found = await graphql(ITEMS, {"p": "2024", "f": {"organizationId": "org-w6", **where}}, headers)
    return [e["node"] for e in found["data"]["worklist"]["edges"]]


async def test_an_answered_question_shows_the_answer_and_resolving_it_settles_the_values_findings(
    graphql, client, tokens, period
):
    """An answered question kept QUESTION_OPEN and showed the question only; resolving it left the
    value's outlier and rule finding on the list (outsider). Now: QUESTION_ANSWERED, first, with
    the answer and who wrote it; resolved, the question and the findings on that value leave the
    default list, in GraphQL and REST alike, and come back with includeResolved, saying who."""
    reviewer, coordinator = tokens.reviewer(), tokens.headers("org-w6", subject="ola")
    asked = (await graphql(FOLLOW_UP, {"s": "snap-org-w6"}, reviewer))["data"]["markValueForFollowUp"]
    assert [(i["code"], i["noteState"]) for i in await _items(graphql, reviewer)] == [
        ("RULE_VIOLATED", None),
        ("OUTLIER_PEERS", None),
        ("QUESTION_OPEN", "open"),
    ], "an open question (an error-level mark) waits for the organisation: after what the case officer has yet to see"
    answer = 'mutation ($c: ID!) { answerComment(commentId: $c, text: "Ja: tre søsken, flyttet to ganger.") { id } }'
    assert "errors" not in await graphql(answer, {"c": asked["id"]}, coordinator)
    items = await _items(graphql, reviewer)
    question = next(i for i in items if i["noteId"] == asked["id"])
    assert (question["code"], question["noteState"], question["answer"], question["answeredBy"]) == (
        "QUESTION_ANSWERED",
        "answered",
        "Ja: tre søsken, flyttet to ganger.",
        "ola",
    )
    assert [i["code"] for i in items].index("QUESTION_ANSWERED") < [i["code"] for i in items].index("OUTLIER_PEERS")
    rest = await client.get("/api/v1/worklist", params={"period_id": "2024", "code": "QUESTION_ANSWERED"}, headers=reviewer)
    assert [(i["code"], i["answer"], i["answered_by"]) for i in rest.json()["data"]] == [
        ("QUESTION_ANSWERED", "Ja: tre søsken, flyttet to ganger.", "ola")
    ]

    await graphql(RESOLVE, {"n": asked["id"]}, reviewer)
    assert await _items(graphql, reviewer) == [], "the value's question resolved: nothing left to look at on it"
    assert (await client.get("/api/v1/worklist", params={"period_id": "2024"}, headers=reviewer)).json()["data"] == []
    settled = await _items(graphql, reviewer, includeResolved=True)
    assert sorted((i["code"], i["resolvedBy"]) for i in settled) == [
        ("OUTLIER_PEERS", "bufdir-saksbehandler"),
        ("QUESTION_RESOLVED", "bufdir-saksbehandler"),
        ("RULE_VIOLATED", "bufdir-saksbehandler"),
    ]
    rest = await client.get("/api/v1/worklist", params={"period_id": "2024", "include_resolved": "true"}, headers=reviewer)
    assert sorted(i["code"] for i in rest.json()["data"]) == ["OUTLIER_PEERS", "QUESTION_RESOLVED", "RULE_VIOLATED"]
    assert all(i["resolved_by"] == "bufdir-saksbehandler" and i["resolved_at"] for i in rest.json()["data"])

    # a figure entered after it was settled deserves a new look (another query: not a cached answer)
    await FieldValue.filter(snapshot_id="snap-org-w6", field_key="akutt").update(set_at=datetime(2099, 1, 1, tzinfo=UTC))
    again = await _items(graphql, reviewer, severity="warning")
    assert [(i["code"], i["resolvedBy"]) for i in again] == [("OUTLIER_PEERS", None)]


async def test_an_accepted_explanation_settles_the_values_findings_live(app, settings, graphql, client, tokens, period):
    """There was no "accepted": an explained outlier stayed on the worklist. A reviewer accepts
    the explanation (GraphQL or REST); the findings on the value leave the list as it changes,
    and a question asked on the value afterwards brings them back."""
    reviewer = tokens.reviewer()
    explanation = await ValueNote.create(
        organization_id="org-w6", period_id="2024", form_id=DEFAULT_FORM, field_key="akutt", kind="explanation",
        text="Nytt akuttmottak i kommunen.", author="ola", state="pending",
    )  # fmt: skip
    items = await _items(graphql, reviewer)
    assert {(i["code"], i["noteId"], i["answer"]) for i in items} == {
        ("RULE_VIOLATED", str(explanation.id), "Nytt akuttmottak i kommunen."),
        ("OUTLIER_PEERS", str(explanation.id), "Nytt akuttmottak i kommunen."),
    }, "a finding names the explanation to accept"
    ctx = GraphQLContext(
        settings=settings, principal=Principal("case-officer", roles=frozenset({REVIEWER})), events=app.state.events
    )
    stream = await schema.subscribe('subscription { worklistChanged(periodId: "2024") { code } }', context_value=ctx)
    try:
        assert [i["code"] for i in (await asyncio.wait_for(stream.__anext__(), 5)).data["worklistChanged"]] == [
            "RULE_VIOLATED",
            "OUTLIER_PEERS",
        ]
        accept = "mutation ($n: ID!) { acceptExplanation(noteId: $n) { state resolvedBy } }"
        assert error_codes(await graphql(accept, {"n": explanation.id}, tokens.headers("org-w6"))) == ["FORBIDDEN"]
        accepted = (await graphql(accept, {"n": explanation.id}, reviewer))["data"]["acceptExplanation"]
        assert accepted == {"state": "ACCEPTED", "resolvedBy": "bufdir-saksbehandler"}
        assert (await asyncio.wait_for(stream.__anext__(), 5)).data["worklistChanged"] == []
    finally:
        await stream.aclose()
    assert error_codes(await graphql(accept, {"n": explanation.id}, reviewer)) == ["CONFLICT"]
    assert (await client.post(f"/api/v1/value-notes/{explanation.id}/accept", headers=reviewer)).status_code == 409
    settled = await _items(graphql, reviewer, includeResolved=True)
    assert {(i["code"], i["noteState"], i["resolvedBy"]) for i in settled} == {
        ("RULE_VIOLATED", "accepted", "bufdir-saksbehandler"),
        ("OUTLIER_PEERS", "accepted", "bufdir-saksbehandler"),
    }

    await graphql(FOLLOW_UP, {"s": "snap-org-w6"}, reviewer)  # asked again: the value is open again
    assert [i["code"] for i in await _items(graphql, reviewer)] == ["RULE_VIOLATED", "OUTLIER_PEERS", "QUESTION_OPEN"]

    # over REST, an explanation of another value; a question is no explanation to accept
    other = await ValueNote.create(
        organization_id="org-w5", period_id="2024", form_id=DEFAULT_FORM, field_key="akutt", kind="explanation",
        text="Ok.", author="kari", state="pending",
    )  # fmt: skip
    done = await client.post(f"/api/v1/value-notes/{other.id}/accept", headers=reviewer)
    assert (done.status_code, done.json()["state"], done.json()["resolved_by"]) == (200, "accepted", "bufdir-saksbehandler")
    question = await ValueNote.filter(kind="follow_up").first()
    assert question is not None
    refused = await client.post(f"/api/v1/value-notes/{question.id}/accept", headers=reviewer)
    assert (refused.status_code, refused.json()["error"]["details"]["field"]) == (422, "note_id")
    assert (await client.post("/api/v1/value-notes/999999/accept", headers=reviewer)).status_code == 404
    # an answer is no explanation either: said so, naming noteId, not "explanation 2 does not exist"
    in_nn = {**reviewer, "Accept-Language": "nn"}
    answer = await ValueNote.create(
        organization_id="org-w6", period_id="2024", form_id=DEFAULT_FORM, field_key="akutt", kind="answer",
        text="Ja.", author="ola", parent_id=question.id,
    )  # fmt: skip
    said = await graphql(accept, {"n": answer.id}, in_nn)
    assert said["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", said
    assert said["errors"][0]["extensions"]["field"] == "noteId", said
    assert said["errors"][0]["message"] == f"notatet «{answer.id}» er ikkje ei forklaring; berre ei forklaring kan godtakast"


async def test_a_question_on_a_field_of_another_form_says_it_is_not_on_the_form(graphql, client, tokens, period):
    """A follow-up on a field outside the report's form said the field "does not exist" (outsider):
    it exists; it is not on that form, said in the reader's language. A field that is nowhere is
    still NOT_FOUND."""
    await make_section(fields=[counted("ettervern")])
    reviewer = tokens.reviewer()
    mark = 'mutation ($s: ID!, $k: String!) { markValueForFollowUp(snapshotId: $s, fieldKey: $k, text: "?") { id } }'
    said = {}
    for language in ("nb", "nn", "en"):
        refused = await graphql(mark, {"s": "snap-org-w2", "k": "ettervern"}, reviewer | {"Accept-Language": language})
        # GraphQL's argument, not REST's field_key (outsider)
        assert error_codes(refused) == ["BAD_USER_INPUT"] and refused["errors"][0]["extensions"]["field"] == "fieldKey"
        said[language] = refused["errors"][0]["message"]
    assert "ikke med i skjemaet" in said["nb"] and "ikkje med i skjemaet" in said["nn"], said
    assert "not on the form" in said["en"] and "does not exist" not in said["en"], said
    body = {"snapshot_id": "snap-org-w2", "field_key": "ettervern", "kind": "comment", "text": "?"}
    rest = await client.post("/api/v1/value-notes", json=body, headers=reviewer)
    assert rest.status_code == 422 and rest.json()["error"]["details"]["field"] == "field_key", rest.text
    nowhere = await graphql(mark, {"s": "snap-org-w2", "k": "finnes_ikke"}, reviewer)
    assert error_codes(nowhere) == ["NOT_FOUND"]


async def test_a_note_on_a_field_that_is_nowhere_names_the_field_key(graphql, client, tokens, period):
    """A note on a field no form has answered NOT_FOUND without ``details.field`` (outsider): it
    names the input, as each transport spells it."""
    reviewer = tokens.reviewer()
    mark = 'mutation ($s: ID!, $k: String!) { markValueForFollowUp(snapshotId: $s, fieldKey: $k, text: "?") { id } }'
    (error,) = (await graphql(mark, {"s": "snap-org-w2", "k": "finnes_ikke"}, reviewer))["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("NOT_FOUND", "fieldKey"), error
    body = {"snapshot_id": "snap-org-w2", "field_key": "finnes_ikke", "kind": "comment", "text": "?"}
    rest = await client.post("/api/v1/value-notes", json=body, headers=reviewer)
    assert rest.status_code == 404 and rest.json()["error"]["details"]["field"] == "field_key", rest.text


async def test_text_a_report_prints_refuses_a_bidirectional_override_as_names_do(graphql, client, tokens, period):
    """Note texts took U+202A-U+202E and U+2066-U+2069 while names refused them (outsider): a
    note, a review's reason and a label or translation refuse them the same way, naming the
    input, in the reader's language."""
    reviewer = tokens.reviewer()
    comment = 'mutation ($t: String!) { commentOnValue(snapshotId: "snap-org-w1", fieldKey: "akutt", text: $t) { id } }'
    for text in ("Stemmer \u202edette?", "Se \u2066isolert\u2069 tall"):
        (error,) = (await graphql(comment, {"t": text}, reviewer | {"Accept-Language": "nn"}))["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "text"), error
        assert error["message"].startswith("text inneheld eit teikn som snur"), error
    body = {"snapshot_id": "snap-org-w1", "field_key": "akutt", "kind": "comment", "text": "Hvorfor\u202b?"}
    rest = await client.post("/api/v1/value-notes", json=body, headers=reviewer)
    assert rest.status_code == 422 and rest.json()["error"]["details"]["field"] == "text", rest.text
    returned = await client.post(
        "/api/v1/submissions/sub-snap-org-w1/review", json={"action": "return", "reason": "Rett \u202dtallet"}, headers=reviewer
    )
    assert returned.status_code == 422 and returned.json()["error"]["details"]["field"] == "reason", returned.text
    translation = {"subject": "field", "subject_id": "akutt", "attribute": "label", "language": "en", "text": "Acute\u202e"}
    translated = await client.put("/api/v1/translations", json=translation, headers=tokens.admin())
    assert translated.status_code == 422 and translated.json()["error"]["details"]["field"] == "text", translated.text
    assert translated.json()["error"]["message"] == (
        "text contains a bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069)"
    ), translated.text
    assert not await ValueNote.exists() and (await Submission.get(id="sub-snap-org-w1")).review_state == "submitted"
    fine = await graphql(comment, {"t": "Stemmer dette?\nGjelder «akutt»."}, reviewer)
    assert "errors" not in fine, fine


async def test_a_coordinator_is_told_what_it_tried_needs_the_reviewer_role(graphql, client, tokens, period):
    """A coordinator accepting an explanation, resolving a question or reading the worklist was told
    "Reviewing submissions needs…" (outsider): each refusal says what was tried, in nb/nn/en."""
    coordinator = tokens.headers("org-w6", subject="ola")
    explanation = await ValueNote.create(
        organization_id="org-w6", period_id="2024", form_id=DEFAULT_FORM, field_key="akutt", kind="explanation",
        text="Nytt akuttmottak.", author="ola", state="pending",
    )  # fmt: skip
    asked = (await graphql(FOLLOW_UP, {"s": "snap-org-w6"}, tokens.reviewer()))["data"]["markValueForFollowUp"]
    said = {
        "en": ("Accepting an explanation", "Resolving a question", "Reading the worklist"),
        "nb": ("Å godta en forklaring", "Å løse et spørsmål", "Å lese arbeidslisten"),
        "nn": ("Å godta ei forklaring", "Å løyse eit spørsmål", "Å lese arbeidslista"),
    }
    for language, (accepting, resolving, reading) in said.items():
        asking = coordinator | {"Accept-Language": language}
        for response, words in (
            (await client.post(f"/api/v1/value-notes/{explanation.id}/accept", headers=asking), accepting),
            (await client.post(f"/api/v1/value-notes/{asked['id']}/resolve", headers=asking), resolving),
            (await client.get("/api/v1/worklist", params={"period_id": "2024"}, headers=asking), reading),
        ):
            assert response.status_code == 403 and response.json()["error"]["message"].startswith(words), response.text
    refused = await graphql(WORKLIST, {"p": "2024"}, coordinator)
    assert error_codes(refused) == ["FORBIDDEN"] and refused["errors"][0]["message"].startswith("Reading the worklist")


async def test_another_organisations_note_is_not_found_with_its_id_as_text_alike(client, tokens, period):
    """Answering another organisation's question said ``"id": 6`` (a number), accepting or
    resolving one ``"id": "6"`` (outsider): text for all, as the other notes' NOT_FOUND."""
    explanation = await ValueNote.create(
        organization_id="org-w6", period_id="2024", form_id=DEFAULT_FORM, field_key="akutt", kind="explanation",
        text="Nytt akuttmottak.", author="ola", state="pending",
    )  # fmt: skip
    question = await ValueNote.create(
        organization_id="org-w6", period_id="2024", form_id=DEFAULT_FORM, field_key="akutt", kind="follow_up",
        text="Stemmer dette?", author="bufdir-saksbehandler", state="open",
    )  # fmt: skip
    stranger = tokens.headers("org-w1", subject="kari")
    answered = await client.post(f"/api/v1/value-notes/{question.id}/answers", json={"text": "Ja."}, headers=stranger)
    assert answered.status_code == 404 and answered.json()["error"]["details"]["id"] == str(question.id), answered.text
    missing = await client.post(f"/api/v1/value-notes/{explanation.id}/resolve", headers=tokens.reviewer())
    assert missing.status_code == 404 and missing.json()["error"]["details"]["id"] == str(explanation.id), missing.text
    # a question is there, and no explanation: said so (422 naming note_id), not "not found"
    wrong_kind = await client.post(f"/api/v1/value-notes/{question.id}/accept", headers=tokens.reviewer())
    assert wrong_kind.status_code == 422 and wrong_kind.json()["error"]["details"]["field"] == "note_id", wrong_kind.text


async def test_the_open_questions_name_the_field_by_its_label_in_the_readers_language(graphql, client, tokens, period):
    """A coordinator's open questions gave only the field's key (outsider): its label beside it,
    in the reader's language, over GraphQL and REST."""
    await FieldDefinition.filter(key="akutt").update(label="Akuttplasseringer")
    await Translation.create(
        subject="field", subject_id="akutt", attribute="label", language="en", text="Emergency placements", updated_by="admin"
    )
    await graphql(FOLLOW_UP, {"s": "snap-org-w2"}, tokens.reviewer())
    coordinator = tokens.headers("org-w2")
    labelled = "query ($o: ID!) { openQuestions(organizationId: $o) { fieldKey fieldLabel } }"
    for language, label in (("nb", "Akuttplasseringer"), ("en", "Emergency placements")):
        asking = coordinator | {"Accept-Language": language}
        found = (await graphql(labelled, {"o": "org-w2"}, asking))["data"]["openQuestions"]
        assert found == [{"fieldKey": "akutt", "fieldLabel": label}], found
        rest = await client.get("/api/v1/value-notes/open-questions", params={"org_id": "org-w2"}, headers=asking)
        assert [(q["field_key"], q["field_label"]) for q in rest.json()["data"]] == [("akutt", label)], rest.text


async def test_an_open_question_names_the_field_by_the_label_in_force_for_its_period(graphql, client, tokens, period):
    """fieldLabel was the field's newest label: a 2024 question read the label a 2025 revision
    of the structure gave it (#33 outsider). The 2024 report's label is the one in force then."""
    old = await FieldDefinition.get(key="akutt", valid_to=None)
    await FieldDefinition.filter(id=old.id).update(label="Akuttplasseringer", valid_to=date(2025, 1, 1), open_key=None)
    await FieldDefinition.create(
        section_id=old.section_id, key="akutt", open_key="akutt", label="Akutte plasseringer (ny definisjon)",
        data_type=old.data_type, position=old.position, aggregation_rule=old.aggregation_rule, valid_from=date(2025, 1, 1),
    )  # fmt: skip
    await graphql(FOLLOW_UP, {"s": "snap-org-w2"}, tokens.reviewer())
    coordinator = tokens.headers("org-w2")
    labelled = "query ($o: ID!) { openQuestions(organizationId: $o) { fieldKey fieldLabel } }"
    found = (await graphql(labelled, {"o": "org-w2"}, coordinator))["data"]["openQuestions"]
    assert found == [{"fieldKey": "akutt", "fieldLabel": "Akuttplasseringer"}], found
    rest = await client.get("/api/v1/value-notes/open-questions", params={"org_id": "org-w2"}, headers=coordinator)
    assert [q["field_label"] for q in rest.json()["data"]] == ["Akuttplasseringer"], rest.text


async def test_findings_settled_by_a_question_name_it_and_follow_their_findings(graphql, client, tokens, period):
    """With includeResolved, the findings a resolved question settled said noteId null, and the
    resolved follow-up (an error) came between the value's rule finding and its outlier (outsider):
    each finding names the question and its answer, and the question follows its value's findings."""
    reviewer, coordinator = tokens.reviewer(), tokens.headers("org-w6", subject="ola")
    asked = (await graphql(FOLLOW_UP, {"s": "snap-org-w6"}, reviewer))["data"]["markValueForFollowUp"]
    answer = 'mutation ($c: ID!) { answerComment(commentId: $c, text: "Tre søsken.") { id } }'
    assert "errors" not in await graphql(answer, {"c": asked["id"]}, coordinator)
    await graphql(RESOLVE, {"n": asked["id"]}, reviewer)
    settled = await _items(graphql, reviewer, includeResolved=True)
    assert [(i["code"], i["noteId"], i["noteState"], i["answer"]) for i in settled] == [
        ("RULE_VIOLATED", asked["id"], "resolved", "Tre søsken."),
        ("OUTLIER_PEERS", asked["id"], "resolved", "Tre søsken."),
        ("QUESTION_RESOLVED", asked["id"], "resolved", "Tre søsken."),
    ], settled
    rest = await client.get(
        "/api/v1/worklist", params={"period_id": "2024", "org_id": "org-w6", "include_resolved": "true"}, headers=reviewer
    )
    assert [(i["code"], i["note_id"]) for i in rest.json()["data"]] == [
        ("RULE_VIOLATED", int(asked["id"])),
        ("OUTLIER_PEERS", int(asked["id"])),
        ("QUESTION_RESOLVED", int(asked["id"])),
    ], rest.text


async def test_one_request_reads_at_most_three_worklists(graphql, client, tokens, period):
    """Each worklist reads and validates every report it covers; each costed as a usual
    connection, 29 aliased worklists in one document held one process for 2-5 s on the demo
    (attacker's review). A request reads the reports of three worklists (the same reports asked
    again, with another severity, codes or includeResolved, or a totalCount beside its page, are
    read once); a fourth is refused, saying so."""
    reviewer = tokens.reviewer()
    filters = ["{}", '{organizationId: "org-w6"}', "{submittedOnly: false}", '{organizationId: "org-w1"}']
    lists = [
        f'w{n}: worklist(periodId: "2024", filter: {f}) {{ totalCount edges {{ node {{ code }} }} }}'
        for n, f in enumerate(filters)
    ]
    chosen = ['{severity: "error"}', '{organizationId: "org-w6", codes: ["OUTLIER_PEERS"]}', "{includeResolved: true}"]
    again = [f'again{n}: worklist(periodId: "2024", filter: {chosen[n % 3]}) {{ totalCount }}' for n in range(20)]
    three = await graphql("{ " + " ".join(lists[:3] + again) + " }", None, reviewer)
    assert "errors" not in three, three
    assert [three["data"][f"w{n}"]["totalCount"] for n in range(3)] == [2, 2, 2]
    assert [three["data"][f"again{n}"]["totalCount"] for n in range(3)] == [1, 1, 2]
    four = await graphql("{ " + " ".join(lists) + " }", None, reviewer)
    assert four["data"] is None
    [error] = four["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"], error["path"]) == ("BAD_USER_INPUT", "periodId", ["w3"])
    assert error["message"].startswith("one request reads at most 3 worklists"), error
    for _ in range(4):  # a request's count is its own
        assert (await client.get("/api/v1/worklist", params={"period_id": "2024"}, headers=reviewer)).status_code == 200


async def test_the_live_worklists_of_one_reviewer_share_one_read_per_change(app, settings, graphql, tokens, period, monkeypatch):
    """Each subscription read the whole worklist again at every change in the period: 60 of one
    reviewer's subscriptions made each change cost 60 reads, some 4 s of one process on the
    demo (attacker's review). Subscribers of one change who read the same reports as the same
    principal in the same language share one read, each then choosing its own items; another
    principal reads its own."""
    from bufdir_reporting.resolvers.reporting import worklist

    def context(subject: str) -> GraphQLContext:
        return GraphQLContext(
            settings=settings, principal=Principal(subject, roles=frozenset({REVIEWER})), events=app.state.events
        )

    asked = [("case-officer", ""), ("case-officer", '(filter: {severity: "warning"})'), ("case-officer", "")]
    asked += [("case-officer", '(filter: {codes: ["RULE_VIOLATED"]})'), ("another-officer", "")]
    streams = [
        await schema.subscribe(
            f'subscription {{ worklistChanged(periodId: "2024"{", " + f[1:-1] if f else ""}) {{ organizationId code }} }}',
            context_value=context(subject),
        )
        for subject, f in asked
    ]
    try:
        for stream in streams:
            await asyncio.wait_for(stream.__anext__(), 5)
        reads = []
        real_read = worklist._read

        async def counted_read(ctx, filters):
            reads.append(ctx.principal.subject)
            return await real_read(ctx, filters)

        monkeypatch.setattr(worklist, "_read", counted_read)
        await graphql(FOLLOW_UP, {"s": "snap-org-w2"}, tokens.reviewer())
        changed = [
            [(i["organizationId"], i["code"]) for i in (await asyncio.wait_for(s.__anext__(), 5)).data["worklistChanged"]]
            for s in streams
        ]
        everything = [("org-w6", "RULE_VIOLATED"), ("org-w6", "OUTLIER_PEERS"), ("org-w2", "QUESTION_OPEN")]
        assert changed == [everything, [("org-w6", "OUTLIER_PEERS")], everything, [("org-w6", "RULE_VIOLATED")], everything]
        assert sorted(reads) == ["another-officer", "case-officer"]
    finally:
        for stream in streams:
            await stream.aclose()


async def test_an_approved_reports_findings_leave_the_worklist_live(app, settings, graphql, client, tokens, period):
    """After approveSubmission the approved report's outliers stayed on the worklist, ``submitted:
    true``, as if nobody had looked (outsider). Now its findings are settled by the approval: gone
    from the default list (GraphQL, REST, a live worklist), back with includeResolved saying who."""
    reviewer = tokens.reviewer()
    ctx = GraphQLContext(
        settings=settings, principal=Principal("case-officer", roles=frozenset({REVIEWER})), events=app.state.events
    )
    stream = await schema.subscribe('subscription { worklistChanged(periodId: "2024") { code } }', context_value=ctx)
    try:
        first = (await asyncio.wait_for(stream.__anext__(), 5)).data["worklistChanged"]
        assert [i["code"] for i in first] == ["RULE_VIOLATED", "OUTLIER_PEERS"]
        approve = "mutation ($id: ID!) { approveSubmission(submissionId: $id) { reviewState } }"
        approved = await graphql(approve, {"id": "sub-snap-org-w6"}, reviewer)
        assert approved["data"]["approveSubmission"]["reviewState"] == "APPROVED", approved
        assert (await asyncio.wait_for(stream.__anext__(), 5)).data["worklistChanged"] == []
    finally:
        await stream.aclose()
    assert await _items(graphql, reviewer) == []
    assert (await client.get("/api/v1/worklist", params={"period_id": "2024"}, headers=reviewer)).json()["data"] == []
    settled = await _items(graphql, reviewer, includeResolved=True)
    assert sorted((i["code"], i["resolvedBy"]) for i in settled) == [
        ("OUTLIER_PEERS", "bufdir-saksbehandler"),
        ("RULE_VIOLATED", "bufdir-saksbehandler"),
    ]
    assert all(i["resolvedAt"] for i in settled)
    rest = await client.get("/api/v1/worklist", params={"period_id": "2024", "include_resolved": "true"}, headers=reviewer)
    assert sorted(i["code"] for i in rest.json()["data"]) == ["OUTLIER_PEERS", "RULE_VIOLATED"]


async def test_approving_a_report_resolves_its_questions_everywhere(graphql, client, tokens, period):
    """An approved report's questions stayed as they were: an answered one on the worklist as the
    case officer's turn, ranked high, and in the coordinator's open questions, for a report final
    and locked; an open one waiting for the organisation forever (outsider). Approving resolves
    the report's unresolved questions by the approver, with the approval: gone from the default
    worklist and the open questions, back with includeResolved; another report's stays."""
    reviewer, coordinator = tokens.reviewer(), tokens.headers("org-w6", subject="ola")
    asked = (await graphql(FOLLOW_UP, {"s": "snap-org-w6"}, reviewer))["data"]["markValueForFollowUp"]["id"]
    answer = 'mutation ($c: ID!) { answerComment(commentId: $c, text: "Det stemmer.") { id } }'
    assert "errors" not in await graphql(answer, {"c": asked}, coordinator)
    comment = 'mutation { commentOnValue(snapshotId: "snap-org-w6", fieldKey: "plasseringer", text: "Hvorfor?") { id } }'
    unanswered = (await graphql(comment, {}, reviewer))["data"]["commentOnValue"]["id"]
    elsewhere = (await graphql(FOLLOW_UP, {"s": "snap-org-w2"}, reviewer))["data"]["markValueForFollowUp"]["id"]
    codes = {(i["fieldKey"], i["code"]) for i in await _items(graphql, reviewer)}
    assert {("akutt", "QUESTION_ANSWERED"), ("plasseringer", "QUESTION_OPEN")} <= codes

    approve = "mutation ($id: ID!) { approveSubmission(submissionId: $id) { reviewState } }"
    assert (await graphql(approve, {"id": "sub-snap-org-w6"}, reviewer))["data"]["approveSubmission"]["reviewState"] == "APPROVED"
    assert await _items(graphql, reviewer) == []
    assert (await graphql(OPEN, {"o": "org-w6"}, coordinator))["data"]["openQuestions"] == []
    settled = {(i["code"], i["noteId"], i["resolvedBy"]) for i in await _items(graphql, reviewer, includeResolved=True)}
    assert {
        ("QUESTION_RESOLVED", asked, "bufdir-saksbehandler"),
        ("QUESTION_RESOLVED", unanswered, "bufdir-saksbehandler"),
    } <= settled
    notes = {n.id: n for n in await ValueNote.filter(id__in=[int(asked), int(unanswered), int(elsewhere)])}
    assert [notes[int(n)].state for n in (asked, unanswered, elsewhere)] == ["resolved", "resolved", "open"]
    assert notes[int(asked)].resolved_at is not None
    rest = await client.get("/api/v1/worklist", params={"period_id": "2024", "org_id": "org-w2"}, headers=reviewer)
    assert [(i["code"], i["note_id"]) for i in rest.json()["data"]] == [("QUESTION_OPEN", int(elsewhere))]
