"""The prior period's figures beside a draft's: kept as the prior period's now stand.

A snapshot stores its prior period's values (``FieldValue.prior_value``) and links the snapshot
they came from, so every read path (the executor, the compiled statement, REST, the report
documents, validation's large-change check) reads one row. A run copies them when it aggregates;
but the prior period changes after that: re-aggregated (a new current snapshot) or a value
entered by hand. The next period's current snapshot, while it is not submitted, takes the
change in the transaction that makes it (an outsider on the demo: org-3310's 2026 Q1 draft showed no prior
figures for the fields its 2025 Q4 report had entered by hand after Q1 was aggregated, and
linked Q4's historical snapshot). A submitted snapshot keeps what it was sent with: the
submitted document is history.
"""

from __future__ import annotations

from ...events import DataUpdated
from ...models import FieldValue, Snapshot, SnapshotStatus, Submission
from .. import periods
from ..base.context import Context
from ..base.notify import Outbox
from ..periods import lock_key
from . import scopes


async def refresh_following(ctx: Context, outbox: Outbox, snapshot: Snapshot, *, changed: list[FieldValue] | None = None) -> None:
    """Inside the transaction that changed ``snapshot``'s values (the current snapshot of its
    period): the next period's current snapshot of the same organisation and form, unless its
    report is submitted, takes ``snapshot``'s values as its prior values and links it; its live
    readers are told which values changed. ``changed``: the values of ``snapshot`` a hand entry
    changed, when only those did."""
    if snapshot.period_id is None:
        return
    period = await periods.get_or_raise(ctx, period_id=snapshot.period_id)
    following = await periods.get_following(ctx, period=period)
    if following is None:
        return
    later = await scopes.held_current(scopes.scope_key(snapshot.organization_id, following.id, form_id=snapshot.form_id))
    if later is None or await Submission.exists(lock_slot=lock_key(later.organization_id, following.id, later.form_id)):
        return
    await _take_prior(ctx, outbox, later, snapshot, changed=changed)


async def refresh_unlocked(ctx: Context, outbox: Outbox, *, snapshot_id: str) -> None:
    """Inside the transaction that unlocks a submitted report (returned for correction, or its
    period reopened): its snapshot is a draft again and takes its prior period's figures as they
    now stand, those that changed while it was locked. Its row is held as ``refresh_following``
    holds it; the lock was released by the caller, in this transaction."""
    later = await periods.hold(snapshot_id)
    if later is None or later.period_id is None or later.status != SnapshotStatus.CURRENT:
        return
    period = await periods.get_or_raise(ctx, period_id=later.period_id)
    prior_period = await periods.get_prior(ctx, period=period)
    if prior_period is None:
        return
    prior = await Snapshot.get_or_none(
        current_slot=scopes.scope_key(later.organization_id, prior_period.id, form_id=later.form_id)
    )
    if prior is not None:
        await _take_prior(ctx, outbox, later, prior, changed=None)


async def _take_prior(
    ctx: Context, outbox: Outbox, later: Snapshot, prior: Snapshot, *, changed: list[FieldValue] | None
) -> None:
    """``later`` (held, not submitted) takes ``prior``'s values as its prior values and links it.
    Already linked, a draft holds its prior's values as they stood before this change (every
    change of a current snapshot's values passes here, and a submitted draft takes them all when
    unlocked): only the ``changed`` fields are read, of both (a hand entry read every value of
    both snapshots for the one it changed)."""
    if changed is not None and later.prior_snapshot_id == prior.id:
        figures = {v.field_key: (v.value, v.text_value) for v in changed}
        taking = FieldValue.filter(snapshot_id=later.id, field_key__in=sorted(figures))
    else:
        figures = {v.field_key: (v.value, v.text_value) for v in await FieldValue.filter(snapshot_id=prior.id)}
        taking = FieldValue.filter(snapshot_id=later.id)
    moved = []
    for value in await taking.order_by("id"):
        now = figures.get(value.field_key, (None, None))
        if (value.prior_value, value.prior_text_value) != now:
            value.prior_value, value.prior_text_value = now  # type: ignore[assignment]  # Tortoise types TextField(null=True) as str
            moved.append(value)
    if moved:
        await FieldValue.bulk_update(moved, fields=["prior_value", "prior_text_value"])
    relinked = later.prior_snapshot_id != prior.id
    if relinked:
        await Snapshot.filter(id=later.id).update(prior_snapshot_id=prior.id)
    if moved or relinked:
        outbox.add(DataUpdated.of(later, moved))
        ctx.loaders.field_values_by_snapshot.clear(later.id)
        ctx.loaders.snapshot_by_id.clear(later.id)
