"""Validation rules across fields (issue #33 item 1): written by admins over GraphQL and REST,
checked against the form's fields when saved, evaluated with the per-field checks; a violated
error-level rule blocks submission as a missing required field does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bufdir_reporting.language import Language
from bufdir_reporting.models import AuditEntry, TranslatedAttribute, TranslatedSubject, Translation
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.resolvers.reporting import records
from bufdir_reporting.resolvers.snapshots import rule_words, validation

from ..conftest import error_codes
from ..factories import FieldSpec, context_for, counted, make_activity, make_scope

CREATE = """mutation ($input: ValidationRuleInput!) { createValidationRule(input: $input) { id formId left operator right
  missingValueStrategy severity importance messageNn } }"""
DELETE = "mutation ($id: ID!) { deleteValidationRule(id: $id) { id } }"
SUBMIT = "mutation ($r: ID!) { submitReport(reportId: $r) { version } }"
FINDINGS = "query ($s: ID!) { snapshot(id: $s) { validation { fieldKey severity code message ruleId } } }"
RULE = {
    "formId": "bufdir-rapport",
    "name": "Akuttplasseringer innenfor plasseringer",
    "left": "akutt",
    "operator": "LESS_OR_EQUAL",
    "right": "plasseringer",
    "severity": "ERROR",
    "importance": "HIGH",
    "messageNb": "Akuttplasseringer kan ikke være flere enn plasseringer.",
    "messageNn": "Akuttplasseringar kan ikkje vere fleire enn plasseringar.",
    "messageEn": "Emergency placements cannot exceed placements.",
}


@pytest.fixture
async def placed(app, settings):
    """One organisation with 3 emergency placements and 1 placement in 2024: acute > placements."""
    fields = [
        counted("plasseringer", activity_types=["placement"]),
        counted("akutt", activity_types=["emergency_placement"]),
        FieldSpec("merknad", None, required=False, data_type="text"),
    ]
    scope = await make_scope(fields=fields)
    for day, kind in ((1, "placement"), (2, "emergency_placement"), (3, "emergency_placement"), (4, "emergency_placement")):
        await make_activity(org=scope.org, activity_type=kind, occurred_at=datetime(2024, 3, day, 10, tzinfo=UTC))
    ctx = context_for(settings, app, scope.org.id, subject="kari")
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id="2024", wait=True)).snapshot
    return scope.org.id, snapshot.id, ctx


async def test_a_violated_rule_says_its_sides_by_their_labels_and_figures(graphql, tokens, placed):
    """A rule's finding ended "(left side: 11, right side: 3.5)" (#33 outsider): a case officer
    had to look both sides up. Now each side is named by its labels in the reader's language."""
    _, snapshot_id, ctx = placed
    await Translation.create(
        subject=TranslatedSubject.FIELD,
        subject_id="akutt",
        attribute=TranslatedAttribute.LABEL,
        language="nn",
        text="Akuttplasseringar",
        updated_by="test",
    )
    rule = {**RULE, "left": "akutt + plasseringer", "operator": "EQUAL", "right": "plasseringer - (akutt - 2)"}
    assert "errors" not in await graphql(CREATE, {"input": rule}, tokens.admin())
    snapshot = await snapshots.get_or_raise(ctx, snapshot_id=snapshot_id)
    said = {
        language: [f.message for f in await validation.validate(ctx, snapshot=snapshot, language=language)]
        for language in Language
    }
    assert said == {
        Language.NB: [
            "Akuttplasseringer kan ikke være flere enn plasseringer. "
            "Summen av akutt og plasseringer (4) må være lik plasseringer − (akutt − 2) (0)."
        ],
        Language.NN: [
            "Akuttplasseringar kan ikkje vere fleire enn plasseringar. "
            "Summen av akuttplasseringar og plasseringer (4) må vere lik plasseringer − (akuttplasseringar − 2) (0)."
        ],
        Language.EN: [
            "Emergency placements cannot exceed placements. "
            "The sum of akutt and plasseringer (4) must equal plasseringer − (akutt − 2) (0)."
        ],
    }
    not_both = {**RULE, "left": "akutt", "operator": "NOT_BOTH", "right": "0.5", "messageEn": "Not both"}
    assert "errors" not in await graphql(CREATE, {"input": not_both}, tokens.admin())
    english = [f.message for f in await validation.validate(ctx, snapshot=snapshot, language=Language.EN)]
    assert "Not both. Akutt (3) and 0.5 cannot both be reported." in english


def test_a_label_mid_sentence_starts_in_lower_case_unless_it_is_an_acronym():
    """ "… kan ikkje vere større enn Talet på årsverk" (outsider): lowered mid-sentence; a label
    whose second letter is a capital too is an acronym or a name written so, and is kept."""
    said = {label: rule_words.mid_sentence(label) for label in ("Talet på årsverk", "BUP-kontakter", "NAV", "årsverk", "Å")}
    assert said == {"Talet på årsverk": "talet på årsverk", "BUP-kontakter": "BUP-kontakter", "NAV": "NAV",
                    "årsverk": "årsverk", "Å": "å"}  # fmt: skip


async def report(ctx, snapshot_id) -> str:
    fresh = Context(settings=ctx.settings, principal=ctx.principal, jobs=ctx.jobs, events=ctx.events)
    return (await records.generate(fresh, snapshot_id=snapshot_id, report_type="annual_report")).id


async def test_a_rule_is_checked_against_the_forms_fields_when_saved(graphql, tokens, placed):
    org, _, _ = placed
    admin = tokens.admin()
    unknown = await graphql(CREATE, {"input": {**RULE, "right": "plasseringer + finnes_ikke"}}, admin)
    assert error_codes(unknown) == ["BAD_USER_INPUT"]
    details = unknown["errors"][0]["extensions"]
    assert (details["field"], details["position"]) == ("right", 16), unknown
    assert "finnes_ikke" in unknown["errors"][0]["message"]
    text = await graphql(CREATE, {"input": {**RULE, "left": "(merknad)"}}, admin)
    assert error_codes(text) == ["BAD_USER_INPUT"] and text["errors"][0]["extensions"]["position"] == 2
    syntax = await graphql(CREATE, {"input": {**RULE, "left": "akutt *"}}, admin)
    assert syntax["errors"][0]["extensions"]["position"] == 7
    assert error_codes(await graphql(CREATE, {"input": RULE}, tokens.headers(org))) == ["FORBIDDEN"]
    made = await graphql(CREATE, {"input": RULE}, admin)
    assert made["data"]["createValidationRule"]["operator"] == "LESS_OR_EQUAL", made
    assert made["data"]["createValidationRule"]["missingValueStrategy"] == "SKIP_IF_ANY_MISSING"
    assert await AuditEntry.filter(action="rule.created").count() == 1


async def test_a_violated_error_rule_blocks_submission_with_its_message(graphql, tokens, placed):
    org, snapshot_id, ctx = placed
    own = tokens.headers(org, subject="kari")
    assert (await graphql(FINDINGS, {"s": snapshot_id}, own))["data"]["snapshot"]["validation"] == []
    rule_id = (await graphql(CREATE, {"input": RULE}, tokens.admin()))["data"]["createValidationRule"]["id"]

    findings = (await graphql(FINDINGS, {"s": snapshot_id}, own))["data"]["snapshot"]["validation"]
    assert findings == [
        {
            "fieldKey": "akutt",
            "severity": "ERROR",
            "code": "RULE_VIOLATED",
            "message": "Akuttplasseringer kan ikke være flere enn plasseringer. Akutt (3) kan ikke være større enn plasseringer (1).",
            "ruleId": rule_id,
        }
    ]
    snapshot = await snapshots.get_or_raise(ctx, snapshot_id=snapshot_id)
    english = await validation.validate(ctx, snapshot=snapshot, language=Language.EN)
    assert [f.message for f in english] == [
        "Emergency placements cannot exceed placements. Akutt (3) must not be greater than plasseringer (1)."
    ]

    refused = await graphql(SUBMIT, {"r": await report(ctx, snapshot_id)}, own)
    assert error_codes(refused) == ["BAD_USER_INPUT"]
    assert [(e["code"], e["field_key"]) for e in refused["errors"][0]["extensions"]["validation_errors"]] == [
        ("RULE_VIOLATED", "akutt")
    ]
    assert refused["errors"][0]["message"] == "the report has 1 validation error; fix it before submitting"
    in_english = await graphql(SUBMIT, {"r": await report(ctx, snapshot_id)}, {**own, "Accept-Language": "en"})
    assert in_english["errors"][0]["message"] == "The report has 1 validation error; fix it before submitting"
    assert "errors" not in await graphql(DELETE, {"id": rule_id}, tokens.admin())
    assert "errors" not in await graphql(SUBMIT, {"r": await report(ctx, snapshot_id)}, own)


async def test_a_violated_warning_rule_is_shown_and_does_not_block_submission(graphql, tokens, placed):
    org, snapshot_id, ctx = placed
    own = tokens.headers(org, subject="kari")
    warning = {**RULE, "severity": "WARNING", "right": "0"}
    assert "errors" not in await graphql(CREATE, {"input": {**warning, "operator": "EQUAL"}}, tokens.admin())
    findings = (await graphql(FINDINGS, {"s": snapshot_id}, own))["data"]["snapshot"]["validation"]
    assert [(f["code"], f["severity"]) for f in findings] == [("RULE_VIOLATED", "WARNING")]
    assert "errors" not in await graphql(SUBMIT, {"r": await report(ctx, snapshot_id)}, own)


async def test_rules_over_rest(client, tokens, placed):
    admin = tokens.admin()
    body = {
        "form_id": "bufdir-rapport",
        "name": "Akutt",
        "left": "akutt",
        "operator": "<=",
        "right": "plasseringer",
        "message_nb": "nb",
        "message_nn": "nn",
        "message_en": "en",
    }
    made = await client.post("/api/v1/validation-rules", json=body, headers=admin)
    assert made.status_code == 201, made.text
    rule_id = made.json()["rule_id"]
    assert made.json()["missing_value_strategy"] == "skip_if_any_missing" and made.json()["severity"] == "error"
    refused = await client.post("/api/v1/validation-rules", json={**body, "left": "akutt - nei"}, headers=admin)
    assert refused.status_code == 422 and refused.json()["error"]["details"] == {"field": "left", "position": 9}
    # a position counts from the first character written, leading spaces too (they were stripped)
    spaced = await client.post("/api/v1/validation-rules", json={**body, "left": "   akutt - nei"}, headers=admin)
    assert spaced.json()["error"]["details"] == {"field": "left", "position": 12}, spaced.text
    # a rule naming no field would judge every report alike ("2 <= 1" refuses them all)
    constant = await client.post("/api/v1/validation-rules", json={**body, "left": "((2))", "right": "1"}, headers=admin)
    assert constant.status_code == 422 and constant.json()["error"]["details"]["field"] == "left", constant.text
    assert (await client.post("/api/v1/validation-rules", json=body, headers=tokens.reviewer())).status_code == 403
    unknown_form = await client.post("/api/v1/validation-rules", json={**body, "form_id": "finnes-ikke"}, headers=admin)
    assert unknown_form.status_code == 404, "an unknown form is NOT_FOUND, as the document says"
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "404" in paths["/api/v1/validation-rules"]["post"]["responses"]
    assert "404" in paths["/api/v1/validation-rules/{rule_id}"]["put"]["responses"]
    changed = await client.put(f"/api/v1/validation-rules/{rule_id}", json={**body, "operator": ">"}, headers=admin)
    assert changed.json()["operator"] == ">"
    listed = (await client.get("/api/v1/validation-rules", params={"form_id": "bufdir-rapport"})).json()["data"]
    assert [r["rule_id"] for r in listed] == [rule_id]
    assert (await client.delete(f"/api/v1/validation-rules/{rule_id}", headers=admin)).status_code == 200
    assert (await client.get(f"/api/v1/validation-rules/{rule_id}")).status_code == 404
