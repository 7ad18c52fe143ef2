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
from .stats import Spread
from .table import Cell, CellStatus, Summary, table_of


@dataclass(frozen=True, slots=True)
class TableJson:
    plan: Plan
    cells: str
    summaries: str


async def query_json(ctx: Context, *, selection: Selection) -> TableJson:
    """``table.query``'s table as JSON text (REST)."""
    planned = await plan(ctx, selection=selection)
    require_table_size(ctx, planned)
    table = await table_of(planned)
    return TableJson(planned, cells_json(planned, table.cells), summaries_json(table.summaries))


def number(value: Decimal | None) -> str:
    """The decimal's own digits without trailing zeros (47, 9310.5): string work, where comparing
    with its integral value and converting was a tenth of the route (bench S9 profile)."""
    if value is None:
        return "null"
    text = str(value)
    if "." in text and "E" not in text:
        text = text.rstrip("0").rstrip(".")
    return text


def cells_json(planned: Plan, cells: list[Cell]) -> str:
    # ids and keys repeat across the table: each encoded once, looked up per cell; the head of a
    # cell (its field and organisation) is written once per run of cells that share it, and the
    # status words once per table
    texts = {
        name: json.dumps(name, ensure_ascii=False)
        for name in [*(f.key for f in planned.fields), *(o.id for o in planned.organizations), *(p.id for p in planned.periods)]
    }
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
