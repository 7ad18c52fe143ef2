"""Reporting periods: public reference data."""

from __future__ import annotations

from datetime import timedelta

from ...errors import NotFound
from ...models import Period, PeriodType
from ..base.context import Context
from ..base.pagination import Page, Window, paginate


async def get_or_raise(ctx: Context, *, period_id: str) -> Period:
    period = await ctx.loaders.period_by_id.load(period_id)
    if period is None:
        raise NotFound("period", period_id)
    return period


async def list_(ctx: Context, *, window: Window, type: PeriodType | None = None) -> Page[Period]:
    query = Period.all().order_by("start", "end", "id")
    if type is not None:
        query = query.filter(type=type)
    return await paginate(query, window)


async def get_prior(ctx: Context, *, period: Period) -> Period | None:
    """The period of the same type that ends the day before this one starts."""
    return await Period.get_or_none(type=period.type, end=period.start - timedelta(days=1))


async def get_following(ctx: Context, *, period: Period) -> Period | None:
    """The period of the same type that starts the day after this one ends."""
    return await Period.get_or_none(type=period.type, start=period.end + timedelta(days=1))
