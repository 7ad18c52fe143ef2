"""Contract tests: report-structure-mapper, on the canonical and the printed (doubled) paths."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from .. import contracts
from ..contracts import assert_shape

BASE = "/api/v1/report-sections"
BOTH_PATHS = pytest.mark.parametrize("base", [BASE, BASE + BASE], ids=["canonical", "printed"])


@BOTH_PATHS
async def test_list_matches_the_contract_and_orders_by_section_order(client, report_structure, base):
    response = await client.get(base)
    assert response.status_code == 200
    body = response.json()
    assert_shape(body, contracts.SECTIONS_LIST)
    assert body["data"][:3] == contracts.SECTIONS_LIST["data"]
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 8}
    assert [s["section_order"] for s in body["data"]] == sorted(s["section_order"] for s in body["data"])


async def test_list_pages_and_filters_on_is_active(client, tokens, report_structure):
    second = (await client.get(BASE, params={"page": 2, "limit": 3})).json()
    assert [s["section_order"] for s in second["data"]] == [4, 5, 6]
    assert second["pagination"] == {"page": 2, "limit": 3, "total": 8}
    await client.delete(f"{BASE}/ressurser", headers=tokens.admin())
    inactive = (await client.get(BASE, params={"is_active": "false"})).json()
    assert [s["section_id"] for s in inactive["data"]] == ["ressurser"]
    active = (await client.get(BASE, params={"is_active": "true"})).json()
    assert active["pagination"]["total"] == 7


@BOTH_PATHS
async def test_get_section_matches_the_contract(client, report_structure, base):
    response = await client.get(f"{base}/barn-under-omsorg")
    assert response.status_code == 200
    body = response.json()
    assert_shape(body, contracts.SECTION_GET)
    by_key = {f["field_key"]: f for f in body["fields"]}
    for example in contracts.SECTION_GET["fields"]:
        assert {k: by_key[example["field_key"]][k] for k in example} == example
    assert body["required_fields"] == contracts.SECTION_GET["required_fields"]
    assert len(body["fields"]) == 12


@BOTH_PATHS
async def test_field_label_matches_the_contract(client, report_structure, base):
    response = await client.get(f"{base}/fields/antall_akuttplasseringer/label")
    assert response.status_code == 200
    assert response.json() == contracts.FIELD_LABEL


@BOTH_PATHS
async def test_required_fields_for_a_period_matches_the_contract(client, report_structure, base):
    response = await client.get(f"{base}/required-fields", params={"period_id": "2024"})
    body = response.json()
    assert_shape(body, contracts.REQUIRED_FIELDS)
    assert body["period_id"] == "2024" and body["total_required_fields"] == 34
    for example in contracts.REQUIRED_FIELDS["required_fields"]:
        assert example in body["required_fields"]


@BOTH_PATHS
async def test_create_update_delete_with_the_contract_requests_verbatim(client, tokens, report_structure, base):
    admin = tokens.admin()
    created = await client.post(base, json=contracts.SECTION_POST_REQUEST, headers=admin)
    assert created.status_code == 201, created.text
    assert_shape(created.json(), contracts.SECTION_POST_RESPONSE)
    assert {k: created.json()[k] for k in ("section_id", "required_field_count", "total_field_count")} == {
        "section_id": "familievernkontor",
        "required_field_count": 2,
        "total_field_count": 2,
    }

    updated = await client.put(f"{base}/familievernkontor", json=contracts.SECTION_PUT_REQUEST, headers=admin)
    assert updated.status_code == 200, updated.text
    assert_shape(updated.json(), contracts.SECTION_PUT_RESPONSE)
    assert updated.json()["section_title"] == "Familievern og megling"
    assert (updated.json()["required_field_count"], updated.json()["total_field_count"]) == (2, 3)

    deleted = await client.delete(f"{base}/familievernkontor", headers=admin)
    assert deleted.status_code == 200
    assert deleted.json() == contracts.SECTION_DELETE_RESPONSE

    kept = (await client.get(f"{BASE}/familievernkontor")).json()
    assert kept["is_active"] is False
    required = (await client.get(f"{BASE}/required-fields")).json()
    assert required["total_required_fields"] == 34


WRITES = [
    ("POST", BASE, contracts.SECTION_POST_REQUEST),
    ("PUT", f"{BASE}/barn-under-omsorg", contracts.SECTION_PUT_REQUEST),
    ("DELETE", f"{BASE}/barn-under-omsorg", None),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=["post", "put", "delete"])
async def test_writes_need_the_admin_role(client, tokens, report_structure, method, path, body):
    before = (await client.get(f"{BASE}/barn-under-omsorg")).json()
    anonymous = await client.request(method, path, json=body)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "UNAUTHENTICATED"
    organisation = await client.request(method, path, json=body, headers=tokens.headers("org-1042"))
    assert organisation.status_code == 403
    assert organisation.json()["error"]["code"] == "FORBIDDEN"
    assert (await client.get(f"{BASE}/barn-under-omsorg")).json() == before
    assert (await client.get(f"{BASE}/familievernkontor")).status_code == 404


async def test_a_duplicate_section_id_is_a_conflict(client, tokens, report_structure):
    body = {**contracts.SECTION_POST_REQUEST, "section_id": "undersokelser"}
    response = await client.post(BASE, json=body, headers=tokens.admin())
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONFLICT"


async def test_a_field_key_used_by_another_section_is_a_conflict_and_nothing_is_written(client, tokens, report_structure):
    body = {**contracts.SECTION_POST_REQUEST}
    body["fields"] = [*body["fields"], {"field_key": "antall_akuttplasseringer", "label": "x", "data_type": "integer"}]
    response = await client.post(BASE, json=body, headers=tokens.admin())
    assert response.status_code == 409
    assert response.json()["error"]["details"]["field"] == "antall_akuttplasseringer"
    assert (await client.get(f"{BASE}/familievernkontor")).status_code == 404
    label = (await client.get(f"{BASE}/fields/antall_saker_behandlet/label")).status_code
    assert label == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/nope"), ("DELETE", "/nope"), ("GET", "/nope"), ("GET", "/fields/nope/label")],
)
async def test_unknown_section_or_field_is_not_found(client, tokens, report_structure, method, path):
    body = contracts.SECTION_PUT_REQUEST if method == "PUT" else None
    response = await client.request(method, BASE + path, json=body, headers=tokens.admin())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def with_field(**changes) -> dict:
    field = {"field_key": "antall_saker", "label": "Antall saker", "data_type": "integer", **changes}
    return {**contracts.SECTION_POST_REQUEST, "fields": [field]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (with_field(min_value=10, max_value=5), "fields.0.max_value"),
        (with_field(min_value=0, max_value=10**16), "fields.0.max_value"),
        (with_field(min_value=-(10**17)), "fields.0.min_value"),
        (with_field(field_key="Antall-Saker"), "fields.0.field_key"),
        (with_field(aggregation_rule={"kind": "sum", "measure": "minutes"}), "fields.0.aggregation_rule.measure"),
        (with_field(aggregation_rule={"kind": "sum"}), "fields.0.aggregation_rule.measure"),
        (with_field(aggregation_rule={"kind": "ratio", "numerator": {"kind": "count"}}), "fields.0.aggregation_rule.denominator"),
        (
            with_field(aggregation_rule={"kind": "count", "filters": {"categories": ["voksne"]}}),
            "fields.0.aggregation_rule.filters.categories",
        ),
        (with_field(data_type="text", aggregation_rule={"kind": "count"}), "fields.0.aggregation_rule"),
        (with_field(data_type="money"), "fields.0.data_type"),
        ({**contracts.SECTION_POST_REQUEST, "section_order": "first"}, "section_order"),
        ({k: v for k, v in contracts.SECTION_POST_REQUEST.items() if k != "section_title"}, "section_title"),
    ],
    ids=[
        "min-above-max",
        "max-beyond-storage",
        "min-beyond-storage",
        "bad-key",
        "unknown-measure",
        "sum-without-measure",
        "ratio-without-denominator",
        "unknown-category",
        "computed-text",
        "unknown-type",
        "order-not-int",
        "missing-title",
    ],
)
async def test_invalid_bodies_are_422_naming_the_field(client, tokens, report_structure, body, field):
    response = await client.post(BASE, json=body, headers=tokens.admin())
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "BAD_USER_INPUT"
    assert error["details"]["field"] == field
    assert (await client.get(f"{BASE}/familievernkontor")).status_code == 404


async def test_malformed_json_is_422(client, tokens, report_structure):
    response = await client.post(BASE, content=b"{not json", headers={**tokens.admin(), "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "BAD_USER_INPUT"


def test_openapi_lists_canonical_paths_and_marks_printed_aliases_deprecated(tmp_path):
    from bufdir_reporting.app import create_app
    from bufdir_reporting.config import Settings

    paths = create_app(Settings(var_dir=tmp_path, token_secret=SecretStr("x" * 40))).openapi()["paths"]
    assert not paths[f"{BASE}/{{section_id}}"]["get"].get("deprecated", False)
    assert paths[f"{BASE}{BASE}/{{section_id}}"]["get"]["deprecated"] is True
    static = list(paths).index(f"{BASE}/required-fields")
    assert static < list(paths).index(f"{BASE}/{{section_id}}"), "static paths must route before /{id}"
