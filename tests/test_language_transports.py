"""What the transports themselves say in the reader's language (#32): the Content-Language of
an answer that mixes languages, GraphQL's own refusals (parse, validation, limits) and REST's
404/405 bodies; the legacy contracts answer as before when no language is asked."""

from __future__ import annotations

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
        ({"Accept-Language": "en"}, "Not Found", "Method Not Allowed"),
        (NN, "Her finst ingenting: sjekk adressa", "Denne metoden blir ikkje teken imot på denne adressa"),
        ({"Accept-Language": "nb"}, "Her finnes ingenting: sjekk adressen", "Denne metoden tas ikke imot på denne adressen"),
    ):
        missing = await client.get("/api/v1/no-such-thing", headers=headers)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
        assert missing.json()["error"]["message"].startswith(not_found), headers
        refused = await client.delete("/api/v1/translations/untranslated", headers=headers)
        assert refused.status_code == 405 and refused.headers["Allow"] == "GET"
        assert refused.json()["error"]["message"].startswith(not_allowed), headers
