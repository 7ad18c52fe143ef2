"""The SQL of analytics: stored values, one statement for a chunk of fields.

Each statement joins the rows that say which snapshot counts (a submission, or the current
snapshot) with that snapshot's field values, for the organisations, periods and fields asked;
``field_value``'s unique (snapshot_id, field_key) index finds a field's value in each snapshot,
``submission``'s (organization_id, period_id, version) and (period_id, review_state) indexes the
submissions, and its (snapshot_id) index a current snapshot's submission (migration 0016).

Where several rows stand for one cell (versions, or snapshots of several forms), the choice is
made in Python (``best``): an organisation's own figures before a rolled-up form's, then the
newest snapshot, then the latest version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.connection import get_connection

from ...models import DEFAULT_FORM, ReviewState
from ..base.sql import Statement
from .selection import Plan, ValueSource

Key = tuple[str, str, str]
"""(field key, organisation id, period id)"""


@dataclass(slots=True)
class Row:
    organization_id: str
    period_id: str
    field_key: str
    value: Decimal | None
    text: str | None
    state: str | None
    rolled_up: int
    created_at: Any
    version: int

    def better_than(self, other: Row) -> bool:
        if self.rolled_up != other.rolled_up:
            return self.rolled_up < other.rolled_up
        if self.created_at != other.created_at:
            return bool(self.created_at > other.created_at)
        return self.version > other.version


def decimal_or_none(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _form(sql: Statement, plan: Plan) -> list[str]:
    """The form asked for: a snapshot of none is the default form's."""
    if plan.form_id is None:
        return []
    if plan.form_id == DEFAULT_FORM:
        return [f"(s.form_id IS NULL OR s.form_id = {sql.bind(DEFAULT_FORM)})"]
    return [f"s.form_id = {sql.bind(plan.form_id)}"]


def _scope(sql: Statement, plan: Plan, column: str) -> list[str]:
    """The form asked for, and what the caller may see: its readable organisations' figures, and
    everyone's approved figures of public forms."""
    where = _form(sql, plan)
    if plan.readable is not None:
        approved = f"sub.review_state = {sql.bind(ReviewState.APPROVED.value)}"
        public = sql.any_of(f"COALESCE(s.form_id, {sql.bind(DEFAULT_FORM)})", sorted(plan.public_forms))
        where.append(f"({sql.any_of(column, sorted(plan.readable))} OR ({approved} AND {public}))")
    return where


async def value_rows(plan: Plan, field_keys: Iterable[str]) -> dict[Key, Row]:
    """The value that counts for each (field, organisation, period) of ``field_keys`` x the
    plan's organisations (every member of a rolled-up row) x its periods: one statement."""
    connection = get_connection("default")
    sql = Statement(connection.capabilities.dialect)
    organizations = sorted({m for group in plan.members.values() for m in group})
    periods = [p.id for p in plan.periods]
    keys = list(field_keys)
    rolled = "CASE WHEN f.rolled_up THEN 1 ELSE 0 END"
    if plan.source is ValueSource.CURRENT:
        where = [
            f"s.status = {sql.bind('current')}",
            sql.any_of("s.organization_id", organizations),
            sql.any_of("s.period_id", periods),
            sql.any_of("fv.field_key", keys),
        ]
        where += _scope(sql, plan, "s.organization_id")
        statement = (
            "SELECT s.organization_id, s.period_id, fv.field_key, fv.value, fv.text_value, sub.review_state, "
            f"{rolled} AS rolled, s.created_at, COALESCE(sub.version, 0) AS version "
            "FROM snapshot s JOIN field_value fv ON fv.snapshot_id = s.id "
            "LEFT JOIN report_form f ON f.id = s.form_id LEFT JOIN submission sub ON sub.snapshot_id = s.id "
            f"WHERE {' AND '.join(where)}"
        )
    else:
        if plan.source is ValueSource.APPROVED:
            state = f"sub.review_state = {sql.bind(ReviewState.APPROVED.value)}"
        else:
            state = f"sub.review_state <> {sql.bind(ReviewState.REOPENED.value)}"
        where = [
            state,
            sql.any_of("sub.organization_id", organizations),
            sql.any_of("sub.period_id", periods),
            sql.any_of("fv.field_key", keys),
        ]
        where += _scope(sql, plan, "sub.organization_id")
        # between submissions of one organisation and period the version decides (versions count
        # across forms), so the snapshot's time is not read
        statement = (
            "SELECT sub.organization_id, sub.period_id, fv.field_key, fv.value, fv.text_value, sub.review_state, "
            f"{rolled} AS rolled, 0 AS created_at, sub.version "
            "FROM submission sub JOIN snapshot s ON s.id = sub.snapshot_id "
            "JOIN field_value fv ON fv.snapshot_id = s.id LEFT JOIN report_form f ON f.id = s.form_id "
            f"WHERE {' AND '.join(where)}"
        )
    _, records = await connection.execute_query(statement, sql.params)
    found: dict[Key, Row] = {}
    for r in records:
        row = Row(str(r[0]), str(r[1]), str(r[2]), decimal_or_none(r[3]), r[4], r[5], int(r[6]), r[7], int(r[8] or 0))
        key = (row.field_key, row.organization_id, row.period_id)
        held = found.get(key)
        if held is None or row.better_than(held):
            found[key] = row
    return found


async def peer_values(plan: Plan, kinds: Iterable[str], field_keys: Iterable[str]) -> dict[tuple[str, str, str], list[Decimal]]:
    """Every organisation's approved value of each numeric field and period, grouped by (kind,
    field, period): what a cell is compared with. One statement; the values never leave this
    module but as statistics (``table``)."""
    keys = list(field_keys)
    kinds = sorted(set(kinds))
    if not keys or not kinds:
        return {}
    connection = get_connection("default")
    sql = Statement(connection.capabilities.dialect)
    where = [
        f"sub.review_state = {sql.bind(ReviewState.APPROVED.value)}",
        sql.any_of("o.kind", kinds),
        sql.any_of("sub.period_id", [p.id for p in plan.periods]),
        sql.any_of("fv.field_key", keys),
        "fv.value IS NOT NULL",
    ]
    where += _form(sql, plan)
    statement = (
        "SELECT o.kind, sub.organization_id, sub.period_id, fv.field_key, fv.value, sub.version, "
        "CASE WHEN f.rolled_up THEN 1 ELSE 0 END AS rolled "
        "FROM submission sub JOIN organization o ON o.id = sub.organization_id JOIN snapshot s ON s.id = sub.snapshot_id "
        "JOIN field_value fv ON fv.snapshot_id = s.id LEFT JOIN report_form f ON f.id = s.form_id "
        f"WHERE {' AND '.join(where)}"
    )
    _, records = await connection.execute_query(statement, sql.params)
    best: dict[tuple[str, str, str], tuple[int, int, str, Decimal]] = {}
    for r in records:
        value = decimal_or_none(r[4])
        assert value is not None
        key = (str(r[3]), str(r[1]), str(r[2]))
        rank = (-int(r[6]), int(r[5]))
        held = best.get(key)
        if held is None or rank > (held[0], held[1]):
            best[key] = (rank[0], rank[1], str(r[0]), value)
    grouped: dict[tuple[str, str, str], list[Decimal]] = {}
    for (field_key, _, period_id), (_, _, kind, value) in best.items():
        grouped.setdefault((kind, field_key, period_id), []).append(value)
    return grouped
