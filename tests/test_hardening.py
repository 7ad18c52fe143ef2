"""GraphQL limits, masked errors and HTTP guards."""

from __future__ import annotations

from contextlib import AsyncExitStack

import httpx
import pytest

from .conftest import error_codes, error_of
from .live import started_app


async def test_a_too_deep_query_is_refused(graphql, tokens):
    nested = "organizationId"
    for _ in range(14):
        nested = f"parent {{ {nested} }}"
    result = await graphql(f'{{ organization(id: "org-1042") {{ {nested} }} }}', headers=tokens.admin())
    assert error_codes(result) == ["BAD_USER_INPUT"] and "depth" in result["errors"][0]["message"]


async def test_an_alias_flood_is_refused(graphql):
    query = "{ " + " ".join(f'p{i}: period(id: "2024") {{ name }}' for i in range(40)) + " }"
    result = await graphql(query)
    assert error_codes(result) == ["BAD_USER_INPUT"]


async def test_a_huge_document_is_refused(graphql):
    query = "{ periods { totalCount " + " ".join("totalCount" for _ in range(4000)) + " } }"
    assert error_codes(await graphql(query)) == ["BAD_USER_INPUT"]


async def test_an_expensive_query_is_refused_with_its_cost(graphql, tokens):
    query = """
    { organizations(first: 100) { edges { node {
        snapshots(first: 100) { edges { node { reportRecords { reportId organization { snapshots(first: 100) { totalCount } } } } } }
    } } } }
    """
    result = await graphql(query, headers=tokens.admin())
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["cost"] > result["errors"][0]["extensions"]["max_cost"]
    cheap = await graphql("{ organizations(first: 5) { totalCount } }", headers=tokens.admin())
    assert "errors" not in cheap


async def test_unexpected_errors_are_masked(graphql, monkeypatch):
    async def broken(*_, **__):
        raise RuntimeError('relation "period" does not exist: SELECT * FROM period WHERE secret')

    monkeypatch.setattr("bufdir_reporting.resolvers.periods.get_or_raise", broken)
    result = await graphql('{ period(id: "2024") { name } }')
    assert error_codes(result) == ["INTERNAL"]
    assert result["errors"][0]["message"] == "Unexpected error."
    assert "SELECT" not in str(result)


async def test_a_fault_before_execution_is_masked_and_logged_too(graphql, monkeypatch, caplog):
    """An exception in a hook before execution (the limits' measure, validation) went out as it
    was, its text without code or request id, and was logged nowhere: Strawberry hands such an
    error on without the extensions that mask execution's (1e400 as a page size answered
    "cannot convert float infinity to integer")."""

    def broken(*_, **__):
        raise RuntimeError('relation "period" does not exist: SELECT * FROM period WHERE secret')

    monkeypatch.setattr("bufdir_reporting.schema.limits.within_limits.refusal", broken)
    result = await graphql('{ period(id: "2024") { name } }')
    assert error_codes(result) == ["INTERNAL"] and result["errors"][0]["extensions"]["request_id"]
    assert result["errors"][0]["message"] == "Unexpected error."
    assert "SELECT" not in str(result)
    assert any("SELECT" in str(record.exc_info) for record in caplog.records if record.levelname == "ERROR")


@pytest.fixture
async def guarded(settings):
    """An app with changed settings (one per test: one Tortoise app per process at a time)."""
    async with AsyncExitStack() as stack:

        async def make(**overrides):
            app = await stack.enter_async_context(started_app(settings.model_copy(update=overrides)))
            return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")

        yield make


async def test_introspection_and_graphiql_can_be_switched_off(guarded):
    http = await guarded(graphql_introspection=False, graphiql=False)
    result = (await http.post("/graphql", json={"query": "{ __schema { types { name } } }"})).json()
    assert "data" not in result and result["errors"]
    assert (await http.get("/graphql", headers={"Accept": "text/html"})).status_code != 200 or "graphiql" not in (
        await http.get("/graphql", headers={"Accept": "text/html"})
    ).text.lower()


async def test_an_oversized_body_is_413_json(guarded):
    http = await guarded(max_body_bytes=4096)
    declared = await http.post(
        "/api/v1/report-sections", content=b"{" + b" " * 10_000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"

    async def chunks():
        for _ in range(10):
            yield b" " * 1000

    streamed = await http.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413


async def test_errors_answered_by_the_middlewares_carry_the_request_id(guarded):
    """The 413 and the rewritten plain-text errors are built before any route runs; the id a
    client quotes to support must be in them as in every other error body."""
    http = await guarded(max_body_bytes=4096)
    too_large = await http.post("/api/v1/report-sections", content=b" " * 5000, headers={"Content-Type": "application/json"})
    plain = await http.post("/graphql", content=b"{not json", headers={"Content-Type": "application/json"})
    for response in (too_large, plain):
        assert response.headers["content-type"].startswith("application/json"), response.text
        error = error_of(response)
        assert error["request_id"] == response.headers["x-request-id"] != "-", (response.status_code, error)


async def test_security_headers_and_cors(guarded):
    http = await guarded(cors_origins=["https://app.example.no"])
    response = await http.get("/api/v1/report-sections")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert "script-src 'self'" in page.headers["content-security-policy"] and page.headers["x-frame-options"] == "DENY"
    preflight = await http.options(
        "/graphql", headers={"Origin": "https://app.example.no", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.no"
    assert preflight.headers["access-control-allow-credentials"] == "true"


async def test_a_cors_wildcard_never_allows_credentials(guarded):
    wildcard = await guarded(cors_origins=["*"])
    open_preflight = await wildcard.options(
        "/graphql", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-credentials" not in open_preflight.headers


async def test_unknown_paths_and_methods_answer_the_json_error_shape(client):
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    wrong = await client.patch("/api/v1/report-sections/barn-under-omsorg")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


async def test_an_unexpected_rest_error_is_a_masked_500_in_the_json_shape(app, monkeypatch):
    async def broken(*_, **__):
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr("bufdir_reporting.resolvers.structure.sections.list_", broken)
    # Starlette re-raises after answering, for the server's log; the client only sees the 500
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/api/v1/report-sections")
    assert response.status_code == 500
    error = response.json()["error"]
    assert (error["code"], error["message"], error["details"]) == ("INTERNAL", "Unexpected error.", {})
    assert error["request_id"] == response.headers["x-request-id"]
    assert "SELECT" not in response.text


async def test_an_over_long_id_is_bad_input_not_a_crash(client, graphql, tokens):
    response = await client.get(f"/api/v1/report-sections/{'x' * 300}")
    assert response.status_code == 422 and response.json()["error"]["code"] == "BAD_USER_INPUT"
    result = await graphql("query ($id: ID!) { period(id: $id) { name } }", {"id": "y" * 300})
    assert error_codes(result) == ["BAD_USER_INPUT"]


async def test_cached_validation_still_applies_each_apps_own_limits(settings):
    """Parsed and validated documents are cached (bench S7), keyed by the limits in force: a
    query accepted under a generous depth limit is still refused where the limit is lower."""
    from bufdir_reporting.resolvers.base.context import Context
    from bufdir_reporting.schema import schema
    from bufdir_reporting.schema.context import GraphQLContext

    query = '{ organization(id: "org-1042") { parent { parent { parent { parent { organizationId } } } } } }'
    generous = GraphQLContext.wrap(Context(settings=settings.model_copy(update={"graphql_max_depth": 12})))
    strict = GraphQLContext.wrap(Context(settings=settings.model_copy(update={"graphql_max_depth": 4})))
    for _ in range(2):
        accepted = await schema.execute(query, context_value=generous)  # anonymous: refused later, by the resolver
        assert [e.extensions["code"] for e in accepted.errors or []] == ["UNAUTHENTICATED"]
        refused = await schema.execute(query, context_value=strict)
        assert refused.errors and "depth" in refused.errors[0].message
