"""The legacy contracts once organisations report forms other than the default (#31, item 5).

A listing that names no form shows one form's rows per organisation and period: the default
form's where the organisation has them, else its own assigned form's, else its rolled-up form's
(``resolvers.snapshots.form_choice``). ``form_id`` chooses the form; required-fields names one too.
The contracts' own tests (test_aggregated_report_data, test_bufdir_aggregations, ...) show the
answers are unchanged where only the default form is used."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bufdir_reporting.models import FormAssignment, FormSection, Organization, OrganizationKind, ReportForm
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.reporting import records, submissions

from ..conftest import error_of
from ..factories import context_for, counted, make_activity, make_period, make_section

LISTINGS = (
    ("/api/v1/aggregated-report-data", "organization_id", "snapshot_id"),
    ("/api/v1/bufdir-aggregations", "org_id", "id"),
)


@pytest.fixture
async def world(app):
    """An umbrella organisation and its branch (volunteers), two sections (one required field
    each, ``omsorg``'s and ``tiltak``'s), the volunteers' own yearly form asking ``omsorg`` and
    the umbrella's rolled-up form asking both; the year 2024 and activities of both."""
    umbrella = await Organization.create(id="org-paraply", name="Paraplyen", kind=OrganizationKind.VOLUNTEER_ORGANIZATION)
    branch = await Organization.create(
        id="org-lag", name="Lokallaget", kind=OrganizationKind.VOLUNTEER_ORGANIZATION, parent=umbrella
    )
    await make_section(id="omsorg", fields=[counted("antall_saker")], order=1)
    await make_section(id="tiltak", fields=[counted("antall_tiltak")], order=2)
    await make_period(year=2024)
    await make_period(year=2024, quarter=1)
    for form_id, sections, rolled_up in (("frivillig", ["omsorg"], False), ("samlet", ["omsorg", "tiltak"], True)):
        await ReportForm.create(id=form_id, name=form_id.title(), period_type="year", rolled_up=rolled_up)
        await FormSection.bulk_create([FormSection(form_id=form_id, section_id=s) for s in sections])
    await FormAssignment.create(
        form_id="frivillig",
        organization_kind=OrganizationKind.VOLUNTEER_ORGANIZATION,
        valid_from=date(2024, 1, 1),
        created_by="t",
    )
    await FormAssignment.create(form_id="samlet", organization_id=umbrella.id, valid_from=date(2024, 1, 1), created_by="t")
    for org, count in ((umbrella, 1), (branch, 2)):
        for _ in range(count):
            await make_activity(org=org, occurred_at=datetime(2024, 5, 1, tzinfo=UTC))
    return umbrella


async def aggregate(settings, app, organization_id: str, form_id: str | None = None) -> str:
    ctx = context_for(settings, app, organization_id, subject="kari")
    triggered = await snapshots.trigger(ctx, organization_id=organization_id, period_id="2024", form_id=form_id, wait=True)
    return triggered.snapshot.id


async def listed(client, tokens, organization_id: str, **params: str) -> dict[str, list[str]]:
    """The ids each legacy listing shows for the organisation (as an admin, who reads all)."""
    shown: dict[str, list[str]] = {}
    for path, org_param, id_key in LISTINGS:
        response = await client.get(path, params={org_param: organization_id, **params}, headers=tokens.admin())
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["pagination"]["total"] == len(body["data"])
        shown[path] = [row[id_key] for row in body["data"]]
    return shown


async def test_an_umbrella_with_a_rolled_up_snapshot_beside_its_own_default_one_is_listed_once(
    client, tokens, app, settings, world
):
    own = await aggregate(settings, app, "org-paraply")
    await aggregate(settings, app, "org-paraply", "samlet")
    shown = await listed(client, tokens, "org-paraply")
    assert shown == {path: [own] for path, _, _ in LISTINGS}, "one current row for the organisation and period"
    row = (await client.get("/api/v1/bufdir-aggregations", params={"org_id": "org-paraply"}, headers=tokens.admin())).json()
    assert row["data"][0]["activity_count"] == 1, "the organisation's own figures, not its subtree's (3)"


async def test_an_organisation_reporting_only_its_own_forms_is_still_listed_its_own_form_first(
    client, tokens, app, settings, world
):
    branch = await aggregate(settings, app, "org-lag", "frivillig")
    assert await listed(client, tokens, "org-lag") == {path: [branch] for path, _, _ in LISTINGS}
    own = await aggregate(settings, app, "org-paraply", "frivillig")
    await aggregate(settings, app, "org-paraply", "samlet")
    assert await listed(client, tokens, "org-paraply") == {path: [own] for path, _, _ in LISTINGS}, (
        "its own form before the rolled-up one"
    )
    # a reviewer's listing of everyone: one row per organisation and period, paged in the database
    everyone = await client.get("/api/v1/aggregated-report-data", params={"limit": 1}, headers=tokens.reviewer())
    assert everyone.json()["pagination"]["total"] == 2 and len(everyone.json()["data"]) == 1


async def test_form_id_chooses_the_form_a_listing_shows(client, tokens, app, settings, world):
    default = await aggregate(settings, app, "org-paraply")
    own = await aggregate(settings, app, "org-paraply", "frivillig")
    rolled = await aggregate(settings, app, "org-paraply", "samlet")
    for form_id, expected in (("samlet", rolled), ("frivillig", own), ("bufdir-rapport", default)):
        assert await listed(client, tokens, "org-paraply", form_id=form_id) == {path: [expected] for path, _, _ in LISTINGS}
    snapshot = await client.get(
        "/api/v1/aggregated-report-data", params={"organization_id": "org-paraply", "form_id": "samlet"}, headers=tokens.admin()
    )
    assert snapshot.json()["data"][0]["field_count"] == 2
    for path, org_param, _ in LISTINGS:
        unknown = await client.get(path, params={org_param: "org-paraply", "form_id": "finnes-ikke"}, headers=tokens.admin())
        assert unknown.status_code == 404
        assert error_of(unknown)["code"] == "NOT_FOUND" and error_of(unknown)["details"]["field"] == "form_id"
        assert "finnes-ikke" in error_of(unknown)["message"]
        malformed = await client.get(
            path, params={org_param: "org-paraply", "form_id": "Ikke et skjema!"}, headers=tokens.admin()
        )
        assert malformed.status_code == 422 and "form_id" in malformed.text, malformed.text
    other = await client.get(
        "/api/v1/aggregated-report-data",
        params={"organization_id": "org-paraply", "form_id": "finnes-ikke"},
        headers=tokens.headers("org-lag"),
    )
    assert other.status_code == 403, "who may not read the organisation is told so first"


async def test_last_submitted_period_is_the_organisations_own_report_unless_a_form_is_named(client, tokens, app, settings, world):
    ctx = context_for(settings, app, "org-paraply", subject="kari")
    for form_id in (None, "samlet"):  # its own report first, the rolled-up one after it
        snapshot_id = await aggregate(settings, app, "org-paraply", form_id)
        record = await records.generate(ctx, snapshot_id=snapshot_id, report_type="annual_report")
        await submissions.submit(ctx, report_id=record.id)
    path = "/api/v1/bufdir-aggregations/last-submitted-period"
    own = await client.get(path, params={"org_id": "org-paraply"}, headers=tokens.admin())
    assert (own.json()["submitted_period_id"], own.json()["activity_count"]) == ("2024", 1), own.text
    rolled = await client.get(path, params={"org_id": "org-paraply", "form_id": "samlet"}, headers=tokens.admin())
    assert rolled.json()["activity_count"] == 3, "the subtree's count, where the rolled-up form is asked for"
    none = await client.get(path, params={"org_id": "org-paraply", "form_id": "frivillig"}, headers=tokens.admin())
    assert none.status_code == 404
    unknown = await client.get(path, params={"org_id": "org-paraply", "form_id": "finnes-ikke"}, headers=tokens.admin())
    assert unknown.status_code == 404 and error_of(unknown)["details"]["field"] == "form_id"


async def test_required_fields_of_a_form_are_those_of_its_sections(client, world):
    path = "/api/v1/report-sections/required-fields"
    every = await client.get(path, params={"period_id": "2024"})
    assert [f["field_key"] for f in every.json()["required_fields"]] == ["antall_saker", "antall_tiltak"]
    own = await client.get(path, params={"period_id": "2024", "form_id": "frivillig"})
    assert own.status_code == 200, own.text
    assert (own.json()["total_required_fields"], [f["field_key"] for f in own.json()["required_fields"]]) == (1, ["antall_saker"])
    assert own.json().keys() == every.json().keys(), "the contract's shape"
    default = await client.get(path, params={"period_id": "2024", "form_id": "bufdir-rapport"})
    assert default.json() == every.json()
    quarter = await client.get(path, params={"period_id": "2024-Q1", "form_id": "frivillig"})
    assert quarter.status_code == 422 and error_of(quarter)["details"]["field"] == "form_id", quarter.text
    unknown = await client.get(path, params={"form_id": "finnes-ikke"})
    assert unknown.status_code == 404 and error_of(unknown)["details"]["field"] == "form_id"
    assert (await client.get(path, params={"form_id": "x" * 65})).status_code == 422


async def test_last_submitted_period_never_answers_with_a_rolled_up_report(client, tokens, app, settings, world):
    """The umbrella's rolled-up submission of a later period answered for its own report (its
    subtree's activity count) when it had submitted nothing of its own for that period (#31
    outside test, finding 2): its own latest answers, or 404 when it has none."""
    ctx = context_for(settings, app, "org-paraply", subject="kari")
    path = "/api/v1/bufdir-aggregations/last-submitted-period"
    rolled_id = await aggregate(settings, app, "org-paraply", "samlet")
    await submissions.submit(ctx, report_id=(await records.generate(ctx, snapshot_id=rolled_id, report_type="annual_report")).id)
    none = await client.get(path, params={"org_id": "org-paraply"}, headers=tokens.admin())
    assert none.status_code == 404, none.text
    await make_period(year=2023)
    own = (await snapshots.trigger(ctx, organization_id="org-paraply", period_id="2023", wait=True)).snapshot.id
    await submissions.submit(ctx, report_id=(await records.generate(ctx, snapshot_id=own, report_type="annual_report")).id)
    answered = await client.get(path, params={"org_id": "org-paraply"}, headers=tokens.admin())
    assert answered.json()["submitted_period_id"] == "2023", answered.text
