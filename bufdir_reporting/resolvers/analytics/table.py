"""The analytics table and the time series: cells in dimension order (field, organisation,
period), totals per field and period, and where a caller may have them, each organisation's
position among its peers of the same kind.

The table takes a fixed number of statements whatever its size: the plan's (``selection``), one
for the values and one for the peers' approved values. Exports read the same cells a chunk of
fields at a time (``cells``), so no export holds more than a chunk.
"""

from __future__ import annotations

from collections import defaultdict
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
    """No figures of this organisation and period that the source counts."""
    WITHHELD = "withheld"
    """Not the caller's to see: another organisation's figures, where this caller reads only the
    approved figures of forms Bufdir has made public (whether any were reported is not told)."""


@dataclass(slots=True)
class Cell:
    """Not frozen: a table makes thousands, and a frozen dataclass sets each field through
    object.__setattr__ (bench S9 profile)."""

    field_key: str
    organization_id: str
    period_id: str
    value: Decimal | None
    """Null: not reported (or missing); a reported 0 is 0."""
    text: str | None
    status: CellStatus
    approved: bool
    peers: Position | None = None
    summed: bool = False
    """A rolled-up row's value added up from its organisations' own figures. Exact for counts and
    sums; for a count of distinct people a person served by two branches counts twice, so such a
    field takes the rolled-up form's own figure where there is one (then not summed)."""


STATUS_OF: dict[str | None, CellStatus] = {status.value: status for status in CellStatus} | {None: CellStatus.DRAFT}
"""A row's review state to its cell's status; a current snapshot with no submission is a draft."""


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
    require_table_size(ctx, planned)
    return await table_of(planned)


async def table_of(planned: Plan) -> Table:
    values = await statements.value_rows(planned, [f.key for f in planned.fields])
    found = _cells(planned, [f.key for f in planned.fields], values, await peer_groups(planned, values))
    return Table(planned, found, _summaries(planned, found))


async def peer_groups(planned: Plan, values: statements.Values) -> dict[tuple[str, str, str], Peers]:
    """The peer groups a table's cells are placed in, by (kind, field, period): none for a caller
    who gets no peer statistics, or for a rolled-up table."""
    return {key: Peers.of(column) for key, column in (await _peers(planned, values.own)).items()}


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
        values = await statements.value_rows(planned, part)
        for cell in _cells(planned, part, values):
            yield cell
        done += len(part) * per_field
        if progress is not None:
            progress(done, planned.cell_count)


def _cells(
    planned: Plan, field_keys: list[str], values: statements.Values, peers: dict[tuple[str, str, str], Peers] | None = None
) -> list[Cell]:
    """The cells in dimension order, each with its position among ``peers`` (kind, field,
    period) where it has one. One loop with the single organisation's cell made in place, its
    position with it: a call per cell was a tenth of the route, and a second walk placing the
    positions cost more than making the cells (bench S9, one core: 3.6 -> 3.0 ms for 2,400 cells
    of one field, 4.1 -> 2.9 ms for 2,000 cells of 10 fields)."""
    rows = values.own
    people = {f.key for f in planned.fields if f.counts_people}
    found: list[Cell] = []
    append = found.append
    periods = [p.id for p in planned.periods]
    approved = CellStatus.APPROVED
    readable = planned.readable
    # A position places a value among the peers' approved values. A figure the caller can move at
    # will (its draft, its submission under review) placed there is a probe: moving it a unit at
    # a time and reading the rank told each peer's figure exactly (attacker's review). So for a
    # caller who does not read every organisation, only an approved figure — one of the peers' own
    # and fixed — has a position.
    placed_any = readable is None
    # per organisation once, not per field: its kind's name (an enum's .value is a property
    # call) and what a cell with nothing found says (missing, or withheld from this caller)
    members_of = planned.members
    rows_of = [(o.id, members_of[o.id], o.kind.value, missing_status(readable, members_of[o.id])) for o in planned.organizations]
    kinds = {kind for _, _, kind, _ in rows_of}
    for key in field_keys:
        # each period with the peer group a cell of the kind is placed in: a list of pairs per
        # kind, walked without a lookup per cell
        by_kind = {kind: [(p, peers.get((kind, key, p)) if peers else None) for p in periods] for kind in kinds}
        for org_id, members, kind, missing in rows_of:
            if len(members) > 1:
                for period_id in periods:
                    exact = values.rolled_up.get((key, org_id, period_id)) if key in people else None
                    if exact is not None:
                        status = STATUS_OF[exact[2]]
                        append(Cell(key, org_id, period_id, exact[0], exact[1], status, status is approved))
                    else:
                        rows_ = [_own(values, (key, m, period_id)) for m in members]
                        append(_rolled(key, org_id, period_id, rows_, missing))
                continue
            member = members[0]
            for period_id, group in by_kind[kind]:
                row = rows.get((key, member, period_id))
                if row is None:
                    append(Cell(key, org_id, period_id, None, None, missing, False))
                    continue
                value = row[0]
                status = STATUS_OF[row[2]]
                position = None
                if group is not None and value is not None and (placed_any or status is approved):
                    position = group.position(value)
                append(Cell(key, org_id, period_id, value, row[1], status, status is approved, position))
    return found


def _own(values: statements.Values, key: statements.Key) -> statements.Row | None:
    """An organisation's own figure: in a sum over a subtree a rolled-up form's figure (one of
    the same subtree's, or of a branch's own) would count its organisations again."""
    row = values.own.get(key)
    return None if row is not None and row is values.rolled_up.get(key) else row


def missing_status(readable: frozenset[str] | None, members: list[str]) -> CellStatus:
    """What a cell with nothing found says: withheld where one of its organisations is not the
    caller's to read (a coordinator asking for another's figures would otherwise read "not
    reported" where it was reported and approved, but not published)."""
    if readable is not None and any(m not in readable for m in members):
        return CellStatus.WITHHELD
    return CellStatus.MISSING


def _rolled(key: str, organization_id: str, period_id: str, rows: list[statements.Row | None], missing: CellStatus) -> Cell:
    present = [r for r in rows if r is not None]
    if not present:
        return Cell(key, organization_id, period_id, None, None, missing, False)
    values = [r[0] for r in present if r[0] is not None]
    total = sum(values, Decimal(0)) if values else None
    approved = len(present) == len(rows) and all(r[2] == CellStatus.APPROVED.value for r in present)
    status = CellStatus.APPROVED if approved else CellStatus.PARTIAL
    return Cell(key, organization_id, period_id, total, None, status, approved, summed=True)


async def _peers(planned: Plan, rows: dict[statements.Key, statements.Row]) -> dict[tuple[str, str, str], list[Decimal]]:
    if not planned.peers or any(len(m) > 1 for m in planned.members.values()):
        return {}
    numeric = [f.key for f in planned.fields if f.numeric]
    kinds = {o.id: o.kind.value for o in planned.organizations}
    if planned.whole_kinds and planned.readable is None and planned.source is ValueSource.APPROVED:
        # the table already holds every peer's approved value: no second statement (bench S9)
        grouped: defaultdict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
        numeric_keys = set(numeric)
        for (field_key, organization_id, period_id), row in rows.items():
            if row[0] is not None and field_key in numeric_keys:
                grouped[kinds[organization_id], field_key, period_id].append(row[0])
        return grouped
    return await statements.peer_values(planned, set(kinds.values()), numeric)


def _summaries(planned: Plan, found: list[Cell]) -> list[Summary]:
    """Each field and period's column, sliced from the cells' dimension order (field, then
    organisation, then period) rather than grouped cell by cell."""
    numeric = {f.key for f in planned.fields if f.numeric}
    width = len(planned.periods)
    block = len(planned.organizations) * width
    summaries: list[Summary] = []
    for f_index, field in enumerate(planned.fields):
        cells_of_field = found[f_index * block : (f_index + 1) * block]
        for p_index, period in enumerate(planned.periods):
            column = cells_of_field[p_index::width]
            reported = sum(1 for c in column if c.value is not None or c.text is not None)
            values = [c.value for c in column if c.value is not None] if field.key in numeric else []
            summaries.append(Summary(field.key, period.id, reported, spread(values)))
    return summaries


__all__ = [
    "Cell",
    "CellStatus",
    "Point",
    "Summary",
    "Table",
    "TimeSeries",
    "ValueSource",
    "cells",
    "peer_groups",
    "query",
    "table_of",
    "time_series",
]
