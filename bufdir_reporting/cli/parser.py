"""The command line's grammar: commands, their options and help."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

DESCRIPTION = "The Bufdir reporting API: serve it, migrate its database, import activities, load demo data, make tokens."
"""What ``--help`` says first (it printed the module docstring's ``bufdir-reporting`` markup)."""


class _PrintVersion(argparse.Action):
    """``--version``: the installed package's version, looked up only when asked for."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib.metadata import version

        print(f"{parser.prog} {version('bufdir-reporting')}")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """Arguments no option takes are refused by the command they were given to, with its usage:
    argparse refuses them at the top (``bufdir-reporting import a.csv --dryrun`` printed the
    usage of ``bufdir-reporting {serve,migrate,…}``, not of ``import``; polish5)."""

    commands: Mapping[str, argparse.ArgumentParser]

    def parse_args(self, args: Sequence[str] | None = None, namespace: None = None) -> argparse.Namespace:  # type: ignore[override]  # one form of argparse's overloads: no namespace of another type is passed
        given = list(sys.argv[1:] if args is None else args)
        parsed, extras = self.parse_known_args(given, namespace)
        if extras:
            command = str(getattr(parsed, "command", None) or "")
            after = given[given.index(command) + 1 :] if command in given else []
            refusing = self.commands[command] if command in self.commands and set(extras) <= set(after) else self
            refusing.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bufdir-reporting", description=DESCRIPTION)
    parser.add_argument("--version", action=_PrintVersion)
    commands = parser.add_subparsers(dest="command", required=True)
    parser.commands = commands.choices

    serve_cmd = commands.add_parser("serve", help="apply migrations, then serve HTTP")
    serve_cmd.add_argument("--demo", action="store_true", help="load demo data if the database is empty")
    serve_cmd.add_argument(
        "--no-migrate", action="store_true", help="do not apply migrations first (a one-shot `migrate` step did)"
    )
    serve_cmd.add_argument("--host", help="bind address (default BUFDIR_HOST or 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, help="port (default BUFDIR_PORT or 8000)")
    serve_cmd.add_argument("--activities", type=int, default=None, help=argparse.SUPPRESS)

    commands.add_parser("migrate", help="apply database migrations")

    from ..importing import help_text

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
