"""Periods are Norwegian calendar days: bounds at local midnight, times without an offset read as
local time, both daylight-saving changes, the lock and the deadlines by the local day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bufdir_reporting.importing.cells import value_of
from bufdir_reporting.models import Period, PeriodType
from bufdir_reporting.resolvers import activities, periods, snapshots
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec
from bufdir_reporting.resolvers.periods import calendar

from ...factories import context_for, counted, make_organization, make_period, make_section


def spec(occurred_at: str) -> ActivitySpec:
    return ActivitySpec.model_validate(
        {
            "organization_id": "org-x",
            "source_system": "cis",
            "activity_type": "investigation",
            "category": "ungdom",
            "status": "completed",
            "occurred_at": occurred_at,
        }
    )


def test_a_quarter_runs_from_local_midnight_to_local_midnight():
    q1 = Period(id="q1", type=PeriodType.QUARTER, name="q1", start=date(2026, 1, 1), end=date(2026, 3, 31))
    q2 = Period(id="q2", type=PeriodType.QUARTER, name="q2", start=date(2026, 4, 1), end=date(2026, 6, 30))
    first, second = periods.period_bounds(q1), periods.period_bounds(q2)
    assert first.start == datetime(2025, 12, 31, 23, tzinfo=UTC), "winter: +01:00"
    assert second.start == datetime(2026, 3, 31, 22, tzinfo=UTC), "summer: +02:00"
    assert first.end < second.start and (second.start - first.end).total_seconds() == 1e-6


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2026-04-01T00:30:00+02:00", datetime(2026, 3, 31, 22, 30, tzinfo=UTC)),  # an offset is kept
        ("2026-04-01T00:30:00", datetime(2026, 3, 31, 22, 30, tzinfo=UTC)),  # none: Norwegian time
        ("2026-01-15T10:00:00", datetime(2026, 1, 15, 9, tzinfo=UTC)),  # winter
        ("2026-03-29T02:30:00", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # the missing hour: as 03:30 summer time
        ("2026-10-25T02:30:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # the doubled hour: its first time
        ("2026-10-25T03:30:00", datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),  # after it: winter time
        ("2026-04-01T00:30:00Z", datetime(2026, 4, 1, 0, 30, tzinfo=UTC)),
    ],
)
def test_a_time_without_an_offset_is_norwegian_time(written, instant):
    assert spec(written).occurred_at == instant


def test_the_local_day_of_an_instant():
    assert calendar.local_date(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == date(2026, 4, 1)
    assert calendar.local_date(datetime(2026, 12, 31, 22, 59, tzinfo=UTC)) == date(2026, 12, 31)
    assert calendar.local_date(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == date(2027, 1, 1)


async def test_the_first_and_last_minute_of_a_quarter_count_in_it_on_both_databases(app, settings):
    """An activity at 00:30 on 1 April in Oslo counts in Q2 whether it comes with an offset or
    without (it counted in Q1: the bounds were UTC days); 23:59 on 31 March counts in Q1; the
    first minutes after the spring change count in their day."""
    org = await make_organization(id="org-x")
    await make_section(fields=[counted("antall_saker")])
    q1, q2 = await make_period(year=2026, quarter=1), await make_period(year=2026, quarter=2)
    ctx = context_for(settings, app, org.id)
    for written in (
        "2026-04-01T00:30:00+02:00",
        "2026-04-01T00:30:00",
        "01.04.2026 00:00",
        "2026-03-31T23:59:00",
        "2026-01-01T00:00:00",
        "2026-03-29T03:00:00",
        "2025-12-31T23:59:00",
    ):
        row = {
            "organization_id": org.id,
            "source_system": "cis",
            "activity_type": "investigation",
            "category": "ungdom",
            "status": "completed",
            "occurred_at": value_of("datetime", written),  # as the file import reads 01.04.2026 00:00
        }
        result = await activities.ingest(ctx, rows=[row])
        assert not result.errors, result.errors
    counts = {}
    for period in (q1, q2):
        snapshot = (await snapshots.trigger(ctx, organization_id=org.id, period_id=period.id, wait=True)).snapshot
        counts[period.id] = snapshot.activity_count
    assert counts == {"2026-Q1": 3, "2026-Q2": 3}


async def test_a_lock_and_a_deadline_go_by_the_local_day(app, settings):
    from bufdir_reporting.resolvers.periods.lock import locked_at

    q2 = (date(2026, 4, 1), date(2026, 6, 30))
    locks = {"org-x": [("2026-Q2", *q2)]}
    assert locked_at(locks, "org-x", datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == "2026-Q2", "00:30 on 1 April"
    assert locked_at(locks, "org-x", datetime(2026, 3, 31, 21, 59, tzinfo=UTC)) is None, "23:59 on 31 March"
    assert locked_at(locks, "org-x", datetime(2026, 6, 30, 21, 59, tzinfo=UTC)) == "2026-Q2", "23:59 on 30 June"
    assert locked_at(locks, "org-x", datetime(2026, 6, 30, 22, 0, tzinfo=UTC)) is None, "00:00 on 1 July"


def test_the_zone_is_a_setting(monkeypatch):
    from bufdir_reporting.config import Settings

    with pytest.raises(ValueError, match="BUFDIR_TIME_ZONE must be an IANA time zone"):
        Settings(time_zone="Norway/Oslo")
    try:
        calendar.use("UTC")
        assert spec("2026-04-01T00:30:00").occurred_at == datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
    finally:
        calendar.use(Settings().time_zone)


def test_the_calendars_edges_have_a_day():
    """9999-12-31T23:59Z is in year 10,000 in Oslo, past what a date holds (the period lock
    asked for its day and the import answered 500)."""
    assert calendar.local_date(datetime(9999, 12, 31, 23, 59, tzinfo=UTC)) == date.max
    assert calendar.local_date(datetime(1, 1, 1, 0, 0, tzinfo=UTC)) == date(1, 1, 1)
