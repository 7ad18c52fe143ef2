"""Refusals name what the caller knows (#33 outsider): a missing delegation or assignment by the
id the caller gave, as text (they said 999, a note's 404 '6'); a locked period by its name in
the reader's language and the organisation by its name ("perioden rp-2026-q1 … for org-3310")."""

from __future__ import annotations

from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.reporting import records

from .conftest import error_of
from .factories import context_for, make_scope, manual


async def test_a_missing_delegation_or_assignment_is_named_by_the_id_the_caller_gave(app, client, graphql, tokens):
    cases = [
        ('mutation { deleteDelegation(delegationId: "999") { id } }', "delegation '999' does not exist"),
        ('mutation { unassignPerson(assignmentId: "999") { id } }', "person assignment '999' does not exist"),
        ('mutation { unassignReportForm(assignmentId: "999") { id } }', "form assignment '999' does not exist"),
    ]
    for document, english in cases:
        refused = (await graphql(document, {}, tokens.admin()))["errors"][0]
        assert (refused["extensions"]["code"], refused["message"]) == ("NOT_FOUND", english)
        assert refused["extensions"]["id"] == "999"
        nynorsk = (await graphql(document, {}, {**tokens.admin(), "Accept-Language": "nn"}))["errors"][0]
        assert "«999» finst ikkje" in nynorsk["message"]
    rest = await client.delete("/api/v1/report-forms/assignments/999", headers=tokens.admin())
    assert rest.status_code == 404
    assert (error_of(rest)["message"], error_of(rest)["details"]["id"]) == ("form assignment '999' does not exist", "999")


async def test_a_locked_period_is_named_by_its_name_and_the_organisation_by_its_own(app, settings, graphql, tokens):
    scope = await make_scope(fields=[manual("antall_arsverk", required=False)])
    ctx = context_for(settings, app, scope.org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    own = tokens.headers(scope.org.id)
    submitted = await graphql("mutation ($r: ID!) { submitReport(reportId: $r) { version } }", {"r": record.id}, own)
    assert "errors" not in submitted, submitted
    set_value = 'mutation ($s: ID!) { setFieldValue(snapshotId: $s, fieldKey: "antall_arsverk", value: 1) { fieldKey } }'
    said = {}
    for language in ("nb", "nn", "en"):
        refused = (await graphql(set_value, {"s": snapshot.id}, {**own, "Accept-Language": language}))["errors"][0]
        assert refused["extensions"]["code"] == "PERIOD_LOCKED"
        assert refused["extensions"]["organization_id"] == scope.org.id and refused["extensions"]["period_ids"] == ["2024"]
        said[language] = refused["message"]
    organization = f"{scope.org.name} ({scope.org.id})"
    # and what to do next: who can unlock it, and how (outsider: it said only that it was locked)
    assert said == {
        "nb": f"perioden «2024» er sendt inn og låst for {organization}; for å endre den, be Bufdir sende rapporten "
        "tilbake til retting eller en administrator åpne perioden igjen",
        "nn": f"perioden «Rapporteringsåret 2024» er sendt inn og låst for {organization}; for å endre han, be Bufdir "
        "sende rapporten tilbake til retting eller ein administrator opne perioden att",
        "en": f"period 'Reporting year 2024' is submitted and locked for {organization}; to change it, ask Bufdir to "
        "return the report for correction, or an admin to reopen the period",
    }


async def test_unknown_ids_are_named_sorted_and_once_whatever_the_order_asked(app, client, tokens):
    """``errors.refuse_unknown`` works out what is missing for each caller: a form's unknown
    sections were named in the order asked, analytics' organisations sorted."""
    asked = {"form_id": "x", "name": "X", "section_ids": ["zz-ukjent", "aa-ukjent"]}
    refused = await client.post("/api/v1/report-forms", json=asked, headers=tokens.admin())
    assert refused.status_code == 422 and "aa-ukjent, zz-ukjent" in error_of(refused)["message"], refused.text
    assert "zz-ukjent, aa-ukjent" not in error_of(refused)["message"]
