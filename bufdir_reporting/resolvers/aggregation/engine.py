"""The aggregation engine: one organisation's activities over a range -> metrics and field values.

Everything is computed in the database in two statements, whatever the number of fields
(``plans`` writes them, ``results`` folds their rows):

1. one pass over the activities, grouped by Bufdir category, source system and the columns the
   rules filter on, folded per category and source system into one filtered sum per rule (and
   per rule a count of matching activities, which names the field's dominant ``data_source``)
   plus the flow metrics;
2. one pass over activities joined to their participant references for every
   count-distinct rule and the unique-participant metric.

Python only folds the few grouped rows and divides ratios (``results`` says how).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from tortoise.connection import get_connection

from ...models import FieldDefinition
from .plans import plan
from .results import Aggregate, fold


async def aggregate(
    *, organization_ids: Sequence[str], start: datetime, end: datetime, definitions: list[FieldDefinition]
) -> Aggregate:
    """The figures of the activities of ``organization_ids`` (one organisation, or a subtree
    rolled up) over [start, end], in two statements, with the structure revision's token they
    read (``Aggregate.revision``)."""
    connection = get_connection("default")
    planned = plan(
        organization_ids=organization_ids,
        start=start,
        end=end,
        definitions=definitions,
        dialect=connection.capabilities.dialect,
    )
    # Independent reads: outside a transaction each takes its own pooled connection, so they run
    # side by side (SQLite's single connection takes them in turn). Neither holds a connection
    # while waiting for another, so a full pool only queues them (bench S4).
    (_, grouped), (_, (unique_row,)) = await asyncio.gather(
        connection.execute_query(*planned.grouped), connection.execute_query(*planned.participants)
    )
    # Records (asyncpg's, sqlite3's) are sequences too: the fold reads them by position.
    result = fold(planned, cast("Sequence[Sequence[Any]]", grouped), unique_row)
    token = unique_row["revision"]
    result.revision = None if token is None else str(token)
    result.statements = 2
    result.rows = len(grouped) + 1
    return result
