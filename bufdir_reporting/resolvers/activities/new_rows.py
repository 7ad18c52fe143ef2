"""A batch of new activities only, none of them stored and none named twice (``all_new``), written
on PostgreSQL as COPYs (``insert_new``): what ``batch.write_all`` writes for them, without model
objects or a statement per row."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError

from ...models import Activity
from ..base import changes, ids
from ..base.context import Context
from .batch import COLUMNS, Key, key_of
from .inputs import ActivitySpec


def all_new(specs: list[ActivitySpec], existing: dict[Key, Activity]) -> bool:
    """Every spec names its own activity, none of them stored yet: what ``insert_new`` writes."""
    keys = [key_of(spec) for spec in specs]
    return all(key is not None and key not in existing for key in keys) and len(set(keys)) == len(keys)


NEW_ROW_IDS = "SELECT nextval(pg_get_serial_sequence('activity', 'id')) FROM generate_series(1, $1)"
ACTIVITY_COPY = ("id", "organization_id", *COLUMNS, "created_at", "updated_at")
AUDIT_COPY = ("at", "actor", "action", "entity_type", "entity_id", "organization_id", "after")


async def insert_new(ctx: Context, specs: list[ActivitySpec]) -> int:
    """PostgreSQL: new activities (``all_new``), their participants and their audit entries,
    what ``write_all`` writes for them, as three COPYs with row ids drawn from the sequence
    first (one statement): no model objects and no statement per row, so a large import costs
    little more than a bare COPY (bench S8). Runs in the caller's transaction; a row another
    writer stored meanwhile fails the unique index (IntegrityError) and with it the transaction."""
    now = datetime.now(UTC)
    actor = ctx.principal.subject or "anonymous"
    client = get_connection("default")
    async with client.acquire_connection() as connection:
        client.log.debug("%s: %s", NEW_ROW_IDS, len(specs))  # logged as the ORM logs its statements
        row_ids = [row[0] for row in await connection.fetch(NEW_ROW_IDS, len(specs))]
        entity_ids = ids.activity_public_ids(ctx.settings, row_ids)
        rows = list(zip(specs, row_ids, entity_ids, strict=True))
        # Generators: asyncpg sends a COPY's rows as they are made, so PostgreSQL stores the first
        # while the later ones are built.
        copies: list[tuple[str, Iterable[tuple[Any, ...]], tuple[str, ...]]] = [
            ("activity", (_activity_row(spec, row_id, now) for spec, row_id, _ in rows), ACTIVITY_COPY),
            (
                "activity_participant",
                ((row_id, ref) for spec, row_id, _ in rows for ref in spec.participant_refs),
                ("activity_id", "participant_ref"),
            ),
            (
                "audit_entry",
                (
                    (now, actor, "activity.recorded", "activity", entity_id, spec.organization_id, _after(spec, now))
                    for spec, _, entity_id in rows
                ),
                AUDIT_COPY,
            ),
        ]
        try:
            for table, records, columns in copies:
                client.log.debug("COPY %s (%s) FROM STDIN: %s activities", table, ", ".join(columns), len(specs))
                await connection.copy_records_to_table(table, records=records, columns=columns)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(exc) from exc
    await changes.record((spec.organization_id, None) for spec in specs)  # what record_many would write
    return len(specs)


def _activity_row(spec: ActivitySpec, row_id: int, now: datetime) -> tuple[Any, ...]:
    """The ``ACTIVITY_COPY`` columns of a new activity."""
    return (
        row_id,
        spec.organization_id,
        spec.source_system,
        spec.external_id,
        spec.activity_type,
        spec.category,
        spec.status,
        spec.location,
        spec.occurred_at,
        spec.ended_at,
        spec.recorded_at or now,
        spec.participant_count,
        spec.hours,
        now,
        now,
    )


def _after(spec: ActivitySpec, now: datetime) -> str:
    """The audit entry's ``after`` of a new activity, as ``audit.jsonable`` would write it (the
    columns' types are known, so without walking it); ``test_bulk_write`` holds them equal."""
    text = {
        "source_system": spec.source_system,
        "external_id": spec.external_id,
        "activity_type": spec.activity_type,
        "category": spec.category,
        "status": spec.status,
        "location": spec.location,
        "occurred_at": spec.occurred_at.isoformat(),
        "ended_at": spec.ended_at.isoformat() if spec.ended_at else None,
        "recorded_at": (spec.recorded_at or now).isoformat(),
        "participant_count": spec.participant_count,
        "hours": str(spec.hours.normalize()),
        "participant_refs": len(spec.participant_refs),
    }
    return json.dumps(text, separators=(",", ":"))
