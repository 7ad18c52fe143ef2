"""The statistics of a column of numbers: total, median and quartiles, and a value's position.

Quartiles are the "inclusive" method (``statistics.quantiles(method="inclusive")``: linear
interpolation between the closest ranks, R's type 7 and Excel's QUARTILE.INC), so a reviewer
who checks a figure in Excel gets the same number.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal

MIN_PEERS = 5
"""Peer statistics are given where at least this many organisations of the kind have a value:
with fewer, a quartile would be close to some peer's own figure."""


@dataclass(frozen=True, slots=True)
class Spread:
    count: int
    total: Decimal
    median: Decimal
    lower_quartile: Decimal
    upper_quartile: Decimal


@dataclass(frozen=True, slots=True)
class Position:
    rank: int
    """1 for the largest value among the peers (ties share the better rank)."""
    of: int
    """Peers with a value, the organisation included."""
    median: Decimal
    lower_quartile: Decimal
    upper_quartile: Decimal


def spread(values: list[Decimal]) -> Spread | None:
    if not values:
        return None
    if len(values) == 1:
        only = values[0]
        return Spread(1, only, only, only, only)
    lower, median, upper = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(len(values), sum(values, Decimal(0)), median, lower, upper)


def position(value: Decimal, peers: list[Decimal]) -> Position | None:
    """Where ``value`` stands among ``peers`` (which hold it), or None with too few peers."""
    found = spread(peers)
    if found is None or found.count < MIN_PEERS:
        return None
    rank = 1 + sum(1 for other in peers if other > value)
    return Position(rank, found.count, found.median, found.lower_quartile, found.upper_quartile)
