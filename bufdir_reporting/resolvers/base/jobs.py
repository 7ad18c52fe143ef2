"""Background jobs in this process: entry points, not logic.

A job is a persisted row before it is submitted (an aggregation job, an import being
committed), so a process that dies leaves a row another replica's sweep (or the next start-up)
finds and runs again: nothing stays running for ever. Job kinds are registered in one place
(``background.Background``); use cases submit by kind and id.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from ...models import AggregationJob, JobStatus

log = logging.getLogger(__name__)

AGGREGATION = "aggregation"
ACTIVITY_IMPORT = "activity-import"

OWNER = f"{socket.gethostname()}:{os.getpid()}"
"""This process, as the owner of the jobs it claims."""

Runner = Callable[[str, datetime | None], Awaitable[None]]
"""``(job_id, stale_before)``: run a job; one another process claimed only if its heartbeat is
older than ``stale_before``."""


class JobRunner:
    def __init__(self, runners: dict[str, Runner]) -> None:
        self._runners = runners
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}

    def submit(self, kind: str, job_id: str, *, stale_before: datetime | None = None) -> None:
        """Run the job in the background, unless this process runs it already."""
        if (kind, job_id) in self._tasks:
            return
        task = asyncio.create_task(self._guarded(kind, job_id, stale_before), name=f"{kind}-job:{job_id}")
        self._tasks[kind, job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop((kind, job_id), None))

    def running(self, kind: str, job_id: str) -> bool:
        return (kind, job_id) in self._tasks

    async def _guarded(self, kind: str, job_id: str, stale_before: datetime | None) -> None:
        try:
            await self._runners[kind](job_id, stale_before)
        except Exception:  # the job records its own failure; this keeps the loop alive
            log.exception("%s job %s crashed", kind, job_id)

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def shutdown(self) -> None:
        """Stop without waiting: interrupted jobs stay persisted and are recovered by a live
        replica's sweep or the next start."""
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def recover(self, *, stale_after: timedelta) -> list[str]:
        """Resubmit aggregation jobs left queued or running by a process that stopped beating."""
        cutoff = datetime.now(UTC) - stale_after
        stale = await AggregationJob.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).values_list(
            "id", "heartbeat_at", "created_at"
        )
        resumed = [job_id for job_id, beat, created in stale if (beat or created) <= cutoff]
        for job_id in resumed:
            log.warning("resuming aggregation job %s left by a stopped process", job_id)
            self.submit(AGGREGATION, job_id, stale_before=cutoff)
        return resumed
