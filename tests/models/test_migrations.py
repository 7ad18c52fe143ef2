from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from bufdir_reporting.database import APP_LABEL, tortoise_config


async def test_committed_migrations_match_the_models(app, settings):
    """Fails when a model changed without ``tortoise makemigrations`` being run and committed."""
    apps_config = tortoise_config(settings)["apps"]
    autodetector = MigrationAutodetector(Tortoise.apps, apps_config)
    writers = await autodetector.changes()
    assert [w.name for w in writers if w.app_label == APP_LABEL] == []
