"""Activities: recorded events from the case-management systems.

Every write marks the snapshots it can change as no longer valid: an activity counts in the
flow of the ranges containing it and in the stock of every range ending after it began, so
every snapshot of the organisation whose range ends at or after the activity's start.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from tortoise.exceptions import IntegrityError

from ...errors import Conflict, InvalidInput, NotFound
from ...events import CacheInvalidated
from ...models import Activity, ActivityParticipant
from .. import periods
from ..base import access, audit, ids, notify
from ..base.context import Context
from ..base.inputs import invalid_input
from ..base.pagination import Page, Window, paginate
from . import batch
from .inputs import ActivitySpec

ACTIVITIES_RECORDED = "activities recorded"


async def record(ctx: Context, *, spec: ActivitySpec) -> Activity:
    """Record an activity; the same (organisation, source system, external id) corrects it."""
    ((activity, _),) = await write(ctx, [spec])
    return activity


async def write(ctx: Context, specs: list[ActivitySpec]) -> list[tuple[Activity, bool]]:
    """Write validated specs in one transaction; ``True`` beside each one that is new. The
    checks and writes take a fixed number of statements however many organisations and rows."""
    organization_ids = sorted({s.organization_id for s in specs})
    for organization_id in organization_ids:
        access.require_write(ctx, organization_id)
    for organization_id, found in zip(
        organization_ids, await ctx.loaders.organization_by_id.load_many(organization_ids), strict=True
    ):
        if found is None:
            raise NotFound("organization", organization_id)
    existing = await batch.existing_by_key(specs)
    moments = batch.moments_of(specs, existing.values())
    await periods.refuse_if_any_locked(moments)  # before as well: a refused set is not written at all
    try:
        async with notify.transaction(ctx) as outbox:
            written = await batch.write_all(ctx, specs, existing)
            invalidated = await periods.invalidate_unlocked(batch.earliest_of(specs), moments, ACTIVITIES_RECORDED)
            outbox.add(*CacheInvalidated.each(invalidated, ACTIVITIES_RECORDED))
    except IntegrityError:
        raise Conflict(message_id="activities.service.concurrent_write_recorded_same") from None
    return written


def public_id(ctx: Context, activity: Activity) -> str:
    """The id clients see (``act-`` and 26 letters): the row id enciphered, see ``base.ids``."""
    return ids.activity_public_id(ctx.settings, activity.id)


async def _by_public_id(ctx: Context, activity_id: str) -> Activity | None:
    if not ids.looks_like_activity_id(activity_id):
        raise InvalidInput(field="id", message_id="activities.service.activity_id_looks_like")
    row_id = ids.activity_row_id(ctx.settings, activity_id)
    return None if row_id is None else await ctx.loaders.activity_by_row_id.load(row_id)


async def get_or_raise(ctx: Context, *, activity_id: str) -> Activity:
    activity = await _by_public_id(ctx, activity_id)
    return access.readable(ctx, activity, kind="activity", key=activity_id)


async def get_for_write(ctx: Context, *, activity_id: str) -> Activity:
    activity = await _by_public_id(ctx, activity_id)
    return access.writable(ctx, activity, kind="activity", key=activity_id)


async def correct(ctx: Context, *, activity_id: str, changes: dict[str, Any]) -> Activity:
    activity = await get_for_write(ctx, activity_id=activity_id)
    current = {name: getattr(activity, name) for name in batch.COLUMNS}
    refs = await ActivityParticipant.filter(activity_id=activity.id).values_list("participant_ref", flat=True)
    merged = {**current, "participant_refs": list(refs), **changes, "organization_id": activity.organization_id}
    try:
        spec = ActivitySpec.model_validate(merged)
    except ValidationError as exc:
        raise invalid_input(exc) from None
    async with notify.transaction(ctx) as outbox:
        activity.update_from_dict({name: getattr(spec, name) for name in batch.COLUMNS})
        await activity.save()
        await audit.record(
            ctx,
            action="activity.corrected",
            entity_type="activity",
            entity_id=public_id(ctx, activity),
            organization_id=activity.organization_id,
            before=current,
            after=audit.fields_of(activity, batch.COLUMNS),
        )
        await ActivityParticipant.filter(activity_id=activity.id).delete()
        await ActivityParticipant.bulk_create(
            [ActivityParticipant(activity_id=activity.id, participant_ref=ref) for ref in spec.participant_refs]
        )
        moments = [current["occurred_at"], spec.occurred_at]
        invalidated = await periods.invalidate_unlocked(
            {activity.organization_id: min(moments)}, {activity.organization_id: moments}, "activity corrected"
        )
        outbox.add(*CacheInvalidated.each(invalidated, "activity corrected"))
    return activity


async def delete(ctx: Context, *, activity_id: str) -> Activity:
    """Soft delete: the row stays with deleted_at, and stops counting."""
    activity = await get_for_write(ctx, activity_id=activity_id)
    if activity.deleted_at is None:
        async with notify.transaction(ctx) as outbox:
            activity.deleted_at = datetime.now(UTC)
            await activity.save(update_fields=["deleted_at", "updated_at"])
            await audit.record(
                ctx,
                action="activity.deleted",
                entity_type="activity",
                entity_id=public_id(ctx, activity),
                organization_id=activity.organization_id,
                before=audit.fields_of(activity, batch.COLUMNS),
                after={"deleted_at": activity.deleted_at},
            )
            invalidated = await periods.invalidate_unlocked(
                {activity.organization_id: activity.occurred_at},
                {activity.organization_id: [activity.occurred_at]},
                "activity deleted",
            )
            outbox.add(*CacheInvalidated.each(invalidated, "activity deleted"))
    return activity


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
    access.require_read(ctx, organization_id)
    bounds = periods.checked_range(ctx, start, end, bounded=False)
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


async def list_(
    ctx: Context,
    *,
    organization_id: str,
    window: Window,
    start: datetime | None = None,
    end: datetime | None = None,
    activity_type: str | None = None,
    category: str | None = None,
    status: str | None = None,
    source_system: str | None = None,
    include_deleted: bool = False,
) -> Page[Activity]:
    """An organisation's activities, newest first, narrowed by any of the filters; ``start`` and
    ``end`` bound when they occurred (either may be left open; without an offset, local time)."""
    access.require_read(ctx, organization_id)
    query = Activity.filter(organization_id=organization_id)
    if not include_deleted:
        query = query.filter(deleted_at__isnull=True)
    if start is not None:
        query = query.filter(occurred_at__gte=periods.calendar.instant(start))
    if end is not None:
        query = query.filter(occurred_at__lte=periods.calendar.instant(end))
    for column, wanted in (
        ("activity_type", activity_type),
        ("category", category),
        ("status", status),
        ("source_system", source_system),
    ):
        if wanted is not None:
            query = query.filter(**{column: wanted})
    return await paginate(query.order_by("-occurred_at", "-id"), window)
