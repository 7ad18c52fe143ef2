"""The served OpenAPI document says what the server enforces (what an outside schemathesis run
checks): who must authenticate, every error status with its shape, the bounds of ids and pages,
the patterns and the "exactly one of" rules; and the server answers as the document says."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema_rs import Draft202012Validator  # schemathesis' own validator

from bufdir_reporting.envelope import HTTP_CODES
from bufdir_reporting.rest.openapi import api_routes

PROTECTED = [
    ("post", "/api/v1/report-records"),
    ("get", "/api/v1/aggregated-report-data/{snapshot_id}"),
    ("delete", "/api/v1/report-records/{report_id}"),
]
ERROR_CODES = {status: HTTP_CODES[status] for status in (400, 401, 403, 404, 409, 413, 422, 503)} | {
    429: "TOO_MANY_SUBSCRIPTIONS"
}
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


@pytest.mark.one_database
async def test_every_operation_declares_the_errors_it_can_answer_with_their_shape(document, app):
    """Each operation lists its own errors, as FastAPI's own reading of the route says it can meet
    them: 400 and 413 with a body, 404 with an id in the path (or a use case that looks one up),
    403 where a role or an organisation is checked; not the same eight codes for every one."""
    error = document["components"]["schemas"]["ErrorBody"]
    assert "request_id" in error["required"]
    routes = {(route.path, method.lower()): route for route in api_routes(app.routes) for method in route.methods}
    declared_sets = set()
    for path, operations in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            declared = {int(status) for status in operation["responses"] if int(status) >= 400}
            declared_sets.add(frozenset(declared))
            route = routes[(path, method)]
            assert {401, 422, 503} <= declared, (method, path)
            assert ({400, 413} <= declared) is (route.body_field is not None), (method, path)
            assert not {400, 413} & declared or route.body_field is not None, (method, path)
            if "{" in path:
                assert 404 in declared, (method, path)
            if operation.get("x-required-role"):
                assert 403 in declared, (method, path)
            for status in declared:
                body = operation["responses"][str(status)]["content"]["application/json"]
                assert body["schema"] == {"$ref": "#/components/schemas/Error"}
                assert body["example"]["error"]["code"] == ERROR_CODES[status]
    public_read = document["paths"]["/api/v1/report-sections/{section_id}"]["get"]["responses"]
    assert {"403", "409", "400", "413"}.isdisjoint(public_read)
    assert {"403", "409"} <= set(document["paths"]["/api/v1/bufdir-aggregations"]["post"]["responses"])
    assert len(declared_sets) >= 6


async def test_bounds_patterns_and_one_of_rules_are_declared(document, settings):
    records = document["paths"]["/api/v1/report-records"]["get"]["parameters"]
    limit = next(p for p in records if p["name"] == "limit")
    page = next(p for p in records if p["name"] == "page")
    assert limit["schema"]["maximum"] == settings.max_page_size and page["schema"]["maximum"] == 100_000
    snapshot = document["paths"]["/api/v1/aggregated-report-data/{snapshot_id}"]["get"]["parameters"][0]
    assert snapshot["schema"]["maxLength"] == 40
    spec = document["components"]["schemas"]["ReportRecordSpec"]["properties"]
    assert spec["report_type"]["pattern"].startswith("^[a-z]") and str(2**53 - 1) in json.dumps(spec["file_size_bytes"])
    create = document["paths"]["/api/v1/bufdir-aggregations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    branches = [document["components"]["schemas"][branch["$ref"].rsplit("/", 1)[1]] for branch in create["oneOf"]]
    assert [branch["required"] for branch in branches] == [["org_id", "reporting_period_id"], ["org_id", "range"]]
    period, range_ = branches  # disjoint: each takes the other's key only as null
    assert period["properties"]["range"]["type"] == range_["properties"]["reporting_period_id"]["type"] == "null"
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


CONTRACT_NAMES = {
    ("get", "/api/v1/bufdir-aggregations/last-submitted-period"): "getLastSubmittedPeriod",
    ("get", "/api/v1/bufdir-aggregations/activities"): "getActivitiesInRange",
    ("get", "/api/v1/report-sections/required-fields"): "getRequiredFields",
    ("get", "/api/v1/aggregated-report-data/{snapshot_id}"): "getAggregatedReportData",
}


@pytest.mark.one_database
async def test_operations_are_named_as_the_contracts_name_them(document):
    ids = {
        (method, path): operation["operationId"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    for key, name in CONTRACT_NAMES.items():
        assert ids[key] == name
    assert len(set(ids.values())) == len(ids)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", name) for name in ids.values()), sorted(ids.values())
    for (method, path), name in ids.items():
        printed = document["paths"][path][method].get("deprecated", False)
        assert printed is name.endswith("PrintedPath"), (method, path)
        # and says which route it doubles (/docs showed each beside its route in the same words)
        said = document["paths"][path][method].get("description", "")
        if printed:
            canonical = path[path.index("/api/", 1) :]
            assert method in document["paths"][canonical], (method, path)
            assert said.startswith(f"Deprecated: the contracts' printed path of `{method.upper()} {canonical}`"), said
        else:
            assert not said.startswith("Deprecated"), (method, path)


TIMESTAMP = re.compile(r".*_at$|^range_(start|end)$")
DAY = re.compile(r"^period_(from|to|start|end)$")
STATE = re.compile(r".*status$|.*state$|^kind$|^lateness$")
FREE_TEXT_STATES = {("ActivityShape", "status")}  # as each source system records it (completed, opened, …)


def response_properties(document):
    """(schema name, property name, property schema) of every component an answer uses."""
    schemas = document["components"]["schemas"]
    names, todo = set(), []
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    todo += re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(response))
    while todo:
        name = todo.pop()
        if name not in names:
            names.add(name)
            todo += re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(schemas[name]))
    for name in sorted(names):
        for prop, schema in schemas[name].get("properties", {}).items():
            yield name, prop, schema


def variants(schema):
    return [branch for branch in schema.get("anyOf", [schema]) if branch.get("type") != "null"]


@pytest.mark.one_database
async def test_answers_say_which_strings_are_instants_days_and_states(document):
    schemas = document["components"]["schemas"]
    checked = {"instants": 0, "days": 0, "states": 0}
    for name, prop, schema in response_properties(document):
        if TIMESTAMP.match(prop):
            assert [v.get("format") for v in variants(schema)] == ["date-time"], (name, prop, schema)
            checked["instants"] += 1
        elif DAY.match(prop):
            assert [v.get("format") for v in variants(schema)] == ["date"], (name, prop, schema)
            checked["days"] += 1
        elif STATE.match(prop) and (name, prop) not in FREE_TEXT_STATES:
            (declared,) = variants(schema)
            declared = schemas[declared["$ref"].rsplit("/", 1)[1]] if "$ref" in declared else declared
            assert declared.get("enum"), (name, prop, schema)
            checked["states"] += 1
    assert checked["instants"] >= 26 and checked["days"] >= 4 and checked["states"] >= 10, checked


def validator(document, schema):
    root = {**schema, "components": document["components"]}
    return Draft202012Validator(root, validate_formats=True)


@pytest.mark.one_database
async def test_every_example_in_the_document_is_what_the_schema_beside_it_allows(document):
    """The contracts' examples show in Swagger UI instead of "string"; each is a valid request or
    answer of its operation (a shape's examples are completed with the keys a contract leaves out)."""
    counted = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            media = [operation.get("requestBody", {}).get("content", {}).get("application/json")]
            media += [r.get("content", {}).get("application/json") for s, r in operation["responses"].items() if int(s) < 400]
            for content in filter(None, media):
                schema = content["schema"]
                target = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema
                examples = [e["value"] for e in content.get("examples", {}).values()] + target.get("examples", [])
                for example in examples:
                    errors = [e.message for e in validator(document, schema).iter_errors(example)]
                    assert not errors, (method, path, example, errors)
                    counted += 1
    assert counted >= 60


@pytest.mark.one_database
async def test_every_text_of_a_json_body_and_every_parameter_says_no_nul(document):
    def strings(schema, seen=()):
        if isinstance(schema, dict):
            if "$ref" in schema:
                name = schema["$ref"].rsplit("/", 1)[1]
                if name not in seen:
                    yield from strings(document["components"]["schemas"][name], (*seen, name))
                return
            if schema.get("type") == "string" and not {"format", "enum", "const"} & set(schema):
                yield schema
            for value in schema.values():
                yield from strings(value, seen)
        elif isinstance(schema, list):
            for item in schema:
                yield from strings(item, seen)

    found = 0
    for operations in document["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            for schema in [*strings(body.get("schema")), *strings([p["schema"] for p in operation.get("parameters", [])])]:
                assert re.search(schema["pattern"], "a\x00b") is None, schema
                found += 1
    assert found > 100


@pytest.mark.one_database
async def test_the_upload_is_a_binary_file_part(document):
    body = document["paths"]["/api/v1/activities/import"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    part = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]["properties"]["file"]
    assert part["type"] == "string" and part["format"] == "binary"


async def test_a_value_longer_than_its_column_is_refused_as_the_document_says(client, document, tokens, reporting):
    """The status filter of getActivitiesInRange was declared at most 64 characters and refused over
    32 by the ORM, in its own words ("status: Length of 'xxx…' 40 > 32")."""
    parameters = document["paths"]["/api/v1/bufdir-aggregations/activities"]["get"]["parameters"]
    declared = next(p for p in parameters if p["name"] == "status")["schema"]["anyOf"][0]["maxLength"]
    assert declared == 32
    params = {"org_id": "org-1042", "start": "2024-01-01T00:00:00Z", "end": "2024-12-31T00:00:00Z"}
    for status, expected in (("x" * declared, 200), ("x" * (declared + 1), 422)):
        response = await client.get(
            "/api/v1/bufdir-aggregations/activities", params={**params, "status": status}, headers=tokens.headers("org-1042")
        )
        assert response.status_code == expected, response.text
    error = response.json()["error"]
    assert error["details"]["field"] == "status" and "at most 32 characters" in error["message"], error
    assert "Length of" not in response.text


async def test_a_body_naming_both_a_period_and_a_range_is_refused_naming_neither_branch(client, tokens, reporting):
    body = {"org_id": "org-1042", "reporting_period_id": "2024", "range": {"start": "2024-01-01", "end": "2024-02-01"}}
    response = await client.post("/api/v1/bufdir-aggregations", json=body, headers=tokens.headers("org-1042"))
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "body"
    assert "exactly one of reporting_period_id and range" in response.json()["error"]["message"]


def undeclared(document, schema, value, path="$"):
    """Keys of ``value`` its schema does not declare, and declared required keys it lacks."""
    schemas = document["components"]["schemas"]
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if (b.get("type") == "null") == (value is None)]
        return undeclared(document, branches[0], value, path) if branches else []
    problems = []
    if isinstance(value, dict) and "properties" in schema:
        problems += [f"{path}.{key} is not declared" for key in set(value) - set(schema["properties"])]
        problems += [f"{path}.{key} is missing" for key in set(schema.get("required", [])) - set(value)]
        for key, item in value.items():
            if key in schema["properties"]:
                problems += undeclared(document, schema["properties"][key], item, f"{path}.{key}")
    elif isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        for key, item in value.items():
            problems += undeclared(document, schema["additionalProperties"], item, f"{path}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            problems += undeclared(document, schema["items"], item, f"{path}[{n}]")
    return problems


async def test_answers_carry_exactly_the_keys_their_shape_declares(client, app, document, tokens, reporting):
    """What is sent is the declared shape: no key beside it (the document said less than the
    answers carried: missing_required_fields, invalidation_reason, error, bufdir_category_breakdown…)."""
    own = tokens.headers("org-1042")
    started = await client.post(
        "/api/v1/aggregated-report-data", json={"organization_id": "org-1042", "period_id": "2024"}, headers=own
    )
    await app.state.jobs.wait_idle()
    snapshot_id = started.json()["snapshot_id"]
    reads = [
        ("/api/v1/aggregated-report-data", "/api/v1/aggregated-report-data", {}),
        ("/api/v1/aggregated-report-data/{snapshot_id}", f"/api/v1/aggregated-report-data/{snapshot_id}", {}),
        ("/api/v1/bufdir-aggregations", "/api/v1/bufdir-aggregations", {}),
        ("/api/v1/bufdir-aggregations/{snapshot_id}", f"/api/v1/bufdir-aggregations/{snapshot_id}", {}),
        ("/api/v1/bufdir-aggregations/{snapshot_id}/metrics", f"/api/v1/bufdir-aggregations/{snapshot_id}/metrics", {}),
        (
            "/api/v1/bufdir-aggregations/activities",
            "/api/v1/bufdir-aggregations/activities",
            {"org_id": "org-1042", "start": "2023-01-01", "end": "2025-01-01"},
        ),
        ("/api/v1/report-sections", "/api/v1/report-sections", {}),
        ("/api/v1/report-sections/{section_id}", "/api/v1/report-sections/barn-under-omsorg", {}),
        ("/api/v1/report-sections/required-fields", "/api/v1/report-sections/required-fields", {}),
        ("/api/v1/report-sections/fields/{field_key}/label", "/api/v1/report-sections/fields/antall_arsverk/label", {}),
    ]
    checked = 0
    for template, path, params in reads:
        response = await client.get(path, params=params, headers=own)
        assert response.status_code == 200, (path, response.text)
        schema = document["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert undeclared(document, schema, response.json()) == [], path
        checked += 1
    assert checked == len(reads)


async def test_every_schema_has_a_name_of_its_own(document):
    """Two shapes of one class name (the legacy sections' FieldShape and analytics' field) made
    pydantic name both by their module path, which openapi-python-client cannot read: the generated
    client lost the legacy sections' answers."""
    assert [name for name in document["components"]["schemas"] if "__" in name] == []
