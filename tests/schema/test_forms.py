"""Who reports what: report forms, their assignments and deadlines, the organisation tree, and the
reporting rates a case officer reads first (issue #31), over GraphQL and REST."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bufdir_reporting.models import (
    AuditEntry,
    EventLog,
    FieldValue,
    FormAssignment,
    Organization,
    OrganizationKind,
    Snapshot,
)
from bufdir_reporting.resolvers import periods, snapshots
from bufdir_reporting.resolvers.reporting import records, submissions

from ..conftest import error_codes
from ..factories import context_for, counted, make_activity, make_period, make_section

FORM = """mutation ($input: ReportFormInput!) { createReportForm(input: $input) { formId name periodType rolledUp
  sections { sectionId } } }"""
ASSIGN = """mutation ($form: ID!, $input: FormAssignmentInput!) { assignReportForm(formId: $form, input: $input)
  { id organizationId organizationKind validFrom validUntil } }"""
RATES = """query ($period: ID!, $form: ID, $under: ID) { reportingRates(periodId: $period, formId: $form,
  underOrganizationId: $under) { expected submitted { count percent } onTime { count } late { count percent }
  notStarted { count percent } approved { count } returnedNotCorrected { count } } }"""


@pytest.fixture
async def world(app):
    """Two child-welfare services and a family counselling office under an umbrella, two sections:
    one the welfare form asks, one the counselling form asks; the year 2024."""
    umbrella = await Organization.create(id="org-paraply", name="Paraplyen", kind=OrganizationKind.VOLUNTEER_ORGANIZATION)
    for id_, kind in (
        ("org-bv-1", OrganizationKind.CHILD_WELFARE_SERVICE),
        ("org-bv-2", OrganizationKind.CHILD_WELFARE_SERVICE),
        ("org-fv", OrganizationKind.FAMILY_COUNSELLING),
    ):
        await Organization.create(id=id_, name=id_, kind=kind, parent=umbrella if id_ != "org-bv-2" else None)
    await make_section(id="omsorg", fields=[counted("antall_saker")], order=1)
    await make_section(id="tiltak", fields=[counted("antall_tiltak", required=False)], order=2)
    await make_period(year=2023)
    await make_period(year=2024)
    return umbrella


async def create_forms(graphql, tokens) -> None:
    admin = tokens.admin()
    for form_id, sections in (("barnevern", ["omsorg"]), ("familievern", ["tiltak"])):
        made = await graphql(
            FORM, {"input": {"formId": form_id, "name": form_id.title(), "sectionIds": sections, "periodType": "YEAR"}}, admin
        )
        assert made["data"]["createReportForm"]["sections"] == [{"sectionId": sections[0]}], made
    for form_id, kind in (("barnevern", "CHILD_WELFARE_SERVICE"), ("familievern", "FAMILY_COUNSELLING")):
        assigned = await graphql(ASSIGN, {"form": form_id, "input": {"organizationKind": kind, "fromPeriodId": "2024"}}, admin)
        assert assigned["data"]["assignReportForm"]["validFrom"] == "2024-01-01"


async def test_a_form_asks_its_sections_only_and_its_snapshot_has_no_others(graphql, tokens, app, settings, world):
    await create_forms(graphql, tokens)
    ctx = context_for(settings, app, "org-fv")
    await make_activity(org=await Organization.get(id="org-fv"), occurred_at=datetime(2024, 5, 1, tzinfo=UTC))
    snapshot = (
        await snapshots.trigger(ctx, organization_id="org-fv", period_id="2024", form_id="familievern", wait=True)
    ).snapshot
    keys = set(await FieldValue.filter(snapshot_id=snapshot.id).values_list("field_key", flat=True))
    assert keys == {"antall_tiltak"}, "the family counselling office is not asked for care-order counts"
    assert (snapshot.field_count, snapshot.form_id) == (1, "familievern")
    default = (await snapshots.trigger(ctx, organization_id="org-fv", period_id="2024", wait=True)).snapshot
    assert default.field_count == 2 and default.form_id is None, "naming no form is the default form: every section"
    await make_period(year=2024, quarter=1)
    wrong = await graphql(
        'mutation { triggerAggregation(organizationId: "org-fv", periodId: "2024-Q1", formId: "familievern") { jobId } }',
        {},
        tokens.headers("org-fv"),
    )
    assert error_codes(wrong) == ["BAD_USER_INPUT"]
    assert (
        wrong["errors"][0]["message"] == "form familievern (Familievern) is asked for year periods; period 2024-Q1 is a quarter"
    )


async def test_only_an_assigned_organisation_is_expected_and_can_submit(graphql, tokens, app, settings, world):
    await create_forms(graphql, tokens)
    period = "2024"
    expected = await graphql(
        '{ reportForm(id: "barnevern") { expectedOrganizations(periodId: "2024") { organizationId } } }', {}, tokens.reviewer()
    )
    assert [o["organizationId"] for o in expected["data"]["reportForm"]["expectedOrganizations"]] == ["org-bv-1", "org-bv-2"]
    assert (
        await graphql(
            '{ reportingStatus(periodId: "2024", formId: "barnevern") { organization { organizationId } } }',
            {},
            tokens.reviewer(),
        )
    )["data"]["reportingStatus"] == [
        {"organization": {"organizationId": "org-bv-1"}},
        {"organization": {"organizationId": "org-bv-2"}},
    ]
    # the counselling office aggregates the welfare form (it may look), but cannot submit it
    ctx = context_for(settings, app, "org-fv", subject="kari")
    snapshot = (await snapshots.trigger(ctx, organization_id="org-fv", period_id=period, form_id="barnevern", wait=True)).snapshot
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    from bufdir_reporting.errors import Conflict

    with pytest.raises(Conflict) as refused:
        await submissions.submit(ctx, report_id=record.id)
    assert "not assigned form barnevern (Barnevern) for period 2024" in refused.value.message
    assert refused.value.details == {"organization_id": "org-fv", "form_id": "barnevern", "period_id": "2024"}


async def test_assignments_are_audited_live_and_ended(graphql, tokens, world):
    await create_forms(graphql, tokens)
    assigned = await FormAssignment.filter(form_id="barnevern").first()
    assert await AuditEntry.filter(action="form.assigned", entity_id="barnevern").exists()
    assert await EventLog.filter(channel="form_assignments:barnevern").exists(), "followers hear of it"
    ended = await graphql(
        "mutation ($id: ID!) { unassignReportForm(assignmentId: $id) { id } }", {"id": str(assigned.id)}, tokens.admin()
    )
    assert ended["data"]["unassignReportForm"]["id"] == str(assigned.id)
    assert await AuditEntry.filter(action="form.unassigned", entity_id="barnevern").exists()
    refused = await graphql(
        ASSIGN,
        {"form": "barnevern", "input": {"organizationId": "org-bv-1", "organizationKind": "OTHER", "fromPeriodId": "2024"}},
        tokens.admin(),
    )
    assert error_codes(refused) == ["BAD_USER_INPUT"]
    not_admin = await graphql(ASSIGN, {"form": "barnevern", "input": {"fromPeriodId": "2024"}}, tokens.headers("org-bv-1"))
    assert error_codes(not_admin) == ["FORBIDDEN"]


async def test_unassigning_ends_an_assignment_and_past_rates_stay_as_they_were(graphql, tokens, world):
    """Unassigning deleted the assignment, so the periods it had covered lost their expected
    organisations and their rates changed. It ends now (yesterday its last day); a mistaken one
    that covered no ended period is still deleted."""
    await create_forms(graphql, tokens)
    admin, reviewer = tokens.admin(), tokens.reviewer()
    today = periods.local_today()
    this_year, next_year = await make_period(year=today.year), await make_period(year=today.year + 1)
    past = (await graphql(RATES, {"period": "2024", "form": "barnevern"}, reviewer))["data"]["reportingRates"]
    assert past["expected"] == 2
    by_kind = await FormAssignment.get(form_id="barnevern")
    mistaken = await graphql(
        ASSIGN, {"form": "barnevern", "input": {"organizationId": "org-fv", "fromPeriodId": next_year.id}}, admin
    )
    unassign = "mutation ($id: ID!) { unassignReportForm(assignmentId: $id) { id validUntil } }"
    ended = await graphql(unassign, {"id": str(by_kind.id)}, admin)
    assert ended["data"]["unassignReportForm"]["validUntil"] == (today - timedelta(days=1)).isoformat(), ended
    assert (await graphql(RATES, {"period": "2024", "form": "barnevern"}, reviewer))["data"]["reportingRates"] == past
    now = (await graphql(RATES, {"period": this_year.id, "form": "barnevern"}, reviewer))["data"]["reportingRates"]
    assert now["expected"] == 0, "no one is expected for a period that had not ended"
    mistaken_id = mistaken["data"]["assignReportForm"]["id"]
    assert "errors" not in await graphql(unassign, {"id": mistaken_id}, admin)
    assert not await FormAssignment.exists(id=int(mistaken_id)), "one that never covered an ended period goes"
    assert error_codes(await graphql(unassign, {"id": str(by_kind.id)}, admin)) == ["CONFLICT"], "ended already"


async def test_rates_match_a_hand_count_with_the_forms_deadlines(graphql, tokens, app, settings, world):
    await create_forms(graphql, tokens)
    admin = tokens.admin()
    deadlines = await graphql(
        'mutation { setReportFormDeadlines(formId: "barnevern", periodId: "2024", submissionDeadline: "2025-02-01") { formId } }',
        {},
        admin,
    )
    assert deadlines["data"]["setReportFormDeadlines"]["formId"] == "barnevern"
    # org-bv-1 submits (today, long after the deadline); org-bv-2 has not started
    own = context_for(settings, app, "org-bv-1", subject="kari")
    await make_activity(org=await Organization.get(id="org-bv-1"), occurred_at=datetime(2024, 5, 1, tzinfo=UTC))
    snapshot = (
        await snapshots.trigger(own, organization_id="org-bv-1", period_id="2024", form_id="barnevern", wait=True)
    ).snapshot
    record = await records.generate(own, snapshot_id=snapshot.id, report_type="annual_report")
    await submissions.submit(own, report_id=record.id)
    rates = (await graphql(RATES, {"period": "2024", "form": "barnevern"}, tokens.reviewer()))["data"]["reportingRates"]
    assert rates == {
        "expected": 2,
        "submitted": {"count": 1, "percent": 50.0},
        "onTime": {"count": 0},
        "late": {"count": 2, "percent": 100.0},  # one submitted late, one overdue
        "notStarted": {"count": 1, "percent": 50.0},
        "approved": {"count": 0},
        "returnedNotCorrected": {"count": 0},
    }
    under = await graphql(RATES, {"period": "2024", "form": "barnevern", "under": "org-paraply"}, tokens.reviewer())
    assert under["data"]["reportingRates"]["expected"] == 1, "org-bv-2 is not in the umbrella's subtree"


async def test_an_umbrella_reads_its_branches_writes_none_and_a_regional_reviewer_sees_its_subtree(
    graphql, client, tokens, app, settings, world
):
    umbrella = tokens.headers("org-paraply")
    tree = await graphql(
        '{ organization(id: "org-paraply") { children { totalCount edges { node { organizationId ancestors { organizationId } } } } } }',
        {},
        umbrella,
    )
    children = tree["data"]["organization"]["children"]
    assert children["totalCount"] == 2
    assert {e["node"]["organizationId"] for e in children["edges"]} == {"org-bv-1", "org-fv"}
    assert all(e["node"]["ancestors"] == [{"organizationId": "org-paraply"}] for e in children["edges"])
    assert (
        await client.get("/api/v1/aggregated-report-data", params={"organization_id": "org-bv-1"}, headers=umbrella)
    ).status_code == 200
    assert (
        await client.get("/api/v1/aggregated-report-data", params={"organization_id": "org-bv-2"}, headers=umbrella)
    ).status_code == 403
    write = await graphql('mutation { triggerAggregation(organizationId: "org-bv-1", periodId: "2024") { jobId } }', {}, umbrella)
    assert error_codes(write) == ["FORBIDDEN"], "reading down the tree is not writing"
    regional = tokens.headers("org-paraply", reviewer=True)
    seen = await graphql("{ organizations { edges { node { organizationId } } } }", {}, regional)
    assert {e["node"]["organizationId"] for e in seen["data"]["organizations"]["edges"]} == {"org-paraply", "org-bv-1", "org-fv"}


async def test_a_rolled_up_form_counts_its_subtrees_participants_once(graphql, tokens, app, settings, world):
    admin = tokens.admin()
    await graphql(
        FORM, {"input": {"formId": "samlet", "name": "Samlet", "sectionIds": ["omsorg", "tiltak"], "rolledUp": True}}, admin
    )
    await graphql(ASSIGN, {"form": "samlet", "input": {"organizationId": "org-paraply", "fromPeriodId": "2024"}}, admin)
    for org, refs in (("org-bv-1", ("p-1", "p-2")), ("org-fv", ("p-2", "p-3")), ("org-paraply", ("p-1",))):
        await make_activity(org=await Organization.get(id=org), occurred_at=datetime(2024, 5, 1, tzinfo=UTC), participants=refs)
    await make_activity(
        org=await Organization.get(id="org-bv-2"), occurred_at=datetime(2024, 5, 1, tzinfo=UTC), participants=("p-9",)
    )
    ctx = context_for(settings, app, "org-paraply")
    rolled = (await snapshots.trigger(ctx, organization_id="org-paraply", period_id="2024", form_id="samlet", wait=True)).snapshot
    assert (rolled.activity_count, rolled.unique_participants) == (3, 3), "p-1 and p-2 once each; org-bv-2 is not below it"
    alone = (await snapshots.trigger(ctx, organization_id="org-paraply", period_id="2024", wait=True)).snapshot
    assert (alone.activity_count, alone.unique_participants) == (1, 1)


async def test_a_branchs_activity_marks_the_rolled_up_snapshot_above_invalid_and_its_submission_locks_the_branch(
    graphql, tokens, app, settings, world
):
    """#31 review, finding 4: the umbrella's rolled-up snapshot stayed valid (and a non-forced
    aggregation returned it) after a branch's activities changed; and a branch wrote into a
    period whose rolled-up report above it was submitted."""
    admin = tokens.admin()
    await graphql(FORM, {"input": {"formId": "samlet", "name": "Samlet", "sectionIds": ["omsorg"], "rolledUp": True}}, admin)
    await graphql(ASSIGN, {"form": "samlet", "input": {"organizationId": "org-paraply", "fromPeriodId": "2024"}}, admin)
    await make_activity(org=await Organization.get(id="org-bv-1"), occurred_at=datetime(2024, 5, 1, tzinfo=UTC))
    ctx = context_for(settings, app, "org-paraply")
    rolled = (await snapshots.trigger(ctx, organization_id="org-paraply", period_id="2024", form_id="samlet", wait=True)).snapshot
    alone = (await snapshots.trigger(ctx, organization_id="org-paraply", period_id="2024", wait=True)).snapshot
    record = """mutation ($day: DateTime!) { recordActivity(input: {organizationId: "org-bv-1", sourceSystem: "s",
      activityType: "care_order", category: UNGDOM, status: "completed", occurredAt: $day}) { activityId } }"""
    branch = tokens.headers("org-bv-1")
    assert "errors" not in await graphql(record, {"day": "2024-06-01T10:00:00Z"}, branch)
    await rolled.refresh_from_db()
    await alone.refresh_from_db()
    assert (rolled.cache_valid, alone.cache_valid) == (False, True), "the subtree's figures changed, the umbrella's own did not"
    again = (await snapshots.trigger(ctx, organization_id="org-paraply", period_id="2024", form_id="samlet", wait=True)).snapshot
    assert again.activity_count == 2 and again.cache_valid
    report = await records.generate(ctx, snapshot_id=again.id, report_type="annual_report")
    await submissions.submit(ctx, report_id=report.id)
    locked = await graphql(record, {"day": "2024-07-01T10:00:00Z"}, branch)
    assert error_codes(locked) == ["PERIOD_LOCKED"]
    # it says whose report locks it: the branch had submitted nothing (#31 outside test, finding 4)
    assert (
        "locked for org-bv-1 by Paraplyen (org-paraply)'s submission of the rolled-up form samlet (Samlet)"
        in (locked["errors"][0]["message"])
    ), locked
    details = locked["errors"][0]["extensions"]
    assert (details["locked_by_organization_id"], details["locked_by_form_id"]) == ("org-paraply", "samlet"), details
    assert "errors" not in await graphql(record, {"day": "2025-01-02T10:00:00Z"}, branch), "another period"
    other = tokens.headers("org-bv-2")  # not below the umbrella
    day = {"day": "2024-07-01T10:00:00Z"}
    assert "errors" not in await graphql(record.replace('"org-bv-1"', '"org-bv-2"'), day, other)


async def test_a_forms_sections_changing_marks_its_snapshots_invalid(graphql, tokens, app, settings, world):
    await create_forms(graphql, tokens)
    ctx = context_for(settings, app, "org-fv")
    snapshot = (
        await snapshots.trigger(ctx, organization_id="org-fv", period_id="2024", form_id="familievern", wait=True)
    ).snapshot
    other = (await snapshots.trigger(ctx, organization_id="org-fv", period_id="2024", wait=True)).snapshot
    changed = await graphql(
        'mutation { updateReportForm(id: "familievern", input: {formId: "familievern", name: "Familievern", periodType: YEAR, sectionIds: ["tiltak", "omsorg"]}) { sections { sectionId } } }',
        {},
        tokens.admin(),
    )
    assert {s["sectionId"] for s in changed["data"]["updateReportForm"]["sections"]} == {"tiltak", "omsorg"}
    stale = await Snapshot.get(id=snapshot.id)
    assert stale.cache_valid is False and "report form familievern changed" in stale.invalidation_reason
    assert (await Snapshot.get(id=other.id)).cache_valid is True, "the default form's snapshot is another form's"


async def test_the_default_form_asks_every_section_for_any_period(graphql, tokens, world):
    refused = await graphql(
        'mutation { updateReportForm(id: "bufdir-rapport", input: {formId: "bufdir-rapport", name: "B", sectionIds: ["omsorg"], periodType: YEAR}) { formId } }',
        {},
        tokens.admin(),
    )
    assert error_codes(refused) == ["CONFLICT"]
    sections = await graphql('{ reportForm(id: "bufdir-rapport") { isDefault sections { sectionId } } }', {}, None)
    assert sections["data"]["reportForm"] == {"isDefault": True, "sections": [{"sectionId": "omsorg"}, {"sectionId": "tiltak"}]}


async def test_forms_over_rest(client, tokens, world):
    admin = tokens.admin()
    made = await client.post(
        "/api/v1/report-forms",
        json={"form_id": "rest-skjema", "name": "REST", "section_ids": ["omsorg"], "period_type": "year"},
        headers=admin,
    )
    assert made.status_code == 201 and made.json()["section_ids"] == ["omsorg"], made.text
    unknown = await client.post(
        "/api/v1/report-forms", json={"form_id": "x", "name": "X", "section_ids": ["finnes-ikke"]}, headers=admin
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["details"]["field"] == "section_ids"
    # many unknown sections: how many and the first ten (errors.refuse_unknown), not every one
    many = [f"ukjent-{n:02}" for n in range(12)]
    refused = await client.post("/api/v1/report-forms", json={"form_id": "x", "name": "X", "section_ids": many}, headers=admin)
    assert refused.json()["error"]["message"] == "12 sections do not exist; the first 10: " + ", ".join(many[:10]), refused.text
    assigned = await client.post(
        "/api/v1/report-forms/rest-skjema/assignments",
        json={"organization_id": "org-bv-1", "from_period_id": "2024"},
        headers=admin,
    )
    assert assigned.status_code == 201 and assigned.json()["valid_from"] == "2024-01-01"
    listed = (await client.get("/api/v1/report-forms/rest-skjema/assignments", headers=admin)).json()["data"]
    assert [a["organization_id"] for a in listed] == ["org-bv-1"]
    deadline = await client.put(
        "/api/v1/report-forms/rest-skjema/deadlines/2024", json={"submission_deadline": "2025-03-01"}, headers=admin
    )
    assert deadline.json() == {
        "form_id": "rest-skjema",
        "period_id": "2024",
        "submission_deadline": "2025-03-01",
        "correction_deadline": None,
    }
    rates = await client.get(
        "/api/v1/submissions/reporting-rates", params={"period_id": "2024", "form_id": "rest-skjema"}, headers=tokens.reviewer()
    )
    assert rates.json()["expected"] == 1 and rates.json()["not_started"] == {"count": 1, "percent": 100.0}
    ended = await client.delete(f"/api/v1/report-forms/assignments/{assigned.json()['assignment_id']}", headers=admin)
    assert ended.status_code == 200
    left = (await client.get("/api/v1/report-forms/rest-skjema/assignments", headers=admin)).json()["data"]
    assert [a["valid_until"] for a in left] == [ended.json()["valid_until"]], "ended, kept for the periods before"


async def test_a_deadline_is_a_day_written_as_text_never_a_number(client, tokens, world):
    # schemathesis sent `"correction_deadline": 0`, and pydantic's lax mode stored 1 January 1970.
    for body in ({"correction_deadline": 0}, {"submission_deadline": 1_700_000_000}, {"submission_deadline": True}):
        refused = await client.put("/api/v1/report-forms/bufdir-rapport/deadlines/2024", json=body, headers=tokens.admin())
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["error"]["details"]["field"] == next(iter(body))
    kept = await client.put(
        "/api/v1/report-forms/bufdir-rapport/deadlines/2024", json={"submission_deadline": "2025-04-01"}, headers=tokens.admin()
    )
    assert kept.status_code == 200 and kept.json()["submission_deadline"] == "2025-04-01"


async def test_who_must_report_names_organisations_only_to_those_who_may_read_them(client, graphql, tokens, world):
    """#31 review, finding 3: anonymous callers listed every organisation (name, number, kind)
    through a public form, while ``{organizations}`` refuses them. The form stays public."""
    await create_forms(graphql, tokens)
    await graphql(ASSIGN, {"form": "barnevern", "input": {"organizationId": "org-fv", "fromPeriodId": "2024"}}, tokens.admin())
    expected = '{ reportForm(id: "barnevern") { name expectedOrganizations(periodId: "2024") { organizationId } } }'
    assert error_codes(await graphql(expected)) == ["UNAUTHENTICATED"]
    assert (await graphql('{ reportForm(id: "barnevern") { name } }'))["data"]["reportForm"]["name"] == "Barnevern"
    listing = "/api/v1/report-forms/barnevern/assignments"
    assert (await client.get(listing)).status_code == 401
    assert (await client.get("/api/v1/report-forms/barnevern")).status_code == 200

    def ids(result: dict) -> list[str]:
        return [o["organizationId"] for o in result["data"]["reportForm"]["expectedOrganizations"]]

    assert ids(await graphql(expected, {}, tokens.reviewer())) == ["org-bv-1", "org-bv-2", "org-fv"]
    assert ids(await graphql(expected, {}, tokens.headers("org-bv-2"))) == ["org-bv-2"]
    assert ids(await graphql(expected, {}, tokens.headers("org-paraply"))) == ["org-bv-1", "org-fv"]  # its subtree
    named = [a["organization_id"] for a in (await client.get(listing, headers=tokens.headers("org-bv-2"))).json()["data"]]
    assert named == [None]  # the kind's assignment; not the one naming org-fv, which it may not read
    named = [a["organization_id"] for a in (await client.get(listing, headers=tokens.reviewer())).json()["data"]]
    assert named == [None, "org-fv"]


async def test_deadlines_are_for_a_period_the_form_asks_and_correction_comes_after_submission(client, tokens, world):
    """#31 review, finding 6."""
    await make_period(year=2024, quarter=1)
    admin = tokens.admin()
    made = await client.post(
        "/api/v1/report-forms",
        json={"form_id": "arlig", "name": "Årlig", "section_ids": ["omsorg"], "period_type": "year"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    quarter = await client.put(
        "/api/v1/report-forms/arlig/deadlines/2024-Q1", json={"submission_deadline": "2024-05-01"}, headers=admin
    )
    assert quarter.status_code == 422 and quarter.json()["error"]["details"]["field"] == "period_id", quarter.text
    both = {"submission_deadline": "2025-03-01", "correction_deadline": "2025-02-01"}
    backwards = await client.put("/api/v1/report-forms/arlig/deadlines/2024", json=both, headers=admin)
    assert backwards.status_code == 422 and backwards.json()["error"]["details"]["field"] == "correction_deadline"
    first = await client.put(
        "/api/v1/report-forms/arlig/deadlines/2024", json={"submission_deadline": "2025-03-01"}, headers=admin
    )
    assert first.status_code == 200
    alone = await client.put(
        "/api/v1/report-forms/arlig/deadlines/2024", json={"correction_deadline": "2025-02-01"}, headers=admin
    )
    assert alone.status_code == 422 and alone.json()["error"]["details"]["field"] == "correction_deadline"
    later = (periods.local_today() + timedelta(days=30)).isoformat()  # not in the past (finding 5 below)
    after = await client.put("/api/v1/report-forms/arlig/deadlines/2024", json={"correction_deadline": later}, headers=admin)
    assert after.status_code == 200 and after.json()["correction_deadline"] == later


async def test_a_deadline_before_its_period_far_after_it_or_a_correction_in_the_past_is_refused(client, tokens, world):
    """1900-01-01 and 9999-12-31 were accepted as deadlines of 2024, and so was a correction
    deadline in the past (#31 outside test, finding 5): 422 naming the field."""
    admin = tokens.admin()
    path = "/api/v1/report-forms/bufdir-rapport/deadlines/2024"
    for body, field in (
        ({"submission_deadline": "1900-01-01"}, "submission_deadline"),
        ({"submission_deadline": "9999-12-31"}, "submission_deadline"),
        ({"correction_deadline": "2030-01-01"}, "correction_deadline"),
        ({"correction_deadline": (periods.local_today() - timedelta(days=1)).isoformat()}, "correction_deadline"),
    ):
        refused = await client.put(path, json=body, headers=admin)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["error"]["details"]["field"] == field, refused.text
    kept = await client.put(path, json={"submission_deadline": "2029-12-31"}, headers=admin)
    assert kept.status_code == 200, "five years after the period's end still is"


async def test_an_assignment_id_out_of_the_columns_range_is_the_callers_mistake(graphql, tokens, world):
    """#31 review, finding 7: 99999999999999999999999 reached SQLite and answered INTERNAL."""
    unassign = "mutation ($id: ID!) { unassignReportForm(assignmentId: $id) { id } }"
    for wrong in ("99999999999999999999999", "2147483648", "0", "-1", "1_000", " 7", "x"):
        refused = await graphql(unassign, {"id": wrong}, tokens.admin())
        assert error_codes(refused) == ["BAD_USER_INPUT"], (wrong, refused)
        assert refused["errors"][0]["extensions"]["field"] == "assignmentId"
    assert error_codes(await graphql(unassign, {"id": "2147483647"}, tokens.admin())) == ["NOT_FOUND"]


async def test_the_default_forms_sections_names_with_controls_and_an_unknown_subtree_are_refused(client, graphql, tokens, world):
    """#31 review, finding 8: a PUT of the default form with other sections answered 200 and
    ignored them; names took U+202E, BEL and ESC; rates under an unknown organisation were zeros."""
    admin = tokens.admin()
    default = "/api/v1/report-forms/bufdir-rapport"
    listed = (await client.get(default)).json()
    body = {"form_id": "bufdir-rapport", "name": "Bufdir-rapport", "section_ids": ["omsorg"]}
    refused = await client.put(default, json=body, headers=admin)
    assert refused.status_code == 409 and refused.json()["error"]["details"]["field"] == "section_ids", refused.text
    renamed = await client.put(
        default, json={**body, "name": "Bufdirs rapport", "section_ids": listed["section_ids"]}, headers=admin
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Bufdirs rapport"
    for name in ("rapport\u202excod.exe", "rapport\x07", "rapport\x1b[31m", "to\nlinjer", "isolert\u2066x"):
        made = await client.post(
            "/api/v1/report-forms", json={"form_id": "navn", "name": name, "section_ids": ["omsorg"]}, headers=admin
        )
        assert made.status_code == 422 and made.json()["error"]["details"]["field"] == "name", (name, made.text)
        gql = await graphql(FORM, {"input": {"formId": "navn", "name": name, "sectionIds": ["omsorg"]}}, admin)
        assert error_codes(gql) == ["BAD_USER_INPUT"], name
    rates = "/api/v1/submissions/reporting-rates"
    unknown = await client.get(rates, params={"period_id": "2024", "under_org_id": "org-finnes-ikke"}, headers=tokens.reviewer())
    assert unknown.status_code == 404, unknown.text
    assert error_codes(await graphql(RATES, {"period": "2024", "under": "org-finnes-ikke"}, tokens.reviewer())) == ["NOT_FOUND"]
    known = await client.get(rates, params={"period_id": "2024", "under_org_id": "org-paraply"}, headers=tokens.reviewer())
    assert known.status_code == 200


async def test_a_mistaken_assignment_is_removed_outright_unless_a_report_was_submitted_under_it(
    client, graphql, tokens, app, settings, world
):
    """An assignment covering past periods only could never be removed (unassign: "ended
    already"), so a typo made an organisation overdue in past rates for good (#31 outside test,
    finding 1). ``mistaken`` removes it, audited, unless a submission was made under it."""
    await create_forms(graphql, tokens)
    admin, reviewer = tokens.admin(), tokens.reviewer()
    typo = await client.post(
        "/api/v1/report-forms/familievern/assignments",
        json={"organization_id": "org-bv-1", "from_period_id": "2023", "until_period_id": "2023"},
        headers=admin,
    )
    assert typo.status_code == 201, typo.text
    typo_id = typo.json()["assignment_id"]
    assert (await graphql(RATES, {"period": "2023", "form": "familievern"}, reviewer))["data"]["reportingRates"]["expected"] == 1
    path = f"/api/v1/report-forms/assignments/{typo_id}"
    assert (await client.delete(path, headers=admin)).status_code == 409, "plain unassign still only ends"
    removed = await client.delete(path, params={"mistaken": "true"}, headers=admin)
    assert removed.status_code == 200, removed.text
    assert not await FormAssignment.exists(id=typo_id)
    assert (await graphql(RATES, {"period": "2023", "form": "familievern"}, reviewer))["data"]["reportingRates"]["expected"] == 0
    entry = await AuditEntry.get(action="form.assignment_removed", entity_id="familievern")
    assert entry.after == {"deleted": True, "mistaken": True} and entry.before["valid_until"] == "2023-12-31"
    # once a report was submitted under it, it was owed: only ending it is left
    by_kind = await FormAssignment.get(form_id="barnevern")
    ctx = context_for(settings, app, "org-bv-1", subject="kari")
    snapshot = (
        await snapshots.trigger(ctx, organization_id="org-bv-1", period_id="2024", form_id="barnevern", wait=True)
    ).snapshot
    await submissions.submit(
        ctx, report_id=(await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")).id
    )
    unassign = "mutation ($id: ID!) { unassignReportForm(assignmentId: $id, mistaken: true) { id } }"
    refused = await graphql(unassign, {"id": str(by_kind.id)}, admin)
    assert error_codes(refused) == ["CONFLICT"], refused
    assert "org-bv-1 submitted form barnevern under it for period 2024" in refused["errors"][0]["message"]
    assert await FormAssignment.exists(id=by_kind.id)
    not_admin = await graphql(unassign, {"id": str(by_kind.id)}, reviewer)
    assert error_codes(not_admin) == ["FORBIDDEN"]


async def test_an_assignment_overlapping_one_of_the_same_target_or_of_the_wrong_kind_of_period_is_refused(
    client, graphql, tokens, world
):
    """Three identical assignments were accepted, and a year of a quarterly form; rates of a
    quarterly form for a year answered 0 expected (#31 outside test, findings 6-7)."""
    await create_forms(graphql, tokens)
    admin = tokens.admin()
    first = await graphql(ASSIGN, {"form": "barnevern", "input": {"organizationId": "org-fv", "fromPeriodId": "2024"}}, admin)
    assigned_id = first["data"]["assignReportForm"]["id"]
    again = await graphql(ASSIGN, {"form": "barnevern", "input": {"organizationId": "org-fv", "fromPeriodId": "2024"}}, admin)
    assert error_codes(again) == ["CONFLICT"], again
    assert again["errors"][0]["extensions"]["assignment_id"] == int(assigned_id), again
    by_kind = await graphql(
        ASSIGN, {"form": "barnevern", "input": {"organizationKind": "CHILD_WELFARE_SERVICE", "fromPeriodId": "2023"}}, admin
    )
    assert error_codes(by_kind) == ["CONFLICT"], "the kind's assignment from 2024 on covers 2024"
    before = await graphql(
        ASSIGN,
        {"form": "barnevern", "input": {"organizationId": "org-fv", "fromPeriodId": "2023", "untilPeriodId": "2023"}},
        admin,
    )
    assert "errors" not in before, "a year before the other does not overlap it"
    await make_period(year=2024, quarter=1)
    made = await client.post(
        "/api/v1/report-forms",
        json={"form_id": "kvartal", "name": "Kvartal", "section_ids": ["omsorg"], "period_type": "quarter"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    for body, field in (
        ({"from_period_id": "2024"}, "from_period_id"),
        ({"from_period_id": "2024-Q1", "until_period_id": "2024"}, "until_period_id"),
    ):
        wrong = await client.post("/api/v1/report-forms/kvartal/assignments", json=body, headers=admin)
        assert wrong.status_code == 422 and wrong.json()["error"]["details"]["field"] == field, wrong.text
    wrong = await graphql(ASSIGN, {"form": "kvartal", "input": {"fromPeriodId": "2024"}}, admin)
    assert error_codes(wrong) == ["BAD_USER_INPUT"], wrong
    for path in ("reporting-rates", "reporting-status"):
        year = await client.get(
            f"/api/v1/submissions/{path}", params={"period_id": "2024", "form_id": "kvartal"}, headers=tokens.reviewer()
        )
        assert year.status_code == 422 and year.json()["error"]["details"]["field"] == "form_id", year.text


async def test_submitting_an_unassigned_form_is_refused_for_that_before_its_validation_errors(
    graphql, tokens, app, settings, world
):
    """It answered "1 validation error" first, and only after fixing it that the form was never
    the organisation's to submit (#31 outside test, finding 8)."""
    from bufdir_reporting.errors import Conflict
    from bufdir_reporting.language import Language, say

    from ..factories import manual

    await make_section(id="belop", fields=[manual("utbetalt")], order=3)
    made = await graphql(
        FORM, {"input": {"formId": "manuelt", "name": "Manuelt", "sectionIds": ["belop"], "periodType": "YEAR"}}, tokens.admin()
    )
    assert "errors" not in made, made
    ctx = context_for(settings, app, "org-fv", subject="kari")
    snapshot = (await snapshots.trigger(ctx, organization_id="org-fv", period_id="2024", form_id="manuelt", wait=True)).snapshot
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    await Organization.filter(id="org-fv").update(name="Familievernet Fjord")
    with pytest.raises(Conflict) as refused:
        await submissions.submit(ctx, report_id=record.id)
    assert "not assigned form manuelt (Manuelt) for period 2024" in refused.value.message
    # Norwegian names the organisation and the period as a person knows them, not by their ids
    # ("org-4420 er ikke tildelt skjemaet bufdir-rapport (…) for perioden rp-2026-q1", outsider)
    assert refused.value.message_id is not None
    nynorsk = say(refused.value.message_id, Language.NN, **refused.value.values)
    assert nynorsk.startswith(
        "Familievernet Fjord (org-fv) er ikkje tildelt skjemaet «Manuelt» for perioden «Rapporteringsåret 2024»;"
    )


async def test_an_empty_or_unknown_form_id_of_the_dashboards_is_refused_naming_the_field(client, graphql, tokens, world):
    """GraphQL's ``formId: ""`` and ``"ReportForm:"`` meant the default form where REST answers
    422, and an unknown form was 404 without ``details.field`` (#31 outside test, finding 9)."""
    reviewer = tokens.reviewer()
    for form_id in ("", "UmVwb3J0Rm9ybTo="):  # the global id "ReportForm:", base64
        answer = await graphql(RATES, {"period": "2024", "form": form_id}, reviewer)
        assert error_codes(answer) == ["BAD_USER_INPUT"], (form_id, answer)
    for path in ("/api/v1/submissions/reporting-rates", "/api/v1/worklist"):
        unknown = await client.get(path, params={"period_id": "2024", "form_id": "finnes-ikke"}, headers=reviewer)
        assert unknown.status_code == 404 and unknown.json()["error"]["details"]["field"] == "form_id", unknown.text


async def test_the_openapi_document_says_who_must_report_needs_a_token_that_reads(client):
    """It declared ``x-required-permission: null`` (anyone) and answered anonymous callers 401
    (#31 outside test, finding 11)."""
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/report-forms/{form_id}/assignments"]["get"]
    assert operation["x-required-permission"] == ["read"], operation
    assert (await client.get("/api/v1/report-forms/bufdir-rapport/assignments")).status_code == 401


async def test_reporting_status_names_the_forms_assigned_for_the_period(client, graphql, tokens, world):
    """The demo assigns the default form to nobody, so the status of a period with no form named
    answered empty without a word of which forms to ask (#31 outside test, finding 10)."""
    await create_forms(graphql, tokens)
    answer = await client.get("/api/v1/submissions/reporting-status", params={"period_id": "2024"}, headers=tokens.reviewer())
    assert answer.status_code == 200, answer.text
    assert {"barnevern", "familievern"} <= set(answer.json()["assigned_form_ids"]), answer.text
    earlier = await client.get("/api/v1/submissions/reporting-status", params={"period_id": "2023"}, headers=tokens.reviewer())
    assert not {"barnevern", "familievern"} & set(earlier.json()["assigned_form_ids"]), "assigned from 2024 on"


@pytest.mark.postgres_only  # SQLite lets one writer at a time: its transactions never meet
async def test_the_same_assignment_asked_at_once_is_made_once(graphql, tokens, world):
    """Each request checked for an overlapping assignment, found none and made its own: four
    concurrent identical requests made four, and unassigning one left three in force
    (attacker's review). One is made; the others are told it overlaps."""
    await create_forms(graphql, tokens)
    admin = tokens.admin()
    asked = {"form": "familievern", "input": {"organizationId": "org-bv-1", "fromPeriodId": "2024"}}
    answers = await asyncio.gather(*(graphql(ASSIGN, asked, admin) for _ in range(4)))
    assert sorted(tuple(error_codes(a)) for a in answers) == [(), ("CONFLICT",), ("CONFLICT",), ("CONFLICT",)], answers
    assert await FormAssignment.filter(form_id="familievern", organization_id="org-bv-1").count() == 1
