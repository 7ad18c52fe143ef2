"""Everything a serving process runs in the background, registered here and nowhere else.

- **Jobs** (``JobRunner``), each kind a persisted row and one use case: aggregation jobs
  (a trigger submits one; ``runs.run_job``) and import commits (``uploads.run``).
- **Recovery sweep**: every replica looks for jobs of either kind whose owner stopped beating
  (a crashed or stopped replica) every ``BUFDIR_STALE_JOB_SECONDS``/2, and once at start-up.
- **Automatic re-aggregation** (``BUFDIR_AUTO_REAGGREGATE_SECONDS`` > 0): re-aggregates snapshots
  whose cache went invalid, after the debounce.
- **Event relay** (``BUFDIR_EVENT_RELAY_SECONDS`` > 0, with Redis or PostgreSQL pub/sub): hands
  this replica's subscribers the logged events pub/sub lost (``event_log.relay_missed``).

Each loop is an entry point, not logic: it opens its context and calls a use case.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from .auth import SYSTEM
from .config import Settings
from .database import long_work
from .events import EventHub
from .importing import uploads
from .operations import Metrics
from .resolvers.base import event_log, jobs
from .resolvers.base.context import Context
from .resolvers.base.jobs import JobRunner
from .resolvers.snapshots import reaggregation, runs

log = logging.getLogger(__name__)


def relays_events(settings: Settings) -> bool:
    """One process on ``memory://`` loses nothing between publishing and its subscribers."""
    return settings.event_relay_seconds > 0 and not settings.broadcast_url.startswith("memory://")


RECOVERY, REAGGREGATION, RELAY = "job-recovery", "auto-reaggregation", "event-relay"
PERIODIC_LOOPS = frozenset({RECOVERY, REAGGREGATION, RELAY})
"""The names of the periodic loops' tasks (a test counting the statements of a call leaves theirs out)."""


class Background:
    def __init__(self, settings: Settings, bus: EventHub, metrics: Metrics) -> None:
        self.settings = settings
        self.bus = bus
        self.metrics = metrics
        self.jobs = JobRunner({jobs.AGGREGATION: self._run_job, jobs.ACTIVITY_IMPORT: self._run_import})
        self.stale_after = timedelta(seconds=settings.stale_job_seconds)
        self._loops: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Background work waits on the database with the long budget (``database.long_work``);
        the loops' tasks take it from here, jobs (started by requests too) in their runners."""
        self.bus.read_logged = event_log.read_logged
        with long_work(self.settings):
            await self._recover()
            self._loops.append(asyncio.create_task(self._recover_forever(), name=RECOVERY))
            if self.settings.auto_reaggregate_seconds:
                self._loops.append(asyncio.create_task(self._reaggregate_forever(), name=REAGGREGATION))
            if relays_events(self.settings):
                self.bus.catch_up = event_log.catch_up
                self._loops.append(asyncio.create_task(self._relay_forever(), name=RELAY))

    async def stop(self) -> None:
        """Loops end at once; interrupted jobs stay persisted and resume on a live replica."""
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        await self.jobs.shutdown()

    async def _run_job(self, job_id: str, stale_before: datetime | None) -> None:
        context = Context(settings=self.settings, principal=SYSTEM, events=self.bus)
        started = time.perf_counter()
        snapshot = await runs.run_job(context, job_id=job_id, stale_before=stale_before)
        if snapshot is not None:
            self.metrics.jobs.labels(str(snapshot.status)).observe(time.perf_counter() - started)

    async def _run_import(self, import_id: str, stale_before: datetime | None) -> None:
        with long_work(self.settings):
            await uploads.run(self._system(), import_id=import_id, stale_before=stale_before)

    def _system(self) -> Context:
        return Context(settings=self.settings, principal=SYSTEM, jobs=self.jobs, events=self.bus)

    async def _recover(self) -> None:
        await self.jobs.recover(stale_after=self.stale_after)
        await uploads.recover(self._system(), stale_after=self.stale_after)

    async def _recover_forever(self) -> None:
        while True:
            await asyncio.sleep(self.stale_after.total_seconds() / 2)
            try:
                await self._recover()
            except Exception:
                log.exception("job recovery sweep failed")

    async def _relay_forever(self) -> None:
        cursor = event_log.RelayCursor()
        interval = self.settings.event_relay_seconds
        failing = False
        while True:
            await asyncio.sleep(interval)
            try:
                if relayed := await event_log.relay_missed(self.bus, cursor, grace=interval):
                    log.info("relayed %d events from the event log that pub/sub did not deliver", relayed)
                failing = False
            except Exception as exc:  # the database is away: the relay resumes where it stood
                if not failing:
                    log.warning("the event relay cannot read the event log (%s); retrying", exc)
                failing = True

    async def _reaggregate_forever(self) -> None:
        context = Context(settings=self.settings, principal=SYSTEM, jobs=self.jobs, events=self.bus)
        debounce = timedelta(seconds=self.settings.auto_reaggregate_seconds)
        while True:
            try:
                await reaggregation.reaggregate_stale(context, quiet_for=debounce)
            except Exception:
                log.exception("automatic re-aggregation sweep failed")
            await asyncio.sleep(max(debounce.total_seconds() / 2, 0.05))
