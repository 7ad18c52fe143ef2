"""Activities: recorded events from the case-management systems."""

from __future__ import annotations

from datetime import datetime

from ..models import Activity
from .context import Context
from .pagination import Page, Window, paginate
from .snapshots import checked_range


async def list_in_range(
    ctx: Context,
    *,
    organization_id: str,
    start: datetime,
    end: datetime,
    window: Window,
    activity_type: str | None = None,
    status: str | None = None,
) -> Page[Activity]:
    """getActivitiesInRange: live activities that occurred within [start, end], oldest first."""
    ctx.principal.require_organization(organization_id)
    bounds = checked_range(ctx, start, end, bounded=False)
    query = Activity.filter(
        organization_id=organization_id,
        deleted_at__isnull=True,
        occurred_at__gte=bounds.start,
        occurred_at__lte=bounds.end,
    ).order_by("occurred_at", "id")
    if activity_type is not None:
        query = query.filter(activity_type=activity_type)
    if status is not None:
        query = query.filter(status=status)
    return await paginate(query, window)
