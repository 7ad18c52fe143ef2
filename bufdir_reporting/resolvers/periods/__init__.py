"""Reporting periods (public reference data), the date ranges aggregations cover, and the
period lock every writer asks before it writes."""

from . import calendar
from .calendar import day_end, day_start, local_date, local_today
from .lock import (
    Locks,
    form_lock,
    form_lock_wording,
    hold,
    hold_unlocked,
    invalidate_unlocked,
    lock_key,
    locked_at,
    locked_periods,
    locks_of,
    named,
    refuse_if_any_locked,
    refuse_if_period_locked,
    wording,
)
from .ranges import DateRange, checked_range, period_bounds
from .service import get_following, get_or_raise, get_prior, list_

__all__ = [
    "DateRange",
    "Locks",
    "calendar",
    "checked_range",
    "day_end",
    "day_start",
    "form_lock",
    "form_lock_wording",
    "get_following",
    "get_or_raise",
    "get_prior",
    "hold",
    "hold_unlocked",
    "invalidate_unlocked",
    "list_",
    "local_date",
    "local_today",
    "lock_key",
    "locked_at",
    "locked_periods",
    "locks_of",
    "named",
    "period_bounds",
    "refuse_if_any_locked",
    "refuse_if_period_locked",
    "wording",
]
