"""Bokmål, Nynorsk and English (#32): the reader's language from Accept-Language (or a
``language`` argument) for labels, findings, refusals and import errors; the metadata's
translations, their fallback to Bokmål and what is not translated yet; the legacy contracts
answering as before whether or not a language is asked."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

import pytest

from bufdir_reporting.errors import ADMIN_REQUIRED
from bufdir_reporting.language import MESSAGES, Language, from_accept_language, number
from bufdir_reporting.models import ReportRecord
from bufdir_reporting.resolvers import snapshots

from .conftest import error_of
from .factories import FieldSpec, context_for, counted, make_scope
from .importing.test_import_api import HEADER

NN = {"Accept-Language": "nn-NO, nb;q=0.8, en;q=0.5"}
STAFF = FieldSpec("antall_arsverk", None, True, "decimal", label="Antall årsverk")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("nn", Language.NN),
        ("nn-NO", Language.NN),
        ("no", Language.NB),
        ("nb-NO,nb;q=0.9", Language.NB),
        ("en-GB,en;q=0.9,nn;q=0.8", Language.EN),
        ("de-DE, nn;q=0.4, en;q=0.3", Language.NN),
        ("en;q=0.2, nn;q=0.9", Language.NN),
        ("nn;q=0, en", Language.EN),
        ("nn;q=zero, en;q=0.1", Language.EN),
        ("de, fr", None),
        ("*", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_picks_the_supported_language_ranked_highest(header, language):
    assert from_accept_language(header) == language


def test_numbers_read_as_the_reader_writes_them():
    assert number(Decimal(1000), Language.NB) == "1\u00a0000"  # not 1E+3
    assert number(Decimal("2.50"), Language.NN) == "2,5"
    assert number(Decimal("1234.5"), Language.EN) == "1,234.5"
    assert number(Decimal(-3), Language.NB) == "-3"


def test_every_message_is_written_in_all_three_languages():
    assert {message: set(texts) for message, texts in MESSAGES.items()} == {message: set(Language) for message in MESSAGES}


SNAPSHOT = """query ($id: ID!, $language: Language) {
  snapshot(id: $id) {
    validation { code message }
    asked: validation(language: $language) { message }
  }
  sections { edges { node { sectionId title fields { key label } } } }
}"""
SET = """mutation ($input: TranslationInput!) { setTranslation(input: $input) { text } }"""
UNTRANSLATED = """query ($language: Language) { untranslatedTexts(language: $language) { subject subjectId attribute source } }"""


async def _snapshot(app, settings):
    scope = await make_scope(fields=[counted("antall_saker"), STAFF])
    ctx = context_for(settings, app, scope.org.id)
    return scope, (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot


async def test_nynorsk_labels_and_findings_over_graphql_fall_back_to_bokmal(app, settings, graphql, tokens):
    scope, snapshot = await _snapshot(app, settings)
    own = tokens.headers(scope.org.id)
    label = {
        "subject": "FIELD",
        "subjectId": "antall_arsverk",
        "attribute": "LABEL",
        "language": "NN",
        "text": "Talet på årsverk",
    }
    set_ = await graphql(SET, {"input": label}, tokens.admin())
    assert set_["data"]["setTranslation"]["text"] == "Talet på årsverk"

    plain = await graphql(SNAPSHOT, {"id": snapshot.id}, own)
    assert plain["data"]["snapshot"]["validation"] == [{"code": "REQUIRED_MISSING", "message": "Antall årsverk er påkrevd"}]

    nynorsk = await graphql(SNAPSHOT, {"id": snapshot.id, "language": "EN"}, {**own, **NN})
    assert nynorsk["data"]["snapshot"]["validation"] == [{"code": "REQUIRED_MISSING", "message": "Talet på årsverk er påkravd"}]
    assert nynorsk["data"]["snapshot"]["asked"] == [{"message": "Antall årsverk is required"}]  # no English label: Bokmål
    section = next(edge["node"] for edge in nynorsk["data"]["sections"]["edges"] if edge["node"]["sectionId"] == scope.section.id)
    assert section["title"] == scope.section.title  # not translated: its Bokmål
    assert {field["key"]: field["label"] for field in section["fields"]} == {
        "antall_saker": "Antall saker",
        "antall_arsverk": "Talet på årsverk",
    }

    missing = (await graphql(UNTRANSLATED, {"language": "NN"}))["data"]["untranslatedTexts"]
    assert {"subject": "SECTION", "subjectId": scope.section.id, "attribute": "TITLE", "source": scope.section.title} in missing
    assert {"subject": "FIELD", "subjectId": "antall_saker", "attribute": "LABEL", "source": "Antall saker"} in missing
    assert not any(m["subjectId"] == "antall_arsverk" and m["attribute"] == "LABEL" for m in missing)
    both = (await graphql(UNTRANSLATED))["data"]["untranslatedTexts"]
    assert [m for m in both if m["subjectId"] == "antall_arsverk" and m["attribute"] == "LABEL"] != []  # English lacks it

    removed = await graphql(SET, {"input": {**label, "text": ""}}, tokens.admin())
    assert removed["data"]["setTranslation"]["text"] is None
    again = await graphql(SNAPSHOT, {"id": snapshot.id}, {**own, **NN})
    assert again["data"]["snapshot"]["validation"][0]["message"] == "Antall årsverk er påkravd"


async def test_a_refusal_reads_in_the_language_asked_with_its_code_unchanged(graphql, tokens, client):
    label = {"subject": "FIELD", "subjectId": "x", "attribute": "LABEL", "language": "NN", "text": "y"}
    english = await graphql(SET, {"input": label}, tokens.headers("org-1"))
    assert english["errors"][0]["message"] == ADMIN_REQUIRED and english["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    nynorsk = await graphql(SET, {"input": label}, {**tokens.headers("org-1"), **NN})
    assert nynorsk["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert nynorsk["errors"][0]["message"] == "Dette krev administratorrolla; be ein administrator om eit token med henne."
    bokmal = await client.put(
        "/api/v1/translations", json=_rest(label), headers={**tokens.headers("org-1"), "Accept-Language": "nb"}
    )
    assert bokmal.status_code == 403 and error_of(bokmal)["message"].startswith("Dette krever administratorrollen")


def _rest(label: dict) -> dict:
    return {
        "subject": label["subject"].lower(),
        "subject_id": label["subjectId"],
        "attribute": label["attribute"].lower(),
        "language": label["language"].lower(),
        "text": label["text"],
    }


async def test_translations_over_rest_set_list_and_refuse_in_the_readers_language(app, settings, client, tokens):
    scope, _ = await _snapshot(app, settings)
    body = {"subject": "section", "subject_id": scope.section.id, "attribute": "title", "language": "en", "text": "Staff"}
    put = await client.put("/api/v1/translations", json=body, headers=tokens.admin())
    assert put.status_code == 200 and put.json() == body
    listed = (await client.get("/api/v1/translations/untranslated", params={"language": "en"})).json()["data"]
    assert {
        "subject": "field",
        "subject_id": "antall_saker",
        "attribute": "label",
        "language": "en",
        "source": "Antall saker",
    } in listed
    assert not any(item["subject"] == "section" and item["attribute"] == "title" for item in listed)

    bokmal = await client.put("/api/v1/translations", json={**body, "language": "nb"}, headers={**tokens.admin(), **NN})
    assert bokmal.status_code == 422 and error_of(bokmal)["code"] == "BAD_USER_INPUT"
    assert error_of(bokmal)["message"] == "Omsetjingar blir lagra for nn og en; bokmål er teksten til feltet sjølv"
    unknown = {**body, "subject": "field", "subject_id": "finst_ikkje", "attribute": "label"}
    missing = await client.put("/api/v1/translations", json=unknown, headers={**tokens.admin(), **NN})
    assert missing.status_code == 404 and error_of(missing)["message"] == "Feltet «finst_ikkje» finst ikkje"
    english = await client.put("/api/v1/translations", json=unknown, headers=tokens.admin())
    assert error_of(english)["message"] == "field 'finst_ikkje' does not exist", "no header: as before"


LEGACY_READS = (
    "/api/v1/report-sections",
    "/api/v1/report-sections/{section}",
    "/api/v1/report-sections/fields/antall_arsverk/label",
    "/api/v1/report-sections/required-fields",
)


async def test_the_legacy_contracts_answer_the_same_with_and_without_a_language(app, settings, client, tokens):
    scope, _ = await _snapshot(app, settings)
    body = {
        "subject": "field",
        "subject_id": "antall_arsverk",
        "attribute": "label",
        "language": "nn",
        "text": "Talet på årsverk",
    }
    assert (await client.put("/api/v1/translations", json=body, headers=tokens.admin())).status_code == 200
    for path in LEGACY_READS:
        path = path.format(section=scope.section.id)
        plain, asked = await client.get(path), await client.get(path, headers=NN)
        assert plain.status_code == 200 and plain.content == asked.content, path
        assert "Talet" not in asked.text
    gone, gone_nn = [await client.get("/api/v1/report-sections/nope", headers=h) for h in ({}, NN)]
    assert error_of(gone)["message"] == "section 'nope' does not exist"
    for header in ("en", "xx;q=abc", "en-GB"):  # English is one English, asked or fallen back to
        said = await client.get("/api/v1/report-sections/nope", headers={"Accept-Language": header})
        assert error_of(said)["message"] == "section 'nope' does not exist", header
    assert error_of(gone_nn)["message"] == "Seksjonen «nope» finst ikkje"
    assert (gone.status_code, error_of(gone)["code"], set(error_of(gone))) == (
        gone_nn.status_code,
        error_of(gone_nn)["code"],
        set(error_of(gone_nn)),
    )


def _csv(*rows: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows([HEADER, *rows])
    return out.getvalue().encode("cp1252")


async def test_import_errors_name_the_column_as_written_in_the_language_asked(app, settings, client, tokens):
    scope, _ = await _snapshot(app, settings)
    org = scope.org.id
    row = [org, "fagsystem-famweb", "x-1", "group_activity", "ungdom", "completed", "Tromsø", "31.02.2024 10:00", "1,5"]
    file = ("aktiviteter.csv", _csv(row, [*row[:2], "x-2", "Gruppe", *row[4:7], "15.03.2024 10:00", "1,5"]), "text/csv")
    nynorsk = (await client.post("/api/v1/activities/import", files={"file": file}, headers={**tokens.headers(org), **NN})).json()
    assert nynorsk["errors"] == [
        {
            "line": 2,
            "column": "Dato",
            "value": "31.02.2024 10:00",
            "message": "må vere dato og klokkeslett, til dømes 15.02.2026 10:00",
        },
        {
            "line": 3,
            "column": "Aktivitetstype",
            "value": "Gruppe",
            "message": "skriv med små bokstavar og understrek, til dømes family_guidance",
        },
    ]
    english = (await client.post("/api/v1/activities/import", files={"file": file}, headers=tokens.headers(org))).json()
    assert english["errors"][0]["column"] == "Dato"
    assert english["errors"][0]["message"] == "must be a date and time, e.g. 15.02.2026 10:00 (or 2026-02-15T10:00:00Z)"


async def test_import_row_bounds_read_in_the_language_asked(app, settings, client, tokens):
    """A count below 0 and hours above the limit: pydantic's bounds, which read English under
    nn ("must be greater than or equal to 0") while the other row errors followed the language."""
    scope, _ = await _snapshot(app, settings)
    org = scope.org.id
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([*HEADER[:-1], "Antall_deltakere", "Timer"])
    writer.writerow(
        [
            org,
            "fagsystem-famweb",
            "x-1",
            "group_activity",
            "ungdom",
            "completed",
            "Tromsø",
            "15.03.2024 10:00",
            "-2",
            "1000000000",
        ]
    )
    file = ("aktiviteter.csv", out.getvalue().encode("cp1252"), "text/csv")
    nynorsk = (await client.post("/api/v1/activities/import", files={"file": file}, headers={**tokens.headers(org), **NN})).json()
    assert [(e["column"], e["message"]) for e in nynorsk["errors"]] == [
        ("Antall_deltakere", "må vere minst 0"),
        ("Timer", "må vere høgst 100\u00a0000"),
    ]
    bokmal = {**tokens.headers(org), "Accept-Language": "nb"}
    assert (await client.post("/api/v1/activities/import", files={"file": file}, headers=bokmal)).json()["errors"][0][
        "message"
    ] == "må være minst 0"
    english = (await client.post("/api/v1/activities/import", files={"file": file}, headers=tokens.headers(org))).json()
    assert [e["message"] for e in english["errors"]] == [
        "must be greater than or equal to 0",
        "must be less than or equal to 100000",
    ]


async def test_a_report_document_refuses_a_report_type_that_is_no_name(app, settings, client, tokens):
    scope, snapshot = await _snapshot(app, settings)
    body = {"snapshot_id": snapshot.id, "format": "pdf", "report_type": "\u00a0\u023e\U000e68fd", "": {}}
    refused = await client.post("/api/v1/report-documents", json=body, headers=tokens.headers(scope.org.id))
    assert refused.status_code == 422 and error_of(refused)["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("report_type", ["46", "bufdir-report", "Bufdir"])
async def test_a_report_document_refuses_what_a_report_record_would_refuse(app, settings, client, tokens, report_type):
    """The body's pattern let "46" through, and the record refused it inside the use case: 500
    (schemathesis). The body now asks what the record asks: 422 naming report_type."""
    scope, snapshot = await _snapshot(app, settings)
    body = {"snapshot_id": snapshot.id, "format": "pdf", "report_type": report_type}
    refused = await client.post("/api/v1/report-documents", json=body, headers=tokens.headers(scope.org.id))
    assert refused.status_code == 422 and error_of(refused)["details"]["field"] == "report_type", refused.text


@pytest.mark.parametrize("report_type", ["Any Text!", "46", "annual_report\n", "x" * 65])
async def test_generate_report_refuses_a_report_type_that_is_no_label_naming_it(app, settings, graphql, tokens, report_type):
    """generateReport took any text, and one that was no snake_case label failed inside the
    record's model: INTERNAL (outsider). It stays a String (the list is open, #36 item 4) and is
    refused naming reportType, in the reader's language; no record is made."""
    scope, snapshot = await _snapshot(app, settings)
    generate = "mutation ($s: ID!, $t: String!) { generateReport(snapshotId: $s, reportType: $t) { reportId } }"
    (error,) = (await graphql(generate, {"s": snapshot.id, "t": report_type}, {**tokens.headers(scope.org.id), **NN}))["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "reportType"), error
    assert error["message"].startswith("reportType må vere ein etikett i små bokstavar"), error
    assert not await ReportRecord.exists()


async def test_a_refusal_to_change_an_object_and_a_missing_one_read_in_the_language_asked(app, settings, graphql, tokens, client):
    """An outsider asked in Nynorsk and got "Your token does not allow changing this snapshot"
    (raised without a message id) and "Validation rule «99999» finst ikkje" (a kind with no
    Norwegian name)."""
    scope, snapshot = await _snapshot(app, settings)
    reviewer = tokens.headers(scope.org.id, reviewer=True)  # reads and reviews it, writes nothing
    denied = await graphql(
        'mutation ($s: ID!) { invalidateSnapshot(id: $s, reason: "x") { cacheValid } }',
        {"s": snapshot.id},
        {**reviewer, **NN},
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert denied["errors"][0]["message"] == "Tokenet ditt gjev ikkje tilgang til å endre aggregeringa"
    english = await graphql(
        'mutation ($s: ID!) { invalidateSnapshot(id: $s, reason: "x") { cacheValid } }', {"s": snapshot.id}, reviewer
    )
    assert english["errors"][0]["message"] == "Your token does not allow changing this snapshot"
    for path, said in (
        ("/api/v1/validation-rules/99999", "Valideringsregelen «99999» finst ikkje"),
        ("/api/v1/submissions/nope", "Innsendinga «nope» finst ikkje"),
    ):
        missing = await client.get(path, headers={**tokens.admin(), **NN})
        assert missing.status_code == 404 and error_of(missing)["message"] == said, missing.text


async def test_api_responses_say_they_vary_by_language_and_which_one_they_are_in(app, settings, client, graphql, tokens):
    """Without the headers a shared cache served one language's answer to every reader. The
    legacy bodies stay byte for byte; only the headers say what the answer depends on."""
    scope, _ = await _snapshot(app, settings)
    path = f"/api/v1/report-sections/{scope.section.id}"
    plain, asked = await client.get(path), await client.get(path, headers=NN)
    assert plain.content == asked.content
    assert plain.headers["Vary"] == asked.headers["Vary"] == "Accept-Language"
    assert "Content-Language" not in plain.headers and asked.headers["Content-Language"] == "nn"
    english = await client.get("/api/v1/report-sections/nope", headers={"Accept-Language": "en-GB"})
    assert english.status_code == 404 and english.headers["Content-Language"] == "en"
    query = await client.post("/graphql", json={"query": "{ sections { totalCount } }"}, headers=NN)
    assert query.headers["Content-Language"] == "nn" and "Accept-Language" in query.headers["Vary"]
    page = await client.get("/")
    assert "Content-Language" not in page.headers and "Accept-Language" not in page.headers.get("Vary", "")


async def test_a_snapshots_field_values_are_labelled_in_the_language_asked(app, settings, graphql, tokens):
    """FieldValue.label is a plain attribute (for speed) and was Bokmål in every language."""
    scope, snapshot = await _snapshot(app, settings)
    label = {
        "subject": "FIELD",
        "subjectId": "antall_arsverk",
        "attribute": "LABEL",
        "language": "NN",
        "text": "Talet på årsverk",
    }
    assert (await graphql(SET, {"input": label}, tokens.admin()))["data"]["setTranslation"]["text"] == "Talet på årsverk"
    query = """query ($id: ID!) { snapshot(id: $id) {
        fieldValues { fieldKey label } sections { fieldValues { fieldKey label } } } }"""
    own = tokens.headers(scope.org.id)
    for headers, staff in (
        (own, "Antall årsverk"),
        ({**own, **NN}, "Talet på årsverk"),
        ({**own, "Accept-Language": "en"}, "Antall årsverk"),
    ):
        found = (await graphql(query, {"id": snapshot.id}, headers))["data"]["snapshot"]
        flat = {v["fieldKey"]: v["label"] for v in found["fieldValues"]}
        grouped = {v["fieldKey"]: v["label"] for s in found["sections"] for v in s["fieldValues"]}
        assert flat == grouped == {"antall_saker": "Antall saker", "antall_arsverk": staff}, headers
    written = await graphql(
        'mutation ($s: ID!) { setFieldValue(snapshotId: $s, fieldKey: "antall_arsverk", value: 3) { label } }',
        {"s": snapshot.id},
        {**own, **NN},
    )
    assert written["data"]["setFieldValue"]["label"] == "Talet på årsverk"


async def test_analytics_and_its_exports_are_labelled_in_the_language_asked(app, client, tokens):
    """The table's field labels, JSON-stat's dimension and category labels and the CSV's column
    names were Bokmål in every language; ids, codes and numbers stay as they are."""
    from bufdir_reporting.models import Translation

    from .resolvers.analytics.test_analytics import _params, _world

    await _world()
    for language, text in (("nn", "Talet på årsverk"), ("en", "Person-years")):
        await Translation.create(
            subject="field", subject_id="antall_arsverk", attribute="label", language=language, text=text, updated_by="t"
        )
    params, reviewer = _params(source="current"), tokens.reviewer()
    export = "/api/v1/analytics/export"
    bokmal = (await client.get(export, params=[*params, ("format", "jsonstat")], headers=reviewer)).json()
    assert bokmal["dimension"]["field"]["label"] == "Felt"
    assert bokmal["dimension"]["field"]["category"]["label"]["antall_arsverk"] != "Talet på årsverk"
    nynorsk = (await client.get(export, params=[*params, ("format", "jsonstat")], headers={**reviewer, **NN})).json()
    assert [nynorsk["dimension"][d]["label"] for d in nynorsk["id"]] == ["Felt", "Organisasjon", "Periode"]
    assert nynorsk["dimension"]["field"]["category"]["label"]["antall_arsverk"] == "Talet på årsverk"
    assert nynorsk["id"] == bokmal["id"] and nynorsk["value"] == bokmal["value"]
    english = await client.get(export, params=[*params, ("format", "jsonstat")], headers={**reviewer, "Accept-Language": "en"})
    assert [english.json()["dimension"][d]["label"] for d in english.json()["id"]] == ["Field", "Organisation", "Period"]
    assert english.headers["Content-Language"] == "en"

    sheet = await client.get(export, params=[*params, ("format", "csv")], headers={**reviewer, "Accept-Language": "en"})
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == [
        "field",
        "field_name",
        "organisation",
        "organisation_name",
        "period",
        "period_name",
        "value",
        "status",
        "status_name",
        "approved",
    ]
    assert {row[1] for row in rows[1:] if row[0] == "antall_arsverk"} == {"Person-years"}
    assert {row[9] for row in rows[1:]} <= {"yes", "no"}
    nynorsk_sheet = await client.get(export, params=[*params, ("format", "csv")], headers={**reviewer, **NN})
    assert nynorsk_sheet.content.decode("utf-8-sig").startswith("felt;feltnamn;organisasjon;organisasjonsnamn;")

    table = await client.get("/api/v1/analytics", params=params, headers={**reviewer, **NN})
    assert "Talet på årsverk" in table.text


REFUSALS = {"DomainError", "InvalidInput", "Conflict", "PeriodLocked", "Forbidden", "Unauthenticated", "RenderFailed"}
REFUSALS |= {"refuse_taken"}  # audit's: raises Conflict with the message_id its caller names
REFUSALS |= {"refuse_unknown"}  # errors': raises InvalidInput with its caller's message_id, or many_id past ten
SAID_BY_THEIR_CONSTANT = {"TOKEN_REQUIRED", "ADMIN_REQUIRED", "REVIEWER_REQUIRED"}
STILL_ENGLISH = {("bufdir_reporting/schema/pagination.py", "InvalidInput")}
"""Strawberry's own words on a page size it refuses (``str(exc)`` of its ValueError): no message of ours to name."""


def _refusals_without_a_message() -> list[str]:
    import ast
    from pathlib import Path

    import bufdir_reporting

    root = Path(bufdir_reporting.__file__).parent
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if path == root / "errors.py" or "migrations" in path.parts:
            continue
        where = str(path.relative_to(root.parent))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in REFUSALS | {"ImportFileError"} or (where, name) in STILL_ENGLISH:
                continue
            named = {k.arg: k.value for k in node.keywords}
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Name) and first.id in SAID_BY_THEIR_CONSTANT:
                continue
            message_id = named.get("message_id")
            if isinstance(message_id, ast.IfExp):  # one of two messages, both in the catalogue
                unknown = [
                    c.value
                    for c in (message_id.body, message_id.orelse)
                    if isinstance(c, ast.Constant) and c.value not in MESSAGES
                ]
                found.extend(f"{where}:{node.lineno} {name}: {value!s} is not in the catalogue" for value in unknown)
            elif message_id is None:
                found.append(f"{where}:{node.lineno} {name} has no message_id")
            elif isinstance(message_id, ast.Constant) and message_id.value not in MESSAGES:
                found.append(f"{where}:{node.lineno} {name}: " + str(message_id.value) + " is not in the catalogue")
            elif isinstance(message_id, ast.JoinedStr):
                prefix = "".join(str(p.value) for p in message_id.values[:1] if isinstance(p, ast.Constant))
                if not any(known.startswith(prefix) for known in MESSAGES):
                    found.append(f"{where}:{node.lineno} {name}: no message starts {prefix}")
            many_id = named.get("many_id")
            if isinstance(many_id, ast.Constant) and many_id.value not in MESSAGES:
                found.append(f"{where}:{node.lineno} {name}: " + str(many_id.value) + " is not in the catalogue")
    return found


def test_every_refusal_names_its_message_in_the_catalogue():
    """A refusal raised with English words of its own reads English whatever the reader asked:
    every one names a message of the catalogue (language.py, messages/*.toml), which has all
    three languages. A new English-only refusal fails here."""
    assert _refusals_without_a_message() == []


GIVEN_BESIDE_THE_ENGLISH = {
    "reporting.reviews.cannot_": {"code", "state_word"},
    "snapshots.manual_values.": {"label"},
    "imports.cells.unknown_columns": {"unknown_quoted", "norwegian"},
    "imports.uploads.unknown_columns": {"unknown_quoted", "norwegian"},  # the same, as an upload says it
    "reporting.assignments.assigned_form_period_organisation": {"organization", "period"},
    "imports.cells.header_column": {"missing_quoted", "has_quoted"},
}
"""Values a raise site gives that only the Norwegian uses: a review state by its code (the
English says it in words, ``under review``), a field by its label (the English names its key, as
the API always did), an import's columns by their Norwegian names, quoted «»."""


def test_every_translation_fills_in_only_what_its_english_is_given():
    """A Norwegian text naming a value its English does not would fail when said (KeyError)."""
    import string

    def names(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    def given(message: str, texts: dict[Language, str]) -> set[str]:
        beside = {name for prefix, more in GIVEN_BESIDE_THE_ENGLISH.items() if message.startswith(prefix) for name in more}
        return names(texts[Language.EN]) | beside

    wrong = {
        (message, language): names(texts[language]) - given(message, texts)
        for message, texts in MESSAGES.items()
        for language in (Language.NB, Language.NN)
        if names(texts[language]) - given(message, texts)
    }
    assert wrong == {}
    assert not [m for m, texts in MESSAGES.items() if any("TODO" in text for text in texts.values())]


async def test_bad_requests_are_refused_in_nynorsk_when_asked(app, settings, client, graphql, tokens):
    """A handful of refusals from across the service, asked in Nynorsk: a value below a field's
    minimum (was "… is at least 0.0000"), a REST body missing a field and out of bounds
    (pydantic's words); more, each the same shape, in ``REFUSED_BY_REST``. The codes are what
    they were; without Accept-Language, English as before."""
    scope = await make_scope(
        fields=[FieldSpec("antall_arsverk", None, False, "decimal", label="Antall årsverk", min_value=Decimal(0))]
    )
    ctx = context_for(settings, app, scope.org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    own = tokens.headers(scope.org.id)
    set_value = 'mutation ($s: ID!) { setFieldValue(snapshotId: $s, fieldKey: "antall_arsverk", value: -1) { value } }'
    nynorsk = await graphql(set_value, {"s": snapshot.id}, {**own, **NN})
    assert nynorsk["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert nynorsk["errors"][0]["message"] == "«Antall årsverk» må vere minst 0", "no nn label: the Bokmål one"
    english = await graphql(set_value, {"s": snapshot.id}, own)
    assert english["errors"][0]["message"] == "antall_arsverk is at least 0"
    # a person reads the field by its label, the key stays in the details; the value as JSON, not a Python repr
    label = {
        "subject": "FIELD",
        "subjectId": "antall_arsverk",
        "attribute": "LABEL",
        "language": "NN",
        "text": "Talet på årsverk",
    }
    assert (await graphql(SET, {"input": label}, tokens.admin()))["data"]["setTranslation"]["text"] == "Talet på årsverk"
    set_object = 'mutation ($s: ID!, $v: JSON) { setFieldValue(snapshotId: $s, fieldKey: "antall_arsverk", value: $v) { value } }'
    an_object = await graphql(set_object, {"s": snapshot.id, "v": {"a": 1}}, {**own, **NN})
    assert an_object["errors"][0]["message"] == '«Talet på årsverk» tek eit tal (til dømes 31,5); fekk «{"a": 1}»'
    assert an_object["errors"][0]["extensions"]["field_key"] == "antall_arsverk"
    english_object = await graphql(set_object, {"s": snapshot.id, "v": {"a": 1}}, own)
    assert english_object["errors"][0]["message"] == 'antall_arsverk takes a number (such as 31,5 or 31.5), got "{"a": 1}"'

    body = {"subject": "field", "subject_id": "", "attribute": "label", "language": "nn"}
    refused = await client.put("/api/v1/translations", json=body, headers={**tokens.admin(), **NN})
    assert refused.status_code == 422 and error_of(refused)["code"] == "BAD_USER_INPUT"
    said = {problem["field"]: problem["message"] for problem in error_of(refused)["details"]["errors"]}
    assert said == {"subject_id": "må ha minst 1 teikn", "text": "manglar"}
    assert error_of(refused)["message"] == "subject_id må ha minst 1 teikn (og 1 til i details.errors)"


UNREADABLE = ("aktiviteter.csv", b"Dato;Hvem\r\n15.02.2026;x\r\n", "text/csv")


class Refused(NamedTuple):
    """A REST request refused (422): what a Nynorsk reader is told, and what is said without
    Accept-Language (English as before; None: not asked; ending ", ": what it starts with)."""

    method: str
    path: str
    request: Callable[[str, str], dict[str, Any]]  # of the organisation's and the period's ids
    nynorsk: str
    english: str | None


REFUSED_BY_REST = {
    # «» and the names a Norwegian writes (Dato), not 'Hvem' and organization_id, source_system, …;
    # no "(sjå import --help eller --template)": an uploader has no command line (outsider)
    "an import's unknown column": Refused(
        "POST",
        "/api/v1/activities/import",
        lambda org, period: {"files": {"file": UNREADABLE}},
        "ukjend kolonne: «Hvem»; kolonnane er: Organisasjon, Kildesystem, Ekstern id, Aktivitetstype, Kategori, Status,"
        " Sted, Dato, Slutt, Registrert, Antall deltakere, Timer, Deltakerreferanser",
        "unknown column 'Hvem'; the columns are: organization_id, source_system, ",
    ),
    # the API reads ISO dates only, so its example is ISO (was "til dømes 15.02.2026", the refused form)
    "a Norwegian date": Refused(
        "GET",
        "/api/v1/analytics",
        lambda org, period: {"params": {"fields": "antall_arsverk", "period_from": "15.02.2026"}},
        "period_from må vere ein dato skriven ÅÅÅÅ-MM-DD, til dømes 2026-02-15",
        "period_from must be a date (YYYY-MM-DD)",
    ),
    # an id's pattern in words, not the regex «^[a-z][a-z0-9]*…$»; English keeps it (a legacy contract)
    "an id not of its pattern": Refused(
        "GET",
        "/api/v1/aggregated-report-data",
        lambda org, period: {"params": {"organization_id": org, "form_id": "Barnevern årsrapport"}},
        "form_id må vere små bokstavar (a–z) og siffer, byrje med ein bokstav og ha høgst éin bindestrek eller understrek"
        " mellom to teikn, til dømes barnevern-arsrapport",
        "form_id must match pattern '^[a-z][a-z0-9]*([-_][a-z0-9]+)*$'",
    ),
    "an analytics selection naming nothing": Refused(
        "GET",
        "/api/v1/analytics",
        lambda org, period: {"params": {"periods": period}},
        "oppgje felt (fields) eller seksjonar (sections)",
        None,
    ),
}


@pytest.mark.parametrize("case", list(REFUSED_BY_REST))
async def test_a_bad_rest_request_is_refused_in_nynorsk_when_asked(app, client, tokens, case):
    """More of the refusals from across the service, each the same shape: a file the import cannot
    read, a date the API does not read, an id not of its pattern, an analytics selection naming
    nothing. The status is what it was; without Accept-Language, English as before."""
    method, path, request, nynorsk, english = REFUSED_BY_REST[case]
    scope = await make_scope(fields=[FieldSpec("antall_arsverk", None, False, "decimal", label="Antall årsverk")])
    own = tokens.headers(scope.org.id)
    asked = await client.request(method, path, **request(scope.org.id, scope.period.id), headers={**own, **NN})
    assert asked.status_code == 422 and error_of(asked)["message"] == nynorsk, asked.text
    if english is not None:
        plain = await client.request(method, path, **request(scope.org.id, scope.period.id), headers=own)
        said = error_of(plain)["message"]
        assert said.startswith(english) if english.endswith(", ") else said == english, plain.text


@pytest.mark.parametrize(
    ("language", "basis", "score", "said"),
    [
        (
            Language.NN,
            "history",
            1000.0,
            "Verdien for talet på årsverk (120,5) er uvanleg høg samanlikna med dei tidlegare periodane til"
            " organisasjonen (median 31,5, robust z-verdi over 1000)",
        ),
        (
            Language.NB,
            "peers",
            -4.25,
            "Verdien for gruppetiltak (120,5) er uvanlig lav sammenlignet med organisasjoner av samme type",
        ),
        (
            Language.EN,
            "history",
            -1000.0,
            "The value for staff (120.5) is unusually low compared with the organisation's earlier periods"
            " (median 31.5, robust z-score below -1000)",
        ),
    ],
)
def test_an_outlier_is_said_of_the_value_whatever_the_labels_gender(language, basis, score, said):
    """ "Talet på årsverk er uvanleg høg" (neuter: høgt) and "Antall gruppetiltak er uvanlig høy"
    made the adjective agree with the label; "Verdien for … er uvanleg høg" agrees whatever the
    label. The value is said, and a z capped at 1000 reads "over 1000", not "1000,0"."""
    from bufdir_reporting.resolvers.snapshots import outliers
    from bufdir_reporting.resolvers.snapshots.validation import _outlier

    label = {Language.NN: "Talet på årsverk", Language.NB: "Gruppetiltak", Language.EN: "Staff"}[language]
    judgement = outliers.Judgement(outliers.Basis(basis), Decimal("31.5"), score, Decimal(89))
    assert _outlier("k", label, Decimal("120.5000"), judgement, language, scored=True).message == said


def test_a_status_or_period_type_inside_a_sentence_reads_in_the_readers_words():
    """ "importen imp-… er done" and "perioden rp-2025-q1 er av typen quarter": codes inside
    Norwegian sentences (outside review). English keeps the code, as the API always said it."""
    from bufdir_reporting.language import say
    from bufdir_reporting.models import ImportStatus, PeriodType, SnapshotStatus

    done = {"import_id": "imp-1", "status": ImportStatus.DONE}
    assert say("imports.uploads.import_checked_import_every", Language.NN, **done).startswith("importen imp-1 er ferdig; berre")
    assert say("imports.uploads.import_checked_import_every", Language.EN, **done).startswith("import imp-1 is done; only")
    asked = {"id": "f", "name": "F", "period_type": PeriodType.YEAR, "id2": "rp-2025-q1", "type": PeriodType.QUARTER}
    assert say("structure.forms.form_asked_periods_period", Language.NN, **asked) == (
        "skjemaet f (F) gjeld periodar av typen år; perioden rp-2025-q1 er av typen kvartal"
    )
    assert say("structure.forms.form_asked_periods_period", Language.NB, **asked).endswith("er av typen kvartal")
    assert say("structure.forms.form_asked_periods_period", Language.EN, **asked).endswith("period rp-2025-q1 is a quarter")
    failed = say("reporting.records.snapshot_reported", Language.NB, status=SnapshotStatus.FAILED)
    assert failed == "en aggregering med status feilet kan ikke rapporteres"


def test_every_columns_norwegian_name_is_one_the_import_takes():
    from bufdir_reporting.importing.columns import COLUMNS, column_for

    assert {column.name: column_for(column.norwegian) for column in COLUMNS} == {column.name: column.name for column in COLUMNS}


def test_the_id_patterns_said_in_words_are_the_ones_requests_meet():
    from bufdir_reporting.resolvers.structure.inputs import FIELD_KEY, SECTION_ID
    from bufdir_reporting.wording import PATTERNS_IN_WORDS

    assert set(PATTERNS_IN_WORDS) == {SECTION_ID.pattern, FIELD_KEY.pattern}


@pytest.mark.parametrize("report_format", ["xlsx", "pdf"])
async def test_a_report_file_says_its_own_language_whatever_the_request_asked(
    app, settings, client, tokens, report_format, request
):
    """An English PDF downloaded under nn answered ``Content-Language: nn``: a file's language is
    its own (what it states inside), not the request's."""
    if report_format == "pdf":
        request.getfixturevalue("pdf_rendering")
    scope, snapshot = await _snapshot(app, settings)
    own = tokens.headers(scope.org.id)
    body = {"snapshot_id": snapshot.id, "format": report_format, "report_type": "arsrapport"}
    made = await client.post("/api/v1/report-documents", json=body, headers={**own, "Accept-Language": "en"})
    assert made.status_code in (200, 201), made.text
    download = await client.get(made.json()["download_url"], headers={**own, **NN})
    assert download.status_code == 200
    assert download.headers["Content-Language"] == "en"
    listed = await client.get("/api/v1/report-records", params={"org_id": scope.org.id}, headers={**own, **NN})
    assert listed.headers["Content-Language"] == "nn", "a response in the request's language still says it"


def test_nynorsk_says_submitted_as_sendt_inn():
    """Nynorsk said "send inn" (the imperative) where "submitted" was meant: the CSV export's
    status, the PDF's history event, the front page's "vart send inn" (outsider). A state reads
    "sendt inn" as in Bokmål; "send …" stays where it asks the reader to send something."""
    import re

    from bufdir_reporting.resolvers.reporting.texts import NN

    said = [texts[Language.NN] for texts in MESSAGES.values()] + list(NN.values())
    as_a_state = re.compile(r"(?i)\bsend inn\b|\b(er|vart|blir) send\b")
    assert [text for text in said if as_a_state.search(text)] == []
    assert MESSAGES["word.CellStatus.submitted"][Language.NN] == "sendt inn"
    assert NN["event.submitted"] == "Sendt inn" and NN["status.copy"].startswith("Versjon {version} vart sendt inn")
