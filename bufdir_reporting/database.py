"""Tortoise configuration and the migration entry point, shared by the app, CLI and tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from .config import Settings

APP_LABEL = "bufdir"
MODELS_MODULE = "bufdir_reporting.models"
MIGRATIONS_MODULE = "bufdir_reporting.models.migrations"


def tortoise_config(settings: Settings) -> dict[str, Any]:
    if settings.sqlite_path is not None:
        # aiosqlite hangs, rather than fails, when the file's directory is missing.
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "connections": {"default": settings.tortoise_db_url},
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
