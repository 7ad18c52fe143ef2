"""Validity in time: a change applies from a period onward; the past keeps its structure."""

from __future__ import annotations

import pytest

from ..factories import make_period

BASE = "/api/v1/report-sections"


@pytest.fixture
async def structure_over_years(report_structure) -> None:
    """The report structure in force from 2020, and the years 2023 to 2026 to change it in."""
    for year in (2023, 2025, 2026):
        await make_period(year=year)


async def current_section(client, section_id: str) -> dict:
    return (await client.get(f"{BASE}/{section_id}")).json()


def put_body(section: dict, fields: list[dict], **extra) -> dict:
    return {
        "section_title": section["section_title"],
        "section_order": section["section_order"],
        "fields": fields,
        **extra,
    }


async def required_total(client, period_id: str | None = None) -> int:
    params = {"period_id": period_id} if period_id else {}
    return (await client.get(f"{BASE}/required-fields", params=params)).json()["total_required_fields"]


async def test_a_change_from_2025_leaves_2024_as_it_was(client, tokens, structure_over_years):
    section = await current_section(client, "hjelpetiltak")
    fields = [dict(f) for f in section["fields"]]
    dropped = fields.pop()  # antall_tiltaksplaner_evaluert
    fields[0] = {**fields[0], "required": False, "label": "Barn med hjelpetiltak (nytt)"}
    response = await client.put(
        f"{BASE}/hjelpetiltak",
        json=put_body(section, fields, effective_from_period_id="2025"),
        headers=tokens.admin(),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["required_field_count"], response.json()["total_field_count"]) == (3, 7)

    assert await required_total(client, "2024") == 34
    assert await required_total(client, "2025") == 33
    assert await required_total(client) == 33

    then = (await client.get(f"{BASE}/hjelpetiltak", params={"period_id": "2024"})).json()
    assert len(then["fields"]) == 8 and dropped["field_key"] in {f["field_key"] for f in then["fields"]}
    assert then["fields"][0]["label"] == "Antall barn med hjelpetiltak"
    now = await current_section(client, "hjelpetiltak")
    assert now["fields"][0]["label"] == "Barn med hjelpetiltak (nytt)"
    old_label = await client.get(f"{BASE}/fields/antall_barn_med_hjelpetiltak/label", params={"period_id": "2023"})
    assert old_label.json()["label"] == "Antall barn med hjelpetiltak"
    retired = await client.get(f"{BASE}/fields/{dropped['field_key']}/label")
    assert retired.status_code == 200, "a replaced field stays resolvable"


async def test_a_deactivated_section_still_applies_to_earlier_periods(client, tokens, structure_over_years):
    response = await client.delete(f"{BASE}/ettervern", params={"effective_from_period_id": "2025"}, headers=tokens.admin())
    assert response.status_code == 200
    assert await required_total(client, "2024") == 34
    assert await required_total(client, "2025") == 29
    in_2024 = (await client.get(BASE, params={"period_id": "2024"})).json()
    assert "ettervern" in [s["section_id"] for s in in_2024["data"]]
    in_2025 = (await client.get(BASE, params={"period_id": "2025"})).json()
    assert "ettervern" not in [s["section_id"] for s in in_2025["data"]]
    kept = await current_section(client, "ettervern")
    assert kept["is_active"] is False and len(kept["fields"]) == 7


async def test_an_unchanged_put_writes_no_new_versions(client, tokens, structure_over_years):
    from bufdir_reporting.models import FieldDefinition

    before = await FieldDefinition.all().count()
    section = await current_section(client, "undersokelser")
    body = put_body(section, section["fields"], effective_from_period_id="2026")
    assert (await client.put(f"{BASE}/undersokelser", json=body, headers=tokens.admin())).status_code == 200
    assert await FieldDefinition.all().count() == before


async def test_a_field_may_move_between_sections_only_once_released(client, tokens, structure_over_years):
    source = await current_section(client, "hjelpetiltak")
    moving = source["fields"][-1]
    target = await current_section(client, "ettervern")
    attempt = await client.put(f"{BASE}/ettervern", json=put_body(target, [*target["fields"], moving]), headers=tokens.admin())
    assert attempt.status_code == 409
    await client.put(f"{BASE}/hjelpetiltak", json=put_body(source, source["fields"][:-1]), headers=tokens.admin())
    moved = await client.put(f"{BASE}/ettervern", json=put_body(target, [*target["fields"], moving]), headers=tokens.admin())
    assert moved.status_code == 200, moved.text
    label = (await client.get(f"{BASE}/fields/{moving['field_key']}/label")).json()
    assert label["section_id"] == "ettervern"


async def test_a_change_from_2025_invalidates_the_snapshots_it_changes(app, client, tokens, settings, structure_over_years):
    """Snapshots read at a day from the change on are no longer valid (with a reason), so a
    trigger without force aggregates again; earlier ones stay as they are."""
    from bufdir_reporting.models import Organization, OrganizationKind, Snapshot

    from ..factories import make_activity

    org = await Organization.create(id="org-x", name="X", kind=OrganizationKind.CHILD_WELFARE_SERVICE)
    await make_activity(org=org)
    trigger = "/api/v1/aggregated-report-data"
    own = tokens.headers("org-x")
    before = {}
    for period in ("2024", "2025"):
        response = await client.post(trigger, json={"organization_id": "org-x", "period_id": period}, headers=own)
        await app.state.jobs.wait_idle()
        before[period] = response.json()["snapshot_id"]
    section = await current_section(client, "hjelpetiltak")
    fields = [{**section["fields"][0], "required": False}, *section["fields"][1:]]
    changed = await client.put(
        f"{BASE}/hjelpetiltak", json=put_body(section, fields, effective_from_period_id="2025"), headers=tokens.admin()
    )
    assert changed.status_code == 200, changed.text
    stale = await Snapshot.get(id=before["2025"])
    assert stale.cache_valid is False and "structure changed from 2025-01-01" in stale.invalidation_reason
    assert (await Snapshot.get(id=before["2024"])).cache_valid is True
    again = await client.post(trigger, json={"organization_id": "org-x", "period_id": "2025"}, headers=own)
    assert again.json()["snapshot_id"] != before["2025"], "a trigger without force aggregates the stale one again"
    await app.state.jobs.wait_idle()


async def test_explain_large_change_is_read_where_it_is_written(client, graphql, tokens, structure_over_years):
    section = await current_section(client, "hjelpetiltak")
    fields = [{**section["fields"][0], "explain_large_change": True}, *section["fields"][1:]]
    put = await client.put(f"{BASE}/hjelpetiltak", json=put_body(section, fields), headers=tokens.admin())
    assert put.status_code == 200, put.text
    read = await current_section(client, "hjelpetiltak")
    assert read["fields"][0]["explain_large_change"] is True
    round_trip = await client.put(f"{BASE}/hjelpetiltak", json=put_body(read, read["fields"]), headers=tokens.admin())
    assert round_trip.status_code == 200
    assert (await current_section(client, "hjelpetiltak"))["fields"][0]["explain_large_change"] is True, "GET -> PUT keeps it"
    query = '{ section(id: "hjelpetiltak") { fields { key explainLargeChange } } }'
    shown = (await graphql(query))["data"]["section"]["fields"][0]
    assert shown == {"key": "antall_barn_med_hjelpetiltak", "explainLargeChange": True}


async def test_a_put_before_a_scheduled_change_is_refused_not_ignored(client, tokens, structure_over_years):
    section = await current_section(client, "hjelpetiltak")
    fields = [{**section["fields"][0], "label": "Ny fra 2025"}, *section["fields"][1:]]
    scheduled = await client.put(
        f"{BASE}/hjelpetiltak", json=put_body(section, fields, effective_from_period_id="2025"), headers=tokens.admin()
    )
    assert scheduled.status_code == 200
    earlier = await client.put(
        f"{BASE}/hjelpetiltak", json=put_body(section, fields, effective_from_period_id="2023"), headers=tokens.admin()
    )
    assert earlier.status_code == 409, "the same list from 2023 would leave 2023 and 2024 as they were: a silent no-op"
    assert earlier.json()["error"]["details"] == {"field": "antall_barn_med_hjelpetiltak", "scheduled_from": "2025-01-01"}
