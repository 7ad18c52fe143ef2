"""One error language: every refusal, REST and GraphQL, says in plain words what was wrong and
what to do, with a stable code and the request id; no library wording reaches a client.
And GraphQL over HTTP with both media types (application/json for legacy clients,
application/graphql-response+json with 4xx when a request never executes)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from bufdir_reporting.auth import issue_token

from .conftest import error_of
from .factories import make_organization

pytestmark = pytest.mark.one_database

LIBRARY_WORDS = (
    "segments",
    "codec",
    "Invalid header",
    "padding",
    "Signature verification",
    "decode",
    "Input should",
    "Value error",
)


def _bad_tokens(settings) -> dict[str, tuple[str, str]]:
    """name -> (Authorization header, the reason the answer names)."""
    now = datetime.now(UTC)
    claims = {
        "sub": "x",
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    garbage_header = base64.urlsafe_b64encode(b"\xff\xfe not json").decode().rstrip("=")
    return {
        "not a jwt": ("Bearer nope", "malformed"),
        "undecodable header": (f"Bearer {garbage_header}.e30.sig", "malformed"),
        "expired": (f"Bearer {issue_token(settings, subject='x', ttl=timedelta(seconds=-30))}", "expired"),
        "another key": (f"Bearer {jwt.encode(claims, 'another-secret-' * 3, algorithm='HS256')}", "bad_signature"),
        "another audience": (
            f"Bearer {jwt.encode({**claims, 'aud': 'elsewhere'}, settings.signing_secret, algorithm='HS256')}",
            "wrong_audience",
        ),
        "no expiry": (
            f"Bearer {jwt.encode({k: v for k, v in claims.items() if k != 'exp'}, settings.signing_secret, algorithm='HS256')}",
            "missing_claim",
        ),
        "wrong scheme": ("Basic dXNlcjpwYXNz", "scheme"),
    }


def _plain(error: dict) -> None:
    assert not any(word in error["message"] for word in LIBRARY_WORDS), error["message"]


@pytest.mark.parametrize(
    "name", ["not a jwt", "undecodable header", "expired", "another key", "another audience", "no expiry", "wrong scheme"]
)
async def test_a_bad_token_gets_one_plain_answer_on_rest_and_graphql(client, settings, name):
    header, reason = _bad_tokens(settings)[name]
    rest = await client.get("/api/v1/report-records", headers={"Authorization": header})
    graphql = await client.post("/graphql", json={"query": "{ periods { totalCount } }"}, headers={"Authorization": header})
    for response in (rest, graphql):
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        error = error_of(response)
        assert error["code"] == "UNAUTHENTICATED" and error["details"]["reason"] == reason
        assert error["request_id"] == response.headers["x-request-id"]
        assert "Authorization" in error["message"]
        _plain(error)
    assert "errors" in graphql.json() and "data" not in graphql.json(), "GraphQL answers in GraphQL's shape, unexecuted"


async def test_a_missing_token_on_graphql_is_the_same_code_and_carries_the_request_id(client):
    response = await client.post("/graphql", json={"query": "{ organizations { totalCount } }"})
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and "Authorization: Bearer" in error["message"]
    assert error["extensions"]["request_id"] == response.headers["x-request-id"]


async def test_every_graphql_error_carries_the_request_id(client):
    for query in ("{ periods { nope } }", '{ period(id: "does-not-exist") { name } }', "{ periods { "):
        response = await client.post("/graphql", json={"query": query}, headers={"X-Request-ID": "support-case-1234"})
        errors = response.json()["errors"]
        assert errors and all(e["extensions"]["request_id"] == "support-case-1234" for e in errors), errors


@pytest.mark.parametrize(
    ("content", "content_type", "field", "words"),
    [
        (b'{"org_id": "org-1042",', "application/json", "body", "is not valid JSON (near character 22)"),
        (b"org_id=org-1042&report_type=x", "application/x-www-form-urlencoded", "body", "Content-Type: application/json"),
        (b'["org-1042"]', "application/json", "body", "must be a JSON object"),
        (
            b'{"org_id": 5, "report_type": "x", "period_from": "2024-01-01", "period_to": "2024-12-31"}',
            "application/json",
            "org_id",
            "org_id must be text",
        ),
        (
            b'{"org_id": "org-1042", "report_type": "x", "period_from": "soon", "period_to": "2024-12-31"}',
            "application/json",
            "period_from",
            "period_from must be a date (YYYY-MM-DD)",
        ),
    ],
    ids=["broken-json", "form", "array", "wrong-type", "not-a-date"],
)
async def test_a_bad_rest_body_is_named_in_plain_words(client, tokens, content, content_type, field, words):
    response = await client.post(
        "/api/v1/report-records", content=content, headers={**tokens.headers("org-1042"), "Content-Type": content_type}
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "BAD_USER_INPUT" and error["details"]["field"] == field
    assert words in error["message"], error["message"]
    _plain(error)


async def test_several_problems_are_all_listed_and_the_first_named(client, tokens):
    response = await client.post("/api/v1/report-records", json={"org_id": "org-1042"}, headers=tokens.headers("org-1042"))
    error = error_of(response)
    assert [e["field"] for e in error["details"]["errors"]] == ["report_type", "period_from", "period_to"]
    assert error["message"] == "report_type is required (and 2 more in details.errors)"


GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"query": "{ periods { "}, "parse"),
        ({"query": "{ periods { nope } }"}, "validation"),
        ({"query": "query ($id: ID!) { period(id: $id) { name } }", "variables": {"id": {"x": 1}}}, "coercion"),
        ({"query": "query ($id: ID!) { period(id: $id) { name } }"}, "missing variable"),
    ],
)
async def test_a_request_that_never_executes_is_400_without_data_for_graphql_response_json(client, body, kind):
    response = await client.post("/graphql", json=body, headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400, (kind, response.text)
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in response.json() and response.json()["errors"]
    legacy = await client.post("/graphql", json=body, headers={"Accept": "application/json"})
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith("application/json")
    assert "data" not in legacy.json() and legacy.json()["errors"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
        (f"application/json, {GRAPHQL_RESPONSE};Q=0.5", "application/json"),  # q's name in any case (RFC 9110)
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
    ],
)
async def test_the_response_media_type_follows_accept(client, accept, media_type):
    headers = {"Accept": accept} if accept else {}
    response = await client.post("/graphql", json={"query": "{ periods { totalCount } }"}, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)
    assert response.json()["data"]["periods"]["totalCount"] >= 0


async def test_a_field_error_keeps_data_and_200_under_both_media_types(client):
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        response = await client.post(
            "/graphql", json={"query": "{ periods { totalCount } organizations { totalCount } }"}, headers={"Accept": accept}
        )
        assert response.status_code == 200 and "data" in response.json()
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_websocket_operations_errors_carry_the_connections_request_id_numbered(settings):
    """The connection's id (its X-Request-ID) with the operation's number on the connection: each
    operation's errors are told apart (tests/schema/test_subscriptions.py shows two)."""
    import json

    import websockets

    from .live import GRAPHQL_TRANSPORT_WS, live_server

    async with live_server(settings) as (address, _):
        async with websockets.connect(
            f"ws://{address}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS, additional_headers={"X-Request-ID": "ws-trace-7"}
        ) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            query = 'subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2024") { snapshotId } }'
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
            message = json.loads(await socket.recv())
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert errors[0]["extensions"]["request_id"] == "ws-trace-7.1"


async def test_a_rule_across_fields_names_the_field_once_in_plain_words(client, graphql, tokens):
    """Found by schemathesis: "period_to period_to is before period_from" (the validator's own
    words began with the field's name); and GraphQL's structure inputs showed pydantic's
    "Value error, " prefix."""
    await make_organization(id="org-1042")
    body = {"org_id": "org-1042", "report_type": "quarterly_activity", "period_from": "2025-10-01", "period_to": "2025-01-01"}
    rest = error_of(await client.post("/api/v1/report-records", json=body, headers=tokens.headers("org-1042")))
    assert (rest["message"], rest["details"]["field"]) == ("period_to is before period_from", "period_to")
    create = """mutation { createSection(input: {sectionId: "s", title: "S", order: 9,
      fields: [{key: "x_y", label: "x", dataType: INTEGER, minValue: "5", maxValue: "1"}]}) { sectionId } }"""
    result = await graphql(create, {}, tokens.admin())
    error = result["errors"][0]
    assert error["message"] == "fields.0.max_value 1 is below min_value 5", error["message"]
    _plain(error)


async def test_an_echoed_value_is_cut_in_every_error(client):
    """A 900 KB id came back whole in the message ("id: Length of 'aaa…' 900000 > 64")."""
    big = "a" * 900_000
    response = await client.post(
        "/graphql", json={"query": "query($id: ID!) { period(id: $id) { name } }", "variables": {"id": big}}
    )
    assert len(response.content) < 2_000, response.content[:300]
    [error] = response.json()["errors"]
    assert "a" * 77 + "..." in error["message"] and "a" * 81 not in error["message"]


def test_the_envelope_cuts_echoed_values_in_message_and_details():
    from bufdir_reporting.envelope import error_body, graphql_error_body

    message = f"section {'x' * 5000!r} does not exist"
    for body in (
        error_body("NOT_FOUND", message, {"id": "x" * 5000}),
        graphql_error_body("NOT_FOUND", message, {"id": "x" * 5000}),
    ):
        assert len(str(body)) < 600
