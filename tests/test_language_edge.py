"""Bodies refused at the HTTP edge, before any route runs (``http_guards``): not UTF-8, not JSON,
a NUL, a lone surrogate, too large. They answered in English under nn and nb (#32, the outsider);
now in the language asked, and as before without one."""

from __future__ import annotations

import pytest

from .conftest import error_of

CASES = [
    (
        "/api/v1/translations",
        b'{"text": "\xff"}',
        400,
        "a JSON body must be UTF-8 (RFC 8259)",
        "eit JSON-innhald må vere skrive i UTF-8 (RFC 8259)",
        "et JSON-innhold må være skrevet i UTF-8 (RFC 8259)",
    ),
    (
        "/api/v1/translations",
        b'{"text": "a\\u0000b"}',
        422,
        "text may not contain NUL characters",
        "ein tekst kan ikkje innehalde NUL-teikn",
        "en tekst kan ikke inneholde NUL-tegn",
    ),
    (
        "/api/v1/translations",
        b'{"text": "\\ud800"}',
        422,
        "text must be Unicode: a \\uD800-\\uDFFF escape is half of a pair",
        "teksten må vere Unicode: ein \\uD800–\\uDFFF-escape er berre halvparten av eit par",
        "teksten må være Unicode: en \\uD800–\\uDFFF-escape er bare halvparten av et par",
    ),
    (
        "/graphql",
        b'{"query": ',
        400,
        "the body is not valid JSON (line 1, column 11)",
        "innhaldet er ikkje gyldig JSON (linje 1, kolonne 11)",
        "innholdet er ikke gyldig JSON (linje 1, kolonne 11)",
    ),
    (
        "/graphql",
        b'"{ periods { totalCount } }"',
        400,
        'the body must be a JSON object: {"query": "...", "variables": {...}}',
        'innhaldet må vere eit JSON-objekt: {"query": "...", "variables": {...}}',
        'innholdet må være et JSON-objekt: {"query": "...", "variables": {...}}',
    ),
    (
        "/graphql",
        b"[" * 100_000,
        400,
        "the body nests too deeply",
        "innhaldet er nøsta for djupt",
        "innholdet er nøstet for dypt",
    ),
]


@pytest.mark.parametrize(("path", "body", "status", "english", "nynorsk", "bokmal"), CASES)
async def test_a_body_refused_before_routing_reads_in_the_language_asked(
    app, client, path, body, status, english, nynorsk, bokmal
):
    for headers, expected in (
        ({}, english),
        ({"Accept-Language": "en"}, english),
        ({"Accept-Language": "nn"}, nynorsk),
        ({"Accept-Language": "nb-NO, en;q=0.5"}, bokmal),
    ):
        refused = await client.post(path, content=body, headers={"Content-Type": "application/json", **headers})
        assert refused.status_code == status
        assert error_of(refused)["message"] == expected, headers


async def test_a_graphql_body_that_is_not_json_says_where(client):
    """It named no place (outsider): the line and column as an editor shows them, and the
    character REST's refusal of invalid JSON names (``position``, from 0)."""
    refused = await client.post(
        "/graphql", content=b'{"query": "{ periods { totalCount } }",\n  bad}', headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 400
    error = error_of(refused)
    assert error["message"] == "the body is not valid JSON (line 2, column 3)", error
    assert {name: error["details"][name] for name in ("field", "line", "column", "position")} == {
        "field": "body",
        "line": 2,
        "column": 3,
        "position": 42,
    }, error


async def test_a_nul_in_the_query_string_and_a_body_too_large_read_in_the_language_asked(app, settings, client):
    nul = await client.get("/api/v1/periods", params={"q": "a\x00"}, headers={"Accept-Language": "nn"})
    assert nul.status_code == 422
    assert error_of(nul)["message"] == "ein tekst kan ikkje innehalde NUL-teikn"
    assert error_of(nul)["details"]["field"] == "q"
    large = b'{"text": "' + b"a" * settings.max_body_bytes + b'"}'
    for language, expected in (
        ("nb", f"forespørselen er større enn {settings.max_body_bytes} byte"),
        ("en", f"the request body exceeds {settings.max_body_bytes} bytes"),
    ):
        refused = await client.post(
            "/api/v1/translations", content=large, headers={"Content-Type": "application/json", "Accept-Language": language}
        )
        assert refused.status_code == 413
        assert error_of(refused)["message"] == expected
