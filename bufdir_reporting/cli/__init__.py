"""``bufdir-reporting``: serve, migrate, import, demo-data, token.

Progress and messages go to stderr; ``token`` prints only the token on stdout, so
``TOKEN=$(bufdir-reporting token --admin)`` works. A bad setting or an unreachable service ends
with one line saying what is wrong and exit status 2, not a traceback. Under ``serve`` stderr is
the service's log, so every line is a log line, JSON where the log is JSON.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..auth import issue_token
from ..config import ConfigurationError, Settings, load_settings
from .data import import_activities, load_demo, migrate
from .parser import build_parser
from .serving import serve
from .terminal import CommandError, run, say

__all__ = ["CommandError", "build_parser", "import_activities", "main"]


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
    from ..demo import DEFAULT_ACTIVITY_COUNT  # the demo package is imported only by the commands that load it

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
    from ..importing import ImportFileError, write_template

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
