"""A table's cells and summaries written as JSON text: the keys and order REST's
``AnalyticsCellShape`` and ``AnalyticsSummaryShape`` declare (snake_case, numbers as the
contracts print them: 47, 9310.5).

A table has thousands of cells: a shape per cell (even unvalidated) and FastAPI validating them
again was most of the route, and plain dicts through a JSON encoder still half of it (bench S9
profiles of 2,400 cells). Here each cell is one formatted string: ids, keys and statuses are
encoded once per table, a peer group's median and quartiles once per group.

A table of single organisations (every table but a subtree rolled up) is written straight from
the stored rows (``rows_json``): no ``Cell`` per cell, and a cell's position among its peers
written once per distinct figure of its peer group. A rolled-up table goes through the cells
(``cells_json``); a test holds the two to the same bytes (tests/resolvers/analytics/
test_table_json.py).
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from decimal import Decimal

from ..base.context import Context
from . import statements
from .selection import Plan, Selection, plan, require_table_size
from .statements import number
from .stats import MIN_PEERS, Peers, Spread, spread
from .table import STATUS_OF, Cell, CellStatus, Summary, missing_status, peer_groups, table_of


@dataclass(frozen=True, slots=True)
class TableJson:
    plan: Plan
    cells: str
    summaries: str


async def query_json(ctx: Context, *, selection: Selection) -> TableJson:
    """``table.query``'s table as JSON text (REST)."""
    planned = await plan(ctx, selection=selection)
    require_table_size(ctx, planned)
    if any(len(members) > 1 for members in planned.members.values()):
        table = await table_of(planned)
        return TableJson(planned, cells_json(planned, table.cells), summaries_json(table.summaries))
    values = await statements.value_rows(planned, [f.key for f in planned.fields])
    cells, summaries = rows_json(planned, values, await peer_groups(planned, values))
    return TableJson(planned, cells, summaries_json(summaries))


def cells_json(planned: Plan, cells: list[Cell]) -> str:
    # ids and keys repeat across the table: each encoded once, looked up per cell; the head of a
    # cell (its field and organisation) is written once per run of cells that share it, and the
    # status words once per table
    texts = _texts(planned)
    statuses = {status: f'"status":"{status.value}","approved":' for status in CellStatus}
    groups: dict[Spread, str] = {}
    # figures repeat across a table (bench S9: 101 distinct values in 2,400 cells): each written
    # once (with the heads above, 3.5 -> 2.6 ms of one core for those cells); equal decimals
    # write the same digits (47.0000 and 47 are both 47)
    numbers: dict[Decimal, str] = {}
    parts: list[str] = []
    append = parts.append
    field_key = organization_id = head = ""
    for c in cells:
        if c.organization_id != organization_id or c.field_key != field_key:
            field_key, organization_id = c.field_key, c.organization_id
            head = f'{{"field_key":{texts[field_key]},"organization_id":{texts[organization_id]},"period_id":'
        found = c.peers
        if found is None:
            peers = "null"
        else:
            group = groups.get(found.spread)
            if group is None:
                group = groups[found.spread] = _group(found.spread)
            peers = f'{{"rank":{found.rank}{group}'
        value = c.value
        if value is None:
            digits = "null"
        else:
            digits = numbers.get(value, "")
            if not digits:
                digits = numbers[value] = number(value)
        text = c.text
        append(
            f'{head}{texts[c.period_id]},"value":{digits},'
            f'"text":{"null" if text is None else json.dumps(text, ensure_ascii=False)},'
            f'{statuses[c.status]}{"true" if c.approved else "false"},"peers":{peers},'
            f'"summed":{"true" if c.summed else "false"}}}'
        )
    return "[" + ",".join(parts) + "]"


def rows_json(planned: Plan, values: statements.Values, peers: dict[tuple[str, str, str], Peers]) -> tuple[str, list[Summary]]:
    """The cells of a table of single organisations as ``cells_json`` writes them, and its
    summaries, straight from the stored rows (bench S9: a ``Cell`` per cell, then writing it, was
    9 of the route's 20 ms of one core). A figure is looked up by its digits, never as a
    Decimal: hashing one fresh from the database costs more than writing its digits."""
    rows = values.own
    texts = _texts(planned)
    parts: list[str] = []
    append = parts.append
    summaries: list[Summary] = []
    nothing = {
        status: f',"value":null,"text":null,"status":"{status.value}","approved":false,"peers":null,"summed":false}}'
        for status in CellStatus
    }
    # per organisation once: its member, kind and what a cell with nothing found says
    organizations = [
        (o.id, planned.members[o.id][0], o.kind.value, nothing[missing_status(planned.readable, planned.members[o.id])])
        for o in planned.organizations
    ]
    kinds = {kind for _, _, kind, _ in organizations}
    placed_any = planned.readable is None
    bisect_right = bisect.bisect_right
    for field in planned.fields:
        key = field.key
        # each period's column of reported rows (the summaries), shared by the kinds; and per
        # kind, the peer group a cell is placed in (``_placing``)
        columns: list[list[statements.Row]] = [[] for _ in planned.periods]
        by_kind = {
            kind: [
                (p.id, texts[p.id], *_placing(peers.get((kind, key, p.id))), column, _ranks())
                for p, column in zip(planned.periods, columns, strict=True)
            ]
            for kind in kinds
        }
        for organization_id, member, kind, missing in organizations:
            head = f'{{"field_key":{texts[key]},"organization_id":{texts[organization_id]},"period_id":'
            for period_id, period, ordered, size, group, column, ranks in by_kind[kind]:
                row = rows.get((key, member, period_id))
                if row is None:
                    append(head + period + missing)
                    continue
                value, text, digits = row[0], row[1], row[3]
                if value is None:
                    peer = "null"
                else:
                    if ordered is None or not (placed_any or row[2] in APPROVED_STATES):
                        # table._cells' rule: a figure the caller can move at will (a draft, a
                        # submission under review) placed among its peers' approved ones is a
                        # probe of their figures, so only a caller reading every organisation
                        # gets a position for it (attacker's review)
                        peer = "null"
                    else:
                        # Peers.position's rank, once per figure of the group: the same digits
                        # are the same figure (counts repeat: bench S9, 2,400 cells of 101)
                        peer = ranks.get(digits, "")
                        if not peer:
                            peer = ranks[digits] = f'{{"rank":{1 + size - bisect_right(ordered, value)}{group}'
                    column.append(row)
                if text is None:
                    words = "null"
                else:
                    words = json.dumps(text, ensure_ascii=False)
                    if value is None:
                        column.append(row)
                append(f'{head}{period},"value":{digits},"text":{words},{STATES[row[2]]},"peers":{peer},"summed":false}}')
        for period_info, column in zip(planned.periods, columns, strict=True):
            figures = [r[0] for r in column if r[0] is not None] if field.numeric else []
            summaries.append(Summary(key, period_info.id, len(column), spread(figures)))
    return "[" + ",".join(parts) + "]", summaries


def _ranks() -> dict[str, str]:
    """A peer group's positions written so far: a figure's digits -> its ``peers`` JSON."""
    return {}


def _texts(planned: Plan) -> dict[str, str]:
    """Each field key, organisation id and period id as JSON text."""
    names = [*(f.key for f in planned.fields), *(o.id for o in planned.organizations), *(p.id for p in planned.periods)]
    return {name: json.dumps(name, ensure_ascii=False) for name in names}


STATES = {
    state: f'"status":"{status.value}","approved":{"true" if status is CellStatus.APPROVED else "false"}'
    for state, status in STATUS_OF.items()
}
"""A row's review state as its cell's status and approval, in JSON."""

APPROVED_STATES = frozenset(state for state, status in STATUS_OF.items() if status is CellStatus.APPROVED)
"""The review states whose figure is approved: the only ones placed among peers for a caller who
does not read every organisation."""


def _placing(peers: Peers | None) -> tuple[list[Decimal] | None, int, str]:
    """A peer group as ``rows_json`` places a cell in it: its sorted values (None where
    ``Peers.position`` gives none), their number, and the group's statistics as JSON."""
    found = None if peers is None else peers.spread
    if peers is None or found is None or found.count < MIN_PEERS:
        return None, 0, ""
    return peers.ordered, len(peers.ordered), _group(found)


def _group(spread: Spread) -> str:
    return (
        f',"of":{spread.count},"median":{number(spread.median)},'
        f'"lower_quartile":{number(spread.lower_quartile)},"upper_quartile":{number(spread.upper_quartile)}}}'
    )


def summaries_json(summaries: list[Summary]) -> str:
    parts = []
    for s in summaries:
        head = f'{{"field_key":{json.dumps(s.field_key)},"period_id":{json.dumps(s.period_id)},"reported":{s.reported},'
        spread = s.spread
        if spread is None:
            parts.append(head + '"total":null,"median":null,"lower_quartile":null,"upper_quartile":null}')
            continue
        parts.append(
            f'{head}"total":{number(spread.total)},"median":{number(spread.median)},'
            f'"lower_quartile":{number(spread.lower_quartile)},"upper_quartile":{number(spread.upper_quartile)}}}'
        )
    return "[" + ",".join(parts) + "]"
