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
  score leaves this module for a peer comparison, and only to reviewers (``validation``): an
  organisation's score at two values of its own gave its peers' median and spread away.

The baselines are read in ``outlier_baselines``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from ..base.loaders import FieldValueRow

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

    __slots__ = ("_deviations", "_mad", "_mean_ad", "median", "values")

    def __init__(self, values: list[Decimal]) -> None:
        values.sort()
        self.values = values
        self.median = _median(values) if values else Decimal(0)
        self._deviations: list[Decimal] | None = None
        self._mad: float | None = None
        self._mean_ad: float | None = None

    @property
    def spread(self) -> tuple[float, float]:
        """(MAD, mean absolute deviation), in floats: they only ever scale a float score. As
        PostgreSQL computes them (``percentile_cont(0.5)`` of ``abs(x - median)::float8``,
        ``avg(abs(x - median))::float8``): each deviation exact, then rounded once. A score
        needs the mean only where the MAD is 0 (``_z``), so each is computed when first asked."""
        return self.mad, self.mean_ad

    def _exact(self) -> list[Decimal]:
        if self._deviations is None:
            median = self.median
            self._deviations = sorted([abs(v - median) for v in self.values])
        return self._deviations

    @property
    def mad(self) -> float:
        if self._mad is None:
            # sorted exact, then only the middle ones rounded: rounding keeps the order, and a
            # float of a Decimal goes through its text (1.4 µs; eight a sample were most of a
            # worklist's spreads, S10)
            exact = self._exact()
            n, middle = len(exact), len(exact) // 2
            upper = float(exact[middle])
            lower = upper if n % 2 else float(exact[middle - 1])
            self._mad = lower + 0.5 * (upper - lower)  # percentile_cont's interpolation
        return self._mad

    @property
    def mean_ad(self) -> float:
        if self._mean_ad is None:
            exact = self._exact()
            self._mean_ad = float(sum(exact) / len(exact))
        return self._mean_ad


def score(value: Decimal, sample: Sample) -> float:
    """The modified z-score of ``value`` against ``sample``."""
    return _z(float(value - sample.median), sample)


def _z(difference: float, sample: Sample) -> float:
    mad = sample.mad
    if mad:
        z = 0.6745 * difference / mad
    elif mean_ad := sample.mean_ad:
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
    _quiet: dict[tuple[str, str], tuple[Sample, Decimal, Decimal]] = field(default_factory=dict)
    """(kind, field) -> its peers' sample and the values strictly between which none is an outlier"""

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
                quiet = self._quiet.get((kind, field_key))
                if quiet is None:
                    sample = Sample(list(peers.values()))
                    quiet = self._quiet[(kind, field_key)] = (sample, *_quiet(sample, limits))
                sample, low, high = quiet
                if low < value < high:  # most of a period's values: no outlier, no score to compute
                    return found
            else:  # a snapshot other than the current one is judged: its own value stands in
                sample = Sample([v for org, v in peers.items() if org != organization_id] + [value])
            judged = _judged(Basis.PEERS, value, sample, limits)
            if judged is not None:
                found.append(judged)
        return found


def _quiet(sample: Sample, limits: Thresholds) -> tuple[Decimal, Decimal]:
    """Bounds strictly between which a value judged against ``sample`` is no outlier (a peers'
    sample judges each of its organisations' values): within the floor of the median, exactly;
    or with a score surely within the threshold, the score's bound narrowed by a billionth so
    that no rounding of ``_z``'s can cross it. A value outside is judged by ``_judged``, which
    decides; these only spare most values its arithmetic (bench S10)."""
    median, floor = sample.median, limits.floor
    mad = sample.mad
    scale = mad / 0.6745 if mad else 1.253314 * sample.mean_ad
    width = limits.z * scale * (1 - 1e-9) if math.isfinite(limits.z * scale) else 0.0
    if width > floor:
        bound = Decimal(width)
        return median - bound, median + bound
    return median - floor, median + floor


def _judged(basis: Basis, value: Decimal, sample: Sample, limits: Thresholds) -> Judgement | None:
    """The judgement when ``value`` is an outlier against ``sample``; a value within the floor
    of the median is none whatever its score, so its score is never computed."""
    difference = value - sample.median
    deviation = abs(difference)
    if deviation < limits.floor:
        return None
    z = _z(float(difference), sample)
    return Judgement(basis, sample.median, z, deviation) if abs(z) > limits.z else None
