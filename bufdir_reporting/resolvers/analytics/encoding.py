"""A table's cells and summaries written as JSON text: the keys and order REST's
``AnalyticsCellShape`` and ``AnalyticsSummaryShape`` declare (snake_case, numbers as the
contracts print them: 47, 9310.5).

A table has thousands of cells: a shape per cell (even unvalidated) and FastAPI validating them
again was most of the route, and plain dicts through a JSON encoder still half of it (bench S9
profiles of 2,400 cells). Here each cell is one formatted string: ids, keys and statuses are
encoded once per table, a peer group's median and quartiles once per group.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from ..base.context import Context
from .selection import Plan, Selection, plan, require_table_size
from .stats import Position, Spread
from .table import Cell, Summary, table_of


@dataclass(frozen=True, slots=True)
class TableJson:
    plan: Plan
    cells: str
    summaries: str


async def query_json(ctx: Context, *, selection: Selection) -> TableJson:
    """``table.query``'s table as JSON text (REST)."""
    planned = await plan(ctx, selection=selection)
    require_table_size(planned)
    table = await table_of(planned)
    return TableJson(planned, cells_json(table.cells), summaries_json(table.summaries))


def number(value: Decimal | None) -> str:
    if value is None:
        return "null"
    return str(int(value)) if value == value.to_integral_value() else repr(float(value))


def cells_json(cells: list[Cell]) -> str:
    texts: dict[str, str] = {}
    groups: dict[Spread, str] = {}

    def text(value: str) -> str:
        found = texts.get(value)
        if found is None:
            found = texts[value] = json.dumps(value, ensure_ascii=False)
        return found

    def peers(found: Position | None) -> str:
        if found is None:
            return "null"
        spread = found.spread
        group = groups.get(spread)
        if group is None:
            group = groups[spread] = (
                f',"of":{spread.count},"median":{number(spread.median)},'
                f'"lower_quartile":{number(spread.lower_quartile)},"upper_quartile":{number(spread.upper_quartile)}}}'
            )
        return f'{{"rank":{found.rank}{group}'

    parts = [
        f'{{"field_key":{text(c.field_key)},"organization_id":{text(c.organization_id)},"period_id":{text(c.period_id)},'
        f'"value":{number(c.value)},"text":{"null" if c.text is None else json.dumps(c.text, ensure_ascii=False)},'
        f'"status":{text(c.status.value)},"approved":{"true" if c.approved else "false"},"peers":{peers(c.peers)},'
        f'"summed":{"true" if c.summed else "false"}}}'
        for c in cells
    ]
    return "[" + ",".join(parts) + "]"


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
