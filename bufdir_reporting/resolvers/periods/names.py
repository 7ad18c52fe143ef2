"""A period's name in the reader's language.

A period's ``name`` is Bokmål, written by whoever made the period (``4. kvartal 2025``,
``Rapporteringsåret 2023``), and it is what a Bokmål reader (and every legacy contract) reads. A
period that is a calendar year, half, quarter or month has a standard name in every language,
derived from its type and dates (``Q4 2025``, ``Reporting year 2023``): no one has to translate
a hundred quarters. Any other period (a custom range, a year that is not a calendar year) is
named by a stored translation (``TranslatedSubject.PERIOD``), else its Bokmål.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Protocol

from ...language import InEach, Language, say
from ...models import Period, PeriodType, TranslatedAttribute, TranslatedSubject, Translation


class Dated(Protocol):
    """What a name is made from: a stored period, or a row read as plain values (analytics)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> PeriodType: ...
    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _spans_months(period: Dated, months: int) -> bool:
    """Whether the period runs from the first of a month to the last day ``months`` months on,
    within one calendar year."""
    start, end = period.start, period.end
    last = start.month + months - 1
    return start.day == 1 and last <= 12 and end == _month_end(date(start.year, last, 1))


def standard_name(period: Dated, language: Language) -> str | None:
    """The calendar name of a year, half, quarter or month that is one (None for any other)."""
    start = period.start
    if period.type == PeriodType.YEAR and start.month == 1 and _spans_months(period, 12):
        return say("period.name.year", language, year=start.year)
    if period.type == PeriodType.HALF and start.month in (1, 7) and _spans_months(period, 6):
        return say(f"period.name.half.{(start.month + 5) // 6}", language, year=start.year)
    if period.type == PeriodType.QUARTER and start.month % 3 == 1 and _spans_months(period, 3):
        return say("period.name.quarter", language, quarter=(start.month + 2) // 3, year=start.year)
    if period.type == PeriodType.MONTH and _spans_months(period, 1):
        return say("period.name.month", language, month=say(f"period.month.{start.month}", language), year=start.year)
    return None


async def in_each_language(period_id: str) -> InEach:
    """A stored period's name in every language, as ``translations.Texts.period_name`` gives
    each: its Bokmål, else a stored translation, the calendar's name (for a refusal worded when
    it is answered: the period-locked one named the period by its id)."""
    period = await Period.get_or_none(id=period_id)
    if period is None:
        return InEach({Language.NB: period_id})
    stored = dict(
        await Translation.filter(
            subject=TranslatedSubject.PERIOD, subject_id=period_id, attribute=TranslatedAttribute.NAME
        ).values_list("language", "text")
    )
    return InEach(
        {
            language: period.name
            if language == Language.NB
            else stored.get(language.value) or standard_name(period, language) or period.name
            for language in Language
        }
    )
