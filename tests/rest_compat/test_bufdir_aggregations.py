"""Contract tests: bufdir-aggregation-service and -repository on one resource (all but
/last-submitted-period), requests sent verbatim."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bufdir_reporting.models import Organization, Period, PeriodType

from .. import contracts
from ..contracts import assert_shape
from ..factories import make_activity

BASE = "/api/v1/bufdir-aggregations"
BOTH_PATHS = pytest.mark.parametrize("base", [BASE, BASE + BASE], ids=["canonical", "printed"])


@pytest.fixture
def org(tokens):
    return tokens.headers("org-bufdir-42")


@pytest.fixture
async def contract_periods(reporting) -> None:
    """The contract examples' quarters (``rp-2024-q4``, ``rp-2025-q1``) and activities of
    org-bufdir-42 in each and in the examples' range (2026-Q1), with participants, all of one
    category (the breakdown still names every category)."""
    for id_, start, end in (
        ("rp-2024-q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("rp-2025-q1", date(2025, 1, 1), date(2025, 3, 31)),
    ):
        await Period.create(id=id_, type=PeriodType.QUARTER, name=id_, start=start, end=end)
    org = await Organization.get(id="org-bufdir-42")
    for month in (11, 14, 15, 26, 27):  # months counted from January 2024
        for n, type_ in enumerate(("family_guidance", "individual_counseling", "group_activity")):
            await make_activity(
                org=org,
                occurred_at=datetime(2024 + (month - 1) // 12, (month - 1) % 12 + 1, 10 + n, 9, tzinfo=UTC),
                activity_type=type_,
                status="completed",
                location="Bergen",
                participants=(f"p-{month}-{n}", f"p-{month}"),
            )


@BOTH_PATHS
async def test_service_post_runs_a_job_and_get_shows_metrics(client, app, org, contract_periods, base):
    response = await client.post(base, json=contracts.SERVICE_POST_REQUEST, headers=org)
    assert response.status_code == 202, response.text
    assert_shape(response.json(), contracts.SERVICE_POST_RESPONSE)
    assert response.json()["status"] == "processing"
    await app.state.jobs.wait_idle()
    snapshot_id = response.json()["id"]
    body = (await client.get(f"{base}/{snapshot_id}", headers=org)).json()
    assert_shape(body, contracts.SERVICE_GET)
    assert body["status"] == "completed" and body["activity_count"] > 0
    assert sum(body["bufdir_category_breakdown"].values()) == body["participant_count"]
    assert body["bufdir_category_breakdown"]["eldre"] == 0  # none counted, still named (it was left out)
    metrics = (await client.get(f"{base}/{snapshot_id}/metrics", headers=org)).json()
    assert_shape(metrics, contracts.SERVICE_METRICS)
    assert metrics["total_activities"] == body["activity_count"]
    assert metrics["unique_participants"] <= metrics["total_participants"]


@BOTH_PATHS
async def test_repository_post_with_a_range_computes_at_once(client, org, contract_periods, base):
    response = await client.post(base, json=contracts.REPOSITORY_POST_REQUEST, headers=org)
    assert response.status_code == 201, response.text
    body = response.json()
    assert_shape(body, contracts.REPOSITORY_ITEM)
    assert body["range_start"] == "2026-01-01T00:00:00Z" and body["range_end"] == "2026-03-31T23:59:59Z"
    activities = await client.get(
        f"{base}/activities",
        params={"org_id": "org-bufdir-42", "start": "2026-01-01T00:00:00Z", "end": "2026-03-31T23:59:59Z"},
        headers=org,
    )
    assert activities.json()["pagination"]["total"] == body["activity_count"] > 0
    assert_shape(activities.json()["data"][0], contracts.REPOSITORY_ACTIVITY)


async def test_put_refreshes_with_either_contracts_body(client, app, org, contract_periods):
    created = (await client.post(BASE, json=contracts.REPOSITORY_POST_REQUEST, headers=org)).json()
    repository = await client.put(f"{BASE}/{created['id']}", json=contracts.REPOSITORY_PUT_REQUEST, headers=org)
    assert repository.status_code == 200, repository.text
    assert repository.json()["activity_count"] == created["activity_count"]
    period = (await client.post(BASE, json={"org_id": "org-bufdir-42", "reporting_period_id": "rp-2024-q4"}, headers=org)).json()
    await app.state.jobs.wait_idle()
    service = await client.put(f"{BASE}/{period['id']}", json=contracts.SERVICE_PUT_REQUEST, headers=org)
    assert service.status_code == 200
    assert_shape(service.json(), contracts.SERVICE_PUT_RESPONSE)
    assert service.json()["status"] == "completed" and service.json()["reporting_period_id"] == "rp-2024-q4"


async def test_list_and_delete(client, app, org, contract_periods):
    await client.post(BASE, json=contracts.SERVICE_POST_REQUEST, headers=org)
    await app.state.jobs.wait_idle()
    created = (await client.post(BASE, json=contracts.REPOSITORY_POST_REQUEST, headers=org)).json()
    listed = (await client.get(BASE, params={"org_id": "org-bufdir-42"}, headers=org)).json()
    by_kind = {item["reporting_period_id"] is None: item for item in listed["data"]}
    assert_shape(by_kind[True], contracts.REPOSITORY_ITEM)
    assert_shape(by_kind[False], {**contracts.SERVICE_LIST_ITEM, **contracts.REPOSITORY_ITEM})
    deleted = await client.delete(f"{BASE}/{created['id']}", headers=org)
    assert_shape(deleted.json(), contracts.DELETE_AGGREGATION)
    assert (await client.get(f"{BASE}/{created['id']}", headers=org)).status_code == 404


async def test_activities_page_and_filter(client, org, contract_periods):
    params = {"org_id": "org-bufdir-42", "start": "2023-01-01T00:00:00Z", "end": "2026-03-31T23:59:59Z"}
    everything = (await client.get(f"{BASE}/activities", params=params, headers=org)).json()
    page = (await client.get(f"{BASE}/activities", params={**params, "limit": 5, "page": 2}, headers=org)).json()
    assert page["pagination"] == {"page": 2, "limit": 5, "total": everything["pagination"]["total"]}
    guidance = (await client.get(f"{BASE}/activities", params={**params, "activity_type": "family_guidance"}, headers=org)).json()
    assert guidance["data"] and {a["activity_type"] for a in guidance["data"]} == {"family_guidance"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"org_id": "org-bufdir-42", "range": {"start": "2026-03-31T00:00:00Z", "end": "2026-01-01T00:00:00Z"}}, "range.start"),
        ({"org_id": "org-bufdir-42", "range": {"start": "2016-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}}, "range.end"),
        ({"org_id": "org-bufdir-42"}, "body"),
        ({"org_id": "org-bufdir-42", "range": {"start": "yesterday", "end": "2026-01-01T00:00:00Z"}}, "range.start"),
    ],
    ids=["start-after-end", "too-long", "neither-period-nor-range", "not-a-date"],
)
async def test_bad_ranges_are_422(client, org, contract_periods, body, field):
    response = await client.post(BASE, json=body, headers=org)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["field"] == field


async def test_other_organisations_are_refused(client, tokens, contract_periods):
    other = tokens.headers("org-1042")
    assert (await client.post(BASE, json=contracts.REPOSITORY_POST_REQUEST, headers=other)).status_code == 403
    params = {"org_id": "org-bufdir-42", "start": "2026-01-01T00:00:00Z", "end": "2026-03-31T23:59:59Z"}
    assert (await client.get(f"{BASE}/activities", params=params, headers=other)).status_code == 403
    assert (await client.get(f"{BASE}/activities", params=params)).status_code == 401


async def test_a_refresh_keeps_the_clients_id_and_its_figures_follow(client, app, org, contract_periods):
    """The service contract refreshes a resource in place: the answer, and every later read of the
    id the client holds, carry the refreshed figures; the listing shows the resource once."""
    first = (await client.post(BASE, json=contracts.SERVICE_POST_REQUEST, headers=org)).json()
    await app.state.jobs.wait_idle()
    before = (await client.get(f"{BASE}/{first['id']}", headers=org)).json()
    await make_activity(
        org=await Organization.get(id="org-bufdir-42"),
        occurred_at=datetime(2025, 2, 20, 9, tzinfo=UTC),
        activity_type="group_activity",
        participants=("p-new-1", "p-new-2"),
    )
    body = {"org_id": "org-bufdir-42", "reporting_period_id": "rp-2025-q1", "force_refresh": True}
    for _ in range(2):
        refreshed = await client.put(f"{BASE}/{first['id']}", json=body, headers=org)
        assert refreshed.status_code == 200, refreshed.text
        assert refreshed.json()["id"] == first["id"]
    assert refreshed.json()["activity_count"] == before["activity_count"] + 1
    polled = (await client.get(f"{BASE}/{first['id']}", headers=org)).json()
    assert (polled["id"], polled["activity_count"]) == (first["id"], before["activity_count"] + 1)
    metrics = (await client.get(f"{BASE}/{first['id']}/metrics", headers=org)).json()
    assert metrics["total_activities"] == before["activity_count"] + 1
    listed = (await client.get(BASE, params={"org_id": "org-bufdir-42", "reporting_period_id": "rp-2025-q1"}, headers=org)).json()
    assert [item["id"] for item in listed["data"]] == [first["id"]]
    assert listed["pagination"]["total"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reporting_period_id": "rp-2024-q4", "force_refresh": True}, "reporting_period_id"),
        ({"org_id": "org-1042", "force_refresh": True}, "org_id"),
    ],
)
async def test_a_refresh_naming_another_period_or_organisation_is_refused(client, app, org, contract_periods, body, field):
    first = (await client.post(BASE, json=contracts.SERVICE_POST_REQUEST, headers=org)).json()
    await app.state.jobs.wait_idle()
    refused = await client.put(f"{BASE}/{first['id']}", json=body, headers=org)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"]["field"] == field


async def test_a_refresh_naming_both_its_period_and_a_range_is_refused(client, app, org, contract_periods):
    """Neither contract's example sends both (checked against ../shared/contracts); the range
    was taken and the period ignored."""
    period = (await client.post(BASE, json=contracts.SERVICE_POST_REQUEST, headers=org)).json()
    await app.state.jobs.wait_idle()
    body = {"reporting_period_id": period["reporting_period_id"], **contracts.REPOSITORY_PUT_REQUEST}
    refused = await client.put(f"{BASE}/{period['id']}", json=body, headers=org)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["details"]["fields"] == ["reporting_period_id", "range"]
    assert "reporting_period_id" in error["message"] and "range" in error["message"]


async def test_a_range_for_the_aggregation_of_a_period_is_refused_and_the_period_keeps_it(client, app, org, contract_periods):
    """The repository contract's PUT (a new range) sent to the service contract's aggregation of
    a period: the id came to name a range snapshot, and the period's aggregation was no longer
    listed by its period (outside review). Refused, naming range; nothing changes."""
    period = (await client.post(BASE, json=contracts.SERVICE_POST_REQUEST, headers=org)).json()
    await app.state.jobs.wait_idle()
    before = (await client.get(f"{BASE}/{period['id']}", headers=org)).json()
    refused = await client.put(f"{BASE}/{period['id']}", json=contracts.REPOSITORY_PUT_REQUEST, headers=org)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["details"]["field"] == "range" and period["reporting_period_id"] in error["message"], error
    assert (await client.get(f"{BASE}/{period['id']}", headers=org)).json() == before
    listed = await client.get(
        BASE, params={"org_id": "org-bufdir-42", "reporting_period_id": period["reporting_period_id"]}, headers=org
    )
    assert [item["id"] for item in listed.json()["data"]] == [period["id"]]


async def test_a_key_neither_contract_names_is_ignored_as_it_was(client, org, contract_periods):
    body = {**contracts.REPOSITORY_POST_REQUEST, "force_reaggregate": True, "note": "from an older client"}
    response = await client.post(BASE, json=body, headers=org)
    assert response.status_code == 201, response.text


async def test_a_poll_between_the_refresh_and_its_naming_is_not_kept(client, app, org, contract_periods, monkeypatch):
    """The refreshed snapshot is named by the client's id (``legacy_id``) after its run commits:
    a poll of the id in between read the old snapshot, and that answer was kept under a version
    the naming did not move, so the id kept answering the old figures."""
    from bufdir_reporting.resolvers.snapshots import legacy, lifecycle

    first = (await client.post(BASE, json=contracts.SERVICE_POST_REQUEST, headers=org)).json()
    await app.state.jobs.wait_idle()
    before = (await client.get(f"{BASE}/{first['id']}", headers=org)).json()
    await make_activity(
        org=await Organization.get(id="org-bufdir-42"),
        occurred_at=datetime(2025, 2, 20, 9, tzinfo=UTC),
        activity_type="group_activity",
        participants=("p-new-1",),
    )
    rerun = lifecycle.rerun

    async def rerun_then_poll(*args, **kwargs):
        triggered = await rerun(*args, **kwargs)
        assert (await client.get(f"{BASE}/{first['id']}", headers=org)).status_code == 200  # another client polls
        return triggered

    monkeypatch.setattr(legacy, "rerun", rerun_then_poll)
    body = {"org_id": "org-bufdir-42", "reporting_period_id": "rp-2025-q1", "force_refresh": True}
    refreshed = await client.put(f"{BASE}/{first['id']}", json=body, headers=org)
    assert refreshed.json()["activity_count"] == before["activity_count"] + 1, refreshed.text
    polled = (await client.get(f"{BASE}/{first['id']}", headers=org)).json()
    assert polled["activity_count"] == before["activity_count"] + 1
