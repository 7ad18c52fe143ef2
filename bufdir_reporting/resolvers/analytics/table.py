"""The analytics table and the time series: cells in dimension order (field, organisation,
period), totals per field and period, and where a caller may have them, each organisation's
position among its peers of the same kind.

The table takes a fixed number of statements whatever its size: the plan's (``selection``), one
for the values and one for the peers' approved values. Exports read the same cells a chunk of
fields at a time (``cells``), so no export holds more than a chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ...errors import InvalidInput
from ..base.context import Context
from . import statements
from .selection import Plan, Selection, ValueSource, plan, require_table_size
from .stats import Peers, Position, Spread, spread

EXPORT_CHUNK_CELLS = 50_000
"""An export reads at most about this many cells per statement (at least one field a time)."""


class CellStatus(StrEnum):
    DRAFT = "draft"
    """A current snapshot no submission was made of."""
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    RETURNED = "returned"
    REOPENED = "reopened"
    PARTIAL = "partial"
    """A rolled-up cell whose organisations' figures are not all there, or not all approved."""
    MISSING = "missing"
    """No figures of this organisation and period that the source counts (or the caller sees)."""


@dataclass(slots=True)
class Cell:
    """Not frozen: a table makes thousands, and a frozen dataclass sets each field through
    object.__setattr__ (bench S9 profile); its peer position is set where it is worked out."""

    field_key: str
    organization_id: str
    period_id: str
    value: Decimal | None
    """Null: not reported (or missing); a reported 0 is 0."""
    text: str | None
    status: CellStatus
    approved: bool
    peers: Position | None = None


STATUS_OF = {status.value: status for status in CellStatus}


@dataclass(frozen=True, slots=True)
class Summary:
    """A field in a period across the table's organisations (numeric fields)."""

    field_key: str
    period_id: str
    reported: int
    spread: Spread | None


@dataclass(frozen=True, slots=True)
class Table:
    plan: Plan
    cells: list[Cell]
    summaries: list[Summary]


@dataclass(frozen=True, slots=True)
class Point:
    period_id: str
    value: Decimal | None
    status: CellStatus
    approved: bool
    change: Decimal | None
    """The value minus the previous period's, where both were reported."""


@dataclass(frozen=True, slots=True)
class TimeSeries:
    plan: Plan
    points: list[Point]
    reported_share: Decimal
    """Periods reported (a value, not null) over periods asked, 0..1."""


async def query(ctx: Context, *, selection: Selection) -> Table:
    planned = await plan(ctx, selection=selection)
    require_table_size(planned)
    rows = await statements.value_rows(planned, [f.key for f in planned.fields])
    peers = {key: Peers.of(values) for key, values in (await _peers(planned, rows)).items()}
    kinds = {o.id: o.kind.value for o in planned.organizations}
    cells = [_with_position(cell, kinds, peers) for cell in _cells(planned, [f.key for f in planned.fields], rows)]
    return Table(planned, cells, _summaries(planned, cells))


async def time_series(ctx: Context, *, selection: Selection) -> TimeSeries:
    """One field of one organisation (or a subtree rolled up) over the periods asked."""
    if len(selection.field_keys) != 1 or selection.section_ids:
        raise InvalidInput(field="field_keys", message_id="analytics.table.time_series_follows_field")
    if selection.subtree_of is None and len(selection.organization_ids) != 1:
        raise InvalidInput(field="organization_ids", message_id="analytics.table.time_series_follows_organisation")
    if selection.subtree_of is not None and not selection.roll_up:
        selection = selection.model_copy(update={"roll_up": True})
    table = await query(ctx, selection=selection)
    points: list[Point] = []
    previous: Decimal | None = None
    for cell in table.cells:
        change = cell.value - previous if cell.value is not None and previous is not None else None
        points.append(Point(cell.period_id, cell.value, cell.status, cell.approved, change))
        previous = cell.value
    reported = sum(1 for p in points if p.value is not None)
    share = Decimal(reported) / Decimal(len(points)) if points else Decimal(0)
    return TimeSeries(table.plan, points, share)


async def cells(planned: Plan, *, progress: Callable[[int, int], None] | None = None) -> AsyncIterator[Cell]:
    """Every cell of the plan in dimension order, read a chunk of fields at a time (one statement
    each); ``progress(done, total)`` after each chunk. Exports carry no peer statistics."""
    per_field = max(1, len(planned.organizations) * len(planned.periods))
    chunk = max(1, EXPORT_CHUNK_CELLS // per_field)
    keys = [f.key for f in planned.fields]
    done = 0
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        rows = await statements.value_rows(planned, part)
        for cell in _cells(planned, part, rows):
            yield cell
        done += len(part) * per_field
        if progress is not None:
            progress(done, planned.cell_count)


def _cells(planned: Plan, field_keys: list[str], rows: dict[statements.Key, statements.Row]) -> list[Cell]:
    found: list[Cell] = []
    for key in field_keys:
        for organization in planned.organizations:
            members = planned.members[organization.id]
            for period in planned.periods:
                if len(members) == 1:
                    found.append(_cell(key, organization.id, period.id, rows.get((key, members[0], period.id))))
                else:
                    found.append(_rolled(key, organization.id, period.id, [rows.get((key, m, period.id)) for m in members]))
    return found


def _cell(key: str, organization_id: str, period_id: str, row: statements.Row | None) -> Cell:
    if row is None:
        return Cell(key, organization_id, period_id, None, None, CellStatus.MISSING, False)
    status = CellStatus.DRAFT if row.state is None else STATUS_OF[row.state]
    return Cell(key, organization_id, period_id, row.value, row.text, status, status is CellStatus.APPROVED)


def _rolled(key: str, organization_id: str, period_id: str, rows: list[statements.Row | None]) -> Cell:
    present = [r for r in rows if r is not None]
    if not present:
        return Cell(key, organization_id, period_id, None, None, CellStatus.MISSING, False)
    values = [r.value for r in present if r.value is not None]
    total = sum(values, Decimal(0)) if values else None
    approved = len(present) == len(rows) and all(r.state == CellStatus.APPROVED.value for r in present)
    return Cell(key, organization_id, period_id, total, None, CellStatus.APPROVED if approved else CellStatus.PARTIAL, approved)


async def _peers(planned: Plan, rows: dict[statements.Key, statements.Row]) -> dict[tuple[str, str, str], list[Decimal]]:
    if not planned.peers or any(len(m) > 1 for m in planned.members.values()):
        return {}
    numeric = [f.key for f in planned.fields if f.numeric]
    kinds = {o.id: o.kind.value for o in planned.organizations}
    if planned.whole_kinds and planned.readable is None and planned.source is ValueSource.APPROVED:
        # the table already holds every peer's approved value: no second statement (bench S9)
        grouped: dict[tuple[str, str, str], list[Decimal]] = {}
        numeric_keys = set(numeric)
        for row in rows.values():
            if row.value is not None and row.field_key in numeric_keys:
                grouped.setdefault((kinds[row.organization_id], row.field_key, row.period_id), []).append(row.value)
        return grouped
    return await statements.peer_values(planned, set(kinds.values()), numeric)


def _with_position(cell: Cell, kinds: dict[str, str], peers: dict[tuple[str, str, str], Peers]) -> Cell:
    if cell.value is None or not peers:
        return cell
    group = peers.get((kinds[cell.organization_id], cell.field_key, cell.period_id))
    if group is not None:
        cell.peers = group.position(cell.value)
    return cell


def _summaries(planned: Plan, found: list[Cell]) -> list[Summary]:
    numeric = {f.key for f in planned.fields if f.numeric}
    columns: dict[tuple[str, str], list[Decimal]] = {}
    reported: dict[tuple[str, str], int] = {}
    for cell in found:
        key = (cell.field_key, cell.period_id)
        if cell.value is not None or cell.text is not None:
            reported[key] = reported.get(key, 0) + 1
        if cell.field_key in numeric and cell.value is not None:
            columns.setdefault(key, []).append(cell.value)
    return [
        Summary(f.key, p.id, reported.get((f.key, p.id), 0), spread(columns.get((f.key, p.id), [])))
        for f in planned.fields
        for p in planned.periods
    ]


__all__ = ["Cell", "CellStatus", "Point", "Summary", "Table", "TimeSeries", "ValueSource", "cells", "query", "time_series"]
