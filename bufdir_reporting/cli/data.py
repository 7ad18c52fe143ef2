"""The data commands: the ORM on the service's database, ``migrate``, ``demo-data`` and ``import``."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from tortoise.context import TortoiseContext
from tortoise.exceptions import OperationalError

from ..config import Settings
from ..database import apply_migrations, tortoise_config
from ..models import Organization
from .terminal import CommandError, say


@asynccontextmanager
async def orm(settings: Settings) -> AsyncIterator[None]:
    """The ORM on a database that holds the service's tables, or one line saying what to do: a
    command run from another directory would otherwise meet an empty SQLite file of its own."""
    from ..resolvers.periods import calendar

    calendar.use(settings.time_zone)
    _refuse_while_the_demo_loads(settings)
    where = settings.database_url_redacted
    if settings.sqlite_path is not None and not settings.sqlite_path.exists():
        raise CommandError(
            f"no database at {settings.sqlite_path.resolve()}: run this in the directory the server runs in, "
            "or set BUFDIR_DATABASE_URL as the server has it (bufdir-reporting migrate creates a new one)"
        )
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(settings))
        try:
            await Organization.exists()
        except OperationalError:
            raise CommandError(f"the database at {where!r} has no tables yet: run bufdir-reporting migrate first") from None
        yield


DEMO_LOADING = "demo-loading"
"""The file in the var dir that says the demo data is being loaded, holding the loader's process
id: ``serve --demo`` loads it before it serves, a minute or more."""


def _refuse_while_the_demo_loads(settings: Settings) -> None:
    """A command on the database while another process loads the demo into it says so: an
    import then read "is not a known organisation" of organisations not loaded yet (polish5).
    A marker left by a loader that died is nothing."""
    try:
        loader = int((settings.var_dir / DEMO_LOADING).read_text())
    except (OSError, ValueError):
        return
    if loader != os.getpid() and _running(loader):
        raise CommandError(
            f"the demo data is still being loaded into {settings.database_url_redacted} (process {loader}, serve --demo "
            "or demo-data); run this again once the server says it is ready"
        )


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@contextmanager
def _loading_the_demo(settings: Settings) -> Iterator[None]:
    marker = settings.var_dir / DEMO_LOADING
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()))
    try:
        yield
    finally:
        marker.unlink(missing_ok=True)


async def migrate(settings: Settings) -> None:
    say(f"migrating {settings.database_url_redacted}")
    try:
        await apply_migrations(settings, progress=say)
    except (OSError, ConnectionError) as exc:
        raise CommandError(f"cannot reach the database at {settings.database_url_redacted!r}: {exc}") from None
    except Exception as exc:
        if type(exc).__module__.startswith(("asyncpg", "tortoise", "sqlite3", "aiosqlite")):
            raise CommandError(f"migrating {settings.database_url_redacted!r} failed: {exc}") from None
        raise


async def load_demo(settings: Settings, *, activities: int, only_if_empty: bool) -> None:
    from .. import demo

    async with orm(settings):
        if not await demo.is_empty():
            if only_if_empty:
                say("the database already holds data; demo data not loaded")
                return
            raise CommandError("the database already holds data; demo data loads only into an empty one")
        with _loading_the_demo(settings):
            summary = await demo.load_demo_data(activity_count=activities, progress=say)
            in_use = await demo.load_in_use(settings, progress=say)
    history = in_use.history
    organizations = summary.organizations + history.organizations
    say(
        f"demo data loaded: {organizations} organisations, {summary.periods + history.periods} periods, "
        f"{summary.sections} sections with {summary.fields} fields, {summary.activities:,} activities, "
        f"{history.snapshots} snapshots, {history.submissions + in_use.submitted} submitted reports, "
        f"{in_use.approved} approved quarterly reports"
    )


def fewer_collections() -> None:
    """For a command that builds a few objects per cell of a large file and keeps them until it
    writes: Python's cyclic collector, run every 700 allocations, would walk all of them again
    each time (a third of a 20,000-row import, bench S8). What start-up made is frozen out of
    collection and the collector runs a hundred times less often; reference counting still
    frees at once whatever the import drops. The process ends with the command."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)


async def import_activities(
    settings: Settings, path: Path, *, dry_run: bool, sheet: str | None = None, errors_to: Path | None = None
) -> None:
    from ..auth import SYSTEM
    from ..importing import SHOWN_ERRORS, ErrorFile, ImportFileError, counted, describe, import_file
    from ..resolvers.base.context import Context

    if not path.is_file():  # noqa: ASYNC240 - one stat before anything else runs
        raise CommandError(f"no such file: {path}")
    fewer_collections()
    with ErrorFile(errors_to) as error_file:
        async with orm(settings):
            try:
                report = await import_file(
                    Context(settings=settings, principal=SYSTEM),
                    path,
                    dry_run=dry_run,
                    progress=say,
                    sheet=sheet,
                    on_error=error_file.write,
                )
            except ImportFileError as exc:
                raise CommandError(f"{path}: {exc}") from None
    if report.error_count:
        for error in report.errors[:SHOWN_ERRORS]:
            say(describe(error))
        rest = report.error_count - SHOWN_ERRORS
        if errors_to is not None:
            every = "the error" if report.error_count == 1 else f"all {counted(report.error_count, 'error')}"
            say(f"{every} written to {errors_to}")
        elif rest > 0:
            say(f"... and {counted(rest, 'more error')} (write them all with --errors FILE)")
        have = "has" if report.rows_with_errors == 1 else "have"
        raise CommandError(f"{report.rows_with_errors:,} of {counted(report.rows, 'row')} {have} errors; nothing was written")
    rows = counted(report.rows, "row")
    if dry_run:
        say(f"dry run: {rows}, all valid; nothing was written")
    else:
        say(f"imported {rows}: {report.result.created:,} new, {report.result.updated:,} updated")
