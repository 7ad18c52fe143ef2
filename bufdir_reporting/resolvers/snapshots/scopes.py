"""A snapshot's scope (one organisation's figures of one form over one period or range) and the
current snapshot that holds it: the one home of the lookup ``runs`` and ``prior_values`` share."""

from __future__ import annotations

from ...models import Snapshot
from .. import periods
from ..structure import forms


def scope_key(
    organization_id: str, period_id: str | None, window: periods.DateRange | None = None, *, form_id: str | None = None
) -> str:
    """One organisation's figures of one form over one period (or range): at most one current
    and one running snapshot each."""
    if period_id is not None:
        return f"{organization_id}|{period_id}{forms.scope_part(form_id)}"
    assert window is not None
    return f"{organization_id}|{window.start.isoformat()}|{window.end.isoformat()}{forms.scope_part(form_id)}"


async def held_current(slot: str) -> Snapshot | None:
    """The current snapshot of ``slot`` with its row held (``periods.hold``), found again when
    the one found was replaced (or deleted) while this waited for its row."""
    held = None
    for _ in range(HELD_TRIES):
        found = await Snapshot.get_or_none(current_slot=slot)
        if found is None:
            return None
        held = await periods.hold(found.id)
        if held is not None and held.current_slot == slot:
            return held
    return held


HELD_TRIES = 5
"""A current snapshot replaced this many times while a run waited for its row: the run takes the
last one it held (replaced since, but there) rather than wait on."""
