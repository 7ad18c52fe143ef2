"""Background aggregation jobs in this process: entry points, not logic.

A job row is persisted before it is submitted, so a process that dies leaves a row a later
start-up finds (``recover``) and runs again: nothing stays ``processing`` for ever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from ...models import AggregationJob, JobStatus

log = logging.getLogger(__name__)

Runner = Callable[[str, datetime | None], Awaitable[None]]
"""``(job_id, stale_before)``: run a job; a running one only if its heartbeat is older."""


class JobRunner:
    def __init__(self, run: Runner) -> None:
        self._run = run
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, job_id: str, *, stale_before: datetime | None = None) -> None:
        task = asyncio.create_task(self._guarded(job_id, stale_before), name=f"aggregation-job:{job_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def spawn(self, name: str, work: Awaitable[None]) -> None:
        """Other background work (an import being written), tracked like the jobs: tests wait
        for it with ``wait_idle``, shutdown cancels it."""

        async def guarded() -> None:
            try:
                await work
            except Exception:  # the work records its own failure; this keeps the loop alive
                log.exception("background task %s crashed", name)

        task = asyncio.create_task(guarded(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, job_id: str, stale_before: datetime | None) -> None:
        try:
            await self._run(job_id, stale_before)
        except Exception:  # the job records its own failure; this keeps the loop alive
            log.exception("aggregation job %s crashed", job_id)

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def shutdown(self) -> None:
        """Stop without waiting: interrupted jobs stay persisted and are recovered next start."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def recover(self, *, stale_after: timedelta) -> list[str]:
        """Resubmit jobs left queued or running by a process that stopped beating."""
        cutoff = datetime.now(UTC) - stale_after
        stale = await AggregationJob.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).values_list(
            "id", "heartbeat_at", "created_at"
        )
        resumed = [job_id for job_id, beat, created in stale if (beat or created) <= cutoff]
        for job_id in resumed:
            log.warning("resuming aggregation job %s left by a stopped process", job_id)
            self.submit(job_id, stale_before=cutoff)
        return resumed
