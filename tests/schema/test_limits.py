"""No GraphQL document makes the server work more than its size (issue #29): every check before
execution is linear in the document, and what a limit refuses is refused before validation.

The work of a request is counted in Python calls (``counted_calls``): a walker that follows every
fragment spread anew runs out of its allowance at once instead of holding the test for minutes.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets
from graphql import get_introspection_query

from ..hostile_documents import SHAPES, counted_calls, doubling, near_limit, nested, tokens
from ..live import GRAPHQL_TRANSPORT_WS, live_server, started_app

pytestmark = pytest.mark.one_database  # the document is refused or answered before any statement

WORK_PER_TOKEN = 300
"""Python calls a request may make per token of its document. The most any shape needs is about
150 (3,000 ``__typename``, refused by the field-merge budget); a walker following every spread
of 40 doubling fragments anew makes 2^39 steps."""
BASE_WORK = 50_000
"""Calls of a request of a few tokens: middlewares, routing, the answer."""


def allowance(document: str) -> int:
    return WORK_PER_TOKEN * tokens(document) + BASE_WORK


def refusal(response: httpx.Response) -> dict:
    body = response.json()
    assert response.status_code == 200 and "data" not in body, body
    [error] = body["errors"]
    return {"message": error["message"], **error["extensions"]}


@pytest.fixture
async def small_documents(settings):
    """An app taking documents of at most 1,000 tokens: every shape near that limit costs a
    third of what it would at the default 3,000, and what grows faster than the document still
    shows."""
    async with started_app(settings.model_copy(update={"graphql_max_tokens": 1000})) as app:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield http


async def test_no_document_under_the_token_limit_makes_the_server_work_more_than_its_size(small_documents):
    overworked, uncoded = {}, {}
    for name, shape in SHAPES.items():
        document = near_limit(shape, 1000)
        with counted_calls(allowance(document)) as calls:
            response = await small_documents.post("/graphql", json={"query": document})
        if calls.exceeded:
            overworked[name] = calls.limit
            continue
        codes = {error.get("extensions", {}).get("code") for error in response.json().get("errors", [])}
        if not codes <= {"BAD_USER_INPUT", "BAD_REQUEST", "UNAUTHENTICATED"}:  # BAD_REQUEST: no operation to run
            uncoded[name] = response.json()
    assert overworked == {}, f"more calls than allowed: {overworked}"
    assert uncoded == {}, "a hostile document is answered, or refused as a client's mistake"


async def test_forty_fragments_each_spreading_the_last_twice_are_refused_by_their_cost(client):
    document = doubling(40) + " { ...F39 }"
    with counted_calls(allowance(document)) as calls:
        response = await client.post("/graphql", json={"query": document})
    assert not calls.exceeded
    refused = refusal(response)
    assert refused["code"] == "BAD_USER_INPUT"
    assert refused["cost"] == 2**39 and refused["max_cost"] == 50_000, refused


async def test_plain_lists_nested_in_each_other_are_refused_by_their_cost(client):
    """#31 review, finding 2: each plain list counted one item, and this document (anonymous)
    returned 91,507 objects in 48 s over 300 organisations and stalled other queries 34 s."""
    document = (
        '{ reportForm(id: "frivillighet-kvartalsrapport") { expectedOrganizations(periodId: "rp-2025-q3") { name '
        'reportForms(periodId: "rp-2025-q3") { expectedOrganizations(periodId: "rp-2025-q3") { name orgNumber kind } } } } }'
    )
    with counted_calls(allowance(document)) as calls:
        response = await client.post("/graphql", json={"query": document})
    assert not calls.exceeded
    refused = refusal(response)
    assert refused["code"] == "BAD_USER_INPUT" and refused["cost"] > refused["max_cost"] == 50_000, refused


async def test_aliases_and_depth_count_through_fragments(client):
    aliases = doubling(30, "a: __typename") + " { ...F29 }"
    chain = " ".join(f"fragment C{i} on Organization {{ parent {{ ...C{i + 1} }} }}" for i in range(20))
    deep = chain + ' fragment C20 on Organization { name } { organization(id: "org-1") { ...C0 } }'
    for document, measure, value in ((aliases, "aliases", 2**29), (deep, "depth", 21)):
        with counted_calls(allowance(document)) as calls:
            response = await client.post("/graphql", json={"query": document})
        assert not calls.exceeded
        refused = refusal(response)
        assert refused["code"] == "BAD_USER_INPUT" and refused[measure] == value and measure in refused["message"], refused


async def test_an_unknown_fragment_or_a_cycle_of_fragments_is_a_validation_error_not_a_crash(client):
    """Strawberry's depth limiter raised KeyError for the first and RecursionError for the second,
    answered without a code ("'Nope'", "maximum recursion depth exceeded")."""
    cycles = near_limit(SHAPES["fragments in cycles"], 3000)
    for document in ("{ ...Nope }", cycles):
        response = await client.post("/graphql", json={"query": document})
        errors = response.json()["errors"]
        assert {error["extensions"]["code"] for error in errors} == {"BAD_USER_INPUT"}, errors
    assert response.json()["errors"][0]["message"] != "maximum recursion depth exceeded"


async def test_many_fields_of_one_response_name_are_refused_within_a_small_budget(client):
    """graphql-core compares every pair of fields sharing a response name, up to a budget of
    its own that took over a second here; ours is a fiftieth of it."""
    document = "{ " + " ".join(f'organization(id: "x") {{ {nested(10)} }}' for _ in range(70)) + " }"
    with counted_calls(allowance(document)) as calls:
        response = await client.post("/graphql", json={"query": document})
    assert not calls.exceeded
    refused = refusal(response)
    assert refused["code"] == "BAD_USER_INPUT" and "share a response name" in refused["message"]


async def test_introspection_is_costed_like_any_field(client):
    """An introspection list counts as many items as it holds on average in the schema: GraphiQL's
    query is answered (it costs under half the limit, test_shape), and types' fields' types'
    fields asked twice are refused (they counted 2, and 20 times over took 8 s to answer)."""
    standard = get_introspection_query(descriptions=True, specified_by_url=True, directive_is_repeatable=True)
    answered = (await client.post("/graphql", json={"query": standard})).json()
    assert "errors" not in answered and answered["data"]["__schema"]["types"]
    inner = "name kind description enumValues { name description }"
    types = (
        f"types {{ name fields {{ name args {{ name type {{ name kind ofType {{ name kind ofType {{ name {inner} }} }} }} }} "
        f"type {{ name kind ofType {{ name kind fields {{ name args {{ name }} type {{ name kind ofType {{ name {inner} }} }} }} }} }} }} }}"
    )
    twice = f"{{ one: __schema {{ {types} }} two: __schema {{ {types} }} }}"
    with counted_calls(allowance(twice)) as calls:
        response = await client.post("/graphql", json={"query": twice})
    assert not calls.exceeded
    refused = refusal(response)
    assert refused["code"] == "BAD_USER_INPUT" and refused["cost"] > refused["max_cost"]


async def test_a_document_past_the_token_limit_is_given_up_at_the_limit(client):
    """The response cache parsed a document up to 20,000 tokens to learn whether it was a query,
    before the router gave it up at 3,000."""
    document = "{ " + " ".join("__typename" for _ in range(30_000)) + " }"
    with counted_calls(WORK_PER_TOKEN * 3000) as calls:
        response = await client.post("/graphql", json={"query": document})
    assert not calls.exceeded
    assert "3000 tokens" in refusal(response)["message"]


async def test_a_subscription_over_a_websocket_is_measured_like_a_query(settings):
    document = doubling(40, "__typename", "Subscription") + " subscription { ...F39 }"
    async with live_server(settings) as (address, _):
        async with websockets.connect(f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            async with asyncio.timeout(10):
                assert json.loads(await socket.recv())["type"] == "connection_ack"
            with counted_calls(allowance(document)) as calls:
                await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
                async with asyncio.timeout(10):
                    answer = json.loads(await socket.recv())
    assert not calls.exceeded
    assert answer["type"] == "error", answer
    [error] = answer["payload"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["cost"] == 2**39


async def test_a_document_within_the_limits_is_measured_once_for_the_page_sizes_it_asks(client, monkeypatch):
    """The measures are kept for the document's text and the values of the variables they read
    (a dashboard was measured afresh on every request, bench S11); a page size that takes the
    same document past the cost limit is measured, and refused."""
    from bufdir_reporting.schema import limits, shape

    measured: list[object] = []
    real = shape.DocumentShape

    def counting(*args, **kwargs):
        measured.append(kwargs["variables"])
        return real(*args, **kwargs)

    monkeypatch.setattr(limits, "DocumentShape", counting)
    document = "query Page($n: Int, $s: PeriodType) { periods(first: $n, type: $s) { edges { node { name } } } }"
    for n, s in ((3, "YEAR"), (3, "HALF"), (3, "YEAR"), (4, "YEAR"), (3, None)):
        response = await client.post("/graphql", json={"query": document, "variables": {"n": n, "s": s}})
        assert "errors" not in response.json(), response.json()
    assert [variables["n"] for variables in measured] == [3, 4], "a variable the measures do not read is no reason to measure"
    over = await client.post("/graphql", json={"query": document, "variables": {"n": 10**9}})
    assert refusal(over)["cost"] > refusal(over)["max_cost"]
    again = await client.post("/graphql", json={"query": document, "variables": {"n": 3}})
    assert "errors" not in again.json() and len(measured) == 3


@pytest.mark.parametrize("size", ["1e400", "-1e400", "NaN"])
async def test_a_page_size_beyond_any_integer_is_refused_by_validation_not_a_bare_error(client, size):
    """JSON reads 1e400 as float infinity: measuring the page it asks raised OverflowError, which
    went out as a bare error without code or request id ("cannot convert float infinity to integer")."""
    document = "query Page($n: Int) { periods(first: $n) { edges { node { name } } } }"
    body = f'{{"query": {json.dumps(document)}, "variables": {{"n": {size}}}}}'
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["request_id"], error
    assert "$n" in error["message"], error


async def test_a_repeated_document_is_validated_once_without_hashing_its_tree(client, monkeypatch):
    """Validation's errors are kept by the parsed document's identity (the parse cache hands
    the same one for the same text): Strawberry's cache, keyed by the document, hashed its whole
    tree on every request (bench S7)."""
    from graphql.language import ast
    from strawberry.schema.schema import validate_document

    from bufdir_reporting.schema import limits

    validated: list[object] = []

    def validating(*args: Any) -> Any:
        validated.append(args[1])
        return validate_document(*args)

    monkeypatch.setattr(limits, "validate_document", validating)
    document = "query Hashed($n: Int) { periods(first: $n) { edges { node { name } } } }"
    for n in (2, 3):  # other variables each time: never the response cache's answer
        assert "errors" not in (await client.post("/graphql", json={"query": document, "variables": {"n": n}})).json()
    hashed: list[object] = []
    real_hash = ast.DocumentNode.__hash__  # a dataclass's: hashing it hashes every node below

    def hashing(self: ast.DocumentNode) -> int:
        hashed.append(type(self))
        return real_hash(self)

    monkeypatch.setattr(ast.DocumentNode, "__hash__", hashing)
    assert "errors" not in (await client.post("/graphql", json={"query": document, "variables": {"n": 4}})).json()
    assert len(validated) == 1 and hashed == []
    invalid = await client.post("/graphql", json={"query": "query Hashed { periods { nothing } }"})
    assert invalid.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
