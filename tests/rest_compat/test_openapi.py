"""The served OpenAPI document says what the server enforces (what an outside schemathesis run
checks): who must authenticate, every error status with its shape, the bounds of ids and pages,
the patterns and the "exactly one of" rules; and the server answers as the document says."""

from __future__ import annotations

import json

import pytest

PROTECTED = [
    ("post", "/api/v1/report-records"),
    ("get", "/api/v1/aggregated-report-data/{snapshot_id}"),
    ("delete", "/api/v1/report-records/{report_id}"),
]
PUBLIC = [("get", "/api/v1/report-sections"), ("get", "/api/v1/report-sections/{section_id}")]


@pytest.fixture
async def document(client) -> dict:
    return (await client.get("/openapi.json")).json()


async def test_protected_operations_name_the_bearer_scheme_and_public_ones_none(document):
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    for method, path in PROTECTED:
        assert document["paths"][path][method]["security"] == [{"bearer": []}], path
    for method, path in PUBLIC:
        assert document["paths"][path][method]["security"] == [], path
    assert not any(path.startswith("/graphql") for path in document["paths"])  # GraphQL describes itself


async def test_every_operation_declares_the_errors_it_can_answer_with_their_shape(document):
    error = document["components"]["schemas"]["ErrorBody"]
    assert "request_id" in error["required"]
    for path, operations in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"400", "404", "409", "413", "422", "503"} <= declared, (method, path)
            if operation["security"]:
                assert {"401", "403"} <= declared, (method, path)


async def test_bounds_patterns_and_one_of_rules_are_declared(document, settings):
    records = document["paths"]["/api/v1/report-records"]["get"]["parameters"]
    limit = next(p for p in records if p["name"] == "limit")
    page = next(p for p in records if p["name"] == "page")
    assert limit["schema"]["maximum"] == settings.max_page_size and page["schema"]["maximum"] == 100_000
    snapshot = document["paths"]["/api/v1/aggregated-report-data/{snapshot_id}"]["get"]["parameters"][0]
    assert snapshot["schema"]["maxLength"] == 40
    spec = document["components"]["schemas"]["ReportRecordSpec"]["properties"]
    assert spec["report_type"]["pattern"].startswith("^[a-z]") and str(2**53 - 1) in json.dumps(spec["file_size_bytes"])
    create = document["components"]["schemas"]["CreateBody"]
    assert [branch["required"] for branch in create["oneOf"]] == [["reporting_period_id"], ["range"]]
    rule = document["components"]["schemas"]["AggregationRule"]
    assert rule["allOf"][0]["then"]["required"] == ["measure"]
    assert "pattern" in document["components"]["schemas"]["ReportRecordChange"]["properties"]["file_ref"]


async def test_a_405_names_the_allowed_methods(client):
    wrong = await client.patch("/api/v1/report-sections/barn-under-omsorg")
    assert wrong.status_code == 405 and set(wrong.headers["allow"].replace(" ", "").split(",")) >= {"GET", "PUT", "DELETE"}


async def test_an_anonymous_caller_is_asked_who_it_is_before_its_body_is_judged(client):
    bad_body = await client.put("/api/v1/report-records/rpt_X", json={"status": None})
    assert bad_body.status_code == 401 and bad_body.json()["error"]["code"] == "UNAUTHENTICATED"
    public = await client.get("/api/v1/report-sections", params={"page": "many"})
    assert public.status_code == 422  # a public route judges the request as it is


async def test_a_caller_without_the_role_is_refused_before_its_body_is_judged(client, tokens):
    org_user = tokens.headers("org-1042")
    for method, path in (("post", "/api/v1/report-sections"), ("put", "/api/v1/report-sections/barn-under-omsorg")):
        response = await client.request(method, path, json={"section_title": 5}, headers=org_user)
        assert response.status_code == 403 and response.json()["error"]["code"] == "FORBIDDEN", response.text
        assert "admin role" in response.json()["error"]["message"]
        as_admin = await client.request(method, path, json={"section_title": 5}, headers=tokens.admin())
        assert as_admin.status_code == 422  # the admin's body is judged as it is


async def test_the_required_role_is_in_the_openapi_document(client):
    document = (await client.get("/openapi.json")).json()
    assert document["paths"]["/api/v1/report-sections"]["post"]["x-required-role"] == "admin"
    assert "x-required-role" not in document["paths"]["/api/v1/report-sections"]["get"]


async def test_a_static_path_s_allow_names_its_own_methods_not_a_template_s_that_matches_it(client):
    response = await client.options("/api/v1/aggregated-report-data/watch")
    assert response.status_code == 405 and response.headers["allow"] == "GET"


async def test_a_field_that_may_be_left_out_but_not_null_is_not_declared_nullable(document):
    status = document["components"]["schemas"]["ReportRecordChange"]["properties"]["status"]
    assert "null" not in str(status)
