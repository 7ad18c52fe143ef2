"""What the transports themselves say in the reader's language (#32): the Content-Language of
an answer that mixes languages, GraphQL's own refusals (parse, validation, limits) and REST's
404/405 bodies; the legacy contracts answer as before when no language is asked."""

from __future__ import annotations

import json

from .conftest import error_of
from .factories import make_section, manual

NN = {"Accept-Language": "nn"}
TITLES = "{ sections { edges { node { sectionId title english: title(language: EN) } } } }"


async def test_content_language_names_every_language_the_answer_is_in(app, client, tokens):
    """title(language: EN) under Accept-Language: nn answered Content-Language: nn; a cached
    answer (the second request) says the same."""
    await make_section(fields=[manual("antall_arsverk")])
    for _ in range(2):
        mixed = await client.post("/graphql", json={"query": TITLES}, headers={**NN, **tokens.admin()})
        assert mixed.status_code == 200 and mixed.headers["Content-Language"] == "nn, en"
    same = await client.post("/graphql", json={"query": "{ sections { edges { node { title(language: NN) } } } }"}, headers=NN)
    assert same.headers["Content-Language"] == "nn"
    plain = await client.post("/graphql", json={"query": "{ sections { totalCount } }"}, headers=NN)
    assert plain.headers["Content-Language"] == "nn"
    unasked = await client.post("/graphql", json={"query": TITLES})
    assert "Content-Language" not in unasked.headers, "no language asked: the texts are as before, no one language"


async def test_a_path_or_method_the_api_does_not_serve_is_refused_in_the_language_asked(app, client):
    for headers, not_found, not_allowed in (
        ({}, "Not Found", "Method Not Allowed"),  # as every client read them before languages existed
        ({"Accept-Language": "en"}, "Nothing here: check the address", "This method is not taken at this address"),
        (NN, "Her finst ingenting: sjekk adressa", "Denne metoden blir ikkje teken imot på denne adressa"),
        ({"Accept-Language": "nb"}, "Her finnes ingenting: sjekk adressen", "Denne metoden tas ikke imot på denne adressen"),
    ):
        missing = await client.get("/api/v1/no-such-thing", headers=headers)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
        assert missing.json()["error"]["message"].startswith(not_found), headers
        refused = await client.delete("/api/v1/translations/untranslated", headers=headers)
        assert refused.status_code == 405 and refused.headers["Allow"] == "GET"
        assert refused.json()["error"]["message"].startswith(not_allowed), headers


BAD_DOCUMENTS = [
    "{ periods { edges { node { nam } } } }",
    '{ periods(first: "x") { totalCount } }',
    "{ periods { ",
    "{ periods } }",
    "{ period { name } }",
    "{ periods(type: WEEK) { totalCount } }",
    "{ periods(typ: YEAR) { totalCount } }",
    '{ organization(id: "x") }',
    "{ periods { totalCount { x } } }",
    "query A { periods { totalCount } } query A { periods { totalCount } }",
    "{ __typename } { __typename }",
    "fragment F on Period { name } { __typename }",
    "{ periods { edges { node { ...F } } } } fragment F on Nope { name }",
    "{ periods { edges { node { ...G } } } }",
    "{ periods { totalCount @nope } }",
    "{ periods { totalCount totalCount: edges { cursor } } }",
    "query ($a: Int) { __typename }",
    "{ periods(first: $b) { totalCount } }",
    "{ periods(first: 1, first: 2) { totalCount } }",
    "{ periods { edges { node { ... on Snapshot { snapshotId } } } } }",
    '{ periods { edges { node { name(language: "NN") } } } }',
    "query ($x: String) { node(id: $x) { id } }",
]


def test_every_message_graphql_core_gives_for_a_bad_document_has_its_words():
    """The patterns are graphql-core's wording: one it changes would fall back to English unseen."""
    import string

    from graphql import GraphQLError, parse, validate

    from bufdir_reporting.language import MESSAGES, Language
    from bufdir_reporting.schema import schema
    from bufdir_reporting.schema.graphql_words import PATTERNS, said

    met = []
    for document in BAD_DOCUMENTS:
        try:
            met += [error.message for error in validate(schema._schema, parse(document))]
        except GraphQLError as error:
            met.append(error.message)
    assert len(met) >= len(BAD_DOCUMENTS)
    assert [message for message in met if said(message, Language.NN) == message] == []
    for pattern, message_id in PATTERNS:  # a message naming a value its pattern does not catch fails when said
        if not pattern.groupindex:
            continue  # said without values: its text is not formatted ({"query": "..."} is text)
        for language in (Language.NB, Language.NN):
            named = {name for _, name, _, _ in string.Formatter().parse(MESSAGES[message_id][language]) if name}
            assert named <= set(pattern.groupindex), (message_id, language)


async def test_graphqls_own_refusals_read_in_the_language_asked_with_their_codes(app, client):
    """Parse and validation errors and the limits' refusal were English under Accept-Language: nn."""
    deep = "{ s: sections { edges { node { " + "fields { section { " * 6 + "id" + " } }" * 6 + " } } } }"
    cases = [
        (
            "{ periods { edges { node { nam } } } }",
            "Cannot query field 'nam' on type 'Period'. Did you mean 'name'?",
            "Feltet «nam» finst ikkje på typen «Period». Meinte du «name»?",
        ),
        ("{ periods { ", "Syntax Error: Expected Name, found <EOF>.", "Syntaksfeil: venta Name, fann <EOF>."),
        (deep, "the operation has a depth of 15 fields; the limit is 12", "operasjonen utan namn har ei djupn på 15"),
    ]
    for document, english, nynorsk in cases:
        plain = (await client.post("/graphql", json={"query": document})).json()["errors"][0]
        assert plain["message"] == english and plain["extensions"]["code"] == "BAD_USER_INPUT"
        asked = (await client.post("/graphql", json={"query": document}, headers=NN)).json()["errors"][0]
        assert asked["message"].startswith(nynorsk), asked["message"]
        assert asked["extensions"] == {**plain["extensions"], "request_id": asked["extensions"]["request_id"]}
    variables = {"query": "query ($a: Int!) { periods(first: $a) { totalCount } }", "variables": {"a": "x"}}
    coerced = (await client.post("/graphql", json=variables, headers={"Accept-Language": "nb"})).json()["errors"][0]
    assert coerced["message"] == "Variabelen $a har en ugyldig verdi: Int kan ikke ha verdien 'x'"


async def test_a_request_graphql_cannot_read_is_refused_in_the_language_asked(app, client):
    """Strawberry's plain-text refusals and an unknown operation name were English under nn."""
    body = {"query": "query Q { __typename }", "operationName": "X"}
    unknown = await client.post("/graphql", json=body, headers=NN)
    assert unknown.json()["errors"][0]["message"] == "Dokumentet har ingen operasjon med namnet «X»."
    assert (await client.post("/graphql", json=body)).json()["errors"][0]["message"] == 'Unknown operation named "X".'
    empty = await client.post("/graphql", json={}, headers=NN)
    assert error_of(empty)["message"] == 'Førespurnaden har inga GraphQL-spørjing: send {"query": "..."} som JSON.'
    unsupported = await client.post("/graphql", content=b"{}", headers={**NN, "Content-Type": "text/csv"})
    assert error_of(unsupported)["message"].startswith("Send GraphQL-førespurnader som JSON")


async def test_a_mutation_over_get_and_a_batch_are_refused_in_the_language_asked(app, client):
    """ "mutations are not allowed when using GET" and "Batching is not enabled" stayed English
    under nn (outsider); without a language they read as Strawberry wrote them."""
    mutation = {"query": "mutation { __typename }"}
    over_get = await client.get("/graphql", params=mutation, headers=NN)
    assert over_get.status_code >= 400 and "endringar (mutation) kan ikkje sendast med GET" in over_get.text, over_get.text
    assert "mutations are not allowed when using GET" in (await client.get("/graphql", params=mutation)).text
    batch = [{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    batched = await client.post("/graphql", json=batch, headers=NN)
    assert batched.status_code == 400 and batched.json()["errors"][0]["message"].startswith("Fleire førespurnader i éin")
    assert "Batching is not enabled" in (await client.post("/graphql", json=batch)).text


async def test_a_graphql_answer_writes_text_beyond_ascii_as_utf8_like_rest(app, client, tokens):
    """GraphQL's HTTP answers are encoded by orjson (``graphql_http.response_json``, bench S11):
    æ, ø and å travel as UTF-8, as the REST routes write them, where Strawberry's encoder wrote
    ``\\u00f8``; the JSON read is the same (a compiled answer's: ``test_compiled_reads``' awkward
    text)."""
    section = await make_section(fields=[manual("antall_arsverk")])
    section.title = "Tromsø, Bodø og Ålesund"
    await section.save()
    callers: list[dict[str, str]] = [{}, tokens.admin()]
    for headers in callers:
        answer = await client.post("/graphql", json={"query": "{ sections { edges { node { title } } } }"}, headers=headers)
        assert answer.headers["content-type"] == "application/json; charset=utf-8"
        assert "Tromsø, Bodø og Ålesund".encode() in answer.content and b"\\u00f8" not in answer.content
        assert answer.json()["data"]["sections"]["edges"][0]["node"]["title"] == "Tromsø, Bodø og Ålesund"


async def test_a_refusal_answered_before_a_route_writes_text_beyond_ascii_as_utf8_too(app, client):
    """The refusals the middlewares answer (a content type GraphQL does not take, a REST body too
    large) wrote ``\\u00f8`` where every other answer writes ``ø`` (outsider5, asked in Nynorsk)."""
    wrong_type = await client.post("/graphql", content=b"x", headers={**NN, "content-type": "text/plain"})
    too_large = await client.post(
        "/api/v1/value-notes", content=b"x" * (2 * 1024 * 1024), headers={**NN, "content-type": "application/json"}
    )
    for refused, said in ((wrong_type, "Send GraphQL-førespurnader som JSON"), (too_large, "førespurnaden er større enn")):
        assert refused.status_code in (400, 413, 415), refused.text
        assert said.encode() in refused.content and b"\\u00" not in refused.content, refused.content


async def test_a_refusal_answered_before_a_route_is_written_as_its_endpoints_other_answers(app, client):
    """The middlewares' refusals (a body not JSON or too large, a content type GraphQL does not
    take) wrote JSON with a space after every ``:`` and ``,`` and ``application/json`` without
    GraphQL's ``charset=utf-8`` (polish5): each is written as its endpoint's other answers are."""
    graphql_answer = await client.post("/graphql", json={"query": "{ nope }"})
    rest_answer = await client.get("/api/v1/organizations/org-none")
    assert rest_answer.status_code in (401, 404), rest_answer.text
    refusals = [
        (await client.post("/graphql", content=b"x", headers={"content-type": "text/plain"}), graphql_answer),
        (await client.post("/graphql", content=b"{x", headers={"content-type": "application/json"}), graphql_answer),
        (
            await client.post("/graphql", content=b"x" * (2 * 1024 * 1024), headers={"content-type": "application/json"}),
            graphql_answer,
        ),
        (
            await client.post(
                "/api/v1/value-notes", content=b"x" * (2 * 1024 * 1024), headers={"content-type": "application/json"}
            ),
            rest_answer,
        ),
    ]
    for refused, other in refusals:
        assert refused.status_code in (400, 413, 415), refused.text
        assert refused.headers["content-type"] == other.headers["content-type"], (refused.headers, other.headers)
        assert refused.content == json.dumps(refused.json(), ensure_ascii=False, separators=(",", ":")).encode()


def test_what_orjson_refuses_is_encoded_as_strawberry_encodes_it():
    """An integer beyond 64 bits or a lone surrogate, which orjson refuses, is answered as
    Strawberry's encoder writes it rather than failing the request."""
    from strawberry.fastapi import GraphQLRouter

    from bufdir_reporting.graphql_http import response_json
    from bufdir_reporting.schema import schema

    plain = GraphQLRouter(schema)
    for refused in ({"data": {"n": 2**64}}, {"errors": [{"message": "x\ud800"}]}):
        assert response_json(refused) == str(plain.encode_json(refused)).encode()
    assert (
        response_json({"data": {"title": "Tromsø", "n": [1, 2.5, None]}})
        == '{"data":{"title":"Tromsø","n":[1,2.5,null]}}'.encode()
    )
