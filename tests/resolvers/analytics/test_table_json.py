"""The REST table written straight from the stored rows (``encoding.rows_json``, bench S9) is the
table the cells make: the same bytes as ``cells_json`` and the same summaries, and in the REST
shapes' terms the same cells, for every source, with peers placed, withheld cells, texts that
need escaping and figures not reported, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
import statistics
from decimal import Decimal
from typing import Any

import pytest
from tortoise.connection import get_connection

from bufdir_reporting.auth import ANONYMOUS, Principal
from bufdir_reporting.models import FieldValue, OrganizationKind, ReviewState, SnapshotStatus
from bufdir_reporting.resolvers.analytics import encoding, statements, table
from bufdir_reporting.resolvers.analytics.selection import Selection, ValueSource, plan
from bufdir_reporting.resolvers.analytics.stats import Peers
from bufdir_reporting.resolvers.base import revision
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.rest.analytics_shapes import AnalyticsCellShape, AnalyticsPeersShape, AnalyticsSummaryShape
from bufdir_reporting.rest.routing import number

from ...factories import context_for, make_organization
from .test_analytics import FIELDS, QUARTERS, _figures, _values, _world


def _shape(cell: table.Cell) -> dict[str, Any]:
    """A cell as the REST shape declares it (what the route wrote through pydantic before)."""
    peers = None
    if cell.peers is not None:
        position = cell.peers
        peers = AnalyticsPeersShape(
            rank=position.rank,
            of=position.of,
            median=number(position.median),
            lower_quartile=number(position.lower_quartile),
            upper_quartile=number(position.upper_quartile),
        )
    return AnalyticsCellShape(
        field_key=cell.field_key,
        organization_id=cell.organization_id,
        period_id=cell.period_id,
        value=number(cell.value),
        text=cell.text,
        status=cell.status,
        approved=cell.approved,
        peers=peers,
        summed=cell.summed,
    ).model_dump(mode="json")


def _summary(summary: table.Summary) -> dict[str, Any]:
    s = summary.spread
    return AnalyticsSummaryShape(
        field_key=summary.field_key,
        period_id=summary.period_id,
        reported=summary.reported,
        total=None if s is None else number(s.total),
        median=None if s is None else number(s.median),
        lower_quartile=None if s is None else number(s.lower_quartile),
        upper_quartile=None if s is None else number(s.upper_quartile),
    ).model_dump(mode="json")


async def _both(ctx: Context, selection: Selection) -> tuple[str, str, list[table.Cell], list[table.Summary], str]:
    """(rows_json's cells, cells_json's, the cells, the summaries, rows_json's summaries)."""
    planned = await plan(ctx, selection=selection)
    values = await statements.value_rows(planned, [f.key for f in planned.fields])
    peers = await table.peer_groups(planned, values)
    written, summaries = encoding.rows_json(planned, values, peers)
    cells = table._cells(planned, [f.key for f in planned.fields], values, peers)
    return (
        written,
        encoding.cells_json(planned, cells),
        cells,
        table._summaries(planned, cells),
        encoding.summaries_json(summaries),
    )


@pytest.mark.asyncio
async def test_the_rows_written_straight_are_the_cells_bytes_and_shapes(app, settings) -> None:
    await _world()
    # enough approved peers of one kind for positions (MIN_PEERS), some figures shared
    rng = random.Random(3)
    for n in range(1, 7):
        org = await make_organization(id=f"org-p{n}", kind=OrganizationKind.CHILD_WELFARE_SERVICE)
        for period_id in QUARTERS:
            figures = _values(rng) | ({"antall_saker": 7} if n % 2 else {})
            await _figures(org, period_id, figures, state=ReviewState.APPROVED, current=True)
    # a text that JSON must escape, and one not reported (a row with neither value nor text)
    first = await FieldValue.filter(field_key="merknad").order_by("id").first()
    assert first is not None
    await FieldValue.filter(id=first.id).update(text_value='Økt «drift» "nå"\n\\')
    await FieldValue.filter(field_key="antall_saker", value__isnull=False).order_by("id").limit(1).update(value=None)
    await revision.bump()
    admin = context_for(settings, app, admin=True)
    coordinator = context_for(settings, app, "org-a1")
    anonymous = Context(settings=settings, principal=ANONYMOUS, jobs=app.state.jobs, events=app.state.events)
    reviewer = Context(
        settings=settings,
        principal=Principal("reviewer", roles=frozenset({"reviewer"})),
        jobs=app.state.jobs,
        events=app.state.events,
    )
    every = {"field_keys": list(FIELDS), "period_ids": list(QUARTERS)}
    asked = [
        (admin, Selection(**every, source=source))  # type: ignore[arg-type]
        for source in ("approved", "latest_submitted", "current")
    ]
    asked += [
        (coordinator, Selection(**every, organization_kind=OrganizationKind.CHILD_WELFARE_SERVICE)),  # type: ignore[arg-type]
        (coordinator, Selection(**every, organization_ids=["org-a1"], source="current")),  # type: ignore[arg-type]
        (anonymous, Selection(**every)),  # type: ignore[arg-type]
        (reviewer, Selection(**every, organization_ids=["org-a2", "org-v1"])),  # type: ignore[arg-type]
    ]
    placed = withheld = 0
    for ctx, selection in asked:
        written, through_cells, cells, summaries, summaries_written = await _both(ctx, selection)
        assert written == through_cells, selection
        assert json.loads(written) == [_shape(c) for c in cells], selection
        assert summaries_written == encoding.summaries_json(summaries)
        assert json.loads(summaries_written) == [_summary(s) for s in summaries]
        placed += sum(c.peers is not None for c in cells)
        withheld += sum(c.status is table.CellStatus.WITHHELD for c in cells)
    # the cases above did place cells among peers and withhold some
    assert placed and withheld, (placed, withheld)
    assert '\\"nå\\"\\n\\\\' in (await _both(admin, asked[2][1]))[0]


@pytest.mark.parametrize("seed", range(5))
def test_quartiles_on_sorted_values_are_statistics_quantiles(seed: int) -> None:
    """``Peers.of`` sorts once and works the quartiles out on the sorted values: the same numbers,
    digit for digit, as ``statistics.quantiles(method="inclusive")``."""
    rng = random.Random(seed)
    for size in (2, 3, 4, 5, 7, 100, 101):
        values = [Decimal(rng.randint(-5000, 90000)) / rng.choice((1, 4, 10, 1000)) for _ in range(size)]
        found = Peers.of(values).spread
        assert found is not None
        lower, median, upper = statistics.quantiles(values, n=4, method="inclusive")
        assert (str(found.lower_quartile), str(found.median), str(found.upper_quartile)) == (str(lower), str(median), str(upper))
        assert str(found.total) == str(sum(values, Decimal(0)))


@pytest.mark.asyncio
async def test_the_figures_read_as_text_are_the_stored_decimals_and_their_digits(app, settings) -> None:
    """``value_rows`` reads PostgreSQL's ``numeric`` as text and makes each distinct figure's
    Decimal once (bench S9): the Decimal is the one the ORM reads, scale included (47.0000, not
    47: a sum or a quartile keeps the scale it is given), and its JSON digits are ``number``'s.
    (SQLite keeps a REAL, read as its shortest digits.)"""
    await _world()
    postgres = get_connection("default").capabilities.dialect == "postgres"
    figures = [Decimal(47), Decimal("-0.0001"), Decimal("9310.5"), Decimal(0)]
    if postgres:  # beyond a REAL's precision
        figures.append(Decimal("1234567890123456.7891"))
    current = FieldValue.filter(field_key="antall_arsverk", snapshot__status=SnapshotStatus.CURRENT)
    stored = await current.order_by("id").limit(len(figures))
    for row, figure in zip(stored, figures, strict=True):
        await FieldValue.filter(id=row.id).update(value=figure)
    await revision.bump()
    admin = context_for(settings, app, admin=True)
    every = Selection(field_keys=list(FIELDS), period_ids=list(QUARTERS), source=ValueSource.CURRENT)
    planned = await plan(admin, selection=every)
    values = await statements.value_rows(planned, [f.key for f in planned.fields])
    read = {v.value for v in await FieldValue.filter(field_key="antall_arsverk", value__isnull=False)}
    found = [row for key, row in values.own.items() if key[0] == "antall_arsverk" and row[0] is not None]
    assert found and {row[0] for row in found} <= read
    by_value = {v: v for v in read}
    for value, _, _, digits in found:
        assert value is not None
        if postgres:
            assert value.as_tuple() == by_value[value].as_tuple()
        assert digits == statements.number(value)
    assert {statements.number(f) for f in figures} <= {digits for *_, digits in found}
