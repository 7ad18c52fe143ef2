"""The SQL of analytics: stored values, one statement for a chunk of fields.

Each statement joins the rows that say which snapshot counts (a submission, or the current
snapshot) with that snapshot's field values, for the organisations, periods and fields asked;
``field_value``'s unique (snapshot_id, field_key) index finds a field's value in each snapshot,
``submission``'s (organization_id, period_id, version) and (period_id, review_state) indexes the
submissions, and its (snapshot_id) index a current snapshot's submission (migration 0016).

Where several rows stand for one cell (versions, or snapshots of several forms), the statement
orders them so that the one that counts comes last: an organisation's own figures before a
rolled-up form's, then the newest snapshot, then the latest version.
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


Row = tuple[Decimal | None, str | None, str | None, str]
"""A cell's stored figure: (value, text, review state: None for a current snapshot never
submitted, the value as JSON writes it: ``number``). A plain tuple: a table reads thousands
(bench S9: a dataclass per row and the choice between rows in Python were a tenth of the
route)."""


@dataclass(frozen=True, slots=True)
class Values:
    """What ``value_rows`` found: each cell's figure, and where rows are rolled up, the figures of
    rolled-up forms (an organisation's report for its whole subtree) apart."""

    own: dict[Key, Row]
    """The figure that counts: the organisation's own, else its rolled-up form's."""
    rolled_up: dict[Key, Row]
    """The figure of a rolled-up form, where there is one."""


def number(value: Decimal | None) -> str:
    """The decimal's own digits without trailing zeros (47, 9310.5): string work, where comparing
    with its integral value and converting was a tenth of the route (bench S9 profile)."""
    if value is None:
        return "null"
    text = str(value)
    if "." in text and "E" not in text:
        text = text.rstrip("0").rstrip(".")
    return text


def decimal_or_none(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _form(sql: Statement, plan: Plan, form: str = "s.form_id") -> list[str]:
    """The form asked for: a snapshot of none is the default form's."""
    if plan.form_id is None:
        return []
    if plan.form_id == DEFAULT_FORM:
        return [f"({form} IS NULL OR {form} = {sql.bind(DEFAULT_FORM)})"]
    return [f"{form} = {sql.bind(plan.form_id)}"]


def _scope(sql: Statement, plan: Plan, column: str, form: str = "s.form_id") -> list[str]:
    """The form asked for, and what the caller may see: its readable organisations' figures, and
    everyone's approved figures of public forms."""
    where = _form(sql, plan, form)
    if plan.readable is not None:
        approved = f"sub.review_state = {sql.bind(ReviewState.APPROVED.value)}"
        public = sql.any_of(f"COALESCE({form}, {sql.bind(DEFAULT_FORM)})", sorted(plan.public_forms))
        where.append(f"({sql.any_of(column, sorted(plan.readable))} OR ({approved} AND {public}))")
    return where


def _organizations(sql: Statement, plan: Plan, column: str, organizations: list[str]) -> list[str]:
    """No condition for every organisation: PostgreSQL compared each submission with all 200 ids
    of the list (a sequential filter, a quarter of the statement in bench S9)."""
    if plan.every_organization:
        return []
    return [sql.any_of(column, organizations)]


def value_statement(sql: Statement, plan: Plan, keys: list[str]) -> str:
    """The rows that may count for each (field, organisation, period) of ``keys`` x the plan's
    organisations (every member of a rolled-up row) x its periods: organization_id, period_id,
    field_key, value, text_value, review_state and rolled (1 for a rolled-up form's), ordered so
    that of several rows of one cell the one that counts comes last."""
    organizations = sorted({m for group in plan.members.values() for m in group})
    periods = [p.id for p in plan.periods]
    if plan.source is ValueSource.CURRENT:
        where = [
            f"s.status = {sql.bind('current')}",
            sql.any_of("s.period_id", periods),
            sql.any_of("fv.field_key", keys),
        ]
        where += _organizations(sql, plan, "s.organization_id", organizations)
        where += _scope(sql, plan, "s.organization_id")
        statement = (
            f"SELECT s.organization_id, s.period_id, fv.field_key, {_value(sql)}, fv.text_value, sub.review_state, "
            f"{_rolled(sql, plan, 's.form_id')} AS rolled "
            "FROM snapshot s JOIN field_value fv ON fv.snapshot_id = s.id LEFT JOIN submission sub ON sub.snapshot_id = s.id "
            f"WHERE {' AND '.join(where)} ORDER BY rolled DESC, s.created_at, COALESCE(sub.version, 0)"
        )
    else:
        if plan.source is ValueSource.APPROVED:
            state = f"sub.review_state = {sql.bind(ReviewState.APPROVED.value)}"
        else:
            state = f"sub.review_state <> {sql.bind(ReviewState.REOPENED.value)}"
        where = [
            state,
            sql.any_of("sub.period_id", periods),
            sql.any_of("fv.field_key", keys),
        ]
        where += _organizations(sql, plan, "sub.organization_id", organizations)
        where += _scope(sql, plan, "sub.organization_id", "sub.form_id")
        # between submissions of one organisation and period the version decides (versions count
        # across forms), so the snapshot's time is not read; a submission keeps its snapshot's
        # form, so the snapshot is not joined (a third of the statement in bench S9)
        statement = (
            f"SELECT sub.organization_id, sub.period_id, fv.field_key, {_value(sql)}, fv.text_value, sub.review_state, "
            f"{_rolled(sql, plan, 'sub.form_id')} AS rolled "
            "FROM submission sub JOIN field_value fv ON fv.snapshot_id = sub.snapshot_id "
            f"WHERE {' AND '.join(where)} ORDER BY rolled DESC, sub.version"
        )
    return statement


def _value(sql: Statement) -> str:
    """The value column: on PostgreSQL its text, which ``value_rows`` turns into a Decimal once
    per distinct figure (the same Decimal, its scale included, as the driver's: ``numeric`` in
    PostgreSQL's text form is what ``Decimal`` reads). asyncpg decoding a ``numeric`` into a
    Decimal row by row was half of fetching the rows (bench S9, 2,400 rows of 101 figures: 2.9
    against 1.4 ms of one core for the statement's rows as text); SQLite's REAL as it is."""
    return "CAST(fv.value AS TEXT)" if sql.dialect == "postgres" else "fv.value"


def _rolled(sql: Statement, plan: Plan, form: str) -> str:
    """1 for a snapshot of a rolled-up form, from the plan's forms (read once per structure
    revision) rather than joining ``report_form`` for every row: 0 where there is none (bench S9:
    the join and the columns that only ordered the rows were a tenth of the statement's time and
    of reading its rows)."""
    if not plan.rolled_forms:
        return "0"
    return f"CASE WHEN {sql.any_of(form, sorted(plan.rolled_forms))} THEN 1 ELSE 0 END"


async def value_rows(plan: Plan, field_keys: Iterable[str]) -> Values:
    """The value that counts for each cell of ``field_keys`` (``value_statement``): one
    statement, ordered so that of several rows for one cell the one that counts comes last: a
    rolled-up form's before the organisation's own, then the older snapshot, then the earlier
    version."""
    connection = get_connection("default")
    sql = Statement(connection.capabilities.dialect)
    _, records = await connection.execute_query(value_statement(sql, plan, list(field_keys)), sql.params)
    own: dict[Key, Row] = {}
    rolled_up: dict[Key, Row] = {}
    # one Row per distinct (figure, text, review state), its Decimal and JSON digits made once:
    # figures repeat across a table (bench S9: 101 in 2,400 cells), and writing a Decimal's
    # digits cell by cell was a tenth of the route; the rows unpacked, not indexed, and shared
    # (a tuple fewer per row kept): folding 2,400 rows 1.07 -> 0.88 ms of one core. A rolled-up
    # form's rows are never an organisation's own: ``table._own`` tells them apart by identity
    made: dict[tuple[str | None, str | None, str | None, Any], Row] = {}
    for organization_id, period_id, field_key, value, text, state, rolled in records:
        figure = value if value is None or type(value) is str else str(value)  # SQLite's REAL
        row = made.get((figure, text, state, rolled))
        if row is None:
            if figure is None:
                row = (None, text, state, "null")
            else:
                decimal = Decimal(figure)
                row = (decimal, text, state, number(decimal))
            made[figure, text, state, rolled] = row
        key = (field_key, organization_id, period_id)
        own[key] = row
        if rolled:
            rolled_up[key] = row
    return Values(own, rolled_up)


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
