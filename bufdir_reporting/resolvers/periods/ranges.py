"""Date ranges an aggregation covers: a period's bounds, or an ad-hoc range checked at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ...errors import InvalidInput
from ...models import Period
from ..base.context import Context


@dataclass(frozen=True, slots=True)
class DateRange:
    start: datetime
    end: datetime


def local_date(moment: datetime) -> date:
    """The calendar day a moment falls on, as people read dates (deadlines, reports)."""
    return moment.astimezone(UTC).date()


def local_today() -> date:
    return datetime.now(UTC).date()


def day_start(day: date) -> datetime:
    """The first moment of a calendar day."""
    return datetime.combine(day, time.min, UTC)


def period_bounds(period: Period) -> DateRange:
    return DateRange(datetime.combine(period.start, time.min, UTC), datetime.combine(period.end, time.max, UTC))


def checked_range(ctx: Context, start: datetime, end: datetime, *, bounded: bool = True) -> DateRange:
    """A UTC range with start <= end; ``bounded``: no longer than the configured maximum
    (what one aggregation may span; a paginated listing needs no such bound)."""
    start, end = (moment if moment.tzinfo else moment.replace(tzinfo=UTC) for moment in (start, end))
    if start > end:
        raise InvalidInput("range.start is after range.end", field="range.start")
    if bounded and end - start > timedelta(days=ctx.settings.max_range_days):
        raise InvalidInput(f"a range may span at most {ctx.settings.max_range_days} days", field="range.end")
    return DateRange(start.astimezone(UTC), end.astimezone(UTC))
