"""Analytics over stored figures, through REST and GraphQL, on SQLite and PostgreSQL: the table
against a Python oracle for each source, who may read what, the time series, and the exports
(JSON-stat 2.0 checked against the format's schema, CSV read back as Norwegian Excel would,
DHIS2 dataValueSets)."""

from __future__ import annotations

import csv
import io
import itertools
import random
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import jsonschema
import pytest

from bufdir_reporting.models import (
    DEFAULT_FORM,
    FieldDefinition,
    FieldValue,
    Organization,
    OrganizationKind,
    ReportForm,
    ReportRecord,
    ReviewState,
    Section,
    Snapshot,
    SnapshotStatus,
    Submission,
)
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.analytics import export, table
from bufdir_reporting.resolvers.analytics.selection import Selection
from bufdir_reporting.resolvers.base import revision
from bufdir_reporting.resolvers.base.context import Context

from ...factories import FieldSpec, context_for, counted, make_activity, make_organization, make_period, make_section, manual
from ...live import emptied, live_server
from ...statements import counting_statements
from .jsonstat_schema import JSONSTAT_DATASET

pytestmark = pytest.mark.asyncio
FIELDS = ("antall_saker", "antall_arsverk", "merknad")
QUARTERS = ("2025-Q1", "2025-Q2", "2025-Q3")
_ids = itertools.count(1)


@dataclass
class World:
    organizations: list[Organization]
    figures: dict[tuple[str, str, str], dict[str, Any]]
    """(source, organisation, period) -> {field: value} of what that source counts there."""
    states: dict[tuple[str, str, str], str]


async def _figures(
    org: Organization, period_id: str, values: dict[str, Any], *, state: ReviewState | None, current: bool, version: int = 1
) -> Snapshot:
    n = next(_ids)
    snapshot = await Snapshot.create(
        id=f"snap-{n}",
        organization=org,
        period_id=period_id,
        range_start=datetime(2025, 1, 1, tzinfo=UTC),
        range_end=datetime(2025, 12, 31, tzinfo=UTC),
        status=SnapshotStatus.CURRENT if current else SnapshotStatus.HISTORICAL,
        current_slot=f"{org.id}|{period_id}" if current else None,
    )
    definitions = {d.key: d for d in await FieldDefinition.filter(key__in=list(values))}
    for key, value in values.items():
        text = isinstance(value, str)
        await FieldValue.create(
            snapshot=snapshot,
            field_definition=definitions[key],
            field_key=key,
            section_key=definitions[key].section_id,
            value=None if text else value,
            text_value=value if text else None,
        )
    if state is not None:
        record = await ReportRecord.create(
            id=f"rec-{n}",
            organization=org,
            report_type="quarterly_activity",
            period_from=date(2025, 1, 1),
            period_to=date(2025, 3, 31),
        )
        await Submission.create(
            id=f"sub-{n}",
            organization=org,
            period_id=period_id,
            snapshot=snapshot,
            report_record=record,
            version=version,
            activity_count=0,
            submitted_by="coordinator",
            submitted_at=datetime(2025, 4, 1, tzinfo=UTC),
            review_state=state,
        )
    return snapshot


def _values(rng: random.Random) -> dict[str, Any]:
    reported = rng.random() > 0.15  # sometimes null: not reported, distinct from 0
    return {
        "antall_saker": rng.randint(0, 60) if reported else None,
        "antall_arsverk": Decimal(rng.randint(0, 300)) / 10,
        "merknad": rng.choice(["", "Stabil drift", "=SUM(A1)"]),
    }


async def _world(seed: int = 7) -> World:
    """Six child-welfare services and two others over three quarters: some approved, some
    submitted after an approved version, some returned, some drafts only."""
    await make_section(
        fields=[manual("antall_saker", data_type="integer"), manual("antall_arsverk"), manual("merknad", data_type="text")]
    )
    for quarter in (1, 2, 3):
        await make_period(year=2025, quarter=quarter)
    rng = random.Random(seed)
    orgs = [await make_organization(id=f"org-a{n}", kind=OrganizationKind.CHILD_WELFARE_SERVICE) for n in range(1, 7)]
    orgs += [await make_organization(id=f"org-v{n}", kind=OrganizationKind.VOLUNTEER_ORGANIZATION) for n in range(1, 3)]
    figures: dict[tuple[str, str, str], dict[str, Any]] = {}
    states: dict[tuple[str, str, str], str] = {}
    for org in orgs:
        for period_id in QUARTERS:
            story = rng.choice(["approved", "approved_then_submitted", "returned", "draft", "nothing"])
            if story == "nothing":
                continue
            first = _values(rng)
            if story == "draft":
                await _figures(org, period_id, first, state=None, current=True)
                figures["current", org.id, period_id] = first
                states["current", org.id, period_id] = "draft"
                continue
            state = ReviewState.RETURNED if story == "returned" else ReviewState.APPROVED
            later = story == "approved_then_submitted"
            await _figures(org, period_id, first, state=state, current=not later)
            if state is ReviewState.APPROVED:
                figures["approved", org.id, period_id] = first
                states["approved", org.id, period_id] = "approved"
            last, last_state = first, state.value
            if later:
                last = _values(rng)
                await _figures(org, period_id, last, state=ReviewState.SUBMITTED, current=True, version=2)
                last_state = "submitted"
            figures["latest_submitted", org.id, period_id] = last
            states["latest_submitted", org.id, period_id] = last_state
            figures["current", org.id, period_id] = last
            states["current", org.id, period_id] = last_state
    return World(orgs, figures, states)


def _params(**given: Any) -> list[tuple[str, str]]:
    params = [("fields", f) for f in FIELDS] + [("periods", p) for p in QUARTERS]
    for name, value in given.items():
        for item in value if isinstance(value, list) else [value]:
            params.append((name, str(item).lower() if isinstance(item, bool) else str(item)))
    return params


def _number(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return float(value) if Decimal(value) != Decimal(value).to_integral_value() else int(value)


@pytest.mark.parametrize("source", ["approved", "latest_submitted", "current"])
async def test_the_table_is_the_python_oracle_for_each_source(app, client, tokens, source: str) -> None:
    world = await _world()
    response = await client.get("/api/v1/analytics", params=_params(source=source), headers=tokens.reviewer())
    assert response.status_code == 200, response.text
    body = response.json()
    assert [f["key"] for f in body["fields"]] == list(FIELDS)
    assert [o["id"] for o in body["organizations"]] == sorted(o.id for o in world.organizations)
    cells = iter(body["cells"])
    for field in FIELDS:
        for org in sorted(o.id for o in world.organizations):
            for period in QUARTERS:
                cell = next(cells)
                assert (cell["field_key"], cell["organization_id"], cell["period_id"]) == (field, org, period)
                expected = world.figures.get((source, org, period))
                if expected is None:
                    assert (cell["value"], cell["text"], cell["status"]) == (None, None, "missing")
                    continue
                value = expected[field]
                assert (cell["text"] if isinstance(value, str) else cell["value"]) == _number(value)
                assert cell["status"] == world.states[source, org, period]
                assert cell["approved"] is (cell["status"] == "approved")
    # totals, median and quartiles of each numeric field and period over the table's organisations
    for summary in body["summaries"]:
        if summary["field_key"] == "merknad":
            assert summary["total"] is None
            continue
        column = [
            Decimal(str(v[summary["field_key"]]))
            for (s, _, p), v in world.figures.items()
            if s == source and p == summary["period_id"] and v[summary["field_key"]] is not None
        ]
        assert summary["reported"] == len(column)
        if len(column) >= 2:
            q1, median, q3 = statistics.quantiles(column, n=4, method="inclusive")
            assert (summary["total"], summary["median"]) == (_number(sum(column)), _number(median))
            assert (summary["lower_quartile"], summary["upper_quartile"]) == (_number(q1), _number(q3))


async def test_a_coordinator_sees_its_position_among_peers_but_no_peer_value(app, client, tokens) -> None:
    await _world()
    own = "org-a1"
    response = await client.get(
        "/api/v1/analytics", params=_params(organizations=own, source="approved"), headers=tokens.headers(own)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert {c["organization_id"] for c in body["cells"]} == {own}
    approved = {
        (fv.field_key, s.period_id, s.organization_id): fv.value
        for s in await Snapshot.filter(
            submissions__review_state=ReviewState.APPROVED, organization__kind=OrganizationKind.CHILD_WELFARE_SERVICE
        )
        for fv in await FieldValue.filter(snapshot=s, field_key="antall_saker", value__isnull=False)
    }
    checked = 0
    for cell in body["cells"]:
        if cell["field_key"] != "antall_saker" or cell["value"] is None:
            continue
        peers = [v for (f, p, _), v in approved.items() if p == cell["period_id"] and v is not None]
        if len(peers) < 5:
            assert cell["peers"] is None
            continue
        q1, median, q3 = statistics.quantiles(peers, n=4, method="inclusive")
        rank = 1 + len([v for v in peers if v > Decimal(cell["value"])])
        assert cell["peers"] == {
            "rank": rank,
            "of": len(peers),
            "median": _number(median),
            "lower_quartile": _number(q1),
            "upper_quartile": _number(q3),
        }
        checked += 1
    # another organisation's raw values: refused, whichever source
    for source in ("current", "latest_submitted"):
        refused = await client.get(
            "/api/v1/analytics", params=_params(organizations="org-a2", source=source), headers=tokens.headers(own)
        )
        assert refused.status_code == 403, refused.text
    # its approved figures of a form that is not public: not one cell shows, and none reads as
    # "not reported" (it was reported and approved: withheld, not missing)
    hidden = await client.get("/api/v1/analytics", params=_params(organizations="org-a2"), headers=tokens.headers(own))
    assert hidden.status_code == 200
    assert {c["status"] for c in hidden.json()["cells"]} == {"withheld"}
    assert all(c["value"] is None for c in hidden.json()["cells"])


async def test_its_own_organisation_gets_current_figures_by_default_and_others_approved(app, client, tokens) -> None:
    world = await _world()
    own = await client.get("/api/v1/analytics", params=_params(organizations="org-a1"), headers=tokens.headers("org-a1"))
    assert own.json()["source"] == "current"
    other = await client.get("/api/v1/analytics", params=_params(organizations="org-a1"), headers=tokens.reviewer())
    assert other.json()["source"] == "approved"
    assert world


async def test_anonymous_callers_get_approved_figures_of_public_forms_only(app, client) -> None:
    world = await _world()
    anonymous = await client.get("/api/v1/analytics", params=_params())
    assert anonymous.status_code == 200
    assert {c["status"] for c in anonymous.json()["cells"]} == {"withheld"}  # the default form is not public
    await ReportForm.update_or_create(id=DEFAULT_FORM, defaults={"name": "Bufdir-rapport", "is_default": True, "public": True})
    published = (
        await client.get("/api/v1/analytics", params=_params(form=DEFAULT_FORM))
    ).json()  # (another read: the first is cached)
    shown = {(c["organization_id"], c["period_id"]) for c in published["cells"] if c["status"] != "withheld"}
    assert shown == {(o, p) for (s, o, p) in world.figures if s == "approved"}
    assert {c["status"] for c in published["cells"]} <= {"approved", "withheld"}
    assert all(c["peers"] is None for c in published["cells"])
    for source in ("current", "latest_submitted"):
        refused = await client.get("/api/v1/analytics", params=_params(source=source))
        assert refused.status_code == 401, refused.text


async def test_a_form_made_private_hides_its_figures_from_anonymous_callers_at_once(app, client, tokens) -> None:
    """The public forms are read once per structure revision; a form's update replaced the
    revision only when its sections or roll-up changed, so a form made private stayed published
    to anonymous callers until some other structure write (s9-cpu's review)."""
    await _world()
    await ReportForm.update_or_create(id=DEFAULT_FORM, defaults={"name": "Bufdir-rapport", "is_default": True})
    await revision.bump()  # the structure's caches in force, as in a served app
    sections = sorted(str(s) for s in await Section.all().values_list("id", flat=True))
    form = {"form_id": DEFAULT_FORM, "name": "Bufdir-rapport", "section_ids": sections}
    url = f"/api/v1/report-forms/{DEFAULT_FORM}"

    def shown(response: httpx.Response) -> set[str]:
        assert response.status_code == 200, response.text
        return {c["status"] for c in response.json()["cells"]}

    assert shown(await client.get("/api/v1/analytics", params=_params())) == {"withheld"}
    assert (await client.put(url, json={**form, "public": True}, headers=tokens.admin())).status_code == 200
    assert "approved" in shown(await client.get("/api/v1/analytics", params=_params()))
    assert (await client.put(url, json={**form, "public": False}, headers=tokens.admin())).status_code == 200
    assert shown(await client.get("/api/v1/analytics", params=_params())) == {"withheld"}


async def test_a_time_series_gives_the_change_and_the_share_reported(app, client, tokens) -> None:
    world = await _world()
    org = "org-a1"
    params = [
        ("fields", "antall_arsverk"),
        ("organizations", org),
        ("period_type", "quarter"),
        ("period_from", "2025-01-01"),
        ("period_to", "2025-12-31"),
    ]
    response = await client.get(
        "/api/v1/analytics/time-series", params=[*params, ("source", "current")], headers=tokens.reviewer()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = [world.figures.get(("current", org, p), {}).get("antall_arsverk") for p in QUARTERS]
    assert [p["value"] for p in body["points"]] == [_number(v) for v in expected]
    changes = [None] + [_number(b - a) if a is not None and b is not None else None for a, b in itertools.pairwise(expected)]
    assert [p["change"] for p in body["points"]] == changes
    assert body["reported_share"] == pytest.approx(sum(v is not None for v in expected) / 3)


async def test_a_subtree_rolled_up_sums_its_organisations(app, client, tokens) -> None:
    await make_section(fields=[manual("antall_saker", data_type="integer")])
    await make_period(year=2025, quarter=1)
    root = await make_organization(id="org-paraply")
    branches = [await make_organization(id=f"org-gren{n}", parent=root) for n in (1, 2)]
    for org, value in zip([root, *branches], (1, 10, 100), strict=True):
        await _figures(org, "2025-Q1", {"antall_saker": value}, state=ReviewState.APPROVED, current=True)
    params = [("fields", "antall_saker"), ("periods", "2025-Q1"), ("subtree_of", "org-paraply"), ("roll_up", "true")]
    body = (await client.get("/api/v1/analytics", params=params, headers=tokens.headers("org-paraply"))).json()
    assert [(c["organization_id"], c["value"], c["status"]) for c in body["cells"]] == [("org-paraply", 111, "approved")]


async def test_json_stat_export_is_a_valid_dataset_with_the_tables_values(app, client, tokens) -> None:
    await _world()
    params = _params(source="current")
    table = (await client.get("/api/v1/analytics", params=params, headers=tokens.reviewer())).json()
    response = await client.get("/api/v1/analytics/export", params=[*params, ("format", "jsonstat")], headers=tokens.reviewer())
    assert response.status_code == 200, response.text
    dataset = response.json()
    jsonschema.validate(dataset, JSONSTAT_DATASET)
    # what the schema cannot say (JSON-stat 2.0, "size" and "value"): one size per id, a
    # dimension per id whose categories are as many as its size, as many values as cells
    assert len(dataset["id"]) == len(dataset["size"])
    for name, size in zip(dataset["id"], dataset["size"], strict=True):
        assert len(dataset["dimension"][name]["category"]["index"]) == size
    assert len(dataset["value"]) == len(dataset["status"]) == dataset["size"][0] * dataset["size"][1] * dataset["size"][2]
    assert dataset["value"] == [c["value"] if c["text"] is None else c["text"] for c in table["cells"]]
    assert dataset["status"] == [c["status"] for c in table["cells"]]


async def test_csv_export_opens_in_columns_with_decimal_commas(app, client, tokens) -> None:
    world = await _world()
    params = [*_params(source="current"), ("format", "csv")]
    response = await client.get("/api/v1/analytics/export", params=params, headers=tokens.reviewer())
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == [
        "felt",
        "feltnavn",
        "organisasjon",
        "organisasjonsnavn",
        "periode",
        "periodenavn",
        "verdi",
        "status",
        "statusnavn",
        "godkjent",
    ]
    assert all(len(row) == 10 for row in rows)
    for field, _, org, _, period, _, value, status, _, _ in rows[1:]:
        expected = world.figures.get(("current", org, period), {}).get(field)
        if field == "antall_arsverk" and expected is not None:
            assert value == format(expected.normalize(), "f").replace(".", ",")
            assert "." not in value
        if field == "merknad" and expected == "=SUM(A1)":
            assert value == "'=SUM(A1)"  # not a formula to Excel
        if (("current", org, period)) not in world.figures:
            assert (value, status) == ("", "missing")


async def test_csv_export_keeps_every_text_a_text_ids_and_new_formula_starts_too(app, client, tokens) -> None:
    """One rule for every CSV (``spreadsheet_text.inert``): an organisation's id went out as it
    was ("-org" is a formula to Excel), and a text starting with a line feed or a full-width
    = + - @ (U+FF1D, FF0B, FF0D, FF20) was not neutralised as one starting with '=' was (polish5)."""
    await make_section(
        fields=[manual("antall_saker", data_type="integer"), manual("antall_arsverk"), manual("merknad", data_type="text")]
    )
    for quarter in (1, 2, 3):
        await make_period(year=2025, quarter=quarter)
    texts = ["\n=1+1", "\uff1dSUM(A1)", "\uff0b1", "\uff0d1", "\uff20SUM(A1)"]
    for n, text in enumerate(texts):
        org = await make_organization(id=f"-org-{n}", name=text, kind=OrganizationKind.CHILD_WELFARE_SERVICE)
        values = {"antall_saker": 1, "antall_arsverk": Decimal(1), "merknad": text}
        await _figures(org, "2025-Q1", values, state=None, current=True)
    params = [*_params(source="current"), ("format", "csv"), *(("organizations", f"-org-{n}") for n in range(len(texts)))]
    response = await client.get("/api/v1/analytics/export", params=params, headers=tokens.reviewer())
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))[1:]
    assert {row[2] for row in rows} == {f"'-org-{n}" for n in range(len(texts))}
    assert {row[3] for row in rows} == {"'" + text for text in texts}
    assert {row[6] for row in rows if row[0] == "merknad" and row[4] == "2025-Q1"} == {"'" + text for text in texts}


async def test_an_export_is_named_by_what_it_holds(app, client, tokens) -> None:
    """It was named by its format, ``bufdir-analytics-csv.csv``, whatever it held (polish5)."""
    await _world()
    names = {}
    for format in ("csv", "jsonstat", "dhis2"):
        for periods in (QUARTERS, QUARTERS[1:2]):
            params = [("fields", f) for f in FIELDS] + [("periods", p) for p in periods] + [("format", format)]
            response = await client.get("/api/v1/analytics/export", params=params, headers=tokens.reviewer())
            assert response.status_code == 200, response.text
            names[format, len(periods)] = response.headers["content-disposition"]
    assert names == {
        ("csv", 3): 'attachment; filename="bufdir-analytics-2025-Q1_2025-Q3.csv"',
        ("csv", 1): 'attachment; filename="bufdir-analytics-2025-Q2.csv"',
        ("jsonstat", 3): 'attachment; filename="bufdir-analytics-2025-Q1_2025-Q3.json"',
        ("jsonstat", 1): 'attachment; filename="bufdir-analytics-2025-Q2.json"',
        ("dhis2", 3): 'attachment; filename="bufdir-analytics-2025-Q1_2025-Q3.dhis2.json"',
        ("dhis2", 1): 'attachment; filename="bufdir-analytics-2025-Q2.dhis2.json"',
    }
    params = [("fields", "merknad"), ("periods", "2025-Q1"), ("form", DEFAULT_FORM), ("format", "csv")]
    response = await client.get("/api/v1/analytics/export", params=params, headers=tokens.reviewer())
    assert response.headers["content-disposition"] == f'attachment; filename="bufdir-analytics-{DEFAULT_FORM}-2025-Q1.csv"'


async def test_dhis2_export_has_data_values_in_dhis2_periods(app, client, tokens) -> None:
    world = await _world()
    params = [*_params(source="current"), ("format", "dhis2")]
    response = await client.get("/api/v1/analytics/export", params=params, headers=tokens.reviewer())
    body = response.json()
    assert set(body) == {"dataValues"}
    expected = {
        (field, f"2025Q{QUARTERS.index(period) + 1}", org)
        for (source, org, period), values in world.figures.items()
        if source == "current"
        for field, value in values.items()
        if value is not None
    }
    assert {(v["dataElement"], v["period"], v["orgUnit"]) for v in body["dataValues"]} == expected
    assert all(
        set(v) == {"dataElement", "period", "orgUnit", "value"} and isinstance(v["value"], str) for v in body["dataValues"]
    )


async def test_graphql_answers_the_same_table(app, graphql, client, tokens) -> None:
    await _world()
    query = """query($s: AnalyticsSelection!) { analytics(selection: $s) { source
      fields { key } organizations { id kind } periods { id }
      cells { fieldKey organizationId periodId value text status approved } } }"""
    selection = {"fieldKeys": list(FIELDS), "periodIds": list(QUARTERS), "organizationKind": "CHILD_WELFARE_SERVICE"}
    result = await graphql(query, {"s": selection}, headers=tokens.reviewer())
    assert "errors" not in result, result
    table = result["data"]["analytics"]
    rest = (await client.get("/api/v1/analytics", params=_params(kind="child_welfare_service"), headers=tokens.reviewer())).json()
    assert table["source"] == "APPROVED"
    assert [(c["organizationId"], c["status"].lower(), c["approved"]) for c in table["cells"]] == [
        (c["organization_id"], c["status"], c["approved"]) for c in rest["cells"]
    ]
    assert [None if c["value"] is None else Decimal(c["value"]) for c in table["cells"]] == [
        None if c["value"] is None else Decimal(str(c["value"])) for c in rest["cells"]
    ]


async def test_a_table_takes_the_same_few_statements_whatever_its_size(app, settings) -> None:
    await _world()
    ctx = context_for(settings, app, admin=True)
    await revision.bump()  # fields and forms are read once per structure revision
    counts = []
    for organizations, periods in ((["org-a1"], QUARTERS[:1]), (["org-a1", "org-a2", "org-a3", "org-v1"], QUARTERS)):
        selection = Selection(field_keys=list(FIELDS), organization_ids=organizations, period_ids=list(periods))
        await table.query(ctx, selection=selection)
        with counting_statements() as counter:
            found = await table.query(ctx, selection=selection)
        assert len(found.cells) == len(FIELDS) * len(organizations) * len(periods)
        counts.append(len(counter.statements))
    # the structure's revision, periods, organisations, values, peers' approved values
    assert counts[0] == counts[1] <= 5, counts


async def test_a_reviewers_table_of_every_organisation_is_two_statements(app, settings) -> None:
    """The structure's revision, the periods and the organisations in one statement, the values in
    the other; the peers come from the table itself (bench S9, whose hand-written baseline makes
    two)."""
    await _world()
    ctx = context_for(settings, app, admin=True)
    await revision.bump()
    selection = Selection(field_keys=list(FIELDS), period_ids=list(QUARTERS))
    await table.query(ctx, selection=selection)  # fields and forms: read once per revision
    with counting_statements() as counter:
        found = await table.query(ctx, selection=selection)
    assert len(found.cells) == len(FIELDS) * 8 * len(QUARTERS)
    assert len(counter.statements) == 2, counter.statements


async def test_an_export_is_streamed_past_the_response_cache(app, client, tokens) -> None:
    """An export is not kept whole by the response cache: a change written around the service
    (which the cache cannot see) shows in the next export."""
    await make_section(fields=[manual("antall_arsverk")])
    await make_period(year=2025, quarter=1)
    org = await make_organization(id="org-a1")
    await _figures(org, "2025-Q1", {"antall_arsverk": Decimal(1)}, state=None, current=True)
    params = [("fields", "antall_arsverk"), ("organizations", "org-a1"), ("periods", "2025-Q1"), ("source", "current")]
    params.append(("format", "dhis2"))
    first = (await client.get("/api/v1/analytics/export", params=params, headers=tokens.reviewer())).json()
    await FieldValue.filter(field_key="antall_arsverk").update(value=Decimal(2))
    second = (await client.get("/api/v1/analytics/export", params=params, headers=tokens.reviewer())).json()
    assert [v["value"] for v in first["dataValues"]] == ["1"]
    assert [v["value"] for v in second["dataValues"]] == ["2"]


async def test_a_selection_that_cannot_be_answered_names_what_to_change(app, client, tokens) -> None:
    """A reversed range answered an empty table, and the selection's own rules named no field,
    their messages starting with a space (outside review)."""
    reviewer = tokens.reviewer()
    reversed_range = [
        ("fields", "antall_saker"),
        ("period_type", "quarter"),
        ("period_from", "2025-12-31"),
        ("period_to", "2025-01-01"),
    ]
    refused = await client.get("/api/v1/analytics", params=reversed_range, headers=reviewer)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"]["field"] == "period_to"
    assert refused.json()["error"]["message"] == "period_from is after period_to"
    nothing = await client.get("/api/v1/analytics", params=[("periods", "2025")], headers=reviewer)
    error = nothing.json()["error"]
    assert nothing.status_code == 422 and error["details"]["field"] == "fields", nothing.text
    # the message names REST's parameters too: it told REST to give field_keys, which it has not
    assert error["message"] == "name the fields (fields) or the sections (sections)", error
    norwegian = await client.get("/api/v1/analytics", params=[("periods", "2025")], headers={**reviewer, "Accept-Language": "nb"})
    assert norwegian.json()["error"]["message"] == "oppgi felt (fields) eller seksjoner (sections)"
    for params, said in (
        ([("fields", "antall_saker")], "name periods (periods) or a range of one period type (period_type)"),
        ([("fields", "antall_saker"), ("periods", "2025"), ("period_type", "year")], "(periods) or a range (period_type with"),
        ([("fields", "antall_saker"), ("periods", "2025"), ("roll_up", "true")], "roll_up sums a subtree: name it (subtree_of)"),
    ):
        answer = await client.get("/api/v1/analytics", params=params, headers=reviewer)
        assert answer.status_code == 422 and said in answer.json()["error"]["message"], answer.text


async def test_rest_refuses_a_query_parameter_it_does_not_know(app, client, tokens) -> None:
    """FastAPI ignores an undeclared query parameter: GraphQL's organization_kind (REST: kind)
    answered every organisation instead of a refusal."""
    await _world()
    reviewer = tokens.reviewer()
    for path in ("/api/v1/analytics", "/api/v1/analytics/time-series", "/api/v1/analytics/export"):
        refused = await client.get(path, params=[*_params(), ("organization_kind", "child_welfare_service")], headers=reviewer)
        assert refused.status_code == 422, (path, refused.text)
        error = refused.json()["error"]
        assert error["details"]["field"] == "organization_kind" and "organization_kind" in error["message"]
    # what each route declares is taken: kind everywhere, format on the export only
    kind = await client.get("/api/v1/analytics", params=_params(kind="volunteer_organization"), headers=reviewer)
    assert {o["id"] for o in kind.json()["organizations"]} == {"org-v1", "org-v2"}
    exported = await client.get("/api/v1/analytics/export", params=_params(format="csv"), headers=reviewer)
    assert exported.status_code == 200
    assert (await client.get("/api/v1/analytics", params=_params(format="csv"), headers=reviewer)).status_code == 422


async def test_graphql_refusals_name_graphql_arguments(app, graphql, tokens) -> None:
    """A refusal names what the caller wrote: selection.periodTo, not REST's period_to or the use
    case's field_keys."""
    await _world()
    query = "query($s: AnalyticsSelection!) { analytics(selection: $s) { source } }"
    reversed_range = {
        "fieldKeys": ["antall_saker"],
        "periodType": "QUARTER",
        "periodFrom": "2025-12-31",
        "periodTo": "2025-01-01",
    }
    nothing = {"periodIds": ["2025-Q1"]}
    unknown = {"fieldKeys": ["antall_saker"], "periodIds": ["2025-Q1"], "organizationIds": ["org-nowhere"]}
    for selection, named, said in (
        (reversed_range, "selection.periodTo", "selection.periodFrom is after selection.periodTo"),
        (nothing, "selection.fieldKeys", "name the fields (selection.fieldKeys) or the sections (selection.sectionIds)"),
        (unknown, "selection.organizationIds", "org-nowhere"),
    ):
        result = await graphql(query, {"s": selection}, headers=tokens.reviewer())
        (error,) = result["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert error["extensions"]["field"] == named, error
        assert said in error["message"], error


async def test_an_unknown_form_is_refused_naming_the_input_that_named_it(app, client, graphql, tokens) -> None:
    """Analytics' NOT_FOUND for an unknown report form named no field (outsider): REST's
    ``form``, GraphQL's ``selection.formId``."""
    await make_section(fields=[counted("saker")])
    await make_period(year=2024)
    params = {"fields": "saker", "periods": "2024", "form": "no-such-form"}
    refused = await client.get("/api/v1/analytics", params=params, headers=tokens.reviewer())
    assert refused.status_code == 404, refused.text
    assert (refused.json()["error"]["details"]["field"], refused.json()["error"]["details"]["id"]) == ("form", "no-such-form")
    query = "query($s: AnalyticsSelection!) { analytics(selection: $s) { source } }"
    selection = {"fieldKeys": ["saker"], "periodIds": ["2024"], "formId": "no-such-form"}
    (error,) = (await graphql(query, {"s": selection}, headers=tokens.reviewer()))["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("NOT_FOUND", "selection.formId"), error


async def test_a_source_the_token_may_not_read_is_refused_naming_source(app, client, graphql, tokens) -> None:
    """A coordinator asking another organisation's current figures was refused without
    ``details.field`` (outsider): the refusal names the source, as each transport spells it."""
    await make_section(fields=[counted("saker")])
    await make_period(year=2024)
    for org in ("org-s1", "org-s2"):
        await make_organization(id=org)
    own = tokens.headers("org-s1")
    params = {"fields": "saker", "periods": "2024", "organizations": "org-s2", "source": "current"}
    refused = await client.get("/api/v1/analytics", params=params, headers=own)
    assert refused.status_code == 403 and refused.json()["error"]["details"]["field"] == "source", refused.text
    query = "query($s: AnalyticsSelection!) { analytics(selection: $s) { source } }"
    selection = {"fieldKeys": ["saker"], "periodIds": ["2024"], "organizationIds": ["org-s2"], "source": "CURRENT"}
    (error,) = (await graphql(query, {"s": selection}, headers=own))["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("FORBIDDEN", "selection.source"), error


async def test_many_unknown_organisations_are_counted_and_the_first_named(app, client, tokens) -> None:
    """A selection of up to 5,000 unknown ids was refused naming every one in one message
    (outsider): the first ten, and how many."""
    await make_section(fields=[counted("saker")])
    await make_period(year=2024)
    await make_organization(id="org-k1")
    unknown = [f"org-u{n:02}" for n in range(12)]
    params = [("fields", "saker"), ("periods", "2024"), *(("organizations", o) for o in ["org-k1", *unknown])]
    refused = await client.get("/api/v1/analytics", params=params, headers=tokens.reviewer())
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["message"] == "12 organisations do not exist; the first 10: " + ", ".join(unknown[:10]), error
    assert (error["details"]["field"], error["details"]["missing_count"]) == ("organizations", 12), error
    few = await client.get("/api/v1/analytics", params=params[:-2], headers=tokens.reviewer())
    assert few.json()["error"]["message"] == "no organisation " + ", ".join(unknown[:10]), few.text


async def test_many_unknown_fields_sections_and_periods_are_counted_and_the_first_named(app, client, tokens) -> None:
    """The organisations' rule (errors.refuse_unknown) for the selection's other ids: a list of
    unknown fields or periods was named whole in one message (outsider)."""
    await make_section(fields=[counted("saker")])
    await make_period(year=2024)
    unknown = [f"ukjent-{n:02}" for n in range(12)]
    cases = [
        ("fields", [("periods", "2024")], "12 fields do not exist; the first 10: ", "no field "),
        ("periods", [("fields", "saker")], "12 periods do not exist; the first 10: ", "no period "),
        ("sections", [("periods", "2024")], "12 sections do not exist (or have no fields); the first 10: ", "no section "),
    ]
    for name, rest, many, few in cases:
        params = [*rest, *((name, u) for u in unknown)]
        error = (await client.get("/api/v1/analytics", params=params, headers=tokens.reviewer())).json()["error"]
        assert error["message"] == many + ", ".join(unknown[:10]), error
        assert (error["details"]["field"], error["details"]["missing_count"]) == (name, 12), error
        nynorsk = await client.get("/api/v1/analytics", params=params, headers={**tokens.reviewer(), "Accept-Language": "nn"})
        assert nynorsk.json()["error"]["message"].startswith("12 "), nynorsk.text
        ten = (await client.get("/api/v1/analytics", params=params[:-2], headers=tokens.reviewer())).json()["error"]
        assert ten["message"].startswith(few + ", ".join(unknown[:10])) and "missing_count" not in ten["details"], ten


PEOPLE_FIELDS = [
    FieldSpec("antall_deltakere", {"kind": "count_distinct_participants", "filters": {}, "temporal": "flow"}),
    counted("antall_aktiviteter"),
]
FORM = """mutation ($input: ReportFormInput!) { createReportForm(input: $input) { formId } }"""
ASSIGN = """mutation ($form: ID!, $input: FormAssignmentInput!) { assignReportForm(formId: $form, input: $input) { id } }"""


async def _rolled_up_form_for_paraply(graphql: Any, admin: dict[str, str], ctx: Context, section: Section) -> None:
    """The rolled-up form "samlet" of the section, assigned to org-paraply from 2024 on, and
    org-paraply's 2024 snapshot of it."""
    form = {"formId": "samlet", "name": "Samlet", "sectionIds": [section.id], "rolledUp": True}
    assert "errors" not in await graphql(FORM, {"input": form}, admin)
    assign = {"form": "samlet", "input": {"organizationId": "org-paraply", "fromPeriodId": "2024"}}
    assert "errors" not in await graphql(ASSIGN, assign, admin)
    await snapshots.trigger(ctx, organization_id="org-paraply", period_id="2024", form_id="samlet", wait=True)


async def test_a_rolled_up_count_of_people_is_the_subtrees_own_figure_not_a_sum(app, graphql, client, tokens, settings) -> None:
    """A person served by two branches counts once in the subtree: its rolled-up form's snapshot
    (the engine counting distinct participants across the subtree) is the figure; without one the
    row is the branches' sum and says so (summed), as every other summed field does."""
    section = await make_section(fields=PEOPLE_FIELDS)
    await make_period(year=2024)
    root = await make_organization(id="org-paraply")
    branches = [await make_organization(id=f"org-gren{n}", parent=root) for n in (1, 2)]
    for org, refs in ((branches[0], ("p-1", "p-2")), (branches[1], ("p-2", "p-3")), (root, ("p-1",))):
        await make_activity(org=org, occurred_at=datetime(2024, 5, 1, tzinfo=UTC), participants=refs)
    ctx = context_for(settings, app, admin=True)
    for org in (root, *branches):
        await snapshots.trigger(ctx, organization_id=org.id, period_id="2024", wait=True)
    params = [
        ("fields", "antall_deltakere"),
        ("fields", "antall_aktiviteter"),
        ("periods", "2024"),
        ("subtree_of", "org-paraply"),
        ("roll_up", "true"),
        ("source", "current"),
    ]

    async def rolled_up() -> dict[str, tuple[Any, bool]]:
        body = (await client.get("/api/v1/analytics", params=params, headers=tokens.reviewer())).json()
        return {c["field_key"]: (c["value"], c["summed"]) for c in body["cells"]}

    # no rolled-up figure: p-1 and p-2 are counted in two organisations each
    assert await rolled_up() == {"antall_deltakere": (5, True), "antall_aktiviteter": (3, True)}
    await _rolled_up_form_for_paraply(graphql, tokens.admin(), ctx, section)
    # the subtree's own figure: p-1, p-2 and p-3 once each; the count of activities stays a sum
    assert await rolled_up() == {"antall_deltakere": (3, False), "antall_aktiviteter": (3, True)}
    graphql_cells = await graphql(
        """query($s: AnalyticsSelection!) { analytics(selection: $s) { cells { fieldKey value summed } } }""",
        {
            "s": {
                "fieldKeys": ["antall_deltakere"],
                "periodIds": ["2024"],
                "subtreeOf": "org-paraply",
                "rollUp": True,
                "source": "CURRENT",
            }
        },
        headers=tokens.reviewer(),
    )
    assert graphql_cells["data"]["analytics"]["cells"] == [{"fieldKey": "antall_deltakere", "value": "3", "summed": False}]


async def test_a_streamed_export_shows_its_progress_in_cells(settings, tokens, monkeypatch) -> None:
    """A streamed export has no length before its last byte: it says its size in cells first
    (X-Total-Cells), and a client counting CSV lines (one a cell) sees its progress chunk by
    chunk as uvicorn sends them, ending at the whole."""
    monkeypatch.setattr(export, "ROWS_PER_WRITE", 10)  # several chunks from a small table
    async with live_server(settings) as (address, _):
        await emptied()
        await _world()
        params = httpx.QueryParams([*_params(source="current"), ("format", "csv")])
        async with (
            httpx.AsyncClient(base_url=f"http://{address}") as http,
            http.stream("GET", "/api/v1/analytics/export", params=params, headers=tokens.reviewer()) as response,
        ):
            assert response.status_code == 200
            total = int(response.headers["X-Total-Cells"])
            lines, progress = -1, []  # the first line is the header
            async for chunk in response.aiter_raw():
                lines += chunk.count(b"\r\n")
                progress.append(lines / total)
    assert total == len(FIELDS) * 8 * len(QUARTERS)
    assert len(progress) > 2 and progress == sorted(progress) and progress[-1] == 1.0


async def test_a_coordinators_draft_gets_no_position_that_would_let_it_probe_its_peers(app, client, tokens) -> None:
    """A position places a value among the peers' approved values. A coordinator's own draft is
    a value it sets at will: placed among them, moving it one step at a time and reading the rank
    told where each peer's approved figure lies, to the unit (attacker's review). A draft gets no
    position; the approved figure, which is one of the peers' and which it cannot move, keeps it."""
    await make_section(fields=[manual("antall_saker", data_type="integer")])
    await make_period(year=2025, quarter=1)
    await make_period(year=2025, quarter=2)
    orgs = [await make_organization(id=f"org-p{n}", kind=OrganizationKind.CHILD_WELFARE_SERVICE) for n in range(1, 7)]
    for n, org in enumerate(orgs[1:], start=1):
        for period_id in ("2025-Q1", "2025-Q2"):
            await _figures(org, period_id, {"antall_saker": 10 * n}, state=ReviewState.APPROVED, current=True)
    own = orgs[0]
    await _figures(own, "2025-Q1", {"antall_saker": 25}, state=ReviewState.APPROVED, current=True)
    await _figures(own, "2025-Q2", {"antall_saker": 25}, state=None, current=True)

    params = [("fields", "antall_saker"), ("periods", "2025-Q1"), ("periods", "2025-Q2"), ("organizations", own.id)]
    response = await client.get("/api/v1/analytics", params=params, headers=tokens.headers(own.id))
    assert response.status_code == 200, response.text
    first = {c["period_id"]: c for c in response.json()["cells"]}
    assert (first["2025-Q1"]["status"], first["2025-Q1"]["peers"]["rank"]) == ("approved", 4)  # 50, 40, 30 above 25
    assert (first["2025-Q2"]["status"], first["2025-Q2"]["value"], first["2025-Q2"]["peers"]) == ("draft", 25, None)


async def test_one_requests_tables_together_are_held_to_one_tables_limit(app, graphql, monkeypatch) -> None:
    """Each table under the limit and costed as a usual one, 29 aliased tables in one document
    had one process build 193,401 cells for an anonymous caller (10 s, every other request
    waiting; attacker's review). The tables of one request are held to one table's limit
    together: the table that would pass it is refused, saying so (a table is never null, so the
    answer is)."""
    from bufdir_reporting.resolvers.analytics import selection

    monkeypatch.setattr(selection, "MAX_TABLE_CELLS", 10)
    await make_section(fields=[manual("antall_saker", data_type="integer")])
    await make_period(year=2025, quarter=1)
    await make_period(year=2025, quarter=2)
    for n in range(3):
        await make_organization(id=f"org-t{n}", kind=OrganizationKind.CHILD_WELFARE_SERVICE)
    table = '(selection: {fieldKeys: ["antall_saker"], periodIds: ["2025-Q1", "2025-Q2"]}) { cells { status } }'
    alone = await graphql(f"{{ analytics{table} }}")
    assert "errors" not in alone and len(alone["data"]["analytics"]["cells"]) == 6
    both = await graphql(f"{{ a: analytics{table} b: analytics{table} }}")
    assert both["data"] is None
    [error] = both["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("the tables of one request have 12 cells together; at most 10")


async def test_an_organisations_own_figure_counts_in_a_sum_when_its_rolled_up_form_has_the_same(
    app, graphql, client, tokens, settings
) -> None:
    """A subtree's sum takes each organisation's own figure, never its rolled-up form's (which
    counts the subtree again), told apart by which of the two rows a cell's figure is. The rows
    of one table are shared per distinct figure (bench S9), so a rolled-up form's figure equal
    to the organisation's own must still be a row of its own: the root's one activity was
    dropped from the sum when the two rows were one."""
    section = await make_section(fields=PEOPLE_FIELDS)
    await make_period(year=2024)
    root = await make_organization(id="org-paraply")
    branch = await make_organization(id="org-gren1", parent=root)
    await make_activity(org=root, occurred_at=datetime(2024, 5, 1, tzinfo=UTC), participants=("p-1",))
    ctx = context_for(settings, app, admin=True)
    for org in (root, branch):
        await snapshots.trigger(ctx, organization_id=org.id, period_id="2024", wait=True)
    await _rolled_up_form_for_paraply(graphql, tokens.admin(), ctx, section)
    params = [
        ("fields", "antall_aktiviteter"),
        ("periods", "2024"),
        ("subtree_of", "org-paraply"),
        ("roll_up", "true"),
        ("source", "current"),
    ]
    body = (await client.get("/api/v1/analytics", params=params, headers=tokens.reviewer())).json()
    # the root's own activity and the branch's none; the rolled-up form's figure (also 1) not added
    assert [(c["value"], c["summed"]) for c in body["cells"]] == [(1, True)]
