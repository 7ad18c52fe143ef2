"""Tortoise configuration and the migration entry point, shared by the app, CLI and tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from .config import Settings

APP_LABEL = "bufdir"
MODELS_MODULE = "bufdir_reporting.models"
MIGRATIONS_MODULE = "bufdir_reporting.models.migrations"


class PooledConnection(asyncpg.Connection):
    """A pooled PostgreSQL connection handed back to the pool without asyncpg's reset statement
    (unlock advisory locks, close cursors, unlisten, reset settings): a second round trip after
    every statement run outside a transaction, a third of a cached read's database time. The
    service's pooled connections hold none of that state: it takes no session advisory lock
    (only transaction ones, ``resolvers.base.changes``, which end with their transaction), sets no
    session setting, listens on its own connection (pub/sub), and opens cursors only inside
    transactions. An open transaction is still rolled back on release, by asyncpg itself."""

    def get_reset_query(self) -> str:
        return ""


def tortoise_config(settings: Settings) -> dict[str, Any]:
    if settings.sqlite_path is not None:
        # aiosqlite hangs, rather than fails, when the file's directory is missing.
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    connection: str | dict[str, Any] = settings.tortoise_db_url
    if settings.database_dialect == "postgres":
        connection = expand_db_url(settings.tortoise_db_url)
        connection["credentials"]["connection_class"] = PooledConnection
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
