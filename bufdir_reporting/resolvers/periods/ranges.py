"""Date ranges an aggregation covers: a period's bounds, or an ad-hoc range checked at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ...errors import InvalidInput
from ...models import Period
from ..base.context import Context
from . import calendar


@dataclass(frozen=True, slots=True)
class DateRange:
    start: datetime
    end: datetime


def period_bounds(period: Period) -> DateRange:
    """From the first instant of the period's first day to the last of its last, in the
    service's calendar."""
    return DateRange(calendar.day_start(period.start), calendar.day_end(period.end))


def checked_range(ctx: Context, start: datetime, end: datetime, *, bounded: bool = True) -> DateRange:
    """A UTC range with start <= end (a bound without an offset is local time; one with keeps
    it); ``bounded``: no longer than the configured maximum (what one aggregation may span; a
    paginated listing needs no such bound)."""
    start, end = calendar.instant(start), calendar.instant(end)
    if start > end:
        raise InvalidInput(field="range.start", message_id="periods.ranges.range_start_after_range")
    if bounded and end - start > timedelta(days=ctx.settings.max_range_days):
        raise InvalidInput(
            field="range.end",
            message_id="periods.ranges.range_may_span_most",
            values={"max_range_days": ctx.settings.max_range_days},
        )
    return DateRange(start, end)
