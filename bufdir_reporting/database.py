"""Tortoise configuration and the migration entry point, shared by the app, CLI and tests.

**Budgets** (PostgreSQL). Every wait on the database is bounded: a connection from the pool, and
each statement's answer (BEGIN, COMMIT and ROLLBACK too). A process serving requests gives them
``BUFDIR_DATABASE_TIMEOUT_SECONDS`` each; long work (imports, aggregation runs, background jobs)
runs under ``long_work`` and gets ``BUFDIR_DATABASE_LONG_TIMEOUT_SECONDS``, as do CLI commands and
migrations, whose processes serve no request. Without a budget a frozen server (stopped by
SIGSTOP, or behind a network partition: nothing refuses, nothing answers) hung every request
for ever, cached ones too (their data-version read waited). A budget that runs out raises
``TimeoutError``, an outage to the transports (``errors.is_unavailable``: 503 with Retry-After,
``UNAVAILABLE``); the statement's transaction never commits (asyncpg asks the server to cancel
the statement, and drops the connection if that is not acknowledged at once; a server drops a
transaction whose connection went away).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg
from asyncpg.pool import PoolAcquireContext
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from .config import Settings

APP_LABEL = "bufdir"
MODELS_MODULE = "bufdir_reporting.models"
MIGRATIONS_MODULE = "bufdir_reporting.models.migrations"

_budget: ContextVar[float | None] = ContextVar("database_budget", default=None)
"""The seconds each wait on the database may take here; None: the pool's own (its
``command_timeout``: the request budget in a serving process, the long one elsewhere)."""

CANCEL_SHARE = 0.1
"""Of a statement's budget, what asyncpg may spend on cancelling it once it ran out (at most
``CANCEL_MOST`` seconds): a live server acknowledges a cancel in milliseconds, a frozen one never,
and asyncpg waited the whole budget again before dropping the connection (a frozen server
answered requests after twice their budget)."""
CANCEL_MOST = 1.0


@contextmanager
def long_work(settings: Settings) -> Iterator[None]:
    """Waits on the database inside (and in tasks started inside) get the long budget: an import
    or an aggregation run may rightly take minutes in one statement, and must not be cut at a
    request's budget."""
    token = _budget.set(settings.database_long_timeout_seconds)
    try:
        yield
    finally:
        _budget.reset(token)


class PooledConnection(asyncpg.Connection):
    """A pooled PostgreSQL connection handed back to the pool without asyncpg's reset statement
    (unlock advisory locks, close cursors, unlisten, reset settings): a second round trip after
    every statement run outside a transaction, a third of a cached read's database time. The
    service's pooled connections hold none of that state: it takes no session advisory lock
    (only transaction ones, ``resolvers.base.changes``, which end with their transaction), sets no
    session setting, listens on its own connection (pub/sub), and opens cursors only inside
    transactions. An open transaction is still rolled back on release, by asyncpg itself.

    Its statements wait at most the budget of the work that runs them (``long_work``): asyncpg
    reads ``_config.command_timeout`` whenever a statement gives no timeout of its own (every
    statement Tortoise sends, and asyncpg's own BEGIN, COMMIT, ROLLBACK and cancel), so the
    configuration read here is the pool's with the budget of the current context."""

    def get_reset_query(self) -> str:
        return ""

    @property
    def _config(self) -> Any:
        configured = self._configured
        seconds = _budget.get()
        if seconds is None or seconds == configured.command_timeout:
            return configured
        return configured._replace(command_timeout=seconds)

    @_config.setter
    def _config(self, configured: Any) -> None:
        self._configured = configured

    def _cancel_current_command(self, waiter: Any, cancel_waiter: Any = None) -> None:
        """asyncpg cancels a statement that ran out (or whose task was cancelled) in a task of
        its own, bounded by the budget read when it starts: a share of the statement's."""
        seconds = self._config.command_timeout
        token = _budget.set(None if seconds is None else min(seconds * CANCEL_SHARE, CANCEL_MOST))
        try:
            super()._cancel_current_command(waiter, cancel_waiter)  # type: ignore[misc]
        finally:
            _budget.reset(token)


class BudgetedPool(asyncpg.Pool):
    """asyncpg's pool, whose ``acquire`` without a timeout waits at most the current budget:
    with every connection held by statements a frozen server does not answer, or a new one it
    does not accept, a request waited for ever before it sent anything (Tortoise gives none)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget: float | None = kwargs.get("command_timeout")

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        if timeout is None:
            timeout = _budget.get() or self.budget
        return super().acquire(timeout=timeout)


class BudgetedClient(AsyncpgDBClient):
    """Tortoise's asyncpg client on a ``BudgetedPool``."""

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        # asyncpg.create_pool's defaults, which its Pool takes as required arguments
        defaults = {"max_queries": 50_000, "max_inactive_connection_lifetime": 300.0, "record_class": asyncpg.Record}
        return await BudgetedPool(None, **(defaults | kwargs))


client_class = BudgetedClient
"""This module is the Tortoise engine of a PostgreSQL database (``tortoise_config``)."""


def tortoise_config(settings: Settings, *, serving: bool = False) -> dict[str, Any]:
    """``serving``: the pool of a process that answers requests, whose waits get the request
    budget unless they are long work; any other process's get the long budget."""
    if settings.sqlite_path is not None:
        # aiosqlite hangs, rather than fails, when the file's directory is missing.
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    connection: str | dict[str, Any] = settings.tortoise_db_url
    if settings.database_dialect == "postgres":
        connection = expand_db_url(settings.tortoise_db_url)
        connection["engine"] = __name__
        credentials = connection["credentials"]
        credentials["connection_class"] = PooledConnection
        credentials["command_timeout"] = settings.database_timeout_seconds if serving else settings.database_long_timeout_seconds
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def apply_migrations(settings: Settings, *, progress: Callable[[str], None] | None = None) -> None:
    """Bring the database schema up to the latest committed migration."""

    def report(event: str, app_label: str, name: str) -> None:
        if progress is not None and event == "apply_done":
            progress(f"applied migration {app_label}.{name}")

    async with TortoiseContext():
        await tortoise_migrate(config=tortoise_config(settings), progress=report)
