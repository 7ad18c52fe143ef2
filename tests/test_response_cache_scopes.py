"""The response cache keys an answer by the versions of what it read: a read of one
organisation survives writes to another, and never outlives a write to its own data, to the
data below it, or to what every answer reads (the structure)."""

from __future__ import annotations

import asyncio
import base64
import contextvars
from types import SimpleNamespace

import pytest

from bufdir_reporting import read_scopes
from bufdir_reporting.resolvers.base import changes, notify

from .factories import make_activity, make_organization

DASHBOARD = """
query ($org: ID!) {
  organization(id: $org) {
    name
    snapshots(periodId: "2024", first: 1) { edges { node {
      snapshotId cacheValid
      sections { section { id title } fieldValues { fieldKey value } }
    } } }
  }
}
"""
TRIGGER = 'mutation ($org: ID!) { triggerAggregation(organizationId: $org, periodId: "2024") { snapshot { snapshotId } } }'
RECORD = """mutation ($org: ID!, $id: String) { recordActivity(input: {organizationId: $org, sourceSystem: "s",
  externalId: $id, activityType: "care_order", category: UNGDOM, status: "completed",
  occurredAt: "2024-06-01T10:00:00Z"}) { activityId } }"""
COMMENT = 'mutation ($s: ID!) { commentOnValue(snapshotId: $s, fieldKey: "antall_undersokelser_igangsatt", text: "why?") { id } }'
SET_VALUE = 'mutation ($s: ID!) { setFieldValue(snapshotId: $s, fieldKey: "antall_arsverk", value: 7) { value } }'


class Reads:
    """The dashboard of an organisation, and whether the cache answered it."""

    def __init__(self, graphql, app, headers) -> None:
        self.graphql, self.cache, self.headers = graphql, app.state.response_cache, headers

    async def dashboard(self, org: str) -> tuple[dict, bool]:
        hits = self.cache.hits
        result = await self.graphql(DASHBOARD, {"org": org}, self.headers)
        assert "errors" not in result, result
        return result["data"]["organization"], self.cache.hits > hits


def values(dashboard: dict) -> dict[str, str | None]:
    node = dashboard["snapshots"]["edges"][0]["node"]
    return {v["fieldKey"]: v["value"] for s in node["sections"] for v in s["fieldValues"]}


async def aggregated(graphql, app, headers, *orgs: str) -> dict[str, str]:
    made = {}
    for org in orgs:
        result = await graphql(TRIGGER, {"org": org}, headers)
        assert "errors" not in result, result
        made[org] = result["data"]["triggerAggregation"]["snapshot"]["snapshotId"]
    await app.state.jobs.wait_idle()
    return made


async def test_a_write_to_one_organisation_leaves_anothers_answer_served(graphql, app, tokens, reporting):
    admin = tokens.admin()
    snapshots = await aggregated(graphql, app, admin, "org-1042", "org-2077")
    reads = Reads(graphql, app, admin)
    for org in ("org-1042", "org-2077"):
        await reads.dashboard(org)
        assert (await reads.dashboard(org))[1], f"{org}'s dashboard is kept"

    assert "errors" not in await graphql(SET_VALUE, {"s": snapshots["org-1042"]}, admin)
    written, hit = await reads.dashboard("org-1042")
    assert not hit and values(written)["antall_arsverk"] == "7"
    assert (await reads.dashboard("org-2077"))[1], "a manual value in org-1042 leaves org-2077's answer served"

    assert "errors" not in await graphql(RECORD, {"org": "org-2077", "id": "other-1"}, admin)
    other, hit = await reads.dashboard("org-2077")
    assert not hit and other["snapshots"]["edges"][0]["node"]["cacheValid"] is False  # invalidated by the activity
    assert (await reads.dashboard("org-1042"))[1], "an activity in org-2077 leaves org-1042's answer served"


async def test_a_change_below_an_organisation_reaches_its_answer(graphql, app, tokens, reporting):
    """A region's figures roll up its offices': an office's change moves the region's scope."""
    region = await make_organization(id="org-region")
    office = await make_organization(id="org-office", parent=region)
    await make_activity(org=office)
    admin = tokens.admin()
    await aggregated(graphql, app, admin, "org-region")
    reads = Reads(graphql, app, admin)
    await reads.dashboard("org-region")
    assert (await reads.dashboard("org-region"))[1]

    assert "errors" not in await graphql(RECORD, {"org": "org-office", "id": "below-1"}, admin)
    assert not (await reads.dashboard("org-region"))[1]


async def test_a_structure_change_reaches_every_answer(client, graphql, app, tokens, reporting):
    admin = tokens.admin()
    await aggregated(graphql, app, admin, "org-1042", "org-2077")
    reads = Reads(graphql, app, admin)
    for org in ("org-1042", "org-2077"):
        await reads.dashboard(org)
    current = (await client.get("/api/v1/report-sections/hjelpetiltak")).json()
    body = {"section_title": "Hjelpetiltak (nytt)", "section_order": 3, "fields": current["fields"]}
    assert (await client.put("/api/v1/report-sections/hjelpetiltak", json=body, headers=admin)).status_code == 200
    for org in ("org-1042", "org-2077"):
        dashboard, hit = await reads.dashboard(org)
        titles = {s["section"]["id"]: s["section"]["title"] for s in dashboard["snapshots"]["edges"][0]["node"]["sections"]}
        assert not hit and "Hjelpetiltak (nytt)" in titles.values(), titles


async def test_a_read_across_organisations_depends_on_every_one(graphql, app, tokens, reporting):
    """A list of organisations' figures is kept under the version of everything: a write to
    any organisation reaches it."""
    admin = tokens.admin()
    listing = "{ snapshots(first: 5) { edges { node { snapshotId cacheValid } } } }"
    await aggregated(graphql, app, admin, "org-2077")
    await graphql(listing, {}, admin)
    hits = app.state.response_cache.hits
    await graphql(listing, {}, admin)
    assert app.state.response_cache.hits == hits + 1
    assert "errors" not in await graphql(RECORD, {"org": "org-2077", "id": "listed-1"}, admin)
    after = await graphql(listing, {}, admin)
    assert app.state.response_cache.hits == hits + 1
    assert [e["node"]["cacheValid"] for e in after["data"]["snapshots"]["edges"]] == [False]


def test_only_a_read_of_one_organisations_own_figures_is_narrowed():
    def read(query: str, variables: dict | None = None) -> tuple[str, ...]:
        return read_scopes.scopes(query, None, variables or {}, 10_000)

    narrowed = (changes.SHARED, "org:org-1042")
    assert read(DASHBOARD, {"org": "org-1042"}) == narrowed
    assert read('{ organization(id: "org-1042") { name ... on Organization { organizationId } } }') == narrowed
    global_id = "T3JnYW5pemF0aW9uOm9yZy0xMDQy"  # Organization:org-1042
    assert read("query ($o: ID!) { organization(id: $o) { name } }", {"o": global_id}) == narrowed
    everything = (changes.EVERYTHING,)
    for query in (
        '{ organization(id: "org-1042") { parent { snapshots { totalCount } } } }',  # another organisation's figures
        '{ organization(id: "org-1042") { activities { totalCount } } }',  # a field not listed
        '{ organization(id: "org-1042") { name } organizations { totalCount } }',  # a list beside it
        '{ organization(id: "org-1042") { ...F } } fragment F on Organization { children { name } }',
        "{ ...Q } fragment Q on Query { organizations { totalCount } }",
        "{ snapshots { totalCount } }",
        '{ organization(id: "org-1042") { name(x: 1) { y } } }',  # a leaf with a selection: never narrowed
    ):
        assert read(query) == everything, query
    assert read("query ($o: ID!) { organization(id: $o) { name } }", {}) == everything
    assert read("query ($o: ID!) { organization(id: $o) { name } }", {"o": "U25hcHNob3Q6eA=="}) == everything


async def test_an_id_the_resolver_decodes_is_keyed_under_the_organisation_it_reads(graphql, app, tokens, reporting):
    """A global ID with a character outside base64's alphabet: the resolver (Strawberry's
    ``GlobalID.from_id``) skips it and reads org-1042; the cache must key the answer under
    org-1042's version too, or a write there leaves it served as it was."""
    admin = tokens.admin()
    snapshots = await aggregated(graphql, app, admin, "org-1042")
    padded = base64.b64encode(b"Organization:org-1042").decode() + "\u00e9"
    reads = Reads(graphql, app, admin)
    before, _ = await reads.dashboard(padded)
    assert before["name"] and (await reads.dashboard(padded))[1]

    assert "errors" not in await graphql(SET_VALUE, {"s": snapshots["org-1042"]}, admin)
    after, hit = await reads.dashboard(padded)
    assert not hit and values(after)["antall_arsverk"] == "7"


@pytest.mark.postgres_only  # SQLite lets one writer at a time: its versions are taken in commit order
async def test_a_write_that_commits_after_a_later_one_is_not_hidden(graphql, app, tokens, reporting, monkeypatch):
    """A version is the newest id of a scope. A write that took its id and has not committed yet,
    while a later write to the same organisation commits: a read between them sees the later id
    without the first write's change, and must not be kept under that id, which the first
    write's commit does not move."""
    admin = tokens.admin()
    snapshot = (await aggregated(graphql, app, admin, "org-1042"))["org-1042"]
    reads = Reads(graphql, app, admin)
    assert values((await reads.dashboard("org-1042"))[0])["antall_arsverk"] != "7"

    slow, recorded, release = contextvars.ContextVar("slow", default=False), asyncio.Event(), asyncio.Event()

    async def record_then_wait(pairs):  # the writer's versions are written; then it stalls before COMMIT
        await changes.record(pairs)
        if slow.get():
            recorded.set()
            await release.wait()

    monkeypatch.setattr(notify, "changes", SimpleNamespace(record=record_then_wait, of_event=changes.of_event))

    async def slow_write() -> dict:
        slow.set(True)
        return await graphql(SET_VALUE, {"s": snapshot}, admin)

    writing = asyncio.create_task(slow_write())
    await recorded.wait()
    # a later write to the organisation commits first: a reviewer's comment, which takes no hold
    # on the snapshot's row (an explanation now waits, as a value does, for the write holding it)
    assert "errors" not in await graphql(COMMENT, {"s": snapshot}, tokens.reviewer())
    during, _ = await reads.dashboard("org-1042")
    assert values(during)["antall_arsverk"] != "7"  # not committed yet
    release.set()
    assert "errors" not in await writing

    after, hit = await reads.dashboard("org-1042")
    assert not hit and values(after)["antall_arsverk"] == "7"


async def test_a_poller_sees_the_aggregation_job_taken(graphql, app, tokens, reporting, monkeypatch):
    """Taking a job (QUEUED to RUNNING, its start and attempt) is one UPDATE outside any audited
    transaction: a poller's cached 'QUEUED' was served for the whole run, as an import's
    'written 0' was before its heartbeat moved the import's version."""
    from bufdir_reporting.models import AggregationJob, JobStatus
    from bufdir_reporting.resolvers.snapshots import runs

    admin = tokens.admin()
    gate, release = asyncio.Event(), asyncio.Event()
    claim, complete = runs._claim, runs._complete

    async def claim_when_let(job_id, stale_before):
        await gate.wait()
        return await claim(job_id, stale_before)

    async def complete_when_let(*args, **kwargs):
        await release.wait()
        await complete(*args, **kwargs)

    monkeypatch.setattr(runs, "_claim", claim_when_let)
    monkeypatch.setattr(runs, "_complete", complete_when_let)
    triggered = await graphql(TRIGGER, {"org": "org-1042"}, admin)
    snapshot = triggered["data"]["triggerAggregation"]["snapshot"]["snapshotId"]
    poll = "query ($s: ID!) { snapshot(id: $s) { status job { status attempts } } }"

    async def polled() -> dict:
        result = await graphql(poll, {"s": snapshot}, admin)
        assert "errors" not in result, result
        return result["data"]["snapshot"]["job"]

    assert (await polled())["status"] == "QUEUED"
    assert (await polled())["status"] == "QUEUED"
    gate.set()
    async with asyncio.timeout(10):
        while not await AggregationJob.exists(snapshot_id=snapshot, status=JobStatus.RUNNING):
            await asyncio.sleep(0.02)
    assert await polled() == {"status": "RUNNING", "attempts": 1}
    release.set()
    await app.state.jobs.wait_idle()
    assert (await polled())["status"] == "SUCCEEDED"


async def test_an_id_the_database_cannot_be_sent_never_fails_the_shared_version_read(client, app, tokens, reporting):
    """A lone surrogate (``\\ud800`` in the JSON) in an organisation's id was bound in the version
    read that every request arriving with it shares: that read failed, and with it each of them
    (500). It is never narrowed: the read of everything binds nothing of it."""
    assert read_scopes.scopes("query ($o: ID!) { organization(id: $o) { name } }", None, {"o": "x\ud800"}, 10_000) == (
        changes.EVERYTHING,
    )
    body = b'{"query": "query ($o: ID!) { organization(id: $o) { name } }", "variables": {"o": "org-1042\\ud800"}}'
    headers = {**tokens.admin(), "Content-Type": "application/json"}
    answers = await asyncio.gather(
        client.post("/graphql", content=body, headers=headers),
        *(
            client.post("/graphql", json={"query": DASHBOARD, "variables": {"org": "org-1042"}}, headers=headers)
            for _ in range(3)
        ),
    )
    # the edge now refuses such a body before any read (http_guards); the others are answered
    assert [answer.status_code for answer in answers] == [422, 200, 200, 200], [answer.text for answer in answers]
