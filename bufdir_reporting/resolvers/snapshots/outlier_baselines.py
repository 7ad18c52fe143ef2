"""Outliers' baselines: what ``outliers.Baselines`` judges by, read from the database.

The baselines of a period are read in four statements whatever the number of organisations
(settings, peers' values, the prior periods, the history: on PostgreSQL one row per prior
snapshot, its values in arrays); judging is arithmetic on those rows, each sample sorted
once, its spread computed only for a value beyond the floor. A worklist keeps the history
between reads (``_held_history``) and reads the peers' values whole (``with_values``).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, cast

from tortoise.connection import get_connection

from ...models import DEFAULT_FORM, FieldOutlierSetting, Organization, Period
from ..base import changes, revision
from ..base.context import Context
from ..base.loaders import VALUE_COLUMNS, value_rows
from ..base.sql import Statement
from .outliers import MIN_HISTORY, NUMERIC, Baselines, Sample, Thresholds


def _form_clause(sql: Statement, form_id: str | None) -> str:
    if form_id in (None, DEFAULT_FORM):
        return f"(s.form_id IS NULL OR s.form_id = {sql.bind(DEFAULT_FORM)})"
    return f"s.form_id = {sql.bind(form_id)}"


async def _rows(sql: Statement, text: str) -> Sequence[Sequence[Any]]:
    """The rows as the driver gives them, read by position: a dictionary per row cost more than
    the statement (bench S10)."""
    _, rows = await get_connection("default").execute_query(text, sql.params)
    return cast(Sequence[Sequence[Any]], rows)  # asyncpg's Records and sqlite3's Rows, typed as dicts


def _number(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


async def baselines(
    ctx: Context,
    *,
    period: Period,
    form_id: str | None,
    organization_ids: Iterable[str] | None = None,
    with_values: bool = False,
    history_held: bool = False,
) -> Baselines:
    """The baselines of one period and form, in four statements: history for the organisations
    named (every organisation when None), peers across every organisation. ``with_values``: the
    peers' statement reads every value of the period's current snapshots whole, kept in
    ``values`` by snapshot, so a caller judging them all need not read them again; it runs
    beside the history's, so never call it inside a transaction.
    ``history_held``: the named organisations' history is kept by the process between calls
    (``_held_history``), where the response cache is on."""
    settings = ctx.settings
    found = Baselines(Thresholds(settings.outlier_z_threshold, Decimal(str(settings.outlier_min_deviation))))
    for setting in await FieldOutlierSetting.all():
        if not setting.enabled:
            found.unjudged.add(setting.field_key)
        found.per_field[setting.field_key] = Thresholds(
            found.default.z if setting.z_threshold is None else float(setting.z_threshold),
            found.default.floor if setting.min_deviation is None else setting.min_deviation,
        )
    dialect = get_connection("default").capabilities.dialect
    named = None if organization_ids is None else list(organization_ids)

    async def history() -> None:
        prior = (
            await Period.filter(type=period.type, end__lt=period.start)
            .order_by("-end")
            .limit(settings.outlier_history_periods)
            .values_list("id", flat=True)
        )
        if prior and history_held and named is not None and settings.response_cache_mb > 0:
            found.history = await _held_history(dialect, [str(p) for p in prior], form_id, named)
        elif prior:
            found.history = await _history(dialect, [str(p) for p in prior], form_id, named)

    if with_values:
        # The peers' and the history's statements side by side, each on its own pooled
        # connection (SQLite's one connection takes them in turn): the worklist's wall time is
        # mostly these two (bench S10). Only outside a transaction, whose one connection
        # cannot take two statements at once: the worklist reads in none.
        await asyncio.gather(_peers_and_values(dialect, found, period, form_id), history())
    else:
        await _peers(dialect, found, period, form_id)
        await history()
    if named is not None:
        missing = set(named) - found.kinds.keys()
        if missing:  # an organisation without a current snapshot still has a kind to be compared by
            for org, kind in await Organization.filter(id__in=sorted(missing)).values_list("id", "kind"):
                found.kinds[str(org)] = str(kind)
    return found


async def _peers(dialect: str, found: Baselines, period: Period, form_id: str | None) -> None:
    """The period's numeric values of every organisation's current snapshot of the form, by
    kind and field."""
    sql = Statement(dialect)
    peers = await _rows(
        sql,
        "SELECT s.organization_id AS org, o.kind AS kind, v.field_key AS field_key, v.value AS value "
        "FROM field_value v JOIN snapshot s ON s.id = v.snapshot_id JOIN organization o ON o.id = s.organization_id "
        "JOIN field_definition d ON d.id = v.field_definition_id "
        f"WHERE s.period_id = {sql.bind(period.id)} AND s.status = 'current' AND {_form_clause(sql, form_id)} "
        f"AND v.value IS NOT NULL AND {sql.one_of('d.data_type', NUMERIC)}",
    )
    peer_values = found.peer_values
    for org, kind, field_key, value in peers:
        found.kinds[org] = kind
        of_field = peer_values.get((kind, field_key))
        if of_field is None:
            of_field = peer_values[(kind, field_key)] = {}
        of_field[org] = value if type(value) is Decimal else _number(value)


async def _peers_and_values(dialect: str, found: Baselines, period: Period, form_id: str | None) -> None:
    """``_peers`` from every value of the period's current snapshots, read whole and kept by
    snapshot (in the order the values loader gives them): judging every report of a period
    read the same rows a second time through the loaders (bench S10)."""
    sql = Statement(dialect)
    columns = ", ".join(f"v.{column}" for column in VALUE_COLUMNS)
    rows = await _rows(
        sql,
        f"SELECT {columns}, s.organization_id AS org, o.kind AS kind, d.data_type AS data_type "
        "FROM field_value v JOIN snapshot s ON s.id = v.snapshot_id JOIN organization o ON o.id = s.organization_id "
        "JOIN field_definition d ON d.id = v.field_definition_id "
        f"WHERE s.period_id = {sql.bind(period.id)} AND s.status = 'current' AND {_form_clause(sql, form_id)} "
        "ORDER BY v.id",
    )
    width = len(VALUE_COLUMNS)
    peer_values, values = found.peer_values, found.values
    for row, value in zip(rows, value_rows(dialect, rows), strict=True):
        of_snapshot = values.get(value.snapshot_id)
        if of_snapshot is None:
            of_snapshot = values[value.snapshot_id] = []
        of_snapshot.append(value)
        org, kind, data_type = row[width], row[width + 1], row[width + 2]
        found.kinds[org] = kind
        if value.value is None or data_type not in NUMERIC:
            continue
        of_field = peer_values.get((kind, value.field_key))
        if of_field is None:
            of_field = peer_values[(kind, value.field_key)] = {}
        of_field[org] = value.value


def _organizations_clause(sql: Statement, organization_ids: Iterable[str] | None) -> str:
    """The history statements' ``s.organization_id`` filter (none: every organisation's)."""
    if organization_ids is None:
        return ""
    named = sorted(set(organization_ids))
    return f" AND {sql.any_of('s.organization_id', named)}" if named else " AND 1 = 0"


def _history_rows(sql: Statement, prior: list[str], form_id: str | None, organization_ids: Iterable[str] | None) -> str:
    """The organisations' numeric values in the prior periods (every organisation's when None)."""
    text = (
        "SELECT s.organization_id AS org, v.field_key AS field_key, v.value AS value "
        "FROM field_value v JOIN snapshot s ON s.id = v.snapshot_id "
        "JOIN field_definition d ON d.id = v.field_definition_id "
        f"WHERE {sql.any_of('s.period_id', prior)} AND s.status = 'current' "
        f"AND {_form_clause(sql, form_id)} AND v.value IS NOT NULL AND {sql.one_of('d.data_type', NUMERIC)}"
    )
    return text + _organizations_clause(sql, organization_ids)


async def _history(
    dialect: str, prior: list[str], form_id: str | None, organization_ids: Iterable[str] | None
) -> dict[tuple[str, str], Sample]:
    """Each (organisation, field)'s history with at least ``MIN_HISTORY`` values, as a sample.

    On PostgreSQL each prior snapshot's numeric values come as one row, its fields' keys and
    values in two arrays (``_history_arrays``), gathered here by organisation and field; SQLite
    reads the rows. Medians and spreads are ``Sample``'s arithmetic on both databases (the
    spreads as PostgreSQL's ``percentile_cont`` and ``avg`` computed them when they were
    summarised in the statement: the same findings to the last bit on the bench's data)."""
    sql = Statement(dialect)
    values: dict[tuple[str, str], list[Decimal]] = {}
    if dialect == "postgres":
        snapshots: dict[str, list[tuple[list[str], list[Decimal]]]] = {}
        for org, keys, found in await _rows(sql, _history_arrays(sql, prior, form_id, organization_ids)):
            if keys:
                snapshots.setdefault(org, []).append((keys, found))
        for org, arrays in snapshots.items():
            first = arrays[0][0]
            if all(keys == first for keys, _ in arrays):
                # every prior snapshot of the organisation has the same fields in the same
                # order (as the values were written): each field's values are a column, one
                # zip for them all instead of a step per value (the step was a tenth of a
                # worklist's Python, S10)
                for field_key, *column in zip(first, *(found for _, found in arrays), strict=True):
                    values[(org, field_key)] = column
                continue
            for keys, found in arrays:
                for field_key, value in zip(keys, found, strict=True):
                    values.setdefault((org, field_key), []).append(value)
    else:
        for org, field_key, value in await _rows(sql, _history_rows(sql, prior, form_id, organization_ids)):
            values.setdefault((org, field_key), []).append(value if type(value) is Decimal else _number(value))
    return {key: Sample(sample) for key, sample in values.items() if len(sample) >= MIN_HISTORY}


def _history_arrays(sql: Statement, prior: list[str], form_id: str | None, organization_ids: Iterable[str] | None) -> str:
    """``_history_rows`` as one row per prior snapshot: its organisation, and its numeric values'
    keys and values as two arrays, read through the values' snapshot index (a nested loop over
    the 1,600 prior snapshots of the bench, S10). Grouping every prior value by organisation and
    field in the statement sorted the 85,000 of them by two text keys (a hash aggregate spilled
    to disk instead): about twice the database's time of this statement, which reads the same
    rows. The numeric fields are an array of their definitions' ids, read once (an InitPlan),
    not a join per value."""
    text = (
        "SELECT s.organization_id, x.keys, x.vals FROM snapshot s CROSS JOIN LATERAL ("
        "SELECT array_agg(v.field_key) AS keys, array_agg(v.value) AS vals FROM field_value v "
        "WHERE v.snapshot_id = s.id AND v.value IS NOT NULL AND v.field_definition_id = ANY(ARRAY("
        f"SELECT d.id FROM field_definition d WHERE {sql.one_of('d.data_type', NUMERIC)}))) AS x "
        f"WHERE {sql.any_of('s.period_id', prior)} AND s.status = 'current' AND {_form_clause(sql, form_id)}"
    )
    return text + _organizations_clause(sql, organization_ids)


HELD_ORGANISATIONS = 1000
"""Organisations' histories (of one form and set of prior periods each) a process keeps: about
15 KB each for 57 fields."""
HeldKey = tuple[str, str, tuple[str, ...], str]
"""(structure revision, form, prior periods, organisation)"""
_held: OrderedDict[HeldKey, tuple[int | None, dict[str, Sample]]] = OrderedDict()


async def _held_history(
    dialect: str, prior: list[str], form_id: str | None, organization_ids: Iterable[str]
) -> dict[tuple[str, str], Sample]:
    """``_history``, each organisation's kept under the version of its data (``changes``) and
    read again only when that has moved: the prior periods rarely change while a period is
    reviewed, and summarising them was half of every read of a live worklist (bench S10).

    The versions are read *before* the history, as the response cache reads them: a write
    landing in between is kept under the older version, which the next read no longer finds;
    an organisation with a write in flight (``changes``: "A write in flight") is read, not kept.
    An organisation's version moves with every write through the service to its data (values,
    snapshots and their status, notes, submissions) and to any organisation below it; the field
    definitions' types move the structure's revision, which is part of the key, as are the form
    and the prior periods (a period added, or its dates moved, names others). Without a revision
    token (a database whose structure was written around the service, as a test's) nothing is
    kept; a row changed around the service moves no version, which is why this follows the
    response cache's switch (``BUFDIR_RESPONSE_CACHE_MB=0`` turns both off)."""
    token = await revision.current()
    if token is None:
        return await _history(dialect, prior, form_id, organization_ids)
    named = sorted(set(organization_ids))
    scopes = [changes.organization_scope(org) for org in named]
    versions = await changes.newest(scopes)
    form, periods = form_id or DEFAULT_FORM, tuple(prior)
    history: dict[tuple[str, str], Sample] = {}
    stale: list[str] = []
    for org, scope in zip(named, scopes, strict=True):
        key = (token, form, periods, org)
        held = _held.get(key)
        if held is None or held[0] != versions[scope] or scope in versions.unsettled:
            stale.append(org)
            continue
        _held.move_to_end(key)
        for field_key, sample in held[1].items():
            history[(org, field_key)] = sample
    if stale:
        read = await _history(dialect, prior, form_id, stale)
        by_org: dict[str, dict[str, Sample]] = {org: {} for org in stale}
        for (org, field_key), sample in read.items():
            by_org[org][field_key] = sample
        history.update(read)
        for org in stale:
            scope = changes.organization_scope(org)
            if scope in versions.unsettled:  # a write in flight: its commit may not move the version
                continue
            _held[(token, form, periods, org)] = (versions[scope], by_org[org])
        while len(_held) > HELD_ORGANISATIONS:
            _held.popitem(last=False)
    return history
