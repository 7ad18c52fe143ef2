"""Outliers: a value judged against the organisation's own history and against its peers.

The score is Iglewicz and Hoaglin's modified z-score, ``0.6745 * (x - median) / MAD`` (MAD the
median absolute deviation of the sample); where more than half the sample is one value the MAD is
0 and the score falls back to ``(x - median) / (1.253314 * mean absolute deviation)``, as IBM's
and DHIS2's outlier analyses do. A value is an outlier when ``|score|`` exceeds the threshold
(3.5 by default) **and** it lies at least the field's floor from the median (5 by default), so a
5 -> 9 on a small base is never flagged whatever its score. Thresholds are per field key
(``FieldOutlierSetting``, managed in ``structure.outlier_settings``; it may also turn judging
off for a field) or the service's settings.

- **History**: the organisation's values for the field in its current snapshots of the same form
  for up to ``outlier_history_periods`` prior periods of the same type; judged from 3 values on.
  With fewer, the prior period alone is the history and the fixed-percent change
  (``LARGE_CHANGE``) is the judgement, with the same floor.
- **Peers**: every organisation of the same kind with a current snapshot of the same form for the
  period (the value judged included, as DHIS2 does); judged from 5 organisations on. Only the
  score leaves this module for a peer comparison: an organisation never learns its peers'
  values or their median.

The baselines of a period are read in four statements whatever the number of organisations
(settings, peers' values, the prior periods, the history: on PostgreSQL one row per organisation
and field, its values in an array); judging is arithmetic on those rows, each sample sorted
once, its spread computed only for a value beyond the floor. A worklist keeps the history
between reads (``_held_history``) and reads the peers' values whole (``with_values``).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, cast

from tortoise.connection import get_connection

from ...models import DEFAULT_FORM, FieldOutlierSetting, Organization, Period
from ..base import changes, revision
from ..base.context import Context
from ..base.loaders import VALUE_COLUMNS, FieldValueRow, value_rows
from ..base.sql import Statement

MIN_HISTORY = 3
MIN_PEERS = 5
MAX_SCORE = 1000.0
"""A score is reported at most this large (every other value of the sample equal gives an
infinite one)."""
NUMERIC = ("integer", "decimal", "percent")


class Basis(StrEnum):
    HISTORY = "history"
    PEERS = "peers"


@dataclass(frozen=True, slots=True)
class Judgement:
    basis: Basis
    median: Decimal
    score: float
    """The modified z-score, signed, capped at ``MAX_SCORE`` in magnitude."""
    deviation: Decimal
    """|value - median|."""


def _median(ordered: Sequence[Decimal]) -> Decimal:
    n = len(ordered)
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


class Sample:
    """A sample's median, and its spread computed only when a value lies far enough from the
    median to need a score: most values of a period are within the floor, and the spread (two
    more passes and a sort) was most of judging them (bench S10)."""

    __slots__ = ("_spread", "median", "values")

    def __init__(self, values: list[Decimal]) -> None:
        values.sort()
        self.values = values
        self.median = _median(values) if values else Decimal(0)
        self._spread: tuple[float, float] | None = None

    @property
    def spread(self) -> tuple[float, float]:
        """(MAD, mean absolute deviation), in floats: they only ever scale a float score. As
        PostgreSQL computes them (``percentile_cont(0.5)`` of ``abs(x - median)::float8``,
        ``avg(abs(x - median))::float8``): each deviation exact, then rounded once."""
        if self._spread is None:
            median = self.median
            exact = [abs(v - median) for v in self.values]
            deviations = sorted(map(float, exact))
            n, middle = len(deviations), len(deviations) // 2
            lower = deviations[middle if n % 2 else middle - 1]
            mad = lower + 0.5 * (deviations[middle] - lower)  # percentile_cont's interpolation
            self._spread = (mad, float(sum(exact) / n))
        return self._spread

    @property
    def mad(self) -> float:
        return self.spread[0]

    @property
    def mean_ad(self) -> float:
        return self.spread[1]


def score(value: Decimal, sample: Sample) -> float:
    """The modified z-score of ``value`` against ``sample``."""
    return _z(float(value - sample.median), sample)


def _z(difference: float, sample: Sample) -> float:
    mad, mean_ad = sample.spread
    if mad:
        z = 0.6745 * difference / mad
    elif mean_ad:
        z = difference / (1.253314 * mean_ad)
    else:
        z = 0.0 if difference == 0 else float("inf") if difference > 0 else float("-inf")
    return max(-MAX_SCORE, min(MAX_SCORE, z))


@dataclass(frozen=True, slots=True)
class Thresholds:
    z: float
    floor: Decimal


@dataclass(slots=True)
class Baselines:
    """What a period's values are judged against: each organisation's history per field and
    each kind's values per field, with thresholds per field."""

    default: Thresholds
    per_field: dict[str, Thresholds] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    """organisation -> kind"""
    peer_values: dict[tuple[str, str], dict[str, Decimal]] = field(default_factory=dict)
    """(kind, field) -> organisation -> its value this period"""
    history: dict[tuple[str, str], Sample] = field(default_factory=dict)
    """(organisation, field) -> its values in prior periods, where there are enough to judge by"""
    unjudged: set[str] = field(default_factory=set)
    """Fields whose setting turns judging off: never outliers, never large changes."""
    values: dict[str, list[FieldValueRow]] = field(default_factory=dict)
    """snapshot -> its values, every one (``baselines(with_values=True)`` only)"""
    _samples: dict[tuple[str, str], Sample] = field(default_factory=dict)

    def thresholds(self, field_key: str) -> Thresholds:
        return self.per_field.get(field_key, self.default)

    def judged_by_history(self, organization_id: str, field_key: str) -> bool:
        """Whether the organisation has history enough for the field to be judged by it."""
        return (organization_id, field_key) in self.history

    def judges(self, field_key: str) -> bool:
        """Whether the field's values are judged at all (its setting may turn that off)."""
        return field_key not in self.unjudged

    def judge(self, organization_id: str, field_key: str, value: Decimal) -> list[Judgement]:
        """The outliers ``value`` is for the organisation's field: against its history, its peers."""
        if field_key in self.unjudged:
            return []
        limits = self.per_field.get(field_key, self.default)
        found = []
        history = self.history.get((organization_id, field_key))
        if history is not None:
            judged = _judged(Basis.HISTORY, value, history, limits)
            if judged is not None:
                found.append(judged)
        kind = self.kinds.get(organization_id)
        if kind is None:
            return found
        peers = self.peer_values.get((kind, field_key), {})
        if len(peers) + (organization_id not in peers) >= MIN_PEERS:
            if peers.get(organization_id) == value:
                sample = self._samples.get((kind, field_key))
                if sample is None:
                    sample = self._samples[(kind, field_key)] = Sample(list(peers.values()))
            else:  # a snapshot other than the current one is judged: its own value stands in
                sample = Sample([v for org, v in peers.items() if org != organization_id] + [value])
            judged = _judged(Basis.PEERS, value, sample, limits)
            if judged is not None:
                found.append(judged)
        return found


def _judged(basis: Basis, value: Decimal, sample: Sample, limits: Thresholds) -> Judgement | None:
    """The judgement when ``value`` is an outlier against ``sample``; a value within the floor
    of the median is none whatever its score, so its score is never computed."""
    difference = value - sample.median
    deviation = abs(difference)
    if deviation < limits.floor:
        return None
    z = _z(float(difference), sample)
    return Judgement(basis, sample.median, z, deviation) if abs(z) > limits.z else None


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


def _history_rows(sql: Statement, prior: list[str], form_id: str | None, organization_ids: Iterable[str] | None) -> str:
    """The organisations' numeric values in the prior periods (every organisation's when None)."""
    text = (
        "SELECT s.organization_id AS org, v.field_key AS field_key, v.value AS value "
        "FROM field_value v JOIN snapshot s ON s.id = v.snapshot_id "
        "JOIN field_definition d ON d.id = v.field_definition_id "
        f"WHERE {sql.any_of('s.period_id', prior)} AND s.status = 'current' "
        f"AND {_form_clause(sql, form_id)} AND v.value IS NOT NULL AND {sql.one_of('d.data_type', NUMERIC)}"
    )
    if organization_ids is not None:
        named = sorted(set(organization_ids))
        text += f" AND {sql.any_of('s.organization_id', named)}" if named else " AND 1 = 0"
    return text


async def _history(
    dialect: str, prior: list[str], form_id: str | None, organization_ids: Iterable[str] | None
) -> dict[tuple[str, str], Sample]:
    """Each (organisation, field)'s history with at least ``MIN_HISTORY`` values, as a sample.

    On PostgreSQL the values are gathered per organisation and field where the rows are: one
    row per group reaches Python, its values in an array, instead of one per prior value (8
    times as many rows: reading them one by one was most of a worklist's time, bench S10).
    Medians and spreads are then ``Sample``'s arithmetic on both databases (the spreads as
    PostgreSQL's ``percentile_cont`` and ``avg`` computed them when they were summarised in the
    statement: the same findings to the last bit on the bench's data). SQLite reads the rows."""
    sql = Statement(dialect)
    rows = _history_rows(sql, prior, form_id, organization_ids)
    if dialect != "postgres":
        values: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
        for org, field_key, value in await _rows(sql, rows):
            values[(org, field_key)].append(value if type(value) is Decimal else _number(value))
        return {key: Sample(sample) for key, sample in values.items() if len(sample) >= MIN_HISTORY}
    # Grouped by hashing, each group's values in one array, unsorted: summarising in the
    # statement sorted every row by organisation and field, then each group's values once per
    # ordered-set aggregate (a sort each). That cost the database about twice its time now,
    # and sorting here adds a third of what it saves (bench S10, CPU per worklist of the
    # database and of Python: 1.5-1.7 s and 0.33 s before, 0.7-0.9 s and 0.55-0.6 s after).
    text = (
        f"SELECT org, field_key, array_agg(value) FROM ({rows}) AS r "
        f"GROUP BY org, field_key HAVING COUNT(*) >= {int(MIN_HISTORY)}"
    )
    return {(org, key): Sample(values) for org, key, values in await _rows(sql, text)}


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
