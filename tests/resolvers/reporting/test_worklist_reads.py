"""How the case officer's worklist reads (issue #33, bench S10): the same statements for one
organisation as for many, the period's values read once (the peers' statement's rows judge each
report; the values loader is not asked again)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bufdir_reporting.auth import REVIEWER, Principal
from bufdir_reporting.models import FieldDefinition, FieldValue, OrganizationKind, Snapshot
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.resolvers.base.loaders import VALUE_COLUMNS
from bufdir_reporting.resolvers.reporting import worklist

from ...factories import counted, make_organization, make_period, make_section
from ...statements import counting_statements

YEARS = (2020, 2021, 2022, 2023, 2024)


async def _snapshot(org: str, year: int, values: dict[str, Decimal | None]) -> None:
    snapshot = await Snapshot.create(
        id=f"snap-{org}-{year}",
        organization_id=org,
        period_id=str(year),
        range_start=datetime(year, 1, 1, tzinfo=UTC),
        range_end=datetime(year + 1, 1, 1, tzinfo=UTC),
        status="current",
        current_slot=f"{org}|{year}",
    )
    for key, value in values.items():
        definition = await FieldDefinition.get(key=key)
        await FieldValue.create(
            snapshot=snapshot, field_definition=definition, field_key=key, section_key=definition.section_id, value=value
        )


async def _organization(number: int) -> None:
    """A child-welfare service reporting 7, 9, 6 and 8 cases before 2024 (history to judge by)
    and, in 2024, 40 (a jump) for the first one, 8 for the others; its placements left empty."""
    org = f"org-s{number}"
    await make_organization(id=org, kind=OrganizationKind.CHILD_WELFARE_SERVICE)
    for year, cases in zip(YEARS, (7, 9, 6, 8, 40 if number == 1 else 8), strict=False):
        await _snapshot(org, year, {"saker": Decimal(cases), "plasseringer": None})


async def _items(settings, app) -> tuple[list[worklist.WorkItem], list[str]]:
    ctx = Context(
        settings=settings,
        principal=Principal("case-officer", roles=frozenset({REVIEWER})),
        jobs=app.state.jobs,
        events=app.state.events,
    )
    with counting_statements() as counter:
        items = await worklist.list_(ctx, filters=worklist.Filters(period_id="2024", submitted_only=False))
    return items, counter.statements


async def test_the_worklist_reads_in_the_same_statements_for_one_organisation_and_many(app, settings):
    await make_section(fields=[counted("saker"), counted("plasseringer")])
    for year in YEARS:
        await make_period(year=year)
    await _organization(1)
    one, statements_for_one = await _items(settings, app)
    for number in range(2, 8):
        await _organization(number)
    many, statements_for_many = await _items(settings, app)

    assert {(i.organization_id, i.code) for i in one} == {("org-s1", "OUTLIER_HISTORY"), ("org-s1", "REQUIRED_MISSING")}
    assert {(i.organization_id, i.code) for i in many} >= {("org-s1", "OUTLIER_HISTORY"), ("org-s7", "REQUIRED_MISSING")}
    assert len(statements_for_one) == len(statements_for_many), (statements_for_one, statements_for_many)
    by_loader = f"SELECT {', '.join(VALUE_COLUMNS)}"[:100]
    assert [s for s in statements_for_many if s.startswith(by_loader)] == [], (
        "the period's values come with the peers' statement, not again through the values loader"
    )
