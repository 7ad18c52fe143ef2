"""Which snapshots an activity write can change, marked no longer valid.

An activity counts in the flow of the ranges containing it and in the stock of every range ending
after it began: so every snapshot of the organisation whose range ends at or after its start.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ...models import Snapshot, SnapshotStatus, Submission


async def invalidate_snapshots(organization_id: str, since: datetime, reason: str) -> list[Snapshot]:
    return await invalidate_many({organization_id: since}, reason)


async def invalidate_many(since: dict[str, datetime], reason: str) -> list[Snapshot]:
    """Mark what the writes can change (per organisation, from its earliest written moment on),
    in two statements whatever the number of organisations; the caller publishes once its
    transaction commits. A submitted snapshot stays as it was sent (its period's lock refuses
    writes inside it)."""
    if not since:
        return []
    organization_ids = sorted(since)
    submitted = Submission.filter(organization_id__in=organization_ids, lock_slot__isnull=False).values_list(
        "snapshot_id", flat=True
    )
    candidates = (
        await Snapshot.filter(
            organization_id__in=organization_ids,
            status__in=[SnapshotStatus.CURRENT, SnapshotStatus.PROCESSING],
            cache_valid=True,
            range_end__gte=min(since.values()),
        )
        .exclude(id__in=await submitted)
        .select_for_update()
    )
    affected = [s for s in candidates if s.range_end >= since[s.organization_id]]
    if affected:
        await Snapshot.filter(id__in=[s.id for s in affected]).update(
            cache_valid=False, invalidation_reason=reason, invalidated_at=datetime.now(UTC)
        )
    return affected
