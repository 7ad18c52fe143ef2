"""The period lock: a submitted period refuses every write that would change what was sent.

A submission takes the lock (``Submission.lock_slot`` is unique); an admin's reopening releases
it. Every writer asks here, inside its transaction, with the rows it writes held: a value entered
by hand, a run finishing and an invalidation hold their snapshot (``hold_unlocked``); activities
mark the snapshots they change, holding them, and then ask of every moment they touch
(``invalidate_unlocked``). A submission holds its snapshot while it takes the lock, so the answer
stands until the writer commits. A writer asks before its transaction too only where that saves
real work: an aggregation before it runs (``snapshots.trigger``), a set of activities before it
is written (``activities.write``, an import's row checks).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ...errors import PeriodLocked
from ...models import DEFAULT_FORM, Organization, Period, ReportForm, ReviewState, Snapshot, Submission
from ..base import ancestry, invalidation
from . import calendar, names


def lock_key(organization_id: str, period_id: str, form_id: str | None = None) -> str:
    """A submission's lock: one per organisation, period and form (the default form's has no
    form part, as before forms existed)."""
    part = "" if form_id in (None, DEFAULT_FORM) else f"|{form_id}"
    return f"{organization_id}|{period_id}{part}"


async def locked_periods(moments: dict[str, list[datetime]]) -> dict[str, list[str]]:
    """Per organisation, its locked periods containing any of its ``moments``: its own
    submissions', and those of a rolled-up form submitted by an organisation above it (its
    activities count in that report: #31 review, finding 4, a branch wrote into a period after
    its umbrella's rolled-up report for it was submitted)."""
    wanted = {org: {calendar.local_date(m) for m in days} for org, days in moments.items() if days}
    if not wanted:
        return {}
    locks = await Submission.filter(organization_id__in=sorted(wanted), lock_slot__isnull=False).prefetch_related("period")
    found: dict[str, set[str]] = {}
    for lock in locks:
        if any(lock.period.start <= day <= lock.period.end for day in wanted[lock.organization_id]):
            found.setdefault(lock.organization_id, set()).add(lock.period_id)
    for org, lock in await _rolled_up_locks_above(sorted(wanted)):
        if any(lock.period.start <= day <= lock.period.end for day in wanted[org]):
            found.setdefault(org, set()).add(lock.period_id)
    return {org: sorted(periods) for org, periods in found.items()}


async def _rolled_up_locks_above(organization_ids: list[str]) -> list[tuple[str, Submission]]:
    """(organisation, lock) for each locked submission of a rolled-up form by one above it."""
    ancestors = await ancestry.above(organization_ids)
    if not ancestors:
        return []
    rolled_up = [str(i) for i in await ReportForm.filter(rolled_up=True).values_list("id", flat=True)]
    if not rolled_up:
        return []
    held = sorted({a for above in ancestors.values() for a in above})
    locks = await Submission.filter(organization_id__in=held, form_id__in=rolled_up, lock_slot__isnull=False).prefetch_related(
        "period"
    )
    return [(org, lock) for org, above in ancestors.items() for lock in locks if lock.organization_id in above]


Locks = dict[str, list[tuple[str, date, date]]]
"""Per organisation, its locked periods: (period id, first day, last day)."""


async def locks_of(moments: dict[str, list[datetime]]) -> Locks:
    """The locked periods of these organisations that contain any of their ``moments``."""
    found = await locked_periods(moments)
    if not found:
        return {}
    wanted = {period for periods in found.values() for period in periods}
    bounds = {p.id: (p.start, p.end) for p in await Period.filter(id__in=sorted(wanted))}
    return {org: [(period, *bounds[period]) for period in periods] for org, periods in found.items()}


def locked_at(locks: Locks, organization_id: str, moment: datetime) -> str | None:
    """The locked period containing ``moment`` for the organisation, if any."""
    day = calendar.local_date(moment)
    return next((period for period, start, end in locks.get(organization_id, []) if start <= day <= end), None)


async def refuse_if_any_locked(moments: dict[str, list[datetime]]) -> None:
    for organization_id, locked in sorted((await locked_periods(moments)).items()):
        message_id, values, details = await wording(organization_id, locked[0])
        raise PeriodLocked(
            details={"organization_id": organization_id, "period_ids": locked, **details}, message_id=message_id, values=values
        )


Wording = tuple[str, dict[str, object], dict[str, Any]]
"""A lock's refusal: its message, the values that fill it, and details beyond the organisation
and period for a program (whose lock it is)."""


async def wording(organization_id: str, period_id: str) -> Wording:
    """What a refusal of a write dated in the organisation's locked period says, in the lock's
    state: the one home of these words for a write's PERIOD_LOCKED and an import's row (the row
    said "an admin must reopen it first" in any state and named the period by its id, polish5).

    An activity's refusal is worded by the lock's state, as ``refuse_if_period_locked`` words
    a value's: it said "an admin must reopen it first" of a report only submitted, which a
    return for correction unlocks too, and "submitted" of one approved (outsider5: org-3310's
    submitted Q1 2026 and approved Q4 2025 in the demo). Of several forms' locks, one approved
    holds the period until an admin reopens it."""
    own = [
        lock.review_state
        for lock in await Submission.filter(organization_id=organization_id, period_id=period_id, lock_slot__isnull=False).only(
            "id", "review_state"
        )
    ]
    above = None if own else await _umbrella_lock(organization_id, period_id)
    if above is None:
        return _in_state(ReviewState.APPROVED in own), await named(organization_id, period_id), {}
    # A branch was told its period was "submitted" when it had submitted nothing: the lock
    # is its umbrella's rolled-up report, so say whose (#31 outside test, finding 4).
    umbrella, form = above.organization, above.form
    form_name = f"{form.id} ({form.name})" if form is not None else DEFAULT_FORM
    details = {
        "locked_by_organization_id": umbrella.id,
        "locked_by_form_id": form.id if form is not None else DEFAULT_FORM,
        "locked_by_submission_id": above.id,
    }
    values = {**await named(organization_id, period_id), "umbrella": f"{umbrella.name} ({umbrella.id})", "form": form_name}
    return "periods.lock.locked_by_umbrella", values, details


def _in_state(approved: bool) -> str:
    """An approved report cannot be returned (``reviews``), so only an admin's reopening
    unlocks it; a submitted one is unlocked by a return for correction too."""
    return "periods.lock.period_approved_locked" if approved else "periods.lock.period_submitted_locked"


async def _umbrella_lock(organization_id: str, period_id: str) -> Submission | None:
    """The rolled-up submission above the organisation that locks the period (asked when the
    organisation holds no lock of its own for it)."""
    for _, lock in await _rolled_up_locks_above([organization_id]):
        if lock.period_id == period_id:
            await lock.fetch_related("organization", "form")
            return lock
    return None


async def _locked(organization_id: str, period_ids: list[str], *, approved: bool) -> PeriodLocked:
    """The refusal of the organisation's own lock, saying what unlocks it in the lock's state:
    an approved report cannot be returned (``reviews``), so only an admin's reopening helps; it
    offered a return there too (outsider, polish4)."""
    return PeriodLocked(
        details={"organization_id": organization_id, "period_ids": period_ids},
        message_id=_in_state(approved),
        values=await named(organization_id, period_ids[0]),
    )


async def refuse_if_period_locked(organization_id: str, period_id: str | None, form_id: str | None = None) -> None:
    """Refuse a change to a submitted report: the form's period is locked for the organisation."""
    if period_id is None:
        return
    lock = await form_lock(organization_id, period_id, form_id)
    if lock is not None:
        raise await _locked(organization_id, [period_id], approved=lock.review_state == ReviewState.APPROVED)


async def form_lock(organization_id: str, period_id: str, form_id: str | None = None) -> Submission | None:
    """The submission that locks the form's period for the organisation, if one does."""
    return await Submission.get_or_none(lock_slot=lock_key(organization_id, period_id, form_id)).only("id", "review_state")


async def form_lock_wording(organization_id: str, period_id: str, lock: Submission | None) -> tuple[str, dict[str, object]]:
    """The words of the form's ``lock`` of the period in its state (None: a submission's insert
    failed on a lock, taken as submitted): a change to the submitted report and a second
    submission of it say the same (submitReport's CONFLICT said "an admin must reopen it" of a
    report a return unlocks too, and named the period by its id: polish5)."""
    approved = lock is not None and lock.review_state == ReviewState.APPROVED
    return _in_state(approved), await named(organization_id, period_id)


async def hold(snapshot_id: str) -> Snapshot | None:
    """Inside the transaction of a write to a snapshot (its values, its state), before asking
    whether its period is locked: the snapshot's row, held until the write commits (PostgreSQL;
    SQLite runs one transaction at a time). A submission holds the row while it takes the lock,
    so a writer's answer stands until it commits: asked only before its transaction, a value set
    or a run finished during a submission went into the submitted snapshot (attack4)."""
    return await Snapshot.filter(id=snapshot_id).select_for_update().first()


async def hold_unlocked(snapshot_id: str) -> Snapshot | None:
    """Inside the transaction of a write to a snapshot (its values, its state): its row held
    (``hold``), then its period's lock asked; None: the snapshot is gone. Each writer wrote the
    two steps out (asked only before its transaction, a value set or a run finished during a
    submission went into the submitted snapshot: attack4)."""
    held = await hold(snapshot_id)
    if held is not None:
        await refuse_if_period_locked(held.organization_id, held.period_id, held.form_id)
    return held


async def invalidate_unlocked(moments: dict[str, list[datetime]], reason: str) -> list[Snapshot]:
    """Inside an activity write's transaction, its rows written: the snapshots they change (per
    organisation from the earliest moment the write touches on, where a row now falls or where an
    activity it corrects fell: a correction moving an activity from May to August changes May's
    figures too) marked no longer valid, their rows held (``invalidation``), then the lock asked of
    every moment the write touches: a submission that took the lock after an answer asked before
    the transaction is seen here (attack4: an activity recorded while its period was being
    submitted landed in the locked period)."""
    since = {organization_id: min(days) for organization_id, days in moments.items() if days}
    invalidated = await invalidation.invalidate_many(since, reason)
    await refuse_if_any_locked(moments)
    return invalidated


async def named(organization_id: str, period_id: str) -> dict[str, object]:
    """The period by its name in the reader's language and the organisation by its name and id, for
    a refusal's words (``period``, ``organization``): the refusal named ids ("perioden rp-2026-q1
    … for org-3310", #33 outsider); the details keep the ids for a program."""
    organization = await Organization.get_or_none(id=organization_id).only("id", "name")
    return {
        "period": await names.in_each_language(period_id),
        "organization": organization_id
        if organization is None or organization.name == organization_id
        else f"{organization.name} ({organization_id})",
    }
