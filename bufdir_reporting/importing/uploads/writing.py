"""Writing a checked import: the commit job (``run``), its claim and heartbeat, the sweep that
takes over an import whose writer stopped (``recover``), and what ``service`` shares with them:
the stored file run through the importer (``import_stored``), a refusal written down
(``refused``), the file purged once an import ends (``PURGED``)."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath

from tortoise.expressions import F, Q

from ... import language
from ...auth import Principal
from ...errors import Conflict, DomainError
from ...events import ActivityImportProgress
from ...models import ActivityImport, ImportStatus
from ...resolvers import activities
from ...resolvers.base import changes, jobs, notify
from ...resolvers.base.context import Context
from .. import SHOWN_ERRORS, ImportReport, import_file

log = logging.getLogger(__name__)

OUTCOME = ["status", "error_count", "errors", "created", "updated", "written", "failure", "finished_at"]
PURGED = b""
"""The stored file of an import that ended (done, refused or failed): nothing reads it again, and
an uploaded file holds people's activities; it was kept for ever (outside review). The import's
name, counts, outcome and row errors stay."""


def _error_dicts(errors: list[activities.RowError]) -> list[dict[str, object]]:
    return [{"line": e.row, "column": e.field, "value": e.value, "message": e.message} for e in errors[:SHOWN_ERRORS]]


def refused(upload: ActivityImport, report: ImportReport) -> None:
    upload.status = ImportStatus.REFUSED
    upload.error_count, upload.errors = report.error_count, _error_dicts(report.errors)


async def import_stored(
    ctx: Context,
    upload: ActivityImport,
    *,
    dry_run: bool,
    before_commit: Callable[[ImportReport, notify.Outbox], Awaitable[None]] | None = None,
    progressed: asyncio.Event | None = None,
) -> ImportReport:
    async def written(done: int) -> None:
        upload.written = done
        if progressed is not None:
            progressed.set()  # the heartbeat writes it down, outside the import's transaction
        await notify.tell(ctx, ActivityImportProgress.of(upload))

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{PurePath(upload.filename).suffix.lower()}"
        await asyncio.to_thread(path.write_bytes, upload.content)
        return await import_file(ctx, path, dry_run=dry_run, sheet=upload.sheet, written=written, before_commit=before_commit)


MAX_ATTEMPTS = 3
"""Writes of one import begun before it fails for good: a file that takes its writer down every
time (memory, a crash) must not take down one replica after another."""


async def run(ctx: Context, *, import_id: str, stale_before: datetime | None = None) -> None:
    """The commit job: claim the import (a fresh commit, or one whose owner stopped beating
    before ``stale_before``), check every row again and write them all in one transaction, and
    record the outcome. Another process can never write the same import at once: the claim is
    one conditional UPDATE, and the outcome is recorded only by the claim's holder."""
    claimable = Q(owner__isnull=True)
    if stale_before is not None:
        claimable |= Q(heartbeat_at__lte=stale_before)
    claimed = await ActivityImport.filter(Q(id=import_id, status=ImportStatus.WRITING) & claimable).update(
        owner=jobs.OWNER, heartbeat_at=utc_now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return
    upload = await ActivityImport.get(id=import_id)
    claim = Q(id=import_id, status=ImportStatus.WRITING, owner=jobs.OWNER, attempts=upload.attempts)
    if upload.attempts > MAX_ATTEMPTS:
        upload.status = ImportStatus.FAILED
        upload.failure = _in_its_language(upload, "import.attempts_exhausted", attempts=MAX_ATTEMPTS)
        await _record(ctx, upload, claim)
        return
    writer = Principal(subject=upload.committed_by or "unknown", organizations=frozenset(upload.organization_ids))
    job_ctx = Context(settings=ctx.settings, principal=writer, jobs=ctx.jobs, events=ctx.events)
    progressed = asyncio.Event()
    beating = asyncio.create_task(_heartbeat(upload, claim, ctx.settings.stale_job_seconds / 3, progressed))
    # A job has no request: its errors read in the language its requester asked, kept on the import.
    speaking = language.requested.set(language.parse(upload.language))
    try:
        recorded = await _write(job_ctx, upload, claim, progressed)
    except asyncio.CancelledError:
        # stopped (a replica shutting down): the transaction is undone; the next sweep of any
        # replica, or the next start, takes it over at once, and this attempt does not count
        await asyncio.shield(ActivityImport.filter(claim).update(heartbeat_at=STOPPED, attempts=F("attempts") - 1))
        raise
    finally:
        language.requested.reset(speaking)
        beating.cancel()
    if not recorded:
        await _record(ctx, upload, claim)


STOPPED = datetime(2000, 1, 1, tzinfo=UTC)
"""The heartbeat of an import whose writer stopped on purpose: older than any sweep's cutoff."""


async def _heartbeat(upload: ActivityImport, claim: Q, every: float, progressed: asyncio.Event) -> None:
    """Keep the claim fresh while the import is written, and tell pollers how far it got: after
    every chunk written (``progressed``), not only every ``every`` seconds. Pollers of another
    replica read ``written`` from the database; it stayed 0 there for the first 100 s of a
    write (outside review). Started before the import's transaction, so its statements are
    not in it (on PostgreSQL they commit at once)."""
    while True:
        with suppress(TimeoutError):
            async with asyncio.timeout(every):
                await progressed.wait()
        progressed.clear()
        await ActivityImport.filter(claim).update(heartbeat_at=utc_now(), written=upload.written)
        # A poller's answer is cached under the versions of what it read: the new count is a
        # change of this import's own (a cached "written 0" was served for the whole write).
        await changes.record([(None, changes.import_scope(upload.id))])


async def recover(ctx: Context, *, stale_after: timedelta) -> list[str]:
    """Imports being written by a process that stopped beating: submitted again (``run`` takes
    them over; a write is one transaction, so nothing of the lost attempt stayed)."""
    cutoff = utc_now() - stale_after
    stale = await ActivityImport.filter(status=ImportStatus.WRITING, heartbeat_at__lte=cutoff).values_list("id", flat=True)
    resumed = [str(import_id) for import_id in stale]
    for import_id in resumed:
        log.warning("taking over activity import %s from a stopped writer", import_id)
        if ctx.jobs is None:
            await run(ctx, import_id=import_id, stale_before=cutoff)
        else:
            ctx.jobs.submit(jobs.ACTIVITY_IMPORT, import_id, stale_before=cutoff)
    return resumed


async def _write(ctx: Context, upload: ActivityImport, claim: Q, progressed: asyncio.Event) -> bool:
    """Check again and write; ``upload`` holds the outcome, whatever happens. A write that
    succeeds records DONE in its own transaction, if this process still holds the claim: the
    rows, the outcome and its event commit together, and a writer that lost its claim (taken
    over as stopped) commits nothing. Whether the outcome is recorded already."""

    async def done(report: ImportReport, outbox: notify.Outbox) -> None:
        upload.status, upload.written = ImportStatus.DONE, report.rows
        upload.created, upload.updated = report.result.created, report.result.updated
        upload.finished_at = utc_now()
        if not await ActivityImport.filter(claim).update(**{name: getattr(upload, name) for name in OUTCOME}, content=PURGED):
            raise Conflict(details={"import_id": upload.id}, message_id="imports.uploads.another_replica_took_import")
        outbox.add(ActivityImportProgress.of(upload))

    try:
        report = await import_stored(ctx, upload, dry_run=False, before_commit=done, progressed=progressed)
        if report.error_count:  # something changed since the check, e.g. a period was locked
            refused(upload, report)
        return upload.status == ImportStatus.DONE
    except DomainError as exc:
        upload.status, upload.failure = ImportStatus.FAILED, _in_its_language(upload, "import.failed", reason=exc.said())
    except Exception:
        log.exception("activity import %s failed while writing", upload.id)
        upload.status, upload.failure = ImportStatus.FAILED, _in_its_language(upload, "import.failed_unexpectedly")
    return False


def _in_its_language(upload: ActivityImport, message_id: str, **values: object) -> str:
    """What became of an import, in the language its requester asked (English when none was:
    what it said before languages existed)."""
    return language.say(message_id, language.parse(upload.language) or language.Language.EN, **values)


async def _record(ctx: Context, upload: ActivityImport, claim: Q) -> None:
    """The outcome, if this process still holds the claim, and told to followers."""
    upload.finished_at = utc_now()
    outcome = {name: getattr(upload, name) for name in OUTCOME}
    async with notify.transaction(ctx) as outbox:
        if await ActivityImport.filter(claim).update(**outcome, content=PURGED):
            outbox.add(ActivityImportProgress.of(upload))


def utc_now() -> datetime:
    return datetime.now(UTC)
