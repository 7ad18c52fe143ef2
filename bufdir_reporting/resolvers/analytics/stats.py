"""The statistics of a column of numbers: total, median and quartiles, and a value's position.

Quartiles are the "inclusive" method (``statistics.quantiles(method="inclusive")``: linear
interpolation between the closest ranks, R's type 7 and Excel's QUARTILE.INC), so a reviewer
who checks a figure in Excel gets the same number.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from decimal import Decimal

MIN_PEERS = 5
"""Peer statistics are given where at least this many organisations of the kind have a value:
with fewer, a quartile would be close to some peer's own figure."""


@dataclass(frozen=True, slots=True, eq=False)
class Spread:
    """Compared and hashed by identity: one object per column, which a transport may key a
    conversion on."""

    count: int
    total: Decimal
    median: Decimal
    lower_quartile: Decimal
    upper_quartile: Decimal


@dataclass(slots=True)
class Position:
    """Not frozen: a table makes one per cell, and a frozen dataclass sets each field through
    object.__setattr__ (bench S9 profile)."""

    rank: int
    """1 for the largest value among the peers (ties share the better rank)."""
    spread: Spread
    """The peers' (shared by every cell of the kind, field and period)."""

    @property
    def of(self) -> int:
        """Peers with a value, the organisation included."""
        return self.spread.count

    @property
    def median(self) -> Decimal:
        return self.spread.median

    @property
    def lower_quartile(self) -> Decimal:
        return self.spread.lower_quartile

    @property
    def upper_quartile(self) -> Decimal:
        return self.spread.upper_quartile


def spread(values: list[Decimal], ordered: list[Decimal] | None = None) -> Spread | None:
    """``values``' statistics; ``ordered`` is ``sorted(values)`` where the caller has it. The
    total adds them in the order given."""
    if not values:
        return None
    if len(values) == 1:
        only = values[0]
        return Spread(1, only, only, only, only)
    lower, median, upper = _quartiles(sorted(values) if ordered is None else ordered)
    return Spread(len(values), sum(values, Decimal(0)), median, lower, upper)


def _quartiles(ordered: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """``statistics.quantiles(values, n=4, method="inclusive")`` on values already sorted, by the
    same arithmetic (Python 3.11-3.13's): it sorts a copy of its own, and a table's peer groups
    were sorted twice (bench S9). A test compares the two."""
    m = len(ordered) - 1
    found = []
    for i in (1, 2, 3):
        j, delta = divmod(i * m, 4)
        found.append((ordered[j] * (4 - delta) + ordered[j + 1] * delta) / 4)
    return found[0], found[1], found[2]


@dataclass(frozen=True, slots=True)
class Peers:
    """The approved values of one kind's organisations for a field and period, sorted once, so
    each cell's position is a binary search (bench S9: a spread per cell cost more than the SQL)."""

    ordered: list[Decimal]
    spread: Spread | None

    @classmethod
    def of(cls, values: list[Decimal]) -> Peers:
        ordered = sorted(values)
        return cls(ordered, spread(values, ordered))

    def position(self, value: Decimal) -> Position | None:
        """Where ``value`` stands among them (they hold it), or None with too few of them."""
        found = self.spread
        if found is None or found.count < MIN_PEERS:
            return None
        rank = 1 + len(self.ordered) - bisect.bisect_right(self.ordered, value)
        return Position(rank, found)
