"""``bufdir-reporting``: serve, migrate, import, demo-data, token.

Progress and messages go to stderr; ``token`` prints only the token on stdout, so
``TOKEN=$(bufdir-reporting token --admin)`` works. A bad setting or an unreachable service ends
with one line saying what is wrong and exit status 2, not a traceback. Under ``serve`` stderr is
the service's log, so every line is a log line, JSON where the log is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from tortoise.context import TortoiseContext
from tortoise.exceptions import OperationalError

from .auth import issue_token
from .config import ConfigurationError, Settings, load_settings
from .database import apply_migrations, tortoise_config
from .models import Organization

T = TypeVar("T")


class CommandError(Exception):
    """A command cannot go on; the message is for the person at the terminal."""


_as_log_lines = False
"""Set by ``serve``: from then on stderr is the service's log."""


def say(message: str, *, error: bool = False) -> None:
    if _as_log_lines:
        logging.getLogger("bufdir_reporting.cli").log(logging.ERROR if error else logging.INFO, message)
    else:
        print(message, file=sys.stderr, flush=True)


@asynccontextmanager
async def orm(settings: Settings) -> AsyncIterator[None]:
    """The ORM on a database that holds the service's tables, or one line saying what to do: a
    command run from another directory would otherwise meet an empty SQLite file of its own."""
    from .resolvers.periods import calendar

    calendar.use(settings.time_zone)
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
    from . import demo

    async with orm(settings):
        if not await demo.is_empty():
            if only_if_empty:
                say("the database already holds data; demo data not loaded")
                return
            raise CommandError("the database already holds data; demo data loads only into an empty one")
        summary = await demo.load_demo_data(activity_count=activities, progress=say)
        history = await demo.load_history(settings, progress=say)
    say(
        f"demo data loaded: {summary.organizations} organisations, {summary.periods + history.periods} periods, "
        f"{summary.sections} sections with {summary.fields} fields, {summary.activities:,} activities, "
        f"{history.snapshots} snapshots, {history.submissions} submitted report"
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
    from .auth import SYSTEM
    from .importing import SHOWN_ERRORS, ErrorFile, ImportFileError, describe, import_file
    from .resolvers.base.context import Context

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
            say(f"all {report.error_count:,} errors written to {errors_to}")
        elif rest > 0:
            say(f"... and {rest:,} more errors (write them all with --errors FILE)")
        raise CommandError(f"{report.rows_with_errors:,} of {report.rows:,} rows have errors; nothing was written")
    rows = f"{report.rows:,} row{'' if report.rows == 1 else 's'}"
    if dry_run:
        say(f"dry run: {rows}, all valid; nothing was written")
    else:
        say(f"imported {rows}: {report.result.created:,} new, {report.result.updated:,} updated")


def serve(settings: Settings, *, demo_data: bool, activities: int, migrate_first: bool = True) -> None:
    from .app import create_app
    from .operations import GracefulServer, configure_logging

    global _as_log_lines
    console = configure_logging(settings.log_level, settings.log_format)
    _as_log_lines = True

    async def prepare() -> None:
        if migrate_first:
            await migrate(settings)
        if demo_data:
            await load_demo(settings, activities=activities, only_if_empty=True)

    run(prepare())
    server = GracefulServer.create(
        create_app(settings),
        ready=ready_for_a_person(settings, demo_data=demo_data) if console else ready_for_the_log(settings, demo_data=demo_data),
        host=settings.host,
        port=settings.port,
        log_config=None,  # our JSON lines, with request ids
        access_log=False,  # the app logs each request itself
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    server.run()


def ready_for_a_person(settings: Settings, *, demo_data: bool) -> Callable[[], None]:
    """At a terminal: where to go, and with the demo an admin token to paste."""
    base = f"http://{settings.host}:{settings.port}"
    ready = f"\nReady. GraphQL and GraphiQL at {base}/graphql, the REST reference at {base}/docs. Ctrl-C stops.\n"
    if demo_data:
        token = issue_token(settings, subject="demo-admin", admin=True)
        ready += (
            f"\nAn admin token for the demo (valid {settings.token_ttl_hours} h):\n\n{token}\n\n"
            "Paste this into GraphiQL's headers pane:\n\n"
            f'{{"Authorization": "Bearer {token}"}}\n'
        )
    return lambda: print(ready, file=sys.stderr, flush=True)


def ready_for_the_log(settings: Settings, *, demo_data: bool) -> Callable[[], None]:
    """In the log: one line with the addresses, and no token: a log is kept and read by others."""
    base = f"http://{settings.host}:{settings.port}"
    fields = {"graphql": f"{base}/graphql", "docs": f"{base}/docs"}
    message = f"ready: GraphQL at {fields['graphql']}, the REST reference at {fields['docs']}"
    if demo_data:
        message += "; an admin token for the demo: bufdir-reporting token --admin (where the server runs)"
    return lambda: logging.getLogger("bufdir_reporting.cli").info(message, extra={"fields": fields})


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


class _PrintVersion(argparse.Action):
    """``--version``: the installed package's version, looked up only when asked for."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib.metadata import version

        print(f"{parser.prog} {version('bufdir-reporting')}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bufdir-reporting", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action=_PrintVersion)
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="apply migrations, then serve HTTP")
    serve_cmd.add_argument("--demo", action="store_true", help="load demo data if the database is empty")
    serve_cmd.add_argument(
        "--no-migrate", action="store_true", help="do not apply migrations first (a one-shot `migrate` step did)"
    )
    serve_cmd.add_argument("--host", help="bind address (default BUFDIR_HOST or 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, help="port (default BUFDIR_PORT or 8000)")
    serve_cmd.add_argument("--activities", type=int, default=None, help=argparse.SUPPRESS)

    commands.add_parser("migrate", help="apply database migrations")

    from .importing import help_text

    import_cmd = commands.add_parser(
        "import",
        help="import activities from a CSV, .xlsx or JSON lines file (all rows or none)",
        description="Import activities. Every row is checked first (fields, organisation, duplicates, locked "
        "periods); if any is wrong, nothing is written and each error is listed with its line, column and "
        "value. Then all rows are written in one transaction. CSV may be UTF-8, UTF-16 or Windows-1252, "
        "separated by , ; or tab; numbers may use a decimal comma and dates may be 31.12.2024 or ISO 8601.",
        epilog=help_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    import_cmd.add_argument("file", type=Path, nargs="?", help="a .csv, .xlsx or .jsonl file with a header row")
    import_cmd.add_argument("--dry-run", action="store_true", help="check every row and report; write nothing")
    import_cmd.add_argument("--sheet", metavar="NAME", help="the workbook's sheet to read (default: the first)")
    import_cmd.add_argument("--errors", type=Path, metavar="FILE", help="write every error as CSV to FILE")
    import_cmd.add_argument(
        "--template", type=Path, metavar="OUT", help="write an empty template (.xlsx or .csv) with the columns and an example"
    )

    demo_cmd = commands.add_parser("demo-data", help="load the demo data into an empty database")
    demo_cmd.add_argument("--activities", type=int, default=None, help="how many activities (default 50,000)")

    token_cmd = commands.add_parser(
        "token",
        help="print a bearer token",
        description="Print a bearer token (only the token, on stdout) signed with the server's secret: "
        "BUFDIR_TOKEN_SECRET, or the var/token-secret the server generated (run this where the server runs, "
        "or set BUFDIR_VAR_DIR as it has it).",
    )
    token_cmd.add_argument("--org", action="append", default=[], metavar="ID", help="an organisation it acts for (repeatable)")
    token_cmd.add_argument("--admin", action="store_true", help="the admin role: every organisation, the report structure")
    token_cmd.add_argument(
        "--reviewer", action="store_true", help="Bufdir's reviewer role: reads every organisation, reviews submissions"
    )
    token_cmd.add_argument(
        "--public-only", action="store_true", help="allow a token with no organisation and no role (reads public data only)"
    )
    token_cmd.add_argument("--subject", default="cli-user", metavar="NAME", help="who the token is for (default cli-user)")
    token_cmd.add_argument(
        "--ttl-hours",
        type=_hours,
        default=None,
        metavar="N",
        help=f"lifetime in hours, 1 to {MAX_TTL_HOURS} (default: BUFDIR_TOKEN_TTL_HOURS)",
    )
    return parser


MAX_TTL_HOURS = 24 * 366


def _hours(text: str) -> int:
    try:
        hours = int(text)
    except ValueError:
        hours = 0
    if not 1 <= hours <= MAX_TTL_HOURS:
        raise argparse.ArgumentTypeError(f"must be a whole number of hours from 1 to {MAX_TTL_HOURS}, not {text!r}")
    return hours


def make_token(settings: Settings, args: argparse.Namespace) -> str:
    """The ``token`` command's token, or a CommandError saying in one line what is missing."""
    from datetime import timedelta

    if not args.org and not args.admin and not args.reviewer and not args.public_only:
        raise CommandError(
            "a token with no --org and no role reads public data only; give --org ID, --admin or --reviewer "
            "(or --public-only to make one anyway)"
        )
    kept = settings.var_dir / "token-secret"
    if settings.token_secret is None and not kept.exists():
        # Generating one here would sign tokens the server rejects: it has its own.
        raise CommandError(
            f"no token secret at {kept.resolve()}: run this in the directory the server runs in "
            "(it keeps var/token-secret), or set BUFDIR_TOKEN_SECRET or BUFDIR_VAR_DIR as the server has them"
        )
    ttl = timedelta(hours=args.ttl_hours) if args.ttl_hours else None
    return issue_token(settings, subject=args.subject, organizations=args.org, admin=args.admin, reviewer=args.reviewer, ttl=ttl)


def demo_activities(args: argparse.Namespace) -> int:
    from .demo import DEFAULT_ACTIVITY_COUNT  # the demo package is imported only by the commands that load it

    return int(args.activities or DEFAULT_ACTIVITY_COUNT)


def dispatch(args: argparse.Namespace) -> None:
    overrides = {key: getattr(args, key) for key in ("host", "port") if getattr(args, key, None)}
    settings = load_settings(**overrides)
    commands: dict[str, Callable[[], object]] = {
        "serve": lambda: serve(
            settings, demo_data=args.demo, activities=demo_activities(args), migrate_first=not args.no_migrate
        ),
        "migrate": lambda: run(migrate(settings)),
        "import": lambda: _import_command(settings, args),
        "demo-data": lambda: run(_migrate_then_load_demo(settings, activities=demo_activities(args))),
        "token": lambda: print(make_token(settings, args)),
    }
    commands[args.command]()


def _import_command(settings: Settings, args: argparse.Namespace) -> None:
    from .importing import ImportFileError, write_template

    if args.template is not None:
        if args.file is not None:
            raise CommandError("give a FILE to import or --template OUT, not both")
        try:
            write_template(args.template)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        say(f"template written to {args.template}")
        return
    if args.file is None:
        raise CommandError("give the FILE to import (or --template OUT for an empty one); see import --help")
    run(import_activities(settings, args.file, dry_run=args.dry_run, sheet=args.sheet, errors_to=args.errors))


async def _migrate_then_load_demo(settings: Settings, *, activities: int) -> None:
    await migrate(settings)
    await load_demo(settings, activities=activities, only_if_empty=False)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        dispatch(args)
    except (ConfigurationError, CommandError) as exc:
        say(f"bufdir-reporting: error: {exc}", error=True)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
