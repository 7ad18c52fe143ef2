"""Bufdir's side of a report: a reviewer starts the review, approves or returns it; every step is
kept, audited and published; a return unlocks the period for a corrected version, an approval
keeps it locked. Through GraphQL and REST, for every kind of caller."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

import pytest

from bufdir_reporting.errors import PeriodLocked
from bufdir_reporting.language import Language, requested
from bufdir_reporting.models import Snapshot, Submission
from bufdir_reporting.resolvers import activities, periods, snapshots
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec
from bufdir_reporting.resolvers.reporting import records, reviews, submissions
from bufdir_reporting.resolvers.snapshots import manual_values
from bufdir_reporting.schema import schema
from bufdir_reporting.schema.context import GraphQLContext

from ...conftest import error_codes, error_of
from ...factories import context_for, make_activity, make_scope
from ...live import wait_for_subscribers
from ...statements import counting_statements


@pytest.fixture
async def submitted(app, settings):
    """org's 2024 report, submitted by its user: (organisation id, submission id)."""
    scope = await make_scope()
    await make_activity(org=scope.org, occurred_at=datetime(2024, 3, 1, 10, tzinfo=UTC))
    ctx = context_for(settings, app, scope.org.id, subject="kari")
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id="2024", wait=True)).snapshot
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="antall_arsverk", value="4")
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    submission = await submissions.submit(ctx, report_id=record.id)
    return scope.org.id, submission.id


STATE = (
    "query ($id: ID!) { submission(id: $id) { version reviewState locksPeriod reviewHistory { fromState toState by reason } } }"
)
RECORD = """mutation ($org: ID!) { recordActivity(input: {organizationId: $org, sourceSystem: "s", activityType: "care_order",
  category: UNGDOM, status: "completed", occurredAt: "2024-06-01T10:00:00Z"}) { activityId } }"""


async def test_a_reviewer_takes_it_under_review_and_approves_it_final_and_locked(graphql, tokens, submitted):
    org, submission_id = submitted
    reviewer = tokens.reviewer()
    started = await graphql(
        "mutation ($id: ID!) { startReview(submissionId: $id) { reviewState } }", {"id": submission_id}, reviewer
    )
    assert started["data"]["startReview"]["reviewState"] == "UNDER_REVIEW"
    approved = await graphql(
        "mutation ($id: ID!) { approveSubmission(submissionId: $id) { reviewState } }", {"id": submission_id}, reviewer
    )
    assert approved["data"]["approveSubmission"]["reviewState"] == "APPROVED"
    state = (await graphql(STATE, {"id": submission_id}, tokens.headers(org)))["data"]["submission"]
    assert state["locksPeriod"] is True
    assert [(s["fromState"], s["toState"], s["by"]) for s in state["reviewHistory"]] == [
        (None, "SUBMITTED", "kari"),  # the submission itself
        ("SUBMITTED", "UNDER_REVIEW", "bufdir-saksbehandler"),
        ("UNDER_REVIEW", "APPROVED", "bufdir-saksbehandler"),
    ]
    assert error_codes(await graphql(RECORD, {"org": org}, tokens.headers(org))) == ["PERIOD_LOCKED"]
    # an approved report cannot be returned: the refusal offers only what unlocks it now (it
    # said "ask Bufdir to return the report" here too)
    snapshot_id = (await Submission.get(id=submission_id)).snapshot_id
    set_value = 'mutation ($s: ID!) { setFieldValue(snapshotId: $s, fieldKey: "antall_arsverk", value: 5) { fieldKey } }'
    said = {
        language: (await graphql(set_value, {"s": snapshot_id}, {**tokens.headers(org), "Accept-Language": language}))["errors"][
            0
        ]
        for language in ("nb", "nn", "en")
    }
    assert {error["extensions"]["code"] for error in said.values()} == {"PERIOD_LOCKED"}
    assert said["en"]["message"].endswith(
        "; an approved report cannot be returned, so to change it an admin must reopen the period"
    ), said["en"]["message"]
    assert "godkjent og låst" in said["nb"]["message"] and "godkjend og låst" in said["nn"]["message"]
    again = await graphql(
        'mutation ($id: ID!) { returnSubmission(submissionId: $id, reason: "x") { reviewState } }',
        {"id": submission_id},
        reviewer,
    )
    assert error_codes(again) == ["CONFLICT"] and "approved cannot be returned" in again["errors"][0]["message"]


async def test_an_activity_refused_in_a_locked_period_says_what_unlocks_it_in_the_locks_state(graphql, tokens, submitted):
    """An activity's refusal is worded by the lock's state, as a value's is: it said "an admin
    must reopen it first" of a report only submitted (a return unlocks it too) and "submitted"
    of one approved (outsider5)."""
    org, submission_id = submitted

    async def refusals() -> dict[str, str]:
        said = {}
        for language in ("nb", "nn", "en"):
            answer = await graphql(RECORD, {"org": org}, {**tokens.headers(org), "Accept-Language": language})
            assert error_codes(answer) == ["PERIOD_LOCKED"], answer
            said[language] = answer["errors"][0]["message"]
        return said

    submitted_words = await refusals()
    assert submitted_words["en"].endswith(
        "; to change it, ask Bufdir to return the report for correction, or an admin to reopen the period"
    )
    assert "be Bufdir sende rapporten tilbake til retting" in submitted_words["nb"]
    assert (
        "be Bufdir sende rapporten tilbake til retting" in submitted_words["nn"] and "ein administrator" in submitted_words["nn"]
    )
    approved = await graphql(
        "mutation ($id: ID!) { approveSubmission(submissionId: $id) { reviewState } }", {"id": submission_id}, tokens.reviewer()
    )
    assert "errors" not in approved, approved
    approved_words = await refusals()
    assert approved_words["en"].endswith(
        "; an approved report cannot be returned, so to change it an admin must reopen the period"
    )
    assert "godkjent og låst" in approved_words["nb"] and "godkjend og låst" in approved_words["nn"]


async def test_an_activitys_lock_refusal_reads_the_organisations_own_locks_once(submitted):
    """Whether the lock is the organisation's own and whether it is approved is one read of its
    locks of the period (they were read twice, for the umbrella's lock and for the wording)."""
    org, _ = submitted
    with counting_statements() as counter, pytest.raises(PeriodLocked) as refused:
        await periods.refuse_if_any_locked({org: [datetime(2024, 6, 1, 10, tzinfo=UTC)]})
    assert refused.value.message_id == "periods.lock.period_submitted_locked"
    locks_read = [text for text in counter.texts if text.startswith("SELECT") and 'FROM "submission"' in text]
    assert len(locks_read) == 2, locks_read  # the locked periods, then the period's own locks


async def test_a_return_over_rest_unlocks_the_period_keeps_the_version_and_expects_the_next(
    client, graphql, tokens, submitted, settings, app
):
    org, submission_id = submitted
    review = f"/api/v1/submissions/{submission_id}/review"
    no_reason = await client.post(review, json={"action": "return"}, headers=tokens.reviewer())
    assert no_reason.status_code == 422 and error_of(no_reason)["details"]["field"] == "reason"
    as_a_number = {"action": "return", "reason": "x", "correction_deadline": 0}  # pydantic read 0 as 1970-01-01
    numbered = await client.post(review, json=as_a_number, headers=tokens.reviewer())
    assert numbered.status_code == 422 and error_of(numbered)["details"]["field"] == "correction_deadline"
    returned = await client.post(
        review, json={"action": "return", "reason": "Årsverk ser for lavt ut"}, headers=tokens.reviewer()
    )
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert (body["review_state"], body["locks_period"], body["version"]) == ("returned", False, 1)
    assert body["review_history"][-1]["reason"] == "Årsverk ser for lavt ut"
    # approving a returned one is refused with the state in words, not its code ("status returned")
    approve = f'mutation {{ approveSubmission(submissionId: "{submission_id}") {{ reviewState }} }}'
    said = {
        lang: (await graphql(approve, {}, {**tokens.reviewer(), "Accept-Language": lang}))["errors"][0]["message"]
        for lang in ("nn", "nb", "en")
    }
    assert said == {
        "nn": "ei innsending som er sendt tilbake, kan ikkje godkjennast",
        "nb": "en innsending som er sendt tilbake, kan ikke godkjennes",
        "en": "a submission that is returned cannot be approved",
    }
    # the organisation corrects (the period is open again) and submits version 2
    assert "errors" not in await graphql(RECORD, {"org": org}, tokens.headers(org))
    ctx = context_for(settings, app, org, subject="kari")
    snapshot = (await snapshots.trigger(ctx, organization_id=org, period_id="2024", wait=True)).snapshot
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    second = await submissions.submit(ctx, report_id=record.id)
    assert second.version == 2 and second.review_state == "submitted"
    first = (await client.get(f"/api/v1/submissions/{submission_id}", headers=tokens.headers(org))).json()
    assert first["review_state"] == "returned"
    assert (await client.get(f"/api/v1/report-records/{first['report_id']}/file", headers=tokens.headers(org))).status_code == 200


async def test_who_may_review_read_and_write(client, graphql, tokens, submitted):
    org, submission_id = submitted
    start = "mutation ($id: ID!) { startReview(submissionId: $id) { reviewState } }"
    assert error_codes(await graphql(start, {"id": submission_id}, tokens.headers(org))) == ["FORBIDDEN"]  # not its own
    assert error_codes(await graphql(start, {"id": submission_id}, tokens.headers("org-other"))) == ["FORBIDDEN"]
    assert error_codes(await graphql(start, {"id": submission_id})) == ["UNAUTHENTICATED"]
    reviewer = tokens.reviewer()
    assert (await client.get(f"/api/v1/submissions/{submission_id}", headers=reviewer)).status_code == 200
    assert (await client.get(f"/api/v1/submissions/{submission_id}", headers=tokens.headers("org-other"))).status_code == 404
    assert error_codes(await graphql(RECORD, {"org": org}, reviewer)) == ["FORBIDDEN"]  # reads all, changes nothing
    section = await client.post("/api/v1/report-sections", json={"section_id": "x"}, headers=reviewer)
    assert section.status_code == 403
    assert (await graphql(start, {"id": submission_id}, tokens.admin()))["data"]["startReview"]["reviewState"] == "UNDER_REVIEW"


async def test_an_admins_reopening_ends_the_review_with_its_reason(graphql, tokens, submitted):
    org, submission_id = submitted
    await graphql(
        "mutation ($id: ID!) { approveSubmission(submissionId: $id) { reviewState } }",
        {"id": submission_id},
        tokens.reviewer(),
    )
    reopened = await graphql(
        f'mutation {{ reopenPeriod(organizationId: "{org}", periodId: "2024", reason: "Feil i grunnlaget") {{ reviewState }} }}',
        {},
        tokens.admin(),
    )
    assert reopened["data"]["reopenPeriod"]["reviewState"] == "REOPENED"
    history = (await graphql(STATE, {"id": submission_id}, tokens.admin()))["data"]["submission"]["reviewHistory"]
    assert history[-1] == {"fromState": "APPROVED", "toState": "REOPENED", "by": "test-admin", "reason": "Feil i grunnlaget"}


async def test_subscribers_see_each_step_the_organisation_its_own_and_reviewers_all(app, settings, tokens, submitted, client):
    org, submission_id = submitted
    from bufdir_reporting.auth import principal_from_authorization

    def context(headers):
        principal = principal_from_authorization(settings, headers["Authorization"])
        return GraphQLContext(settings=settings, principal=principal, events=app.state.events)

    own = await schema.subscribe(
        f'subscription {{ submissionReviewChanged(organizationId: "{org}") {{ submissionId fromState reviewState by }} }}',
        context_value=context(tokens.headers(org)),
    )
    every = await schema.subscribe(
        "subscription { submissionReviewChanged { organizationId reviewState reason } }", context_value=context(tokens.reviewer())
    )
    nobody = await schema.subscribe(
        "subscription { submissionReviewChanged { reviewState } }", context_value=context(tokens.headers(org))
    )
    assert error_codes({"errors": [e.formatted for e in (await anext(nobody)).errors]}) == ["FORBIDDEN"]
    first, second = asyncio.ensure_future(anext(own)), asyncio.ensure_future(anext(every))
    await asyncio.sleep(0.1)
    review = f"/api/v1/submissions/{submission_id}/review"
    await client.post(review, json={"action": "return", "reason": "Mangler forklaring"}, headers=tokens.reviewer())
    async with asyncio.timeout(5):
        seen_own, seen_all = (await first).data["submissionReviewChanged"], (await second).data["submissionReviewChanged"]
    assert seen_own == {
        "submissionId": submission_id,
        "fromState": "SUBMITTED",
        "reviewState": "RETURNED",
        "by": "bufdir-saksbehandler",
    }
    assert seen_all == {"organizationId": org, "reviewState": "RETURNED", "reason": "Mangler forklaring"}
    await own.aclose()
    await every.aclose()


async def test_the_reporting_status_counts_organisations_per_state(client, tokens, submitted):
    org, _ = submitted
    status = await client.get("/api/v1/submissions/reporting-status", params={"period_id": "2024"}, headers=tokens.reviewer())
    body = status.json()
    assert status.status_code == 200
    assert body["counts"] == {
        "not_started": 0, "draft": 0, "submitted": 1, "under_review": 0, "returned": 0, "approved": 0, "reopened": 0, "late": 0,
        "submitted_late": 0, "overdue": 0, "correction_overdue": 0, "corrected_late": 0,
    }  # fmt: skip
    (row,) = body["organizations"]
    assert (row["org_id"], row["state"], row["on_time"], row["late"], row["version"]) == (org, "submitted", None, False, 1)
    forbidden = await client.get(
        "/api/v1/submissions/reporting-status", params={"period_id": "2024"}, headers=tokens.headers(org)
    )
    assert forbidden.status_code == 403


async def test_states_deadlines_and_lateness_per_organisation(graphql, tokens, app, settings):
    from bufdir_reporting.models import Period, Submission

    from ...factories import make_organization

    await make_scope()  # an organisation with structure and the 2024 period
    idle = await make_organization()  # never aggregated
    drafting = await make_organization()
    ctx = context_for(settings, app, drafting.id)
    await snapshots.trigger(ctx, organization_id=drafting.id, period_id="2024", wait=True)
    await Period.filter(id="2024").update(
        submission_deadline=datetime(2025, 2, 1).date(), correction_deadline=datetime(2025, 3, 1).date()
    )
    query = """{ reportingStatus(periodId: "2024") { organization { organizationId } state late onTime }
                 reportingCounts(periodId: "2024") { notStarted draft submitted late } }"""
    result = (await graphql(query, {}, tokens.reviewer()))["data"]
    states = {row["organization"]["organizationId"]: row for row in result["reportingStatus"]}
    assert states[idle.id] == {"organization": {"organizationId": idle.id}, "state": "NOT_STARTED", "late": True, "onTime": None}
    assert states[drafting.id]["state"] == "DRAFT" and states[drafting.id]["late"] is True
    assert result["reportingCounts"]["draft"] == 1 and result["reportingCounts"]["late"] >= 2
    assert await Submission.all().count() == 0


async def test_a_report_that_came_late_stays_late_with_its_reason(graphql, tokens, app, settings, submitted):
    """A report submitted 220 days after its deadline is late (it showed onTime false, late false
    and dropped out of the late count); a returned one not corrected by the correction deadline
    is late, and so is one corrected after it."""
    from datetime import date, timedelta

    from bufdir_reporting.models import Period, Submission

    org, submission_id = submitted
    submitted_at = (await Submission.get(id=submission_id)).submitted_at
    deadline = submitted_at.date() - timedelta(days=220)
    await Period.filter(id="2024").update(submission_deadline=deadline, correction_deadline=date(2099, 1, 1))
    query = """{ reportingStatus(periodId: "2024") { state late lateness onTime }
                 reportingCounts(periodId: "2024") { late submittedLate overdue correctionOverdue correctedLate } }"""

    async def status() -> tuple[dict, dict]:
        result = (await graphql(query, {}, tokens.reviewer()))["data"]
        return result["reportingStatus"][0], result["reportingCounts"]

    row, counts = await status()
    assert row == {"state": "SUBMITTED", "late": True, "lateness": "SUBMITTED_LATE", "onTime": False}
    assert counts == {"late": 1, "submittedLate": 1, "overdue": 0, "correctionOverdue": 0, "correctedLate": 0}

    await reviews.review(
        context_for(settings, app, admin=True), submission_id=submission_id, action=reviews.ReviewAction.RETURN, reason="Rett opp"
    )
    await Period.filter(id="2024").update(correction_deadline=submitted_at.date() - timedelta(days=1))
    row, counts = await status()
    assert (row["state"], row["lateness"]) == ("RETURNED", "CORRECTION_OVERDUE") and counts["correctionOverdue"] == 1

    ctx = context_for(settings, app, org, subject="kari")
    snapshot = await Snapshot.get(organization_id=org, period_id="2024", status="current")
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    await submissions.submit(ctx, report_id=record.id)
    row, counts = await status()
    assert (row["state"], row["lateness"], row["late"]) == ("SUBMITTED", "CORRECTED_LATE", True)
    assert counts == {"late": 1, "submittedLate": 0, "overdue": 0, "correctionOverdue": 0, "correctedLate": 1}


async def test_a_submission_is_a_node_refetched_under_the_same_access(graphql, tokens, submitted):
    org, submission_id = submitted
    own = tokens.headers(org)
    read = (await graphql("query ($id: ID!) { submission(id: $id) { id submissionId } }", {"id": submission_id}, own))["data"]
    global_id = read["submission"]["id"]
    assert read["submission"]["submissionId"] == submission_id and global_id != submission_id
    node = "query ($id: ID!) { node(id: $id) { ... on Submission { submissionId version } } }"
    assert (await graphql(node, {"id": global_id}, own))["data"]["node"] == {"submissionId": submission_id, "version": 1}
    assert (await graphql(node, {"id": global_id}, tokens.reviewer()))["data"]["node"]["submissionId"] == submission_id
    assert (await graphql(node, {"id": global_id}, tokens.headers("org-elsewhere")))["data"]["node"] is None
    start = "mutation ($id: ID!) { startReview(submissionId: $id) { reviewState } }"
    assert (await graphql(start, {"id": global_id}, tokens.reviewer()))["data"]["startReview"] == {"reviewState": "UNDER_REVIEW"}


async def test_reviewers_follow_a_periods_reporting_status_as_organisations_move(app, settings, tokens):
    """From nothing to draft (a first snapshot), to submitted, to under review: each move
    reaches a reviewer following the period; an organisation's own user may not follow it."""
    from bufdir_reporting.auth import principal_from_authorization

    scope = await make_scope()
    await make_activity(org=scope.org, occurred_at=datetime(2024, 3, 1, 10, tzinfo=UTC))

    def context(headers):
        return GraphQLContext(
            settings=settings, principal=principal_from_authorization(settings, headers["Authorization"]), events=app.state.events
        )

    query = 'subscription { reportingStatusChanged(periodId: "2024") { organization { organizationId } state submitted } }'
    refused = await schema.subscribe(query, context_value=context(tokens.headers(scope.org.id)))
    assert error_codes({"errors": [e.formatted for e in (await anext(refused)).errors]}) == ["FORBIDDEN"]
    following = await schema.subscribe(query, context_value=context(tokens.reviewer()))
    pending = asyncio.ensure_future(anext(following))
    while not app.state.events.stats["subscribers"]:
        await asyncio.sleep(0.01)

    async def next_move() -> dict:
        nonlocal pending
        async with asyncio.timeout(5):
            result = await pending
        pending = asyncio.ensure_future(anext(following))
        assert not result.errors, result.errors
        return result.data["reportingStatusChanged"]

    ctx = context_for(settings, app, scope.org.id, subject="kari")
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id="2024", wait=True)).snapshot
    moves = [await next_move()]
    while moves[-1]["state"] != "DRAFT":  # the prior year's snapshot is made first, for its values
        moves.append(await next_move())
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="antall_arsverk", value="4")
    submission = await submissions.submit(
        ctx, report_id=(await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")).id
    )
    moves.append(await next_move())
    while moves[-1]["state"] != "SUBMITTED":
        moves.append(await next_move())
    await reviews.review(context_for(settings, app, admin=True), submission_id=submission.id, action=reviews.ReviewAction.START)
    moves.append(await next_move())
    while moves[-1]["state"] != "UNDER_REVIEW":
        moves.append(await next_move())
    assert {m["organization"]["organizationId"] for m in moves} == {scope.org.id}
    assert moves[-1] == {"organization": {"organizationId": scope.org.id}, "state": "UNDER_REVIEW", "submitted": True}
    pending.cancel()
    await following.aclose()


async def test_one_reviewers_live_rates_are_read_once_per_change(app, settings, tokens, monkeypatch):
    """Each subscription read the period's statuses again at every change: one reviewer's
    subscriptions made each change cost one read each (60 on three websockets, attacker's
    review). The subscribers of one change, same principal and scope, share one read."""
    from bufdir_reporting.auth import principal_from_authorization
    from bufdir_reporting.events import ReportingStatusChanged
    from bufdir_reporting.resolvers.reporting import status

    scope = await make_scope()
    ctx = GraphQLContext(
        settings=settings,
        principal=principal_from_authorization(settings, tokens.reviewer()["Authorization"]),
        events=app.state.events,
    )
    streams = [
        await schema.subscribe('subscription { reportingRatesChanged(periodId: "2024") { expected } }', context_value=ctx)
        for _ in range(3)
    ]
    try:
        firsts = [await asyncio.wait_for(anext(stream), 5) for stream in streams]
        assert all(not first.errors for first in firsts), firsts
        reads = []
        real = status.reporting_status

        async def counted(ctx, *, scope):
            reads.append(scope)
            return await real(ctx, scope=scope)

        monkeypatch.setattr(status, "reporting_status", counted)
        pending = [asyncio.ensure_future(anext(stream)) for stream in streams]
        await wait_for_subscribers(app, 3)
        event = ReportingStatusChanged(organization_id=scope.org.id, period_id="2024")
        await app.state.events.publish(ReportingStatusChanged.channel("2024"), event, None)
        again = [await asyncio.wait_for(next_one, 5) for next_one in pending]
        assert [a.data for a in again] == [f.data for f in firsts]
        assert len(reads) == 1
    finally:
        for stream in streams:
            await stream.aclose()


RACING = [
    ("approve", "reopen"),
    ("return", "reopen"),
    ("start", "reopen"),
    ("approve", "return"),
    ("start", "start"),
    ("approve", "approve"),
]


async def test_review_steps_racing_each_other_apply_one_at_a_time(app, settings, submitted):
    """Every transition is a compare-and-set: of two steps raced from the state both read, one
    applies and the other gets CONFLICT (or, if it read after the first had committed, applies
    from there). The history is one chain, the lock and the events agree with it."""
    from bufdir_reporting.auth import Principal
    from bufdir_reporting.errors import Conflict
    from bufdir_reporting.models import EventLog, Submission, SubmissionReview
    from bufdir_reporting.resolvers.base.context import Context

    org, _ = submitted
    reviewer = Context(settings=settings, principal=Principal("saksbehandler", roles=frozenset({"reviewer"})))
    admin = context_for(settings, app, admin=True, subject="admin")
    own = context_for(settings, app, org, subject="kari")

    def step(name: str, submission_id: str):
        if name == "reopen":
            return submissions.reopen(admin, organization_id=org, period_id="2024", reason="Feil i grunnlaget")
        action = {"start": reviews.ReviewAction.START, "approve": reviews.ReviewAction.APPROVE}.get(name)
        return reviews.review(
            reviewer, submission_id=submission_id, action=action or reviews.ReviewAction.RETURN, reason="Rett opp"
        )

    for first, second in RACING * 3:
        latest = await Submission.filter(organization_id=org, period_id="2024").order_by("-version").first()
        if latest.lock_slot is not None:
            await submissions.reopen(admin, organization_id=org, period_id="2024", reason="neste runde")
        snapshot = await Snapshot.get(organization_id=org, period_id="2024", status="current")
        record = await records.generate(own, snapshot_id=snapshot.id, report_type="annual_report")
        submission = await submissions.submit(own, report_id=record.id)

        outcomes = await asyncio.gather(step(first, submission.id), step(second, submission.id), return_exceptions=True)
        for outcome in outcomes:
            assert isinstance(outcome, Submission | Conflict), repr(outcome)
        applied = sum(isinstance(outcome, Submission) for outcome in outcomes)
        assert applied >= 1, (first, second, outcomes)

        history = await SubmissionReview.filter(submission_id=submission.id).order_by("at", "id")
        assert len(history) == applied, (first, second, [(h.from_state, h.to_state) for h in history])
        assert history[0].from_state == "submitted"
        for earlier, later in itertools.pairwise(history):
            assert later.from_state == earlier.to_state, "one chain of steps"
        stored = await Submission.get(id=submission.id)
        assert stored.review_state == history[-1].to_state
        assert (stored.lock_slot is None) == (stored.review_state in ("returned", "reopened"))
        published = [
            e.payload
            for e in await EventLog.filter(channel=f"submission_reviewed:{org}").order_by("id")
            if e.payload["submission_id"] == submission.id and e.payload["from_state"] is not None
        ]
        assert [(p["from_state"], p["review_state"]) for p in published] == [(h.from_state, h.to_state) for h in history]


async def test_reopening_a_period_a_step_already_unlocked_is_a_conflict_not_missing(app, settings, submitted):
    """Found by the suite under load: a reopen racing a return read after the return had
    committed and answered NOT_FOUND ("locked submission does not exist"). The submission is
    there and the period open already: CONFLICT naming its state; a period never submitted is
    still NOT_FOUND."""
    from bufdir_reporting.auth import Principal
    from bufdir_reporting.errors import Conflict, NotFound
    from bufdir_reporting.resolvers.base.context import Context

    org, submission_id = submitted
    reviewer = Context(settings=settings, principal=Principal("saksbehandler", roles=frozenset({"reviewer"})))
    admin = context_for(settings, app, admin=True, subject="admin")
    await reviews.review(reviewer, submission_id=submission_id, action=reviews.ReviewAction.RETURN, reason="Rett opp")
    with pytest.raises(Conflict) as refused:
        await submissions.reopen(admin, organization_id=org, period_id="2024", reason="Feil i grunnlaget")
    assert refused.value.details == {"submission_id": submission_id, "review_state": "returned"}
    with pytest.raises(NotFound):
        await submissions.reopen(admin, organization_id=org, period_id="2023", reason="Feil i grunnlaget")


async def test_a_scoped_reviewer_writes_nothing_of_its_scope_and_no_one_approves_their_own_submission(graphql, tokens, submitted):
    """#31 review, finding 1: a reviewer token scoped with ``--org`` wrote values, aggregated and
    submitted as the organisation, then approved its own submission. Its organisations are its
    review scope; and whoever submitted a report does not approve it (four eyes)."""
    org, submission_id = submitted
    scoped = tokens.headers(org, reviewer=True, subject="bufdir-region-nord")
    trigger = 'mutation ($org: ID!) { triggerAggregation(organizationId: $org, periodId: "2024") { jobId } }'
    assert error_codes(await graphql(trigger, {"org": org}, scoped)) == ["FORBIDDEN"]
    assert error_codes(await graphql(RECORD, {"org": org}, scoped)) == ["FORBIDDEN"]
    snapshot = await Snapshot.filter(organization_id=org).first()
    assert snapshot is not None
    value = 'mutation ($id: ID!) { setFieldValue(snapshotId: $id, fieldKey: "antall_arsverk", value: 5) { fieldKey } }'
    assert error_codes(await graphql(value, {"id": str(snapshot.id)}, scoped)) == ["FORBIDDEN"]
    # it still reviews its scope
    start = "mutation ($id: ID!) { startReview(submissionId: $id) { reviewState } }"
    assert (await graphql(start, {"id": submission_id}, scoped))["data"]["startReview"]["reviewState"] == "UNDER_REVIEW"
    # kari submitted it (the fixture); a reviewer's token for kari does not approve it
    approve = "mutation ($id: ID!) { approveSubmission(submissionId: $id) { reviewState } }"
    refused = await graphql(approve, {"id": submission_id}, tokens.headers(reviewer=True, subject="kari"))
    assert error_codes(refused) == ["FORBIDDEN"] and "someone other than who submitted it" in refused["errors"][0]["message"]
    assert refused["errors"][0]["extensions"]["reason"] == "own_submission", refused
    approved = await graphql(approve, {"id": submission_id}, scoped)
    assert approved["data"]["approveSubmission"]["reviewState"] == "APPROVED"


async def test_a_correction_deadline_is_the_forms_for_everyone_and_not_in_the_past(graphql, tokens, submitted):
    """#31 review, finding 5: a reviewer scoped to one subtree, returning a submission with a
    correction deadline, wrote the form-wide deadline of every organisation."""
    from bufdir_reporting.models import FormDeadline

    org, submission_id = submitted
    back = """mutation ($id: ID!, $day: Date) { returnSubmission(submissionId: $id, reason: "fix it",
      correctionDeadline: $day) { reviewState } }"""
    scoped = tokens.headers(org, reviewer=True, subject="bufdir-region-nord")
    refused = await graphql(back, {"id": submission_id, "day": "2099-01-01"}, scoped)
    assert error_codes(refused) == ["FORBIDDEN"] and refused["errors"][0]["extensions"]["reason"] == "form_wide_deadline"
    past = await graphql(back, {"id": submission_id, "day": "2020-01-01"}, tokens.reviewer())
    assert error_codes(past) == ["BAD_USER_INPUT"] and past["errors"][0]["extensions"]["field"] == "correction_deadline"
    assert not await FormDeadline.exists(), "nothing written, and the submission not returned"
    returned = await graphql(back, {"id": submission_id, "day": "2099-01-01"}, tokens.reviewer())
    assert returned["data"]["returnSubmission"]["reviewState"] == "RETURNED"
    assert [d.correction_deadline.isoformat() for d in await FormDeadline.all()] == ["2099-01-01"]


async def test_a_locked_period_reads_alike_in_a_write_an_import_row_and_a_second_submission(app, settings, graphql, tokens):
    """One wording per state, one home (``periods.lock``): an import's row said "falls in period
    2024, which is submitted and locked; an admin must reopen it first" in any state, and a
    second submitReport "period 2024 is already submitted …; an admin must reopen it", where a
    write was told what unlocks the report in its state, the period named by its name (polish5)."""
    scope = await make_scope()
    org = scope.org.id
    ctx = context_for(settings, app, org, subject="kari")
    snapshot = (await snapshots.trigger(ctx, organization_id=org, period_id="2024", wait=True)).snapshot
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="antall_arsverk", value="4")
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    submission = await submissions.submit(ctx, report_id=record.id)
    row = ActivitySpec(
        organization_id=org,
        source_system="s",
        activity_type="care_order",
        category="ungdom",
        status="completed",
        occurred_at=datetime(2024, 6, 1, 10, tzinfo=UTC),
    )

    async def said() -> list[dict[Language, str]]:
        write: dict[Language, str] = {}
        again: dict[Language, str] = {}
        imported: dict[Language, str] = {}
        for language in Language:
            headers = {**tokens.headers(org), "Accept-Language": language.value}
            refused = await graphql(RECORD, {"org": org}, headers)
            assert error_codes(refused) == ["PERIOD_LOCKED"], refused
            write[language] = refused["errors"][0]["message"]
            second = await graphql("mutation ($r: ID!) { submitReport(reportId: $r) { version } }", {"r": record.id}, headers)
            assert error_codes(second) == ["CONFLICT"], second
            assert second["errors"][0]["extensions"]["period_id"] == "2024"
            again[language] = second["errors"][0]["message"]
            (error,) = (await activities.check_rows(ctx, [(2, row)])).errors
            assert (error.row, error.field) == (2, "occurred_at")
            token = requested.set(language)
            try:
                imported[language] = error.said()
            finally:
                requested.reset(token)
        return [write, again, imported]

    for state_words in ("to change it, ask Bufdir to return the report", "an approved report cannot be returned"):
        if state_words.startswith("an approved"):
            approved = await graphql(
                "mutation ($id: ID!) { approveSubmission(submissionId: $id) { reviewState } }",
                {"id": submission.id},
                tokens.reviewer(),
            )
            assert "errors" not in approved, approved
        write, again, imported = await said()
        assert write == again == imported, (write, again, imported)
        assert state_words in write[Language.EN] and "'Reporting year 2024'" in write[Language.EN], write
        assert "«Rapporteringsåret 2024»" in write[Language.NN], write
