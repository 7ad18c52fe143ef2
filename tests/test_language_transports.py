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
