"""Contract tests: aggregated-report-data (all but /watch), requests sent verbatim."""

from __future__ import annotations

import pytest

from .. import contracts
from ..contracts import assert_shape

BASE = "/api/v1/aggregated-report-data"
BOTH_PATHS = pytest.mark.parametrize("base", [BASE, BASE + BASE], ids=["canonical", "printed"])


@pytest.fixture
def org(tokens):
    return tokens.headers("org-1042")


async def aggregated(client, app, headers, body=contracts.REPORT_DATA_POST_REQUEST) -> dict:
    response = await client.post(BASE, json=body, headers=headers)
    assert response.status_code in (200, 202), response.text
    await app.state.jobs.wait_idle()
    return response.json()


@BOTH_PATHS
async def test_post_starts_a_job_and_get_returns_the_full_snapshot(client, app, org, reporting, base):
    response = await client.post(base, json=contracts.REPORT_DATA_POST_REQUEST, headers=org)
    assert response.status_code == 202
    assert_shape(response.json(), contracts.REPORT_DATA_POST_RESPONSE)
    assert response.json()["snapshot_status"] == "processing"
    await app.state.jobs.wait_idle()
    snapshot = (await client.get(f"{base}/{response.json()['snapshot_id']}", headers=org)).json()
    assert_shape(snapshot, contracts.REPORT_DATA_GET)
    assert snapshot["snapshot_status"] == "current"
    assert [s["section_id"] for s in snapshot["sections"]][:3] == ["barn-under-omsorg", "undersokelser", "hjelpetiltak"]
    assert snapshot["prior_period"]["period_id"] == "2023"
    fields = {f["field_key"]: f for s in snapshot["sections"] for f in s["fields"]}
    assert isinstance(fields["antall_undersokelser_igangsatt"]["value"], int)
    assert fields["antall_arsverk"]["value"] is None  # manual, not reported: null, not 0


async def test_without_force_a_second_post_returns_the_current_snapshot(client, app, org, reporting):
    first = await aggregated(client, app, org)
    again = await client.post(BASE, json=contracts.REPORT_DATA_POST_REQUEST, headers=org)
    assert again.status_code == 200
    assert again.json()["snapshot_id"] == first["snapshot_id"] and again.json()["snapshot_status"] == "current"


async def test_list_is_per_organisation_across_periods(client, app, org, reporting):
    await aggregated(client, app, org)
    response = await client.get(BASE, params={"organization_id": "org-1042"}, headers=org)
    body = response.json()
    assert_shape(body["data"][0], contracts.REPORT_DATA_LIST_ITEM)
    assert {item["period_id"] for item in body["data"]} == {"2024", "2023"}
    assert body["data"][0]["organization_name"] == "Barnevernstjenesten Oslo Sør"


@BOTH_PATHS
async def test_put_invalidates_and_reaggregates(client, app, org, reporting, base):
    first = await aggregated(client, app, org)
    response = await client.put(f"{base}/{first['snapshot_id']}", json=contracts.REPORT_DATA_PUT_REQUEST, headers=org)
    assert response.status_code == 202, response.text
    body = response.json()
    assert_shape(body, contracts.REPORT_DATA_PUT_RESPONSE)
    assert body["cache_valid"] is False and body["invalidation_reason"] == contracts.REPORT_DATA_PUT_REQUEST["reason"]
    await app.state.jobs.wait_idle()
    old = (await client.get(f"{BASE}/{first['snapshot_id']}", headers=org)).json()
    assert old["snapshot_status"] == "historical"
    new = (await client.get(f"{BASE}/{body['new_snapshot_id']}", headers=org)).json()
    assert new["snapshot_status"] == "current" and new["cache_valid"] is True


async def test_put_without_invalidating_reaggregates_the_same_period(client, app, org, reporting):
    first = await aggregated(client, app, org)
    body = {"invalidate_cache": False, "reason": "re-run"}
    response = await client.put(f"{BASE}/{first['snapshot_id']}", json=body, headers=org)
    assert response.status_code == 202, response.text
    assert response.json()["cache_valid"] is True and response.json()["new_snapshot_id"] != first["snapshot_id"]
    await app.state.jobs.wait_idle()
    new = (await client.get(f"{BASE}/{response.json()['new_snapshot_id']}", headers=org)).json()
    assert (new["period_id"], new["snapshot_status"]) == ("2024", "current")


async def test_delete_removes_the_snapshot(client, app, org, reporting):
    first = await aggregated(client, app, org)
    response = await client.delete(f"{BASE}/{first['snapshot_id']}", headers=org)
    assert_shape(response.json(), contracts.REPORT_DATA_DELETE_RESPONSE)
    assert response.json()["snapshot_id"] == first["snapshot_id"]
    assert (await client.get(f"{BASE}/{first['snapshot_id']}", headers=org)).status_code == 404


async def test_another_organisation_cannot_read_or_trigger(client, app, org, tokens, reporting):
    first = await aggregated(client, app, org)
    other = tokens.headers("org-2077")
    assert (await client.post(BASE, json=contracts.REPORT_DATA_POST_REQUEST, headers=other)).status_code == 403
    assert (await client.get(f"{BASE}/{first['snapshot_id']}")).status_code == 401
    for method in ("GET", "DELETE"):
        theirs = await client.request(method, f"{BASE}/{first['snapshot_id']}", headers=other)
        missing = await client.request(method, f"{BASE}/snap-00000000000000000000000000", headers=other)
        assert theirs.status_code == missing.status_code == 404
        assert same_but_id(theirs.json(), first["snapshot_id"]) == same_but_id(missing.json(), "snap-00000000000000000000000000")


def same_but_id(body: dict, identifier: str) -> dict:
    """An error body with the asked-for id and the request id taken out: what may tell two answers apart."""
    error = {**body["error"], "request_id": None}
    return {**error, "message": error["message"].replace(identifier, "?"), "details": {**error["details"], "id": "?"}}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"organization_id": "org-1042", "period_id": "1999"}, 404),
        ({"organization_id": "org-1042"}, 422),
        ({"organization_id": "org-1042", "period_id": "2024", "force_reaggregate": "often"}, 422),
    ],
)
async def test_bad_trigger_input(client, org, reporting, body, status):
    response = await client.post(BASE, json=body, headers=org)
    assert response.status_code == status
    assert response.json()["error"]["code"] in ("NOT_FOUND", "BAD_USER_INPUT")
