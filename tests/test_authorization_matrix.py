"""Every REST route and every GraphQL root field, called as four principals.

The test enumerates the app's routes (printed-path aliases share their handler) and the
schema's root fields, and fails when one has no case here. Each case says what each principal
gets: ``ok`` (not refused: no 401/403/404, no 5xx), ``401``/``UNAUTHENTICATED``,
``403``/``FORBIDDEN`` (a request that names an organisation it may not act for), or
``404``/``NOT_FOUND`` (another organisation's object, reached by its id: it answers as a missing
one). Business outcomes are tested elsewhere; this is about who gets in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.routing import APIRoute

from bufdir_reporting.resolvers.base import ids
from bufdir_reporting.resolvers.snapshots import live
from bufdir_reporting.schema import schema
from bufdir_reporting.schema.context import GraphQLContext

from . import contracts

PRINCIPALS = ("anonymous", "other", "own", "admin", "reviewer", "umbrella", "regional-reviewer")
UMBRELLA = "org-paraply"
"""The parent of ``OWN`` in the organisation tree: its token reads OWN's data and writes none of it."""
PUBLIC = dict.fromkeys(PRINCIPALS, "ok")
ORG = {"anonymous": "401", "other": "403", "own": "ok", "admin": "ok"}
HIDDEN = {"anonymous": "401", "other": "404", "own": "ok", "admin": "ok"}
ADMIN = {"anonymous": "401", "other": "403", "own": "403", "admin": "ok"}
REVIEW = {"anonymous": "401", "other": "403", "own": "403", "admin": "ok", "reviewer": "ok"}


def reviewer_expects(case: str, expected: dict[str, str]) -> str:
    """Bufdir's reviewer reads every organisation and changes nothing: unless a case says
    otherwise, it gets what an admin gets on a read and FORBIDDEN on a write or an admin's read."""
    if "reviewer" in expected:
        return expected["reviewer"]
    if expected == PUBLIC:
        return "ok"
    read = case.startswith(("GET ", "Query.", "Subscription."))
    return "ok" if read and expected != ADMIN else "403"


OWN = "org-1042"


def umbrella_expects(case: str, expected: dict[str, str]) -> str:
    """A token for the organisation above OWN reads what OWN reads (its subtree) and changes
    nothing of OWN's: FORBIDDEN where OWN may write (it sees the object, so not NOT_FOUND)."""
    if "umbrella" in expected:
        return expected["umbrella"]
    read = case.startswith(("GET ", "Query.", "Subscription."))
    if read or expected.get("other") == "ok":
        return expected["own"]
    return "403" if expected["own"] == "ok" else expected["own"]


def regional_reviewer_expects(case: str, expected: dict[str, str]) -> str:
    """A reviewer scoped to the umbrella's subtree (a regional office) gets what a reviewer gets
    for OWN, which is in its subtree."""
    return expected.get("regional-reviewer", reviewer_expects(case, expected))


def outcome(codes: set[str | None]) -> str:
    for code, seen in (("UNAUTHENTICATED", "401"), ("FORBIDDEN", "403"), ("NOT_FOUND", "404")):
        if code in codes:
            return seen
    return "ok"


@dataclass
class World:
    client: Any
    app: Any
    tokens: Any
    settings: Any
    snapshot_id: str = ""
    report_id: str = ""
    activity_ids: tuple[str, ...] = ()
    import_id: str = ""
    submission_id: str = ""
    comment_id: int = 0

    def headers(self, who: str) -> dict[str, str]:
        if who == "anonymous":
            return {}
        if who == "admin":
            return self.tokens.admin()
        if who == "reviewer":
            return self.tokens.reviewer()
        if who == "umbrella":
            return self.tokens.headers(UMBRELLA, subject="bufdir-cli")
        if who == "regional-reviewer":
            return self.tokens.headers(UMBRELLA, reviewer=True, subject="bufdir-region-nord")
        # one subject for both: many tokens share one (the CLI's default, a fagsystem's account),
        # and the organisation, not the subject, decides
        return self.tokens.headers(OWN if who == "own" else "org-2077", subject="bufdir-cli")

    async def snapshot(self, period: str = "2024") -> str:
        response = await self.client.post(
            "/api/v1/aggregated-report-data",
            json={"organization_id": OWN, "period_id": period, "force_reaggregate": True},
            headers=self.tokens.admin(),
        )
        await self.app.state.jobs.wait_idle()
        return response.json()["snapshot_id"]

    async def report(self) -> str:
        """A completed record with a real file in the organisation's folder, so a download can succeed."""
        ref = f"reports/{OWN}/2024/matrix.xlsx"
        (self.settings.report_store_root / ref).parent.mkdir(parents=True, exist_ok=True)
        (self.settings.report_store_root / ref).write_bytes(b"matrix")
        body = {**contracts.REPORT_POST_REQUEST, "org_id": OWN, "status": "completed", "file_ref": ref}
        return (await self.client.post("/api/v1/report-records", json=body, headers=self.tokens.admin())).json()["report_id"]

    async def upload(self, who: str = "own") -> str:
        """An activity file checked for ``who`` (the own organisation's user by default)."""
        response = await self.client.post(IMPORTS, files={"file": ("a.csv", IMPORT_FILE, "text/csv")}, headers=self.headers(who))
        return str(response.json()["import_id"])

    async def graphql(self, who: str, query: str, variables: dict | None = None) -> str:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers(who)
        )
        if response.status_code == 401:
            return "401"
        codes = {e.get("extensions", {}).get("code") for e in response.json().get("errors") or []}
        assert "INTERNAL" not in codes, response.text
        return outcome(codes)

    async def rest(self, who: str, method: str, path: str, **kwargs: Any) -> str:
        response = await self.client.request(method, path, headers=self.headers(who), **kwargs)
        assert response.status_code < 500, response.text
        return str(response.status_code) if response.status_code in (401, 403, 404) else "ok"


Call = Callable[[World, str], Awaitable[str]]
IMPORTS = "/api/v1/activities/import"
IMPORT_FILE = (
    b"organization_id;source_system;external_id;activity_type;category;status;occurred_at\n"
    b"org-1042;fagsystem-cis;matrix-1;care_order;ungdom;completed;01.06.2025\n"
)
SIGNED_IN = {"anonymous": "401", "other": "ok", "own": "ok", "admin": "ok"}
SECTION_BODY = {**contracts.SECTION_POST_REQUEST, "section_id": "matrise"}
ACTIVITY = {
    "organizationId": OWN,
    "sourceSystem": "fagsystem-cis",
    "activityType": "care_order",
    "category": "UNGDOM",
    "status": "completed",
    "occurredAt": "2025-06-01T10:00:00Z",
}


async def _watch(w: World, who: str) -> str:
    if who in ("anonymous", "other"):
        return await w.rest(
            who, "GET", "/api/v1/aggregated-report-data/watch", params={"organization_id": OWN, "period_id": "2024"}
        )
    # allowed: the stream never ends, so open it through the same resolver the route calls
    ctx = GraphQLContext(settings=w.settings, principal=await principal(w, who), events=w.app.state.events)
    stream = await live.follow_aggregated_data(ctx, organization_id=OWN, period_id="2024")
    await stream.aclose()
    return "ok"


async def principal(w: World, who: str):
    """As a request's context makes it: the token's claims, and what it reaches through the tree."""
    from bufdir_reporting.auth import principal_from_authorization
    from bufdir_reporting.resolvers import organizations

    return await organizations.tree.reach(principal_from_authorization(w.settings, w.headers(who).get("Authorization")))


async def _subscribe(w: World, who: str, query: str) -> str:
    ctx = GraphQLContext(settings=w.settings, principal=await principal(w, who), events=w.app.state.events)
    result = await schema.subscribe(query, context_value=ctx)
    if hasattr(result, "errors") and result.errors:
        codes = {e.extensions.get("code") for e in result.errors}
        return outcome(codes)
    first = result.__anext__()
    try:
        import asyncio

        item = await asyncio.wait_for(first, 0.3)
    except TimeoutError:
        return "ok"
    finally:
        await result.aclose()
    codes = {e.extensions.get("code") for e in item.errors or []}
    return outcome(codes)


REST: dict[str, tuple[dict[str, str], Call]] = {
    "GET /api/v1/report-sections": (PUBLIC, lambda w, who: w.rest(who, "GET", "/api/v1/report-sections")),
    "POST /api/v1/report-sections": (
        ADMIN,
        lambda w, who: w.rest(who, "POST", "/api/v1/report-sections", json={**SECTION_BODY, "section_id": f"matrise-{who}"}),
    ),
    "GET /api/v1/report-sections/required-fields": (
        PUBLIC,
        lambda w, who: w.rest(who, "GET", "/api/v1/report-sections/required-fields"),
    ),
    "GET /api/v1/report-sections/fields/{field_key}/label": (
        PUBLIC,
        lambda w, who: w.rest(who, "GET", "/api/v1/report-sections/fields/antall_akuttplasseringer/label"),
    ),
    "GET /api/v1/report-sections/{section_id}": (
        PUBLIC,
        lambda w, who: w.rest(who, "GET", "/api/v1/report-sections/hjelpetiltak"),
    ),
    "PUT /api/v1/report-sections/{section_id}": (
        ADMIN,
        lambda w, who: w.rest(
            who,
            "PUT",
            "/api/v1/report-sections/undersokelser",
            json={**contracts.SECTION_PUT_REQUEST, "section_title": "Undersøkelser"},
        ),
    ),
    "DELETE /api/v1/report-sections/{section_id}": (
        ADMIN,
        lambda w, who: w.rest(who, "DELETE", "/api/v1/report-sections/ettervern"),
    ),
    "GET /api/v1/aggregated-report-data/watch": (ORG, _watch),
    "GET /api/v1/aggregated-report-data": (
        ORG,
        lambda w, who: w.rest(who, "GET", "/api/v1/aggregated-report-data", params={"organization_id": OWN}),
    ),
    "POST /api/v1/aggregated-report-data": (
        ORG,
        lambda w, who: w.rest(who, "POST", "/api/v1/aggregated-report-data", json={"organization_id": OWN, "period_id": "2025"}),
    ),
    "GET /api/v1/aggregated-report-data/{snapshot_id}": (
        HIDDEN,
        lambda w, who: w.rest(who, "GET", f"/api/v1/aggregated-report-data/{w.snapshot_id}"),
    ),
    "PUT /api/v1/aggregated-report-data/{snapshot_id}": (
        HIDDEN,
        lambda w, who: w.rest(
            who, "PUT", f"/api/v1/aggregated-report-data/{w.snapshot_id}", json=contracts.REPORT_DATA_PUT_REQUEST
        ),
    ),
    "DELETE /api/v1/aggregated-report-data/{snapshot_id}": (HIDDEN, None),  # filled below: needs a fresh snapshot
    "GET /api/v1/bufdir-aggregations/activities": (
        ORG,
        lambda w, who: w.rest(
            who,
            "GET",
            "/api/v1/bufdir-aggregations/activities",
            params={"org_id": OWN, "start": "2024-01-01T00:00:00Z", "end": "2024-02-01T00:00:00Z"},
        ),
    ),
    "GET /api/v1/bufdir-aggregations/last-submitted-period": (
        ORG,  # the world's submission of 2023 answers
        lambda w, who: w.rest(who, "GET", "/api/v1/bufdir-aggregations/last-submitted-period", params={"org_id": OWN}),
    ),
    "GET /api/v1/bufdir-aggregations": (
        ORG,
        lambda w, who: w.rest(who, "GET", "/api/v1/bufdir-aggregations", params={"org_id": OWN}),
    ),
    "POST /api/v1/bufdir-aggregations": (
        ORG,
        lambda w, who: w.rest(
            who,
            "POST",
            "/api/v1/bufdir-aggregations",
            json={"org_id": OWN, "range": {"start": "2024-01-01T00:00:00Z", "end": "2024-03-31T23:59:59Z"}},
        ),
    ),
    "GET /api/v1/bufdir-aggregations/{snapshot_id}": (
        HIDDEN,
        lambda w, who: w.rest(who, "GET", f"/api/v1/bufdir-aggregations/{w.snapshot_id}"),
    ),
    "GET /api/v1/bufdir-aggregations/{snapshot_id}/metrics": (
        HIDDEN,
        lambda w, who: w.rest(who, "GET", f"/api/v1/bufdir-aggregations/{w.snapshot_id}/metrics"),
    ),
    "PUT /api/v1/bufdir-aggregations/{snapshot_id}": (
        HIDDEN,
        lambda w, who: w.rest(who, "PUT", f"/api/v1/bufdir-aggregations/{w.snapshot_id}", json={"force_refresh": False}),
    ),
    "DELETE /api/v1/bufdir-aggregations/{snapshot_id}": (HIDDEN, None),
    "GET /api/v1/report-records": (ORG, lambda w, who: w.rest(who, "GET", "/api/v1/report-records", params={"org_id": OWN})),
    "POST /api/v1/report-records": (
        ORG,
        lambda w, who: w.rest(who, "POST", "/api/v1/report-records", json={**contracts.REPORT_POST_REQUEST, "org_id": OWN}),
    ),
    "GET /api/v1/report-records/{report_id}": (
        HIDDEN,
        lambda w, who: w.rest(who, "GET", f"/api/v1/report-records/{w.report_id}"),
    ),
    "GET /api/v1/report-records/{report_id}/file": (
        HIDDEN,
        lambda w, who: w.rest(who, "GET", f"/api/v1/report-records/{w.report_id}/file"),
    ),
    "PUT /api/v1/report-records/{report_id}": (
        HIDDEN,
        lambda w, who: w.rest(who, "PUT", f"/api/v1/report-records/{w.report_id}", json={"status": "pending"}),
    ),
    "DELETE /api/v1/report-records/{report_id}": (HIDDEN, None),
}


async def _delete_snapshot(prefix: str) -> Call:
    async def call(w: World, who: str) -> str:
        return await w.rest(who, "DELETE", f"{prefix}/{await w.snapshot('2023-Q1')}")

    return call


async def _delete_report(w: World, who: str) -> str:
    return await w.rest(who, "DELETE", f"/api/v1/report-records/{await w.report()}")


def q(query: str, variables: Callable[[World], dict] | None = None) -> Call:
    async def call(w: World, who: str) -> str:
        return await w.graphql(who, query, variables(w) if variables else None)

    return call


GRAPHQL: dict[str, tuple[dict[str, str], Call]] = {
    "Query.node": (ORG, q('{ node(id: "T3JnYW5pemF0aW9uOm9yZy0xMDQy") { id } }')),
    "Query.nodes": (ORG, q('{ nodes(ids: ["T3JnYW5pemF0aW9uOm9yZy0xMDQy"]) { id } }')),
    "Query.organization": (ORG, q('{ organization(id: "org-1042") { name } }')),
    "Query.organizations": ({**ORG, "other": "ok"}, q("{ organizations { totalCount } }")),  # each sees only their own
    "Query.period": (PUBLIC, q('{ period(id: "2024") { name } }')),
    "Query.periods": (PUBLIC, q("{ periods { totalCount } }")),
    "Query.sections": (PUBLIC, q("{ sections { totalCount } }")),
    "Query.section": (PUBLIC, q('{ section(id: "hjelpetiltak") { title } }')),
    "Query.fieldDefinition": (PUBLIC, q('{ fieldDefinition(key: "antall_akuttplasseringer") { label } }')),
    "Query.requiredFields": (PUBLIC, q("{ requiredFields { totalRequiredFields } }")),
    "Query.snapshot": (HIDDEN, q("query ($id: ID!) { snapshot(id: $id) { status } }", lambda w: {"id": w.snapshot_id})),
    "Query.snapshots": (ORG, q('{ snapshots(organizationId: "org-1042") { totalCount } }')),
    "Query.reportingStatus": (REVIEW, q('{ reportingStatus(periodId: "2024") { submitted } }')),
    "Query.reportingCounts": (REVIEW, q('{ reportingCounts(periodId: "2024") { late } }')),
    "Query.auditLog": (ADMIN, q("{ auditLog { totalCount } }")),
    "Mutation.createSection": (ADMIN, None),
    "Mutation.updateSection": (
        ADMIN,
        q(
            'mutation { updateSection(id: "malgrupper", input: {title: "Målgrupper", order: 6, fields: [{key: "deltakere_ungdom", label: "Deltakere – ungdom", dataType: INTEGER}]}) { title } }'
        ),
    ),
    "Mutation.deactivateSection": (ADMIN, q('mutation { deactivateSection(id: "forebyggende-arbeid") { isActive } }')),
    "Mutation.triggerAggregation": (
        ORG,
        q('mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024-Q1") { jobId } }'),
    ),
    "Mutation.invalidateSnapshot": (
        HIDDEN,
        q('mutation ($id: ID!) { invalidateSnapshot(id: $id, reason: "x") { cacheValid } }', lambda w: {"id": w.snapshot_id}),
    ),
    "Mutation.setFieldValue": (
        HIDDEN,
        q(
            'mutation ($id: ID!) { setFieldValue(snapshotId: $id, fieldKey: "antall_stillinger_ledige", value: 1) { fieldKey } }',
            lambda w: {"id": w.snapshot_id},
        ),
    ),
    "Mutation.deleteSnapshot": (HIDDEN, None),
    "Mutation.recordActivity": (
        ORG,
        q("mutation ($i: ActivityInput!) { recordActivity(input: $i) { activityId } }", lambda w: {"i": ACTIVITY}),
    ),
    "Mutation.correctActivity": (
        HIDDEN,
        q(
            'mutation ($id: ID!) { correctActivity(id: $id, input: {status: "completed"}) { status } }',
            lambda w: {"id": w.activity_ids[0]},
        ),
    ),
    "Mutation.deleteActivity": (
        HIDDEN,
        q("mutation ($id: ID!) { deleteActivity(id: $id) { deletedAt } }", lambda w: {"id": w.activity_ids[1]}),
    ),
    "Mutation.ingestActivities": (
        ORG,
        q("mutation ($i: [ActivityInput!]!) { ingestActivities(inputs: $i) { created } }", lambda w: {"i": [ACTIVITY]}),
    ),
    "Mutation.generateReport": (
        HIDDEN,
        q("mutation ($id: ID!) { generateReport(snapshotId: $id) { status } }", lambda w: {"id": w.snapshot_id}),
    ),
    "Mutation.submitReport": (
        HIDDEN,
        q("mutation ($id: ID!) { submitReport(reportId: $id) { version } }", lambda w: {"id": w.report_id}),
    ),
    "Mutation.reopenPeriod": (
        {**ADMIN, "admin": "404"},  # let in, and this world has no submission
        q('mutation { reopenPeriod(organizationId: "org-1042", periodId: "2024", reason: "x") { version } }'),
    ),
    "Subscription.aggregatedDataChanged": (
        ORG,
        lambda w, who: _subscribe(
            w, who, 'subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") { snapshotId } }'
        ),
    ),
    "Subscription.snapshotStatusChanged": (
        HIDDEN,
        lambda w, who: _subscribe(
            w, who, f'subscription {{ snapshotStatusChanged(snapshotId: "{w.snapshot_id}") {{ status }} }}'
        ),
    ),
}


async def _submission(w: World) -> str:
    """A submission of the own organisation's 2023 report (written directly: this world's
    snapshots miss required manual values, and the matrix is about who gets in, not submitting)."""
    from bufdir_reporting.models import ReportRecord, Submission

    snapshot_id = await w.snapshot("2023")
    record = await ReportRecord.get(id=w.report_id)
    submission = await Submission.create(
        id=ids.submission_id(),
        organization_id=OWN,
        period_id="2023",
        snapshot_id=snapshot_id,
        report_record_id=record.id,
        version=1,
        lock_slot=f"{OWN}|2023",
        activity_count=0,
        submitted_by="own-user",
        submitted_at=datetime.now(UTC),
    )
    return str(submission.id)


async def _comment(w: World) -> int:
    """A reviewer's comment on one of the own organisation's 2024 values."""
    from bufdir_reporting.models import ValueNote, ValueNoteKind

    note = await ValueNote.create(
        organization_id=OWN,
        period_id="2024",
        field_key="antall_akuttplasseringer",
        kind=ValueNoteKind.COMMENT,
        text="?",
        author="r",
    )
    return int(note.id)


def _review(action: str) -> Call:
    async def call(w: World, who: str) -> str:
        body = {"action": action, "reason": "matrise"}
        return await w.rest(who, "POST", f"/api/v1/submissions/{w.submission_id}/review", json=body)

    return call


FORMS = "/api/v1/report-forms"
FORM_BODY = {"form_id": "matrise", "name": "Matriseskjema", "section_ids": ["hjelpetiltak"]}


async def _assignment(w: World) -> int:
    from bufdir_reporting.models import DEFAULT_FORM, FormAssignment

    return (
        await FormAssignment.create(form_id=DEFAULT_FORM, organization_id=OWN, valid_from=date(2024, 1, 1), created_by="m")
    ).id


async def _unassign_rest(w: World, who: str) -> str:
    return await w.rest(who, "DELETE", f"{FORMS}/assignments/{await _assignment(w)}")


async def _unassign_gql(w: World, who: str) -> str:
    query = "mutation ($id: ID!) { unassignReportForm(assignmentId: $id) { id } }"
    return await w.graphql(who, query, {"id": str(await _assignment(w))})


DEFAULT_FORM_BODY = {"form_id": "bufdir-rapport", "name": "Bufdir-rapport", "section_ids": ["hjelpetiltak"]}
ASSIGN = {"organization_id": OWN, "from_period_id": "2024"}
REST[f"GET {FORMS}"] = (PUBLIC, lambda w, who: w.rest(who, "GET", FORMS))
REST[f"POST {FORMS}"] = (ADMIN, lambda w, who: w.rest(who, "POST", FORMS, json=FORM_BODY))
REST[f"GET {FORMS}/{{form_id}}"] = (PUBLIC, lambda w, who: w.rest(who, "GET", f"{FORMS}/bufdir-rapport"))
REST[f"PUT {FORMS}/{{form_id}}"] = (ADMIN, lambda w, who: w.rest(who, "PUT", f"{FORMS}/bufdir-rapport", json=DEFAULT_FORM_BODY))
REST[f"GET {FORMS}/{{form_id}}/assignments"] = (PUBLIC, lambda w, who: w.rest(who, "GET", f"{FORMS}/bufdir-rapport/assignments"))
REST[f"POST {FORMS}/{{form_id}}/assignments"] = (
    ADMIN,
    lambda w, who: w.rest(who, "POST", f"{FORMS}/bufdir-rapport/assignments", json=ASSIGN),
)
REST[f"DELETE {FORMS}/assignments/{{assignment_id}}"] = (ADMIN, _unassign_rest)
REST[f"PUT {FORMS}/{{form_id}}/deadlines/{{period_id}}"] = (
    ADMIN,
    lambda w, who: w.rest(who, "PUT", f"{FORMS}/bufdir-rapport/deadlines/2024", json={"submission_deadline": "2025-03-01"}),
)
REST["GET /api/v1/submissions/reporting-rates"] = (
    REVIEW,
    lambda w, who: w.rest(who, "GET", "/api/v1/submissions/reporting-rates", params={"period_id": "2024"}),
)
TRANSLATION = {"subject": "field", "subject_id": "antall_akuttplasseringer", "attribute": "label", "language": "nn"}
REST["GET /api/v1/translations/untranslated"] = (PUBLIC, lambda w, who: w.rest(who, "GET", "/api/v1/translations/untranslated"))
REST["PUT /api/v1/translations"] = (
    ADMIN,
    lambda w, who: w.rest(who, "PUT", "/api/v1/translations", json={**TRANSLATION, "text": "Talet på akuttplasseringar"}),
)
REST["POST /api/v1/report-documents"] = (
    HIDDEN,
    lambda w, who: w.rest(who, "POST", "/api/v1/report-documents", json={"snapshot_id": w.snapshot_id, "language": "en"}),
)
GRAPHQL["Query.untranslatedTexts"] = (PUBLIC, q("{ untranslatedTexts(language: NN) { subjectId } }"))
GRAPHQL["Mutation.setTranslation"] = (
    ADMIN,
    q(
        'mutation { setTranslation(input: {subject: FIELD, subjectId: "antall_akuttplasseringer", attribute: LABEL, '
        'language: EN, text: "Emergency placements"}) { text } }'
    ),
)
GRAPHQL["Query.reportForms"] = (PUBLIC, q("{ reportForms { totalCount } }"))
GRAPHQL["Query.reportForm"] = (PUBLIC, q('{ reportForm(id: "bufdir-rapport") { name } }'))
GRAPHQL["Query.reportingRates"] = (REVIEW, q('{ reportingRates(periodId: "2024") { expected } }'))
GRAPHQL["Mutation.createReportForm"] = (
    ADMIN,
    q('mutation { createReportForm(input: {formId: "matrise-gql", name: "M", sectionIds: ["hjelpetiltak"]}) { formId } }'),
)
GRAPHQL["Mutation.updateReportForm"] = (
    ADMIN,
    q(
        'mutation { updateReportForm(id: "bufdir-rapport", input: {formId: "bufdir-rapport", name: "B", sectionIds: ["hjelpetiltak"]}) { formId } }'
    ),
)
GRAPHQL["Mutation.assignReportForm"] = (
    ADMIN,
    q(
        'mutation { assignReportForm(formId: "bufdir-rapport", input: {organizationId: "org-1042", fromPeriodId: "2024"}) { id } }'
    ),
)
GRAPHQL["Mutation.unassignReportForm"] = (ADMIN, _unassign_gql)
GRAPHQL["Mutation.setReportFormDeadlines"] = (
    ADMIN,
    q(
        'mutation { setReportFormDeadlines(formId: "bufdir-rapport", periodId: "2024", submissionDeadline: "2025-03-01") { formId } }'
    ),
)
GRAPHQL["Subscription.reportingRatesChanged"] = (
    REVIEW,
    lambda w, who: _subscribe(w, who, 'subscription { reportingRatesChanged(periodId: "2024") { expected } }'),
)
GRAPHQL["Subscription.formAssignmentsChanged"] = (
    PUBLIC,
    lambda w, who: _subscribe(w, who, "subscription { formAssignmentsChanged { formId } }"),
)
REST["GET /api/v1/submissions/reporting-status"] = (
    REVIEW,
    lambda w, who: w.rest(who, "GET", "/api/v1/submissions/reporting-status", params={"period_id": "2024"}),
)
REST["GET /api/v1/submissions/{submission_id}"] = (
    {**HIDDEN, "reviewer": "ok"},
    lambda w, who: w.rest(who, "GET", f"/api/v1/submissions/{w.submission_id}"),
)
REST["POST /api/v1/submissions/{submission_id}/review"] = (REVIEW, _review("start_review"))
GRAPHQL["Mutation.explainValue"] = (
    {**HIDDEN, "reviewer": "403"},
    q(
        'mutation ($s: ID!) { explainValue(snapshotId: $s, fieldKey: "antall_akuttplasseringer", text: "x") { id } }',
        lambda w: {"s": w.snapshot_id},
    ),
)
GRAPHQL["Mutation.commentOnValue"] = (
    {**REVIEW, "other": "403"},
    q(
        'mutation ($s: ID!) { commentOnValue(snapshotId: $s, fieldKey: "antall_akuttplasseringer", text: "x") { id } }',
        lambda w: {"s": w.snapshot_id},
    ),
)
GRAPHQL["Mutation.answerComment"] = (
    {**HIDDEN, "reviewer": "403"},
    q('mutation ($c: ID!) { answerComment(commentId: $c, text: "x") { id } }', lambda w: {"c": w.comment_id}),
)
REST["GET /api/v1/value-notes"] = (
    ORG,
    lambda w, who: w.rest(who, "GET", "/api/v1/value-notes", params={"org_id": OWN, "period_id": "2024"}),
)
REST["POST /api/v1/value-notes"] = (
    {**HIDDEN, "reviewer": "403"},
    lambda w, who: w.rest(
        who,
        "POST",
        "/api/v1/value-notes",
        json={"snapshot_id": w.snapshot_id, "field_key": "antall_akuttplasseringer", "kind": "explanation", "text": "x"},
    ),
)
REST["POST /api/v1/value-notes/{note_id}/answers"] = (
    {**HIDDEN, "reviewer": "403"},
    lambda w, who: w.rest(who, "POST", f"/api/v1/value-notes/{w.comment_id}/answers", json={"text": "x"}),
)
GRAPHQL["Subscription.valueNoteAdded"] = (
    {**ORG, "reviewer": "ok"},
    lambda w, who: _subscribe(w, who, 'subscription { valueNoteAdded(organizationId: "org-1042") { kind } }'),
)
GRAPHQL["Query.submission"] = (
    {**HIDDEN, "reviewer": "ok"},
    q("query ($id: ID!) { submission(id: $id) { reviewState } }", lambda w: {"id": w.submission_id}),
)
for _field, _extra in (("startReview", ""), ("approveSubmission", ""), ("returnSubmission", ', reason: "matrise"')):
    GRAPHQL[f"Mutation.{_field}"] = (
        REVIEW,
        q(
            f"mutation ($id: ID!) {{ {_field}(submissionId: $id{_extra}) {{ reviewState }} }}",
            lambda w: {"id": w.submission_id},
        ),
    )
GRAPHQL["Subscription.organizationDataChanged"] = (
    ORG,
    lambda w, who: _subscribe(w, who, 'subscription { organizationDataChanged(organizationId: "org-1042") { snapshotId } }'),
)
GRAPHQL["Subscription.reportRecordChanged"] = (
    ORG,
    lambda w, who: _subscribe(w, who, 'subscription { reportRecordChanged(organizationId: "org-1042") { reportId } }'),
)
GRAPHQL["Subscription.reportingStatusChanged"] = (
    REVIEW,
    lambda w, who: _subscribe(w, who, 'subscription { reportingStatusChanged(periodId: "2024") { state } }'),
)
GRAPHQL["Subscription.submissionReviewChanged"] = (
    {**ORG, "reviewer": "ok"},
    lambda w, who: _subscribe(w, who, 'subscription { submissionReviewChanged(organizationId: "org-1042") { reviewState } }'),
)


async def _check_import_gql(w: World, who: str) -> str:
    import json

    operations = json.dumps(
        {"query": "mutation ($f: Upload!) { checkActivityImport(file: $f) { status } }", "variables": {"f": None}}
    )
    response = await w.client.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.f"]})},
        files={"0": ("a.csv", IMPORT_FILE, "text/csv")},
        headers=w.headers(who),
    )
    codes = {e.get("extensions", {}).get("code") for e in response.json().get("errors") or []}
    assert "INTERNAL" not in codes, response.text
    return outcome(codes)


IMPORT_READ = HIDDEN  # an import is its organisations' (read by reviewers, as all their data)
IMPORT_WRITE = {**HIDDEN, "reviewer": "403"}
REST[f"POST {IMPORTS}"] = (
    {**SIGNED_IN, "reviewer": "ok"},
    lambda w, who: w.rest(who, "POST", IMPORTS, files={"file": ("a.csv", IMPORT_FILE)}),
)
REST[f"GET {IMPORTS}/{{import_id}}"] = (IMPORT_READ, lambda w, who: w.rest(who, "GET", f"{IMPORTS}/{w.import_id}"))
REST[f"POST {IMPORTS}/{{import_id}}/commit"] = (
    IMPORT_WRITE,
    lambda w, who: w.rest(who, "POST", f"{IMPORTS}/{w.import_id}/commit"),
)
GRAPHQL["Mutation.checkActivityImport"] = ({**SIGNED_IN, "reviewer": "ok"}, _check_import_gql)
GRAPHQL["Query.viewer"] = (PUBLIC, q("{ viewer { subject organizations { organizationId } } }"))
GRAPHQL["Query.activityImport"] = (
    IMPORT_READ,
    q("query ($id: ID!) { activityImport(id: $id) { status } }", lambda w: {"id": w.import_id}),
)
GRAPHQL["Mutation.commitActivityImport"] = (
    IMPORT_WRITE,
    q("mutation ($id: ID!) { commitActivityImport(importId: $id) { status } }", lambda w: {"id": w.import_id}),
)
GRAPHQL["Subscription.activityImportProgress"] = (
    IMPORT_READ,
    lambda w, who: _subscribe(w, who, f'subscription {{ activityImportProgress(importId: "{w.import_id}") {{ status }} }}'),
)


async def _create_section(w: World, who: str) -> str:
    return await w.graphql(
        who,
        'mutation ($s: String!) {{ createSection(input: {{sectionId: $s, title: "Matrise", order: 9, '
        'fields: [{{key: "matrise_felt_{}", label: "x", dataType: INTEGER}}]}}) {{ sectionId }} }}'.format(who.replace("-", "_")),
        {"s": f"matrise-{who}"},
    )


async def _delete_snapshot_gql(w: World, who: str) -> str:
    snapshot_id = await w.snapshot("2023-Q2")
    return await w.graphql(who, "mutation ($id: ID!) { deleteSnapshot(id: $id) }", {"id": snapshot_id})


GRAPHQL["Mutation.createSection"] = (ADMIN, _create_section)
GRAPHQL["Mutation.deleteSnapshot"] = (HIDDEN, _delete_snapshot_gql)
REST["DELETE /api/v1/report-records/{report_id}"] = (HIDDEN, _delete_report)


def _routes(app) -> set[str]:
    return {
        f"{method} {route.path}"
        for route in app.routes
        if isinstance(route, APIRoute) and not route.deprecated and route.path.startswith("/api/")
        for method in route.methods
    }


def _root_fields() -> set[str]:
    return {
        f"{root}.{name}"
        for root, kind in (
            ("Query", schema._schema.query_type),
            ("Mutation", schema._schema.mutation_type),
            ("Subscription", schema._schema.subscription_type),
        )
        for name in kind.fields
    }


def test_every_route_and_root_field_has_authorization_cases(app):
    assert _routes(app) - set(REST) == set(), "REST routes without authorization cases"
    assert _root_fields() - set(GRAPHQL) == set(), "GraphQL root fields without authorization cases"


@pytest.fixture
async def world(client, app, tokens, settings, reporting) -> World:
    from bufdir_reporting.models import Activity, Organization

    from .factories import make_activity, make_period

    for quarter in (1, 2):
        await make_period(year=2023, quarter=quarter)
    own = await Organization.get(id=OWN)
    await Organization.create(id=UMBRELLA, name="Paraplyen")
    await Organization.filter(id=OWN).update(parent_id=UMBRELLA)
    for day in (1, 2):  # two activities in a period nothing locks, for the correct/delete cases
        await make_activity(org=own, occurred_at=datetime(2025, 7, day, tzinfo=UTC))
    w = World(client=client, app=app, tokens=tokens, settings=settings)
    w.snapshot_id = await w.snapshot()
    w.report_id = await w.report()
    w.import_id = await w.upload()
    w.submission_id = await _submission(w)
    w.comment_id = await _comment(w)
    recent = Activity.filter(organization_id=OWN, occurred_at__gte=datetime(2025, 6, 1, tzinfo=UTC)).order_by("id").limit(2)
    w.activity_ids = tuple(ids.activity_public_id(w.settings, a.id) for a in await recent)
    return w


# Who gets in is decided in Python (access.py) before any statement, the same on both databases;
# the statements behind each route run on PostgreSQL in their own tests. One database keeps the
# matrix (five principals, every route and root field) inside the suite's time.
@pytest.mark.one_database
@pytest.mark.parametrize("case", sorted(REST) + sorted(GRAPHQL))
async def test_each_principal_gets_what_the_matrix_says(world, case):
    for prefix in ("/api/v1/aggregated-report-data", "/api/v1/bufdir-aggregations"):
        if case == f"DELETE {prefix}/{{snapshot_id}}":
            REST[case] = (HIDDEN, await _delete_snapshot(prefix))
    expected, call = {**REST, **GRAPHQL}[case]
    expected = {
        **expected,
        "reviewer": reviewer_expects(case, expected),
        "umbrella": umbrella_expects(case, expected),
        "regional-reviewer": regional_reviewer_expects(case, expected),
    }
    outcomes = {who: await call(world, who) for who in PRINCIPALS}
    assert outcomes == expected
