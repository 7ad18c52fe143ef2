"""What an English and Nynorsk reader found still in library English or wrong on the served
demo (#32): a report's language in the graph and its file's name, paging and id refusals,
an unnamed operation's limit, an imported file's date example and form, REST's 404/405 in
English asked for."""

from __future__ import annotations

import base64
import csv
import io

from bufdir_reporting.resolvers import snapshots

from .conftest import error_of
from .factories import context_for, counted, make_scope
from .importing.test_import_api import HEADER

NN = {"Accept-Language": "nn"}
NB = {"Accept-Language": "nb"}
EN = {"Accept-Language": "en"}
GENERATE = "mutation ($s: ID!, $l: Language) { generateReport(snapshotId: $s, language: $l) { reportId language downloadUrl } }"


async def test_a_report_record_says_its_language_and_downloads_under_a_name_in_it(app, settings, client, graphql, tokens):
    """generateReport(language: EN) { language } was "Cannot query field 'language'", and the
    English file downloaded as bufdir-rapport_…."""
    scope = await make_scope(fields=[counted("antall_saker")])
    ctx = context_for(settings, app, scope.org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    own = tokens.headers(scope.org.id)
    for language, stem in (("EN", "bufdir-report_"), ("NN", "bufdir-rapport_"), ("NB", "bufdir-rapport_")):
        result = await graphql(GENERATE, {"s": snapshot.id, "l": language}, own)
        assert "errors" not in result, result
        record = result["data"]["generateReport"]
        assert record["language"] == language
        download = await client.get(record["downloadUrl"], headers=own)
        assert download.status_code == 200
        assert f"{stem}{scope.org.id}_{scope.period.id}_{record['reportId']}.xlsx" in download.headers["content-disposition"]
        read = await graphql("query ($id: ID!) { node(id: $id) { ... on ReportRecord { language } } }", {"id": _id(record)}, own)
        assert read["data"]["node"]["language"] == language


def _id(record: dict) -> str:
    return base64.b64encode(f"ReportRecord:{record['reportId']}".encode()).decode()


async def test_paging_and_id_refusals_read_in_the_language_asked(app, client, tokens):
    """first: -1 and ids this API never gave out were Strawberry's English under nn; a GlobalID
    of an unknown type read "Cannot resolve. GlobalID requires a GraphQL type, received `foo`."
    in English too."""
    cases = [
        (
            "{ periods(first: -1) { totalCount } }",
            "first must be a whole number that is not negative (0 or more)",
            "first må vere eit heiltal som ikkje er negativt (0 eller meir)",
            "first må være et heltall som ikke er negativt (0 eller mer)",
        ),
        (
            "{ periods(first: 101) { totalCount } }",
            "first cannot be larger than",
            "first kan ikkje vere større enn",
            "first kan ikke være større enn",
        ),
        (
            '{ node(id: "snap-01m92sv0f6071k6q112wd7szmd") { id } }',
            "'snap-01m92sv0f6071k6q112wd7szmd' is not an id this API gave out",
            "«snap-01m92sv0f6071k6q112wd7szmd» er ikkje ein id dette API-et har gjeve ut",
            "«snap-01m92sv0f6071k6q112wd7szmd» er ikke en id dette API-et har gitt ut",
        ),
        (
            '{ node(id: "Zm9vOmJhcg==") { id } }',
            "'Zm9vOmJhcg==' is not an id this API gave out",
            "«Zm9vOmJhcg==» er ikkje ein id dette API-et har gjeve ut",
            "«Zm9vOmJhcg==» er ikke en id dette API-et har gitt ut",
        ),
    ]
    for document, english, nynorsk, bokmal in cases:
        said = {}
        for name, headers in (("plain", {}), ("en", EN), ("nn", NN), ("nb", NB)):
            answer = await client.post("/graphql", json={"query": document}, headers={**headers, **tokens.admin()})
            said[name] = answer.json()["errors"][0]
        assert said["plain"]["message"].startswith(english), said["plain"]
        assert said["en"]["message"].startswith(english), said["en"]
        assert said["nn"]["message"].startswith(nynorsk), said["nn"]
        assert said["nb"]["message"].startswith(bokmal), said["nb"]
        codes = {name: {k: v for k, v in error["extensions"].items() if k != "request_id"} for name, error in said.items()}
        assert codes["plain"]["code"] == "BAD_USER_INPUT" and len({repr(c) for c in codes.values()}) == 1, codes


async def test_an_unnamed_operations_limit_says_it_has_no_name(app, client):
    """The depth limit read "the operation 'anonymous' has a depth of 15 fields" for an
    operation without a name; a named one is still named."""
    deep = "sections { edges { node { " + "fields { section { " * 6 + "id" + " } }" * 6 + " } } }"
    for document, english, nynorsk, bokmal in (
        (
            "{ " + deep + " }",
            "the operation has a depth of 15 fields; the limit is 12",
            "operasjonen utan namn har ei djupn på 15",
            "operasjonen uten navn har en dybde på 15",
        ),
        (
            "query anonymous { " + deep + " }",
            "the operation 'anonymous' has a depth of 15 fields; the limit is 12",
            "operasjonen «anonymous» har ei djupn på 15",
            "operasjonen «anonymous» har en dybde på 15",
        ),
    ):
        for headers, expected in (({}, english), (EN, english), (NN, nynorsk), (NB, bokmal)):
            error = (await client.post("/graphql", json={"query": document}, headers=headers)).json()["errors"][0]
            assert error["message"].startswith(expected), error


def _csv(*rows: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([HEADER, *rows])
    return out.getvalue().encode("utf-8")


async def test_an_imported_files_date_example_and_form_read_as_the_file_and_reader_write_them(app, client, tokens):
    """English gave the API's ISO example for a file's date (the importer reads 31.12.2024 10:00),
    and the upload's form read "CSV, UTF-8, ';'-separated" under nn."""
    scope = await make_scope(fields=[counted("antall_saker")])
    org = scope.org.id
    row = [org, "fagsystem-famweb", "x-1", "group_activity", "ungdom", "completed", "Tromsø", "32.13.2026", "1,5"]
    file = ("aktiviteter.csv", _csv(row), "text/csv")
    said = {}
    for name, headers in (("plain", {}), ("en", EN), ("nn", NN), ("nb", NB)):
        answer = await client.post("/api/v1/activities/import", files={"file": file}, headers={**tokens.headers(org), **headers})
        said[name] = answer.json()
        got = await client.get(f"/api/v1/activities/import/{said[name]['import_id']}", headers={**tokens.headers(org), **headers})
        assert got.json()["form"] == said[name]["form"]
    english = "must be a date and time, e.g. 15.02.2026 10:00 (or 2026-02-15T10:00:00Z)"
    assert said["plain"]["errors"][0]["message"] == said["en"]["errors"][0]["message"] == english
    assert said["nn"]["errors"][0]["message"] == "må vere dato og klokkeslett, til dømes 15.02.2026 10:00"
    assert said["nb"]["errors"][0]["message"] == "må være dato og klokkeslett, for eksempel 15.02.2026 10:00"
    assert said["plain"]["form"] == said["en"]["form"] == "CSV, UTF-8, ';'-separated"
    assert said["nn"]["form"] == "CSV, UTF-8, skild med ';'"
    assert said["nb"]["form"] == "CSV, UTF-8, skilt med ';'"


async def test_a_path_or_method_not_served_gets_guidance_in_english_asked_for(app, client):
    """Accept-Language: en read only "Not Found" / "Method Not Allowed" where nn/nb had
    guidance; without a language the legacy contract's phrases stay."""
    for headers, not_found, not_allowed in (
        ({}, "Not Found", "Method Not Allowed"),
        (EN, "Nothing here: check the address (see /docs", "This method is not taken at this address: the Allow header"),
    ):
        missing = await client.get("/api/v1/nope", headers=headers)
        assert missing.status_code == 404 and error_of(missing)["message"].startswith(not_found)
        refused = await client.delete("/api/v1/translations/untranslated", headers=headers)
        assert refused.status_code == 405 and error_of(refused)["message"].startswith(not_allowed)
    assert error_of(await client.get("/api/v1/nope"))["message"] == "Not Found"
