"""Which snapshots a change can alter, marked no longer valid (the caller publishes once its
transaction commits).

- An activity counts in the flow of the ranges containing it and in the stock of every range
  ending after it began: so every snapshot of its organisation whose range ends at or after its
  start (``invalidate_many``).
- An activity counts in the rolled-up snapshots of every organisation above its own (a rolled-up
  form counts the whole subtree): those are marked with the organisation's own (#31 review,
  finding 4: the umbrella's rolled-up snapshot stayed valid and stale, and a non-forced
  aggregation returned it).
- A change of the report structure from a day on applies to every period (and range) read at a
  day from then on (a structure is read at a range's last day): every organisation's snapshots
  whose range ends at or after that day (``invalidate_structure_from``).

A submitted snapshot stays as it was sent: its period's lock refuses activity writes inside it,
and it keeps the structure it was submitted under. An activity writer asks for the lock after
marking (``periods.invalidate_unlocked``): the marking holds the snapshots' rows (``_valid``), as
a submission holds its snapshot's while it takes the lock (``periods.hold``), so a submission
that took the lock after an answer asked before the transaction is seen (attack4: an activity
recorded while its period was being submitted landed in the locked period, and on PostgreSQL
marked the submitted snapshot invalid).
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.queryset import QuerySet

from ...models import DEFAULT_FORM, ReportForm, Snapshot, SnapshotStatus, Submission
from . import ancestry


async def invalidate_many(since: dict[str, datetime], reason: str) -> list[Snapshot]:
    """What activity writes can change (per organisation, from its earliest written moment on),
    in two statements whatever the number of organisations."""
    if not since:
        return []
    organization_ids = sorted(since)
    candidates = _valid(range_end__gte=min(since.values()), organization_id__in=organization_ids).exclude(
        id__in=await _submitted(organization_id__in=organization_ids)
    )
    affected = [s for s in await candidates if s.range_end >= since[s.organization_id]]
    return await _mark(affected + await _rolled_up_above(since), reason)


async def _rolled_up_above(since: dict[str, datetime]) -> list[Snapshot]:
    """The rolled-up snapshots of the organisations above those written, from the earliest
    moment written below each."""
    earliest: dict[str, datetime] = {}
    for organization_id, ancestors in (await ancestry.above(since)).items():
        for ancestor in ancestors:
            earliest[ancestor] = min(earliest.get(ancestor, since[organization_id]), since[organization_id])
    rolled_up = await ReportForm.filter(rolled_up=True).values_list("id", flat=True)
    if not earliest or not rolled_up:
        return []
    ancestor_ids = sorted(earliest)
    candidates = _valid(
        range_end__gte=min(earliest.values()), organization_id__in=ancestor_ids, form_id__in=sorted(map(str, rolled_up))
    ).exclude(id__in=await _submitted(organization_id__in=ancestor_ids))
    return [s for s in await candidates if s.range_end >= earliest[s.organization_id]]


async def invalidate_structure_from(since: datetime, reason: str) -> list[Snapshot]:
    """What a structure change applying from ``since`` changes: every organisation's snapshots
    read at a day from then on."""
    return await _mark(await _valid(range_end__gte=since).exclude(id__in=await _submitted()), reason)


async def invalidate_form(form_id: str, reason: str) -> list[Snapshot]:
    """What a change of a form's sections changes: every organisation's snapshots of the form."""
    scope = {"form_id__isnull": True} if form_id == DEFAULT_FORM else {"form_id": form_id}
    return await _mark(await _valid(**scope).exclude(id__in=await _submitted()), reason)


def _valid(**scope: object) -> QuerySet[Snapshot]:
    """Held in the order of their periods, the order every writer holds snapshots in (a value
    entered holds its period's, then the next one's; a run the prior period's, then its own):
    held newest first (``Snapshot.Meta.ordering``), an activity and a value of the prior period
    deadlocked on PostgreSQL (attack4)."""
    return (
        Snapshot.filter(status__in=[SnapshotStatus.CURRENT, SnapshotStatus.PROCESSING], cache_valid=True, **scope)
        .order_by("range_end", "id")
        .select_for_update()
    )


async def _submitted(**scope: object) -> list[str]:
    return [str(i) for i in await Submission.filter(lock_slot__isnull=False, **scope).values_list("snapshot_id", flat=True)]


async def _mark(affected: list[Snapshot], reason: str) -> list[Snapshot]:
    if affected:
        await Snapshot.filter(id__in=[s.id for s in affected]).update(
            cache_valid=False, invalidation_reason=reason, invalidated_at=datetime.now(UTC)
        )
    return affected
