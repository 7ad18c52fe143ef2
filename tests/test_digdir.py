"""Maskinporten and ID-porten tokens, as Digdir issues them, against a served app (#35).

The keys are local RSA keys served as a JWKS by a local HTTP server (``tests/digdir.py``);
org-1042 has the organisation number 974778742, as in the demo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from bufdir_reporting.digdir import pid_hash
from bufdir_reporting.models import Activity, AuditEntry, Organization, Person, ReportRecord, Submission
from bufdir_reporting.resolvers.base import ids

from . import contracts
from .digdir import ADMIN_SCOPE, OSLO, PID, READ_SCOPE, VENDOR, WRITE_SCOPE, served
from .worlds import restored

OWN = "org-1042"
IMPORT_FILE = (
    b"organization_id;source_system;external_id;activity_type;category;status;occurred_at\n"
    b"org-1042;fagsystem-cis;mp-1;care_order;ungdom;completed;01.06.2025\n"
    b"org-1042;fagsystem-cis;mp-2;care_order;eldre;completed;02.06.2025\n"
)


@pytest.fixture
async def world(reporting, digdir, client, tokens, app, settings):
    """org-1042 and org-2077 aggregated for 2024; org-1042's snapshot's id. Built once per
    database and worker, restored for each test (``worlds.restored``)."""

    async def build() -> str:
        await Organization.filter(id=OWN).update(org_number=OSLO)
        for organization_id in ("org-2077", OWN):  # another organisation's snapshot, which the consumer never sees
            response = await client.post(
                "/api/v1/aggregated-report-data",
                json={"organization_id": organization_id, "period_id": "2024", "force_reaggregate": True},
                headers=tokens.admin(),
            )
        await app.state.jobs.wait_idle()
        return str(response.json()["snapshot_id"])

    return await restored(settings.database_url, "digdir-aggregated", build)


def refusal(response) -> tuple[int, str | None, str]:
    error = response.json()["error"]
    return response.status_code, error["details"].get("reason"), error["message"]


async def test_a_read_scope_consumer_reads_its_organisations_snapshots_and_nothing_else(client, digdir, world):
    read = digdir.maskinporten(READ_SCOPE)
    own = await client.get("/api/v1/aggregated-report-data", params={"organization_id": OWN}, headers=read)
    assert own.status_code == 200 and own.json()["data"]
    assert (await client.get(f"/api/v1/aggregated-report-data/{world}", headers=read)).status_code == 200
    other = await client.get("/api/v1/aggregated-report-data", params={"organization_id": "org-2077"}, headers=read)
    assert other.status_code == 403
    listed = await client.post(
        "/graphql", json={"query": "{ snapshots { edges { node { organization { organizationId } } } } }"}, headers=read
    )
    assert "data" in listed.json(), listed.text
    assert {e["node"]["organization"]["organizationId"] for e in listed.json()["data"]["snapshots"]["edges"]} == {OWN}
    # and it cannot write, told which scope would let it
    write = await client.post("/api/v1/aggregated-report-data", json={"organization_id": OWN, "period_id": "2025"}, headers=read)
    status, reason, message = refusal(write)
    assert (status, reason) == (403, "missing_scope")
    assert WRITE_SCOPE in message and READ_SCOPE in message
    upload = await client.post("/api/v1/activities/import", files={"file": ("a.csv", IMPORT_FILE)}, headers=read)
    assert refusal(upload)[:2] == (403, "missing_scope")
    mutation = 'mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024-Q1") { jobId } }'
    errors = (await client.post("/graphql", json={"query": mutation}, headers=read)).json()["errors"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN" and errors[0]["extensions"]["scopes"] == [ADMIN_SCOPE, WRITE_SCOPE]


async def test_a_write_scope_consumer_imports_activities(client, digdir, world, app):
    write = digdir.maskinporten(WRITE_SCOPE)
    before = await Activity.filter(organization_id=OWN).count()
    checked = await client.post("/api/v1/activities/import", files={"file": ("a.csv", IMPORT_FILE)}, headers=write)
    assert checked.status_code in (200, 201), checked.text
    import_id = checked.json()["import_id"]
    committed = await client.post(f"/api/v1/activities/import/{import_id}/commit", headers=write)
    assert committed.status_code in (200, 202), committed.text
    await app.state.jobs.wait_idle()
    status = await client.get(f"/api/v1/activities/import/{import_id}", headers=write)
    assert (status.json()["status"], status.json()["created"]) == ("done", 2), status.text
    assert await Activity.filter(organization_id=OWN).count() == before + 2


async def test_a_rotated_key_is_fetched_by_its_kid(client, digdir, world):
    path = "/api/v1/aggregated-report-data"
    assert (await client.get(path, params={"organization_id": OWN}, headers=digdir.maskinporten())).status_code == 200
    fetches = digdir.fetches
    digdir.rotate(keep_old=False)
    assert (await client.get(path, params={"organization_id": OWN}, headers=digdir.maskinporten())).status_code == 200
    assert digdir.fetches == fetches + 1


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"iss": "https://maskinporten.example/"}, "wrong_issuer"),
        ({"aud": "https://another-api.example/"}, "wrong_audience"),
        ({"aud": None}, "wrong_audience"),
        ({"ttl": -60}, "expired"),
    ],
)
async def test_a_token_not_for_this_service_is_refused_saying_why(client, digdir, world, claims, reason):
    response = await client.get(
        "/api/v1/aggregated-report-data", params={"organization_id": OWN}, headers=digdir.maskinporten(**claims)
    )
    assert refusal(response)[:2] == (401, reason)


async def test_a_token_without_this_services_scopes_is_told_which_it_needs(client, digdir, world):
    response = await client.get(
        "/api/v1/aggregated-report-data", params={"organization_id": OWN}, headers=digdir.maskinporten("skatt:annet.api")
    )
    status, reason, message = refusal(response)
    assert (status, reason) == (403, "missing_scope")
    assert READ_SCOPE in message and "skatt:annet.api" in message


async def test_a_consumer_that_is_no_organisation_here_is_refused_naming_its_number(client, digdir, world):
    response = await client.get(
        "/api/v1/report-records", params={"org_id": OWN}, headers=digdir.maskinporten(consumer="999888777")
    )
    status, reason, message = refusal(response)
    assert (status, reason) == (403, "no_organization")
    assert "0192:999888777" in message


async def test_a_consumer_that_is_no_organisation_here_is_refused_over_graphql_as_a_whole(client, digdir, world, settings):
    """Over GraphQL such a token is mapped inside a compiled read's statement (or just before the
    executor runs), no longer before anything runs: still refused as a whole, 403 FORBIDDEN, for
    a compiled read, an executed one, a public one and a mutation alike, as before."""
    nobody = digdir.maskinporten(consumer="999888777")
    documents = [
        "{ snapshots(first: 2) { edges { node { snapshotId } } } }",  # compiled on PostgreSQL
        "{ periods { totalCount } }",
        'mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024") { jobId } }',
    ]
    for document in documents:
        response = await client.post("/graphql", json={"query": document}, headers=nobody)
        (error,) = response.json()["errors"]
        assert (response.status_code, error["extensions"]["code"], error["extensions"]["reason"]) == (
            403,
            "FORBIDDEN",
            "no_organization",
        ), document
        assert "data" not in response.json() and "0192:999888777" in error["message"]
    own = await client.post("/graphql", json={"query": documents[0]}, headers=digdir.maskinporten(READ_SCOPE))
    assert own.status_code == 200 and own.json()["data"]["snapshots"]["edges"], own.text


async def test_a_supplier_acts_for_a_consumer_only_with_its_delegation(client, digdir, world, tokens):
    path, params = "/api/v1/aggregated-report-data", {"organization_id": OWN}
    vendor = digdir.maskinporten(supplier=VENDOR)
    status, reason, message = refusal(await client.get(path, params=params, headers=vendor))
    assert (status, reason) == (403, "no_delegation")
    assert f"0192:{VENDOR}" in message and f"0192:{OSLO}" in message
    # Maskinporten's own delegation (through Altinn) shows in the token
    assert (
        await client.get(path, params=params, headers=digdir.maskinporten(supplier=VENDOR, delegated=True))
    ).status_code == 200
    # or an admin records it, audited
    mutation = "mutation ($s: String!, $c: String!) { createDelegation(supplierOrgNumber: $s, consumerOrgNumber: $c) { id } }"
    created = await client.post(
        "/graphql", json={"query": mutation, "variables": {"s": VENDOR, "c": OSLO}}, headers=tokens.admin()
    )
    assert "errors" not in created.json(), created.text
    assert (await client.get(path, params=params, headers=vendor)).status_code == 200
    assert await AuditEntry.filter(action="delegation.created", actor="test-admin").count() == 1


async def _submission(client, tokens, app, snapshot_id: str) -> str:
    ref = "reports/org-1042/2024/x.xlsx"
    body = {**contracts.REPORT_POST_REQUEST, "org_id": OWN, "status": "completed", "file_ref": ref}
    report_id = (await client.post("/api/v1/report-records", json=body, headers=tokens.admin())).json()["report_id"]
    record = await ReportRecord.get(id=report_id)
    submission = await Submission.create(
        id=ids.submission_id(),
        organization_id=OWN,
        period_id="2024",
        snapshot_id=snapshot_id,
        report_record_id=record.id,
        version=1,
        lock_slot=f"{OWN}|2024",
        activity_count=0,
        submitted_by="own-user",
        submitted_at=datetime.now(UTC),
    )
    return str(submission.id)


ASSIGN = (
    "mutation ($p: String!, $r: PersonRole!, $o: ID) { assignPerson(pid: $p, role: $r, organizationId: $o, name: $n) { id } }"
)
ASSIGN = ASSIGN.replace("$o: ID)", "$o: ID, $n: String!)")


async def assign(client, tokens, role: str, organization_id: str | None = OWN) -> None:
    variables = {"p": PID, "r": role, "o": organization_id, "n": "Kari Saksbehandler"}
    answer = (await client.post("/graphql", json={"query": ASSIGN, "variables": variables}, headers=tokens.admin())).json()
    assert "errors" not in answer, answer


async def test_an_idporten_person_assigned_as_reviewer_reviews_and_writes_nothing(client, digdir, world, tokens, app):
    submission_id = await _submission(client, tokens, app, world)
    person = digdir.idporten()
    unassigned = await client.post(f"/api/v1/submissions/{submission_id}/review", json={"action": "start_review"}, headers=person)
    assert refusal(unassigned)[:2] == (403, "no_assignment")
    await assign(client, tokens, "REVIEWER")
    started = await client.post(f"/api/v1/submissions/{submission_id}/review", json={"action": "start_review"}, headers=person)
    assert started.status_code == 200, started.text
    approve = "mutation ($id: ID!) { approveSubmission(submissionId: $id) { reviewState } }"
    approved = (await client.post("/graphql", json={"query": approve, "variables": {"id": submission_id}}, headers=person)).json()
    assert approved["data"]["approveSubmission"]["reviewState"] == "APPROVED", approved
    write = await client.post(
        "/api/v1/aggregated-report-data", json={"organization_id": OWN, "period_id": "2025"}, headers=person
    )
    status, reason, message = refusal(write)
    assert (status, reason) == (403, "missing_role") and "coordinator" in message
    # the audit log names the person by their number here, never by their identity number
    person_row = await Person.get()
    assert person_row.pid_hash == pid_hash(app.state.settings, PID) != PID
    actors = set(await AuditEntry.all().values_list("actor", flat=True))
    assert f"idporten:person-{person_row.id}" in actors
    assert not any(PID in str(entry.after) + str(entry.before) + entry.actor for entry in await AuditEntry.all())


async def test_a_person_reviews_only_where_they_hold_the_reviewer_role(client, digdir, world, tokens, app):
    """Roles are per organisation (#35 follow-up): a coordinator of org-1042 who reviews org-2077
    reviewed org-1042's reports too, their organisations being one set."""
    submission_id = await _submission(client, tokens, app, world)
    await assign(client, tokens, "COORDINATOR")
    await assign(client, tokens, "REVIEWER", "org-2077")
    person = digdir.idporten()
    path = f"/api/v1/submissions/{submission_id}/review"
    own = await client.post(path, json={"action": "start_review"}, headers=person)
    assert refusal(own)[:2] == (403, "not_its_reviewer"), own.text
    assert (await client.get(f"/api/v1/submissions/{submission_id}", headers=person)).status_code == 200, "it still reads"
    note = {"snapshot_id": world, "field_key": "antall_arsverk", "kind": "comment", "text": "Hvilken stilling?"}
    comment = await client.post("/api/v1/value-notes", json=note, headers=person)
    assert refusal(comment)[:2] == (403, "not_its_reviewer"), comment.text

    async def worklist() -> set[str]:
        listed = await client.get("/api/v1/worklist", params={"period_id": "2024"}, headers=person)
        assert listed.status_code == 200, listed.text
        return {item["organization_id"] for item in listed.json()["data"]}

    assert OWN not in await worklist()
    await assign(client, tokens, "REVIEWER")
    assert (await client.post(path, json={"action": "start_review"}, headers=person)).status_code == 200
    assert OWN in await worklist(), "where it is the reviewer too"


async def test_a_role_needing_a_higher_security_level_is_refused_below_it(client, digdir, world, tokens):
    await assign(client, tokens, "ADMIN", None)
    low = await client.post("/graphql", json={"query": "{ auditLog { totalCount } }"}, headers=digdir.idporten())
    error = low.json()["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["reason"]) == ("FORBIDDEN", "acr_too_low")
    assert "idporten-loa-high" in error["message"]
    high = await client.post(
        "/graphql", json={"query": "{ auditLog { totalCount } }"}, headers=digdir.idporten(acr="idporten-loa-high")
    )
    assert "errors" not in high.json(), high.text


async def test_an_idporten_coordinator_writes_for_their_organisation_only(client, digdir, world, tokens, app):
    await assign(client, tokens, "COORDINATOR")
    person = digdir.idporten()
    own = await client.post("/api/v1/aggregated-report-data", json={"organization_id": OWN, "period_id": "2025"}, headers=person)
    assert own.status_code in (200, 202), own.text
    await app.state.jobs.wait_idle()
    other = await client.post(
        "/api/v1/aggregated-report-data", json={"organization_id": "org-2077", "period_id": "2025"}, headers=person
    )
    assert other.status_code == 403


async def test_an_idporten_token_without_the_configured_scope_is_told_which(client, digdir, world, tokens, settings):
    await assign(client, tokens, "COORDINATOR")
    settings.idporten_scope = "bufdir:rapportering"
    response = await client.get("/api/v1/report-records", params={"org_id": OWN}, headers=digdir.idporten())
    status, reason, message = refusal(response)
    assert (status, reason) == (403, "missing_scope") and "bufdir:rapportering" in message


async def test_a_reviewer_dashboard_shows_only_the_organisations_the_person_reviews(client, digdir, world, tokens):
    """A coordinator of org-1042 who reviews org-2077 was shown org-1042 in reporting status
    and rates, every organisation it reads (#31 outside test, finding 3)."""
    await assign(client, tokens, "COORDINATOR")
    await assign(client, tokens, "REVIEWER", "org-2077")
    person = digdir.idporten()
    listed = await client.get("/api/v1/submissions/reporting-status", params={"period_id": "2024"}, headers=person)
    assert listed.status_code == 200, listed.text
    assert {row["org_id"] for row in listed.json()["organizations"]} == {"org-2077"}, listed.text
    rates = await client.get(
        "/api/v1/submissions/reporting-rates", params={"period_id": "2024", "under_org_id": OWN}, headers=person
    )
    assert rates.status_code == 200 and rates.json()["expected"] == 0, rates.text
    query = '{ reportingStatus(periodId: "2024", underOrganizationId: "org-1042") { organization { organizationId } } }'
    shown = (await client.post("/graphql", json={"query": query}, headers=person)).json()
    assert shown["data"]["reportingStatus"] == [], shown


async def test_a_token_with_no_security_level_or_scope_is_told_so_in_words(client, digdir, world, tokens, settings):
    """The refusal said "The login's security level (none) …" and "its scopes are: none"."""
    await assign(client, tokens, "ADMIN", None)
    query = {"query": "{ auditLog { totalCount } }"}
    said = {}
    for language in ("nb", "nn", "en"):
        refused = await client.post("/graphql", json=query, headers={**digdir.idporten(acr=""), "Accept-Language": language})
        error = refused.json()["errors"][0]
        assert (error["extensions"]["code"], error["extensions"]["reason"]) == ("FORBIDDEN", "acr_too_low")
        said[language] = error["message"]
    assert said == {
        "nb": "Tokenet oppgir ikke noe sikkerhetsnivå, og rollene til denne personen krever idporten-loa-high: "
        "logg inn på nytt med ID-porten på det nivået.",
        "nn": "Tokenet oppgir ikkje noko tryggingsnivå, og rollene til denne personen krev idporten-loa-high: "
        "logg inn på nytt med ID-porten på det nivået.",
        "en": "The token states no security level, and this person's roles need idporten-loa-high: "
        "log in again with ID-porten at that level.",
    }
    settings.idporten_scope = "bufdir:rapportering"
    no_scope = await client.post("/graphql", json=query, headers={**digdir.idporten(scope=""), "Accept-Language": "en"})
    assert no_scope.json()["errors"][0]["message"] == (
        "The ID-porten token lacks the scope bufdir:rapportering; the token states no scopes. "
        "Log in again through a client that asks for it."
    )


async def test_a_token_naming_a_key_of_another_algorithm_is_refused_not_a_server_error(client, digdir, world):
    """The header names the algorithm and the key: Maskinporten's published (RSA) kid with
    ES256, or RS256 with an EC key, made PyJWT raise TypeError, and every such token, which
    anyone can write, was a 500 (attacker's review). It is refused as a token signed wrongly."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec

    claims = jwt.decode(digdir.maskinporten()["Authorization"].removeprefix("Bearer "), options={"verify_signature": False})
    forged = jwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers={"kid": digdir.kid})
    response = await client.get("/api/v1/report-records", params={"org_id": OWN}, headers={"Authorization": f"Bearer {forged}"})
    status, reason, message = refusal(response)
    assert (status, reason) == (401, "algorithm") and f"'{digdir.kid}'" in message and "ES256" in message
    graphql = await client.post(
        "/graphql", json={"query": "{ viewer { subject } }"}, headers={"Authorization": f"Bearer {forged}"}
    )
    assert graphql.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", graphql.text


class _Provider:
    """An identity provider's host that answers 503 to everything, each request held until
    ``release`` (at most 5 s) where asked: Digdir unreachable or slow."""

    def __init__(self, *, hold: bool) -> None:
        import threading

        self.hits = 0
        self.arrived, self.release = threading.Event(), threading.Event()
        self.hold = hold
        self.url = ""

    def answer(self, path: str) -> tuple[int, None]:
        self.hits += 1
        self.arrived.set()
        if self.hold:
            self.release.wait(5)
        return 503, None


@contextmanager
def _provider(*, hold: bool) -> Iterator[_Provider]:
    provider = _Provider(hold=hold)
    with served(provider.answer) as base:
        provider.url = f"{base}/.well-known/oauth-authorization-server"
        try:
            yield provider
        finally:
            provider.release.set()


def _forged(claims: dict) -> dict[str, str]:
    """A token anyone can write: Maskinporten's issuer, signed with a key of one's own."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {"Authorization": "Bearer " + jwt.encode(claims, key, algorithm="RS256", headers={"kid": "any"})}


async def test_an_unreachable_provider_is_asked_once_per_refresh_not_once_per_token(client, digdir, world, settings):
    """While Digdir's metadata could not be read, every request with a token naming Maskinporten
    (anyone may write one) read it again, each waiting up to its timeout (attacker's review). After
    a failed read such tokens are refused at once until the refresh interval has passed."""
    with _provider(hold=False) as provider:
        settings.maskinporten_metadata_url = provider.url
        settings.token_jwks_refresh_seconds = 30
        forged = _forged(jwt_claims(digdir))
        for _ in range(4):
            response = await client.get("/api/v1/report-records", params={"org_id": OWN}, headers=forged)
            assert refusal(response)[:2] == (401, "unknown_key"), response.text
        assert provider.hits == 1


async def test_a_slow_provider_holds_the_request_that_waits_for_it_not_the_others(client, digdir, world, settings):
    """The provider's metadata and key set were read on the event loop: while Digdir was slow to
    answer, one token naming Maskinporten held every other request of the process (attacker's
    review). It is read in a thread: a request with nothing to fetch is answered meanwhile."""
    import asyncio

    with _provider(hold=True) as provider:
        settings.maskinporten_metadata_url = provider.url
        forged = _forged(jwt_claims(digdir))
        waiting = asyncio.ensure_future(client.get("/api/v1/report-records", params={"org_id": OWN}, headers=forged))
        assert await asyncio.to_thread(provider.arrived.wait, 5)
        other = await client.post("/graphql", json={"query": "{ periods(first: 1) { totalCount } }"})
        assert other.status_code == 200 and not waiting.done(), "the other request was answered while the first waited"
        provider.release.set()
        assert refusal(await waiting)[:2] == (401, "unknown_key")


def jwt_claims(digdir) -> dict:
    import jwt

    return jwt.decode(digdir.maskinporten()["Authorization"].removeprefix("Bearer "), options={"verify_signature": False})


@pytest.mark.postgres_only  # SQLite lets one writer at a time: its transactions never meet
async def test_the_same_delegation_recorded_at_once_is_one_and_a_conflict(client, tokens, world):
    """Two admins (or a double click) recording one delegation at once: both found none, and the
    unique index refused the second with a 500 (attacker's review). It is CONFLICT, as recording
    it again is."""
    import asyncio

    mutation = "mutation ($s: String!, $c: String!) { createDelegation(supplierOrgNumber: $s, consumerOrgNumber: $c) { id } }"
    body = {"query": mutation, "variables": {"s": VENDOR, "c": OSLO}}
    answers = await asyncio.gather(*(client.post("/graphql", json=body, headers=tokens.admin()) for _ in range(4)))
    codes = sorted(tuple(e["extensions"]["code"] for e in a.json().get("errors") or []) for a in answers)
    assert codes == [(), ("CONFLICT",), ("CONFLICT",), ("CONFLICT",)], [a.text for a in answers]
