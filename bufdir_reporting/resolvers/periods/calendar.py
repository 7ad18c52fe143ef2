"""The service's calendar: days are days in its time zone (``BUFDIR_TIME_ZONE``, Europe/Oslo).

Stored instants stay UTC. A period's first day begins at local midnight and its last day ends
at the next local midnight, whatever the offset then (+01:00 in winter, +02:00 in summer); a
time written without an offset (Norwegian Excel's ``31.12.2024 14:30``, an API client's
``2024-12-31T14:30:00``) is that zone's wall-clock time; a date shown to people is the local
day. Daylight saving: a wall-clock time in the hour that does not exist (02:00-03:00 on the last
Sunday of March) is read as if the clock had not been put forward yet (02:30 is 03:30 summer
time), one in the hour that comes twice (02:00-03:00 on the last Sunday of October) as its
first occurrence (summer time), as ``zoneinfo`` reads them; a day is 23 or 25 hours long then.

Every module that turns days into instants or back asks here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "Europe/Oslo"
_zone = ZoneInfo(DEFAULT_TIME_ZONE)


def use(time_zone: str) -> None:
    """Take the configured zone (at start-up, from the settings)."""
    global _zone
    _zone = ZoneInfo(time_zone)


def zone() -> ZoneInfo:
    return _zone


def instant(moment: datetime) -> datetime:
    """``moment`` as a UTC instant: one with an offset keeps it, one without is local time."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=_zone)).astimezone(UTC)


def local_date(moment: datetime) -> date:
    """The calendar day an instant falls on here (deadlines, reports, the period lock). The
    last hours of 9999-12-31 UTC fall in year 10,000 here, past what a date holds: they are
    its last day, as no period reaches them."""
    try:
        return instant(moment).astimezone(_zone).date()
    except OverflowError:
        return date.max if moment.year > 1 else date.min


def local_today() -> date:
    return datetime.now(_zone).date()


def day_start(day: date) -> datetime:
    """The first instant of a local day (its midnight; in UTC, 23:00 or 22:00 the day before)."""
    return datetime(day.year, day.month, day.day, tzinfo=_zone).astimezone(UTC)


def day_end(day: date) -> datetime:
    """The last instant of a local day: a microsecond before the next day's midnight."""
    return day_start(day + timedelta(days=1)) - timedelta(microseconds=1)


def local(moment: datetime) -> datetime:
    """An instant as the wall-clock time here, for people."""
    return instant(moment).astimezone(_zone)
