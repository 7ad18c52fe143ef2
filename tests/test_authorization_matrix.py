"""Every REST route and every GraphQL root field, called as each principal below.

The test enumerates the app's routes (printed-path aliases share their handler) and the
schema's root fields, and fails when one has no case here. Each case says what each principal
gets: ``ok`` (not refused: no 401/403/404, no 5xx), ``401``/``UNAUTHENTICATED``,
``403``/``FORBIDDEN`` (a request that names an organisation it may not act for), or
``404``/``NOT_FOUND`` (another organisation's object, reached by its id: it answers as a missing
one). Business outcomes are tested elsewhere; this is about who gets in. ``read-scope`` is a
Maskinporten token for OWN's organisation number with only the read scope: it gets what OWN
gets where the operation declares no more than reading, and FORBIDDEN everywhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import sqlite3
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi.routing import APIRoute
from pydantic import SecretStr

from bufdir_reporting.config import Settings
from bufdir_reporting.events import Delivery, EventHub
from bufdir_reporting.resolvers.base import ids, revision
from bufdir_reporting.resolvers.snapshots import live
from bufdir_reporting.rest.permissions import OPERATIONS
from bufdir_reporting.schema import schema
from bufdir_reporting.schema.context import GraphQLContext
from bufdir_reporting.schema.permissions import FIELDS

from . import contracts
from .conftest import Tokens
from .digdir import IDPORTEN_ISSUER, MASKINPORTEN_ISSUER, OSLO, READ_SCOPE, RESOURCE, Digdir, served_digdir
from .live import started_app

PRINCIPALS = ("anonymous", "other", "own", "admin", "reviewer", "umbrella", "regional-reviewer", "own-reviewer", "read-scope")
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


def read_scope_expects(case: str, expected: dict[str, str], app: Any) -> str:
    """A Maskinporten token for OWN's organisation number with only the read scope gets what OWN's
    own token gets where the operation needs no more than reading, and FORBIDDEN everywhere
    else: it never writes, reviews or administers."""
    return expected["own"] if declared(case, app) in (None, "read") else "403"


def declared(case: str, app: Any) -> str | tuple[str, ...] | None:
    """What the case's operation declares it needs (``schema.permissions``, ``rest.permissions``)."""
    if case in GRAPHQL:
        return FIELDS[case.split(" ", 1)[0]]  # "Query.reportForm { expectedOrganizations }": its root field's
    method, path = case.split(" ", 1)
    return OPERATIONS[next(r.operation_id for r in _api_routes(app) if r.path == path and method in r.methods)]


def _api_routes(app: Any) -> list[APIRoute]:
    """The app's REST operations (not the printed-path aliases). FastAPI keeps an included
    router's routes behind ``original_router``: ``app.routes`` alone lists none of them."""
    found, routes = [], list(app.routes)
    while routes:
        route = routes.pop()
        if (included := getattr(route, "original_router", None)) is not None:
            routes.extend(included.routes)
        elif isinstance(route, APIRoute) and not route.deprecated and route.path.startswith("/api/"):
            found.append(route)
    return found


def own_reviewer_expects(case: str, expected: dict[str, str]) -> str:
    """A reviewer whose token names OWN itself: its organisations are its review scope, never a
    claim to write for them (#31 review: such a token set values, aggregated, generated and
    submitted reports as OWN). It gets what the regional reviewer gets."""
    return expected.get("own-reviewer", regional_reviewer_expects(case, expected))


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
    digdir: Any
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
        if who == "read-scope":
            return self.digdir.maskinporten(READ_SCOPE)
        if who == "regional-reviewer":
            return self.tokens.headers(UMBRELLA, reviewer=True, subject="bufdir-region-nord")
        if who == "own-reviewer":
            return self.tokens.headers(OWN, reviewer=True, subject="bufdir-region-sor")
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
        # a file of its own each time: a submitted report's file is that submission's only
        ref = f"reports/{OWN}/2024/matrix-{secrets.token_hex(4)}.xlsx"
        (self.settings.report_store_root / ref).parent.mkdir(parents=True, exist_ok=True)
        (self.settings.report_store_root / ref).write_bytes(b"matrix")
        body = {**contracts.REPORT_POST_REQUEST, "org_id": OWN, "status": "completed", "file_ref": ref}
        posted = await self.client.post("/api/v1/report-records", json=body, headers=self.tokens.admin())
        assert "report_id" in posted.json(), posted.text
        return posted.json()["report_id"]

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
    assert isinstance(stream, AsyncGenerator)
    await stream.aclose()
    return "ok"


async def principal(w: World, who: str):
    """As a request's context makes it: the token's claims, the organisations a national token
    maps to, and what it reaches through the tree."""
    from bufdir_reporting.dependencies import principal_of

    return await principal_of(w.settings, w.headers(who).get("Authorization"))


class _Watched:
    """The app's event hub as a subscription meets it, telling (``waiting``) when the subscriber
    first waits for an event: from then on nothing but an event brings it an item, and the
    world publishes none. The matrix waited 0.3 s for an item that never came, for each
    principal let in (2 s of each subscription's case, 17 s of the matrix's 25 in the profile
    of 2026-12-05); a subscription that answers first (an error, a first value) still does."""

    def __init__(self, hub: EventHub) -> None:
        self.hub = hub
        self.waiting = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.hub, name)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str, **options: Any) -> AsyncIterator[AsyncIterator[Delivery[Any]]]:
        async with self.hub.subscribe(channel, **options) as subscription:
            yield self._told(subscription)

    async def _told(self, subscription: AsyncIterator[Delivery[Any]]) -> AsyncIterator[Delivery[Any]]:
        while True:
            self.waiting.set()
            try:
                delivery = await anext(subscription)
            except StopAsyncIteration:
                return
            yield delivery


async def _subscribe(w: World, who: str, query: str) -> str:
    hub = _Watched(w.app.state.events)
    ctx = GraphQLContext(settings=w.settings, principal=await principal(w, who), events=cast(EventHub, hub))
    result = await schema.subscribe(query, context_value=ctx)
    if hasattr(result, "errors") and result.errors:
        codes = {e.extensions.get("code") for e in result.errors}
        return outcome(codes)
    first, waiting = asyncio.ensure_future(anext(result)), asyncio.ensure_future(hub.waiting.wait())
    try:
        await asyncio.wait((first, waiting), timeout=10, return_when=asyncio.FIRST_COMPLETED)
        assert first.done() or waiting.done(), f"{query} for {who} neither answered nor waited for an event"
    finally:
        for task in (first, waiting):
            task.cancel()
        await asyncio.gather(first, waiting, return_exceptions=True)
        await result.aclose()
    if first.cancelled():  # it waits for an event: let in
        return "ok"
    item = first.result()
    codes = {e.extensions.get("code") for e in item.errors or []}
    return outcome(codes)


def _of(w: World, value: Any) -> Any:
    """A case's part as written, or made of the world (``lambda w: …``: an id the world made)."""
    return value(w) if callable(value) else value


def r(method: str, path: str | Callable[[World], str], **request: Any) -> Call:
    """A REST case: ``method`` on ``path`` with ``request`` (params, json, files), each of them
    as written or made of the world."""

    async def call(w: World, who: str) -> str:
        return await w.rest(who, method, _of(w, path), **{name: _of(w, value) for name, value in request.items()})

    return call


def sub(query: str | Callable[[World], str]) -> Call:
    """A subscription case: ``query`` subscribed to (as written, or made of the world)."""

    async def call(w: World, who: str) -> str:
        return await _subscribe(w, who, _of(w, query))

    return call


REST: dict[str, tuple[dict[str, str], Call | None]] = {  # None: filled below
    "GET /api/v1/report-sections": (PUBLIC, r("GET", "/api/v1/report-sections")),
    "POST /api/v1/report-sections": (
        ADMIN,
        lambda w, who: w.rest(who, "POST", "/api/v1/report-sections", json={**SECTION_BODY, "section_id": f"matrise-{who}"}),
    ),
    "GET /api/v1/report-sections/required-fields": (
        PUBLIC,
        r("GET", "/api/v1/report-sections/required-fields"),
    ),
    "GET /api/v1/report-sections/fields/{field_key}/label": (
        PUBLIC,
        r("GET", "/api/v1/report-sections/fields/antall_akuttplasseringer/label"),
    ),
    "GET /api/v1/report-sections/{section_id}": (
        PUBLIC,
        r("GET", "/api/v1/report-sections/hjelpetiltak"),
    ),
    "PUT /api/v1/report-sections/{section_id}": (
        ADMIN,
        r(
            "PUT",
            "/api/v1/report-sections/undersokelser",
            json={**contracts.SECTION_PUT_REQUEST, "section_title": "Undersøkelser"},
        ),
    ),
    "DELETE /api/v1/report-sections/{section_id}": (
        ADMIN,
        r("DELETE", "/api/v1/report-sections/ettervern"),
    ),
    "GET /api/v1/aggregated-report-data/watch": (ORG, _watch),
    "GET /api/v1/aggregated-report-data": (
        ORG,
        r("GET", "/api/v1/aggregated-report-data", params={"organization_id": OWN}),
    ),
    "POST /api/v1/aggregated-report-data": (
        ORG,
        r("POST", "/api/v1/aggregated-report-data", json={"organization_id": OWN, "period_id": "2025"}),
    ),
    "GET /api/v1/aggregated-report-data/{snapshot_id}": (
        HIDDEN,
        r("GET", lambda w: f"/api/v1/aggregated-report-data/{w.snapshot_id}"),
    ),
    "PUT /api/v1/aggregated-report-data/{snapshot_id}": (
        HIDDEN,
        r("PUT", lambda w: f"/api/v1/aggregated-report-data/{w.snapshot_id}", json=contracts.REPORT_DATA_PUT_REQUEST),
    ),
    "DELETE /api/v1/aggregated-report-data/{snapshot_id}": (HIDDEN, None),  # filled below: needs a fresh snapshot
    "GET /api/v1/bufdir-aggregations/activities": (
        ORG,
        r(
            "GET",
            "/api/v1/bufdir-aggregations/activities",
            params={"org_id": OWN, "start": "2024-01-01T00:00:00Z", "end": "2024-02-01T00:00:00Z"},
        ),
    ),
    "GET /api/v1/bufdir-aggregations/last-submitted-period": (
        ORG,  # the world's submission of 2023 answers
        r("GET", "/api/v1/bufdir-aggregations/last-submitted-period", params={"org_id": OWN}),
    ),
    "GET /api/v1/bufdir-aggregations": (
        ORG,
        r("GET", "/api/v1/bufdir-aggregations", params={"org_id": OWN}),
    ),
    "POST /api/v1/bufdir-aggregations": (
        ORG,
        r(
            "POST",
            "/api/v1/bufdir-aggregations",
            json={"org_id": OWN, "range": {"start": "2024-01-01T00:00:00Z", "end": "2024-03-31T23:59:59Z"}},
        ),
    ),
    "GET /api/v1/bufdir-aggregations/{snapshot_id}": (
        HIDDEN,
        r("GET", lambda w: f"/api/v1/bufdir-aggregations/{w.snapshot_id}"),
    ),
    "GET /api/v1/bufdir-aggregations/{snapshot_id}/metrics": (
        HIDDEN,
        r("GET", lambda w: f"/api/v1/bufdir-aggregations/{w.snapshot_id}/metrics"),
    ),
    "PUT /api/v1/bufdir-aggregations/{snapshot_id}": (
        HIDDEN,
        r("PUT", lambda w: f"/api/v1/bufdir-aggregations/{w.snapshot_id}", json={"force_refresh": False}),
    ),
    "DELETE /api/v1/bufdir-aggregations/{snapshot_id}": (HIDDEN, None),
    "GET /api/v1/report-records": (ORG, r("GET", "/api/v1/report-records", params={"org_id": OWN})),
    "POST /api/v1/report-records": (
        ORG,
        # generated_by left out: a person may name only itself (each principal here has its own subject)
        r("POST", "/api/v1/report-records", json={**contracts.REPORT_POST_REQUEST, "org_id": OWN, "generated_by": None}),
    ),
    "GET /api/v1/report-records/{report_id}": (
        HIDDEN,
        r("GET", lambda w: f"/api/v1/report-records/{w.report_id}"),
    ),
    "GET /api/v1/report-records/{report_id}/file": (
        HIDDEN,
        r("GET", lambda w: f"/api/v1/report-records/{w.report_id}/file"),
    ),
    "PUT /api/v1/report-records/{report_id}": (
        HIDDEN,
        r("PUT", lambda w: f"/api/v1/report-records/{w.report_id}", json={"status": "pending"}),
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


GRAPHQL: dict[str, tuple[dict[str, str], Call | None]] = {
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
        sub('subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") { snapshotId } }'),
    ),
    "Subscription.snapshotStatusChanged": (
        HIDDEN,
        sub(lambda w: f'subscription {{ snapshotStatusChanged(snapshotId: "{w.snapshot_id}") {{ status }} }}'),
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


async def _note(kind: str, *, text: str = "x", author: str = "m", state: str | None = None) -> int:
    """A note on one of the own organisation's 2024 values."""
    from bufdir_reporting.models import NoteState, ValueNote, ValueNoteKind

    stated: dict[str, Any] = {} if state is None else {"state": NoteState(state)}
    note = await ValueNote.create(
        organization_id=OWN,
        period_id="2024",
        field_key="antall_akuttplasseringer",
        kind=ValueNoteKind(kind),
        text=text,
        author=author,
        **stated,
    )
    return int(note.id)


async def _comment(w: World) -> int:
    """A reviewer's comment (the world's, answered by the answer cases)."""
    return await _note("comment", text="?", author="r")


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
REST[f"GET {FORMS}"] = (PUBLIC, r("GET", FORMS))
REST[f"POST {FORMS}"] = (ADMIN, r("POST", FORMS, json=FORM_BODY))
REST[f"GET {FORMS}/{{form_id}}"] = (PUBLIC, r("GET", f"{FORMS}/bufdir-rapport"))
REST[f"PUT {FORMS}/{{form_id}}"] = (ADMIN, r("PUT", f"{FORMS}/bufdir-rapport", json=DEFAULT_FORM_BODY))
REST[f"GET {FORMS}/{{form_id}}/assignments"] = (
    {**PUBLIC, "anonymous": "401"},
    r("GET", f"{FORMS}/bufdir-rapport/assignments"),
)
REST[f"POST {FORMS}/{{form_id}}/assignments"] = (
    ADMIN,
    r("POST", f"{FORMS}/bufdir-rapport/assignments", json=ASSIGN),
)
REST[f"DELETE {FORMS}/assignments/{{assignment_id}}"] = (ADMIN, _unassign_rest)
REST[f"PUT {FORMS}/{{form_id}}/deadlines/{{period_id}}"] = (
    ADMIN,
    r("PUT", f"{FORMS}/bufdir-rapport/deadlines/2024", json={"submission_deadline": "2025-03-01"}),
)
REST["GET /api/v1/submissions/reporting-rates"] = (
    REVIEW,
    r("GET", "/api/v1/submissions/reporting-rates", params={"period_id": "2024"}),
)
TRANSLATION = {"subject": "field", "subject_id": "antall_akuttplasseringer", "attribute": "label", "language": "nn"}
REST["GET /api/v1/translations/untranslated"] = (PUBLIC, r("GET", "/api/v1/translations/untranslated"))
REST["PUT /api/v1/translations"] = (
    ADMIN,
    r("PUT", "/api/v1/translations", json={**TRANSLATION, "text": "Talet på akuttplasseringar"}),
)
REST["POST /api/v1/report-documents"] = (
    HIDDEN,
    r("POST", "/api/v1/report-documents", json=lambda w: {"snapshot_id": w.snapshot_id, "language": "en"}),
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
# The form is public; who must report it names organisations and needs a token (#31 review).
GRAPHQL["Query.reportForm { expectedOrganizations }"] = (
    {**PUBLIC, "anonymous": "401"},
    q('{ reportForm(id: "bufdir-rapport") { expectedOrganizations(periodId: "2024") { name } } }'),
)
GRAPHQL["Query.reportForms { assignments }"] = (
    {**PUBLIC, "anonymous": "401"},
    q("{ reportForms { edges { node { assignments { organizationId } } } } }"),
)
GRAPHQL["Query.reportingRates"] = (REVIEW, q('{ reportingRates(periodId: "2024") { expected } }'))

# Analytics: an organisation's current figures are its own (and its subtree's) and its reviewers';
# anonymous callers get approved figures of public forms only, never current ones.
ANALYTICS = "/api/v1/analytics"
ANALYTICS_OWN = {"fields": "antall_akuttplasseringer", "organizations": OWN, "periods": "2024", "source": "current"}
REST[f"GET {ANALYTICS}"] = (ORG, r("GET", ANALYTICS, params=ANALYTICS_OWN))
REST[f"GET {ANALYTICS}/time-series"] = (
    ORG,
    r("GET", f"{ANALYTICS}/time-series", params={**ANALYTICS_OWN, "periods": ["2023", "2024"]}),
)
REST[f"GET {ANALYTICS}/export"] = (
    ORG,
    r("GET", f"{ANALYTICS}/export", params={**ANALYTICS_OWN, "format": "csv"}),
)
ANALYTICS_SELECTION = (
    '{fieldKeys: ["antall_akuttplasseringer"], organizationIds: ["' + OWN + '"], periodIds: ["2024"], source: CURRENT}'
)
GRAPHQL["Query.analytics"] = (ORG, q("{ analytics(selection: " + ANALYTICS_SELECTION + ") { source } }"))
GRAPHQL["Query.analyticsTimeSeries"] = (
    ORG,
    q("{ analyticsTimeSeries(selection: " + ANALYTICS_SELECTION + ") { source } }"),
)
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
    sub('subscription { reportingRatesChanged(periodId: "2024") { expected } }'),
)
GRAPHQL["Subscription.formAssignmentsChanged"] = (
    PUBLIC,
    sub("subscription { formAssignmentsChanged { formId } }"),
)
REST["GET /api/v1/submissions/reporting-status"] = (
    REVIEW,
    r("GET", "/api/v1/submissions/reporting-status", params={"period_id": "2024"}),
)
REST["GET /api/v1/submissions/{submission_id}"] = (
    {**HIDDEN, "reviewer": "ok"},
    r("GET", lambda w: f"/api/v1/submissions/{w.submission_id}"),
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
    r("GET", "/api/v1/value-notes", params={"org_id": OWN, "period_id": "2024"}),
)
REST["POST /api/v1/value-notes"] = (
    {**HIDDEN, "reviewer": "403"},
    r(
        "POST",
        "/api/v1/value-notes",
        json=lambda w: {
            "snapshot_id": w.snapshot_id,
            "field_key": "antall_akuttplasseringer",
            "kind": "explanation",
            "text": "x",
        },
    ),
)
REST["POST /api/v1/value-notes/{note_id}/answers"] = (
    {**HIDDEN, "reviewer": "403"},
    r("POST", lambda w: f"/api/v1/value-notes/{w.comment_id}/answers", json={"text": "x"}),
)
GRAPHQL["Subscription.valueNoteAdded"] = (
    {**ORG, "reviewer": "ok"},
    sub('subscription { valueNoteAdded(organizationId: "org-1042") { kind } }'),
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
    sub('subscription { organizationDataChanged(organizationId: "org-1042") { snapshotId } }'),
)
GRAPHQL["Subscription.reportRecordChanged"] = (
    ORG,
    sub('subscription { reportRecordChanged(organizationId: "org-1042") { reportId } }'),
)
GRAPHQL["Subscription.reportingStatusChanged"] = (
    REVIEW,
    sub('subscription { reportingStatusChanged(periodId: "2024") { state } }'),
)
GRAPHQL["Subscription.submissionReviewChanged"] = (
    {**ORG, "reviewer": "ok"},
    sub('subscription { submissionReviewChanged(organizationId: "org-1042") { reviewState } }'),
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
    r("POST", IMPORTS, files={"file": ("a.csv", IMPORT_FILE)}),
)
REST[f"GET {IMPORTS}/{{import_id}}"] = (IMPORT_READ, r("GET", lambda w: f"{IMPORTS}/{w.import_id}"))
REST[f"POST {IMPORTS}/{{import_id}}/commit"] = (
    IMPORT_WRITE,
    r("POST", lambda w: f"{IMPORTS}/{w.import_id}/commit"),
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
    sub(lambda w: f'subscription {{ activityImportProgress(importId: "{w.import_id}") {{ status }} }}'),
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


RULES = "/api/v1/validation-rules"
RULE_BODY: dict[str, Any] = {
    "form_id": "bufdir-rapport",
    "name": "Akutt",
    "left": "antall_akuttplasseringer",
    "operator": "<=",
    "right": "antall_barn_plassert_utenfor_hjemmet",
    "message_nb": "nb",
    "message_nn": "nn",
    "message_en": "en",
}
RULE_INPUT = (
    '{formId: "bufdir-rapport", name: "A", left: "antall_akuttplasseringer", operator: LESS_OR_EQUAL, '
    'right: "antall_barn_plassert_utenfor_hjemmet", messageNb: "nb", messageNn: "nn", messageEn: "en"}'
)


async def _rule(w: World) -> int:
    from bufdir_reporting.models import ValidationRule

    return (await ValidationRule.create(**RULE_BODY, missing_value_strategy="never_skip", severity="error", importance="low")).id


async def _rest_rule(w: World, who: str, method: str) -> str:
    body = RULE_BODY if method == "PUT" else None
    return await w.rest(who, method, f"{RULES}/{await _rule(w)}", json=body)


async def _gql_rule(w: World, who: str, mutation: str) -> str:
    extra = f", input: {RULE_INPUT}" if mutation == "updateValidationRule" else ""
    return await w.graphql(who, f'mutation {{ {mutation}(id: "{await _rule(w)}"{extra}) {{ id }} }}')


REST[f"GET {RULES}"] = (PUBLIC, r("GET", RULES))
REST[f"POST {RULES}"] = (ADMIN, r("POST", RULES, json=RULE_BODY))
REST[f"GET {RULES}/{{rule_id}}"] = (PUBLIC, lambda w, who: _rest_rule(w, who, "GET"))
REST[f"PUT {RULES}/{{rule_id}}"] = (ADMIN, lambda w, who: _rest_rule(w, who, "PUT"))
REST[f"DELETE {RULES}/{{rule_id}}"] = (ADMIN, lambda w, who: _rest_rule(w, who, "DELETE"))
GRAPHQL["Query.validationRules"] = (PUBLIC, q("{ validationRules { id } }"))
GRAPHQL["Mutation.createValidationRule"] = (ADMIN, q(f"mutation {{ createValidationRule(input: {RULE_INPUT}) {{ id }} }}"))
GRAPHQL["Mutation.updateValidationRule"] = (ADMIN, lambda w, who: _gql_rule(w, who, "updateValidationRule"))
GRAPHQL["Mutation.deleteValidationRule"] = (ADMIN, lambda w, who: _gql_rule(w, who, "deleteValidationRule"))


SETTINGS = "/api/v1/field-outlier-settings"


async def _setting(w: World) -> str:
    from bufdir_reporting.models import FieldOutlierSetting

    await FieldOutlierSetting.update_or_create(field_key="antall_akuttplasseringer", defaults={"min_deviation": 10})
    return "antall_akuttplasseringer"


async def _rest_setting(w: World, who: str, method: str) -> str:
    body = {"min_deviation": "12"} if method == "PUT" else None
    return await w.rest(who, method, f"{SETTINGS}/{await _setting(w)}", json=body)


async def _gql_setting(w: World, who: str, mutation: str) -> str:
    extra = ", input: {minDeviation: 12}" if mutation == "setFieldOutlierSetting" else ""
    return await w.graphql(who, f'mutation {{ {mutation}(fieldKey: "{await _setting(w)}"{extra}) {{ fieldKey }} }}')


REST[f"GET {SETTINGS}"] = (PUBLIC, r("GET", SETTINGS))
REST[f"GET {SETTINGS}/{{field_key}}"] = (PUBLIC, lambda w, who: _rest_setting(w, who, "GET"))
REST[f"PUT {SETTINGS}/{{field_key}}"] = (ADMIN, lambda w, who: _rest_setting(w, who, "PUT"))
REST[f"DELETE {SETTINGS}/{{field_key}}"] = (ADMIN, lambda w, who: _rest_setting(w, who, "DELETE"))
GRAPHQL["Query.fieldOutlierSettings"] = (PUBLIC, q("{ fieldOutlierSettings { fieldKey } }"))
GRAPHQL["Mutation.setFieldOutlierSetting"] = (ADMIN, lambda w, who: _gql_setting(w, who, "setFieldOutlierSetting"))
GRAPHQL["Mutation.deleteFieldOutlierSetting"] = (ADMIN, lambda w, who: _gql_setting(w, who, "deleteFieldOutlierSetting"))


async def _question(w: World) -> int:
    return await _note("comment", state="open")


async def _explanation(w: World) -> int:
    return await _note("explanation", state="pending")


async def _accept_gql(w: World, who: str) -> str:
    return await w.graphql(who, f'mutation {{ acceptExplanation(noteId: "{await _explanation(w)}") {{ state }} }}')


async def _accept_rest(w: World, who: str) -> str:
    return await w.rest(who, "POST", f"/api/v1/value-notes/{await _explanation(w)}/accept")


async def _resolve_gql(w: World, who: str) -> str:
    return await w.graphql(who, f'mutation {{ resolveValueNote(noteId: "{await _question(w)}") {{ state }} }}')


async def _resolve_rest(w: World, who: str) -> str:
    return await w.rest(who, "POST", f"/api/v1/value-notes/{await _question(w)}/resolve")


REST["GET /api/v1/worklist"] = (REVIEW, r("GET", "/api/v1/worklist", params={"period_id": "2024"}))
REST["GET /api/v1/value-notes/open-questions"] = (
    ORG,
    r("GET", "/api/v1/value-notes/open-questions", params={"org_id": OWN}),
)
REST["POST /api/v1/value-notes/{note_id}/resolve"] = (REVIEW, _resolve_rest)
REST["POST /api/v1/value-notes/{note_id}/accept"] = (REVIEW, _accept_rest)
GRAPHQL["Query.worklist"] = (REVIEW, q('{ worklist(periodId: "2024") { totalCount } }'))
GRAPHQL["Query.openQuestions"] = (ORG, q(f'{{ openQuestions(organizationId: "{OWN}") {{ id }} }}'))
GRAPHQL["Mutation.markValueForFollowUp"] = (
    {**REVIEW, "other": "403"},
    q(
        'mutation ($s: ID!) { markValueForFollowUp(snapshotId: $s, fieldKey: "antall_akuttplasseringer", text: "x") { id } }',
        lambda w: {"s": w.snapshot_id},
    ),
)
GRAPHQL["Mutation.resolveValueNote"] = (REVIEW, _resolve_gql)
GRAPHQL["Mutation.acceptExplanation"] = (REVIEW, _accept_gql)
GRAPHQL["Subscription.worklistChanged"] = (
    REVIEW,
    sub('subscription { worklistChanged(periodId: "2024") { code } }'),
)


def _routes(app) -> set[str]:
    return {f"{method} {route.path}" for route in _api_routes(app) for method in route.methods}


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
    assert len(_routes(app)) > 40
    assert _routes(app) - set(REST) == set(), "REST routes without authorization cases"
    assert _root_fields() - set(GRAPHQL) == set(), "GraphQL root fields without authorization cases"


@dataclass(frozen=True)
class WorldTemplate:
    """The world, built once per module (its cases only read it, or write rows no other case
    reads back, yet a case that writes must not be seen by the next): a SQLite file and a var
    directory that each case starts from a copy of, with the ids the cases name."""

    settings: Settings
    ids: dict[str, Any]

    def copy_into(self, database: Path, folder: Path) -> Settings:
        _copy_sqlite(_sqlite_path(self.settings.database_url), database)
        shutil.copytree(self.settings.var_dir, folder / "var")
        return self.settings.model_copy(update={"database_url": f"sqlite://{database}", "var_dir": folder / "var"})


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite://"))


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: the whole database, whatever its journal holds."""
    with contextlib.closing(sqlite3.connect(source)) as origin, contextlib.closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def _compact_copy(source: Path, target: Path) -> None:
    """The session's database without its free pages: by this module it has grown to several
    megabytes of rows other tests deleted, which every case's copy would write again (12 MB a
    case, a gigabyte a run); ``VACUUM INTO`` writes its live pages alone (the schema, and the last
    test's rows, which ``started_app`` empties)."""
    with contextlib.closing(sqlite3.connect(source)) as origin:
        origin.execute("VACUUM INTO ?", (str(target),))


async def _build_world(settings: Settings) -> dict[str, Any]:
    from bufdir_reporting.models import Activity, Organization

    from .factories import make_activity, make_period, make_reporting_world

    async with (
        started_app(settings) as app,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        await make_reporting_world()
        for quarter in (1, 2):
            await make_period(year=2023, quarter=quarter)
        own = await Organization.get(id=OWN)
        await Organization.create(id=UMBRELLA, name="Paraplyen")
        await Organization.filter(id=OWN).update(org_number=OSLO)
        await Organization.filter(id=OWN).update(parent_id=UMBRELLA)
        for day in (1, 2):  # two activities in a period nothing locks, for the correct/delete cases
            await make_activity(org=own, occurred_at=datetime(2025, 7, day, tzinfo=UTC))
        w = World(client=client, app=app, tokens=Tokens(settings), settings=settings, digdir=None)
        w.snapshot_id = await w.snapshot()
        w.report_id = await w.report()
        w.import_id = await w.upload()
        w.submission_id = await _submission(w)
        w.comment_id = await _comment(w)
        recent = Activity.filter(organization_id=OWN, occurred_at__gte=datetime(2025, 6, 1, tzinfo=UTC)).order_by("id").limit(2)
        w.activity_ids = tuple(ids.activity_public_id(w.settings, a.id) for a in await recent)
        await app.state.jobs.wait_idle()
    fields = ("snapshot_id", "report_id", "import_id", "submission_id", "comment_id", "activity_ids")
    return {name: getattr(w, name) for name in fields}


@pytest.fixture(scope="module")
def world_template(migrated_database: str, database_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> WorldTemplate:
    """Built on a copy of the session's migrated SQLite database (its schema; ``started_app``
    empties its tables first), once for the module: a world per case took a minute of the suite."""
    folder = tmp_path_factory.mktemp("matrix-world")  # a new name each time, as is the database's
    database = database_dir / f"{folder.name}.sqlite3"
    _compact_copy(_sqlite_path(migrated_database), database)
    settings = Settings(
        database_url=f"sqlite://{database}",
        var_dir=folder / "var",
        token_secret=SecretStr(secrets.token_urlsafe(32)),
    )
    built = asyncio.run(_build_world(settings))
    with contextlib.closing(sqlite3.connect(database)) as template:
        template.execute("VACUUM")  # and without the pages of the rows ``started_app`` emptied
    return WorldTemplate(settings=settings, ids=built)


@pytest.fixture(scope="module")
def matrix_digdir() -> Iterator[Digdir]:
    """Maskinporten and ID-porten's keys, served once for the module's cases."""
    with served_digdir() as served:
        yield served


@pytest.fixture
async def world(world_template: WorldTemplate, matrix_digdir: Digdir, database_dir: Path, tmp_path: Path) -> AsyncIterator[World]:
    """The world as built, in a copy of its own: what a case writes, no other case sees."""
    database = database_dir / f"matrix-case-{tmp_path.name}.sqlite3"
    settings = world_template.copy_into(database, tmp_path).model_copy(
        update={
            "maskinporten_issuer": MASKINPORTEN_ISSUER,
            "maskinporten_metadata_url": f"{matrix_digdir.base}/maskinporten/.well-known/oauth-authorization-server",
            "maskinporten_audience": RESOURCE,
            "idporten_issuer": IDPORTEN_ISSUER,
            "idporten_jwks_url": f"{matrix_digdir.base}/idporten/jwk",
            "token_jwks_refresh_seconds": 0,
        }
    )
    async with started_app(settings, empty=False) as app:
        revision.clear()  # the structure cache is per process: a case before may have changed its copy's structure
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield World(
                client=client, app=app, tokens=Tokens(settings), settings=settings, digdir=matrix_digdir, **world_template.ids
            )
    for copy in database_dir.glob(f"{database.name}*"):  # with its -wal and -shm files
        copy.unlink()


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
    assert call is not None
    expected = {
        **expected,
        "reviewer": reviewer_expects(case, expected),
        "umbrella": umbrella_expects(case, expected),
        "regional-reviewer": regional_reviewer_expects(case, expected),
        "own-reviewer": own_reviewer_expects(case, expected),
    }
    expected["read-scope"] = read_scope_expects(case, expected, world.app)
    outcomes = {who: await call(world, who) for who in PRINCIPALS}
    assert outcomes == expected


def test_no_operation_that_changes_anything_is_declared_a_read(app):
    """A read-scope token can never write: every mutation and every REST route but a GET declares
    more than reading (and GraphQL's and REST's declarations cover every operation: an
    undeclared one fails at import)."""
    assert {f for f in FIELDS if f.startswith("Mutation.") and FIELDS[f] in (None, "read")} == set()
    changing = [r for r in _api_routes(app) if set(r.methods or ()) - {"GET", "HEAD"}]
    assert changing and {r.operation_id for r in changing if OPERATIONS[r.operation_id] in (None, "read")} == set()


DELEGATION = 'mutation { createDelegation(supplierOrgNumber: "912345674", consumerOrgNumber: "974778742") { id } }'
GRAPHQL["Query.delegations"] = (ADMIN, q("{ delegations { id } }"))


async def _create_delegation(w: World, who: str) -> str:
    from bufdir_reporting.models import Delegation

    await Delegation.filter().delete()
    return await w.graphql(who, DELEGATION)


async def _delete_delegation(w: World, who: str) -> str:
    from bufdir_reporting.models import Delegation

    created = await Delegation.create(supplier_org_number="912345674", consumer_org_number=f"9{len(who):08d}", created_by="m")
    return await w.graphql(who, "mutation ($id: ID!) { deleteDelegation(delegationId: $id) { id } }", {"id": str(created.id)})


async def _assign_person(w: World, who: str) -> str:
    from bufdir_reporting.models import PersonAssignment

    await PersonAssignment.filter().delete()
    return await w.graphql(
        who, 'mutation { assignPerson(pid: "24079409630", role: REVIEWER, organizationId: "org-1042") { id } }'
    )


async def _unassign_person(w: World, who: str) -> str:
    from bufdir_reporting.models import Person, PersonAssignment, PersonRole

    person, _ = await Person.get_or_create(pid_hash="matrix")
    assignment = await PersonAssignment.create(person=person, organization_id=OWN, role=PersonRole.COORDINATOR, created_by="m")
    return await w.graphql(who, "mutation ($id: ID!) { unassignPerson(assignmentId: $id) { id } }", {"id": str(assignment.id)})


GRAPHQL["Mutation.createDelegation"] = (ADMIN, _create_delegation)
GRAPHQL["Mutation.deleteDelegation"] = (ADMIN, _delete_delegation)
GRAPHQL["Mutation.assignPerson"] = (ADMIN, _assign_person)
GRAPHQL["Mutation.unassignPerson"] = (ADMIN, _unassign_person)
