"""Outliers: a value judged against the organisation's own history and against its peers.

The score is Iglewicz and Hoaglin's modified z-score, ``0.6745 * (x - median) / MAD`` (MAD the
median absolute deviation of the sample); where more than half the sample is one value the MAD is
0 and the score falls back to ``(x - median) / (1.253314 * mean absolute deviation)``, as IBM's
and DHIS2's outlier analyses do. A value is an outlier when ``|score|`` exceeds the threshold
(3.5 by default) **and** it lies at least the field's floor from the median (5 by default), so a
5 -> 9 on a small base is never flagged whatever its score. Thresholds are per field key
(``FieldOutlierSetting``) or the service's settings.

- **History**: the organisation's values for the field in its current snapshots of the same form
  for up to ``outlier_history_periods`` prior periods of the same type; judged from 3 values on.
  With fewer, the prior period alone is the history and the fixed-percent change
  (``LARGE_CHANGE``) is the judgement, with the same floor.
- **Peers**: every organisation of the same kind with a current snapshot of the same form for the
  period (the value judged included, as DHIS2 does); judged from 5 organisations on. Only the
  score leaves this module for a peer comparison: an organisation never learns its peers'
  values or their median.

The baselines of a period are read in four statements whatever the number of organisations
(settings, peers' values, the prior periods, the history's values); judging is arithmetic on
those rows, medians kept per sample so each group is sorted once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from tortoise.connection import get_connection

from ...models import DEFAULT_FORM, FieldOutlierSetting, Organization, Period
from ..base.context import Context
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


@dataclass(slots=True)
class Sample:
    """A sample's median and spread, computed once however many values are judged against it."""

    values: list[Decimal]
    median: Decimal = Decimal(0)
    mad: Decimal = Decimal(0)
    mean_ad: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        self.values.sort()
        self.median = _median(self.values)
        deviations = sorted(abs(v - self.median) for v in self.values)
        self.mad = _median(deviations)
        self.mean_ad = sum(deviations, Decimal(0)) / len(deviations)


def score(value: Decimal, sample: Sample) -> float:
    """The modified z-score of ``value`` against ``sample``."""
    difference = value - sample.median
    if sample.mad:
        z = 0.6745 * float(difference) / float(sample.mad)
    elif sample.mean_ad:
        z = float(difference) / (1.253314 * float(sample.mean_ad))
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
    history: dict[tuple[str, str], list[Decimal]] = field(default_factory=dict)
    """(organisation, field) -> its values in prior periods"""
    _samples: dict[tuple[str, str], Sample] = field(default_factory=dict)

    def thresholds(self, field_key: str) -> Thresholds:
        return self.per_field.get(field_key, self.default)

    def judge(self, organization_id: str, field_key: str, value: Decimal) -> list[Judgement]:
        """The outliers ``value`` is for the organisation's field: against its history, its peers."""
        limits = self.thresholds(field_key)
        found = []
        history = self.history.get((organization_id, field_key), [])
        if len(history) >= MIN_HISTORY:
            found.append(self._judged(Basis.HISTORY, value, Sample(list(history)), limits))
        kind = self.kinds.get(organization_id)
        peers = self.peer_values.get((kind or "", field_key), {})
        if kind is not None and len(peers.keys() | {organization_id}) >= MIN_PEERS:
            if peers.get(organization_id) == value:
                sample = self._samples.get((kind, field_key))
                if sample is None:
                    sample = self._samples[(kind, field_key)] = Sample(list(peers.values()))
            else:  # a snapshot other than the current one is judged: its own value stands in
                sample = Sample([v for org, v in peers.items() if org != organization_id] + [value])
            found.append(self._judged(Basis.PEERS, value, sample, limits))
        return [j for j in found if abs(j.score) > limits.z and j.deviation >= limits.floor]

    @staticmethod
    def _judged(basis: Basis, value: Decimal, sample: Sample, limits: Thresholds) -> Judgement:
        return Judgement(basis, sample.median, score(value, sample), abs(value - sample.median))


def _form_clause(sql: Statement, form_id: str | None) -> str:
    if form_id in (None, DEFAULT_FORM):
        return f"(s.form_id IS NULL OR s.form_id = {sql.bind(DEFAULT_FORM)})"
    return f"s.form_id = {sql.bind(form_id)}"


async def _rows(sql: Statement, text: str) -> list[dict[str, object]]:
    _, rows = await get_connection("default").execute_query(text, sql.params)
    return [dict(row) for row in rows]


def _number(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


async def baselines(
    ctx: Context, *, period: Period, form_id: str | None, organization_ids: Iterable[str] | None = None
) -> Baselines:
    """The baselines of one period and form, in four statements: history for the organisations
    named (every organisation when None), peers across every organisation."""
    settings = ctx.settings
    found = Baselines(Thresholds(settings.outlier_z_threshold, Decimal(str(settings.outlier_min_deviation))))
    for setting in await FieldOutlierSetting.all():
        found.per_field[setting.field_key] = Thresholds(
            found.default.z if setting.z_threshold is None else float(setting.z_threshold),
            found.default.floor if setting.min_deviation is None else setting.min_deviation,
        )
    dialect = get_connection("default").capabilities.dialect
    sql = Statement(dialect)
    peers = await _rows(
        sql,
        "SELECT s.organization_id AS org, o.kind AS kind, v.field_key AS field_key, v.value AS value "
        "FROM field_value v JOIN snapshot s ON s.id = v.snapshot_id JOIN organization o ON o.id = s.organization_id "
        "JOIN field_definition d ON d.id = v.field_definition_id "
        f"WHERE s.period_id = {sql.bind(period.id)} AND s.status = 'current' AND {_form_clause(sql, form_id)} "
        f"AND v.value IS NOT NULL AND {sql.one_of('d.data_type', NUMERIC)}",
    )
    for row in peers:
        org, kind = str(row["org"]), str(row["kind"])
        found.kinds[org] = kind
        found.peer_values.setdefault((kind, str(row["field_key"])), {})[org] = _number(row["value"])
    prior = (
        await Period.filter(type=period.type, end__lt=period.start)
        .order_by("-end")
        .limit(settings.outlier_history_periods)
        .values_list("id", flat=True)
    )
    if prior:
        sql = Statement(dialect)
        named = None if organization_ids is None else sorted(set(organization_ids))
        text = (
            "SELECT s.organization_id AS org, v.field_key AS field_key, v.value AS value "
            "FROM field_value v JOIN snapshot s ON s.id = v.snapshot_id "
            "JOIN field_definition d ON d.id = v.field_definition_id "
            f"WHERE {sql.any_of('s.period_id', [str(p) for p in prior])} AND s.status = 'current' "
            f"AND {_form_clause(sql, form_id)} AND v.value IS NOT NULL AND {sql.one_of('d.data_type', NUMERIC)}"
        )
        if named is not None:
            text += f" AND {sql.any_of('s.organization_id', named)}" if named else " AND 1 = 0"
        history: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
        for row in await _rows(sql, text):
            history[(str(row["org"]), str(row["field_key"]))].append(_number(row["value"]))
        found.history = dict(history)
    if organization_ids is not None:
        missing = set(organization_ids) - found.kinds.keys()
        if missing:  # an organisation without a current snapshot still has a kind to be compared by
            for org, kind in await Organization.filter(id__in=sorted(missing)).values_list("id", "kind"):
                found.kinds[str(org)] = str(kind)
    return found
