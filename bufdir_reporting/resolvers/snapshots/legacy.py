"""Aggregations as the legacy contracts know them: a resource refreshed in place.

The aggregation-service contract's ``PUT /api/v1/bufdir-aggregations/{id}`` refreshes the
resource and answers under the same id, and a client that polls that id expects the refreshed
figures. Here every run is a snapshot of its own (the one it replaces stays, historical), so a
refresh records the id the client holds on the new snapshot (``legacy_id``), and that id names
the newest refresh made under it from then on. Listing shows each such resource once, under the
client's id.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from ...errors import InvalidInput
from ...models import Snapshot, SnapshotStatus
from .. import periods
from ..base import access, changes
from ..base.context import Context
from ..base.pagination import Page, Window
from ..base.rows import AnySnapshot, SnapshotRow
from ..structure import forms
from . import lifecycle
from .lifecycle import Triggered, rerun


async def named(ctx: Context, *, snapshot_id: str) -> Snapshot:
    """What ``snapshot_id`` names now: the newest refresh made under it, else the snapshot itself
    (another organisation's answers as a missing one)."""
    refreshed = await Snapshot.filter(legacy_id=snapshot_id).order_by("-created_at", "-id").first()
    found = refreshed or await Snapshot.get_or_none(id=snapshot_id)  # a model: refresh and delete write it
    return access.readable(ctx, found, kind="snapshot", key=snapshot_id)


async def refresh(
    ctx: Context,
    *,
    snapshot_id: str,
    organization_id: str | None = None,
    period_id: str | None = None,
    window: periods.DateRange | None = None,
    force: bool = True,
) -> Triggered:
    """Aggregate the resource ``snapshot_id`` names again (over ``window`` if given, else its own
    period or range) and name the result by ``snapshot_id``. A body naming another organisation
    or period than the resource's is refused, not ignored, and so is one naming both a period
    and a range, and a range for the aggregation of a period."""
    current = await named(ctx, snapshot_id=snapshot_id)
    access.writable(ctx, current, kind="snapshot", key=snapshot_id)
    if period_id is not None and window is not None:
        # Neither contract's example sends both (service: reporting_period_id; repository:
        # range), and the two name the scope twice: which one wins was a guess.
        raise InvalidInput(
            field="range", fields=["reporting_period_id", "range"], message_id="snapshots.legacy.give_reporting_period_id"
        )
    if organization_id is not None and organization_id != current.organization_id:
        raise InvalidInput(
            field="org_id",
            message_id="snapshots.legacy.org_id_organisation_aggregation",
            values={"organization_id": organization_id, "snapshot_id": snapshot_id, "organization_id2": current.organization_id},
        )
    if window is not None and current.period_id is not None:
        # The repository contract's new range, sent to an aggregation of a period (the service
        # contract's): the id came to name a range snapshot, and the period's aggregation, still
        # there, was no longer listed by its period (outside review). A range is aggregated anew
        # by POST, as a snapshot of its own.
        raise InvalidInput(
            field="range",
            message_id="snapshots.legacy.a_period_takes_no_range",
            values={"snapshot_id": snapshot_id, "its": current.period_id},
        )
    if period_id is not None and period_id != current.period_id:
        raise InvalidInput(
            field="reporting_period_id",
            message_id="snapshots.legacy.not_its_period" if current.period_id else "snapshots.legacy.not_its_range",
            values={"period_id": period_id, "snapshot_id": snapshot_id, "its": current.period_id},
        )
    triggered = await rerun(ctx, snapshot=current, window=window, force=force, wait=True)
    made = triggered.snapshot
    if made.id != snapshot_id and made.legacy_id is None:
        async with in_transaction():
            await Snapshot.filter(id=made.id).update(legacy_id=snapshot_id)
            # what the id answers changes: a poll between the run's commit and this was kept
            # under a version only this moves (test_a_poll_between_the_refresh_and_its_naming_is_not_kept)
            await changes.record([(made.organization_id, None)])
        made.legacy_id = snapshot_id
    return triggered


async def delete(ctx: Context, *, snapshot_id: str) -> Snapshot:
    """Delete what ``snapshot_id`` names now."""
    return await lifecycle.delete(ctx, snapshot_id=(await named(ctx, snapshot_id=snapshot_id)).id)


async def list_(
    ctx: Context,
    *,
    window: Window,
    organization_id: str | None = None,
    period_id: str | None = None,
    status: SnapshotStatus | None = None,
    form_id: str | None = None,
    refreshed_in_place: bool = False,
) -> Page[SnapshotRow]:
    """A legacy listing: the snapshots of the form ``form_id`` names, else of one form per
    organisation and period (``form_choice``: the default form's where there are any, as before
    forms). ``refreshed_in_place``: each resource refreshed under a client's id once, under it."""
    access.require_authenticated(ctx)
    if organization_id is not None:  # who may not read it is told so, whatever form it names
        access.require_read(ctx, organization_id)
    form = await forms.get_or_raise(ctx, form_id=form_id, field="form_id") if form_id is not None else None
    hidden = await superseded(ctx, organization_id=organization_id) if refreshed_in_place else None
    return await lifecycle.list_(
        ctx,
        window=window,
        organization_id=organization_id,
        period_id=period_id,
        status=status,
        excluding=hidden,
        form=form,
        one_form_per_period=form is None,
    )


async def superseded(ctx: Context, *, organization_id: str | None) -> list[str]:
    """Snapshots a listing leaves out: ones refreshed under their own id, and older refreshes
    under an id (the newest answers for it)."""
    scope = access.readable_rows(ctx, Snapshot.filter(legacy_id__isnull=False), organization_id)
    refreshes = await scope.order_by("-created_at", "-id").values_list("id", "legacy_id")
    newest: set[str] = set()
    hidden: list[str] = []
    for snapshot_id, legacy_id in refreshes:
        if legacy_id in newest:
            hidden.append(str(snapshot_id))
        newest.add(str(legacy_id))
    return hidden + sorted(newest)


def shown_id(snapshot: AnySnapshot) -> str:
    """The id a legacy client knows a snapshot by."""
    return snapshot.legacy_id or snapshot.id
