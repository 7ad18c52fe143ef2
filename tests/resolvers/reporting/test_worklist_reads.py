"""How the case officer's worklist reads (issue #33, bench S10): the same statements for one
organisation as for many, the period's values read once (the peers' statement's rows judge each
report; the values loader is not asked again), and the organisations' history kept between
reads until a write to their data (a prior period's value) is seen."""

from __future__ import annotations

import asyncio
import contextvars
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from bufdir_reporting.auth import REVIEWER, Principal
from bufdir_reporting.models import FieldDefinition, FieldValue, OrganizationKind, Snapshot
from bufdir_reporting.resolvers.base import changes, notify, revision
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.resolvers.base.loaders import VALUE_COLUMNS
from bufdir_reporting.resolvers.reporting import worklist
from bufdir_reporting.resolvers.snapshots import manual_values

from ...factories import context_for, counted, make_organization, make_period, make_section, manual
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


async def test_the_held_history_is_read_again_after_a_write_to_a_prior_period(app, settings):
    """org-s1 reported 7, 9, 6 and 8 cases before 2024, then 40: a jump. Read again with nothing
    written, the history is not summarised again (one statement fewer); after 2022 and 2023 are
    corrected to 40 through the service, 40 is what the history says is normal."""
    await make_section(fields=[manual("saker"), counted("plasseringer")])
    await revision.bump()  # a structure written through the service: the history may be held
    for year in YEARS:
        await make_period(year=year)
    await _organization(1)
    await _organization(2)

    first, _ = await _items(settings, app)
    again, held = await _items(settings, app)
    assert ("org-s1", "saker", "OUTLIER_HISTORY") in {(i.organization_id, i.field_key, i.code) for i in first}
    assert again == first

    admin = context_for(settings, app, admin=True)
    for year in (2022, 2023):
        await manual_values.set_value(admin, snapshot_id=f"snap-org-s1-{year}", field_key="saker", value=40)
    after, read_again = await _items(settings, app)
    assert ("org-s1", "saker", "OUTLIER_HISTORY") not in {(i.organization_id, i.field_key, i.code) for i in after}
    assert len(read_again) == len(held) + 1, "org-s1's history summarised again, not held (and before, held)"


@pytest.mark.postgres_only  # SQLite lets one writer at a time: its versions are taken in commit order
async def test_a_history_read_while_a_write_is_in_flight_is_not_held(app, settings, monkeypatch):
    """A write that took its version and has not committed (2020 corrected to 40) while a later
    one to the same organisation commits (2023 to 40): a worklist read between them sees the
    later version without the first change, and its history must not be held under it, which
    the first write's commit does not move. After both, 40 is normal for org-s1. (Not 2022 and
    2023: a value's write also refreshes the next period's prior values under that snapshot's
    row lock, so a write to 2022 in flight holds 2023's next write back.)"""
    await make_section(fields=[manual("saker"), counted("plasseringer")])
    await revision.bump()
    for year in YEARS:
        await make_period(year=year)
    await _organization(1)
    await _organization(2)
    outlier = ("org-s1", "saker", "OUTLIER_HISTORY")
    assert outlier in {(i.organization_id, i.field_key, i.code) for i in (await _items(settings, app))[0]}

    slow, recorded, release = contextvars.ContextVar("slow", default=False), asyncio.Event(), asyncio.Event()

    async def record_then_wait(pairs):  # the writer's versions are written; then it stalls before COMMIT
        await changes.record(pairs)
        if slow.get():
            recorded.set()
            await release.wait()

    monkeypatch.setattr(notify, "changes", SimpleNamespace(record=record_then_wait, of_event=changes.of_event))
    admin = context_for(settings, app, admin=True)

    async def slow_write() -> None:
        slow.set(True)
        await manual_values.set_value(admin, snapshot_id="snap-org-s1-2020", field_key="saker", value=40)

    writing = asyncio.create_task(slow_write())
    await recorded.wait()
    await manual_values.set_value(admin, snapshot_id="snap-org-s1-2023", field_key="saker", value=40)
    during, _ = await _items(settings, app)
    assert outlier in {(i.organization_id, i.field_key, i.code) for i in during}, "7, 9, 6, 40: 40 still a jump"
    release.set()
    await writing

    after, _ = await _items(settings, app)
    assert outlier not in {(i.organization_id, i.field_key, i.code) for i in after}
