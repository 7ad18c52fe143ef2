"""Automatic re-aggregation of snapshots whose cache went invalid (opt-in).

With ``BUFDIR_AUTO_REAGGREGATE_SECONDS`` > 0, a current snapshot that has been invalid for at
least that long (the debounce: a burst of activity writes costs one run, not one per write)
is aggregated again. Several processes may sweep at once: the scope's running slot lets only
one run start.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from ...models import Snapshot, SnapshotStatus
from ..base.context import Context
from . import lifecycle

log = logging.getLogger(__name__)


async def reaggregate_stale(ctx: Context, *, quiet_for: timedelta) -> list[str]:
    """Trigger re-aggregation of current snapshots invalid for at least ``quiet_for``."""
    cutoff = datetime.now(UTC) - quiet_for
    stale = await Snapshot.filter(status=SnapshotStatus.CURRENT, cache_valid=False, invalidated_at__lte=cutoff).order_by(
        "invalidated_at"
    )
    started = []
    for snapshot in stale:
        if await Snapshot.exists(running_slot=snapshot.current_slot):
            continue
        triggered = await lifecycle.rerun(ctx, snapshot=snapshot)
        started.append(triggered.snapshot.id)
    return started
