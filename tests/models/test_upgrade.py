"""A database that holds data when a release lands is upgraded, not only a fresh one: every
migration since the last landed one applies to tables with rows in them, and keeps the rows."""

from __future__ import annotations

import uuid

import pytest
from pydantic import SecretStr
from tortoise.connection import get_connection
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from bufdir_reporting.config import Settings
from bufdir_reporting.database import apply_migrations, tortoise_config

from .. import services
from ..conftest import _create_database

LANDED = "bufdir.0003_audit_log"
"""The newest migration of the last landed release: what production databases are at."""

ROWS = [
    "INSERT INTO organization (id, name, kind, created_at, updated_at) VALUES ('org-u', 'Oppgradert', 'other', {now}, {now})",
    "INSERT INTO period (id, type, name, start, \"end\", created_at) VALUES ('2024', 'year', '2024', '2024-01-01', '2024-12-31', {now})",
    "INSERT INTO snapshot (id, organization_id, period_id, range_start, range_end, status, cache_valid, created_at, updated_at) "
    "VALUES ('snap-u', 'org-u', '2024', {now}, {now}, 'current', {true}, {now}, {now})",
    "INSERT INTO report_record (id, organization_id, report_type, period_from, period_to, status, created_at, updated_at) "
    "VALUES ('rpt_U', 'org-u', 'annual_report', '2024-01-01', '2024-12-31', 'completed', {now}, {now})",
    "INSERT INTO submission (id, organization_id, period_id, snapshot_id, report_record_id, version, activity_count, "
    "submitted_by, submitted_at, lock_slot) VALUES ('sub_U', 'org-u', '2024', 'snap-u', 'rpt_U', 1, 3, 'kari', {now}, 'org-u|2024')",
]


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh(request, tmp_path) -> Settings:
    """An empty database of each backend, not the session's migrated one."""
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path / 'upgrade.sqlite3'}"
    else:
        server = request.getfixturevalue("postgres_server")
        name = f"bufdir_upgrade_{uuid.uuid4().hex[:10]}"
        await _create_database(server, name)
        url = services.with_database(server, name)
    return Settings(database_url=url, var_dir=tmp_path / "var", token_secret=SecretStr("unused-" * 4))


async def test_a_database_at_the_landed_release_upgrades_with_its_rows(fresh):
    settings = fresh
    async with TortoiseContext():
        await tortoise_migrate(config=tortoise_config(settings), target=LANDED)
        connection = get_connection("default")
        dialect = connection.capabilities.dialect
        now, true = ("CURRENT_TIMESTAMP", "TRUE") if dialect == "postgres" else ("CURRENT_TIMESTAMP", "1")
        for statement in ROWS:
            await connection.execute_script(statement.format(now=now, true=true))
    await apply_migrations(settings)
    async with TortoiseContext():
        await tortoise_migrate(config=tortoise_config(settings))  # nothing left to apply
        connection = get_connection("default")
        _, rows = await connection.execute_query("SELECT id, review_state, lock_slot FROM submission")
        assert [dict(row) for row in rows] == [{"id": "sub_U", "review_state": "submitted", "lock_slot": "org-u|2024"}]
        _, revision = await connection.execute_query("SELECT token FROM structure_revision")
        assert [row["token"] for row in revision] == ["migrated-0006"]


async def test_an_explanation_written_before_it_had_a_state_is_pending_after_the_upgrade(fresh):
    """Migration 0025: a new explanation's state was null; those already written are pending, and
    the other notes keep theirs (an answer has none)."""
    settings = fresh
    async with TortoiseContext():
        await tortoise_migrate(config=tortoise_config(settings), target="bufdir.0024_activity_type_index")
        connection = get_connection("default")
        notes = (
            "INSERT INTO value_note (organization_id, period_id, field_key, kind, text, author, state, created_at) "
            "VALUES ('org-u', '2024', 'k', 'explanation', 'Fordi.', 'kari', NULL, {now}), "
            "('org-u', '2024', 'k', 'explanation', 'Godtatt.', 'kari', 'accepted', {now}), "
            "('org-u', '2024', 'k', 'comment', 'Hvorfor?', 'rita', 'open', {now}), "
            "('org-u', '2024', 'k', 'answer', 'Derfor.', 'kari', NULL, {now})"
        )
        for statement in [*ROWS[:2], notes]:
            await connection.execute_script(statement.format(now="CURRENT_TIMESTAMP"))
    await apply_migrations(settings)
    async with TortoiseContext():
        await tortoise_migrate(config=tortoise_config(settings))
        _, rows = await get_connection("default").execute_query("SELECT kind, state FROM value_note ORDER BY id")
        assert [(row["kind"], row["state"]) for row in rows] == [
            ("explanation", "pending"),
            ("explanation", "accepted"),
            ("comment", "open"),
            ("answer", None),
        ]
