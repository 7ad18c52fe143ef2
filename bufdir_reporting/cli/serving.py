"""``serve``: migrate (and load the demo) first, then serve, saying where once it is ready."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from ..auth import issue_token
from ..config import Settings
from .data import load_demo, migrate
from .terminal import run, terminal


def serve(settings: Settings, *, demo_data: bool, activities: int, migrate_first: bool = True) -> None:
    from ..app import create_app
    from ..operations import GracefulServer, configure_logging

    console = configure_logging(settings.log_level, settings.log_format)
    terminal.as_log_lines = True

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
