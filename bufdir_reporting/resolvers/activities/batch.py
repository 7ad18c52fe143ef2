"""Writing a batch of activity specs set-wise: a fixed number of statements however many rows.

``existing_by_key`` finds the stored activities the specs name by (organisation, source system,
external id); ``merge`` decides, without the database, which spec records and which corrects
(in order, as if written one by one); ``write_all`` writes the outcome and its audit trail.
A batch of new activities alone takes ``new_rows``' COPYs on PostgreSQL instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.connection import get_connection

from ...models import Activity, ActivityParticipant
from ..base import audit, ids
from ..base.context import Context
from .inputs import ActivitySpec

COLUMNS = (
    "source_system",
    "external_id",
    "activity_type",
    "category",
    "status",
    "location",
    "occurred_at",
    "ended_at",
    "recorded_at",
    "participant_count",
    "hours",
)


Key = tuple[str, str, str]


def key_of(spec: ActivitySpec) -> Key | None:
    return None if spec.external_id is None else (spec.organization_id, spec.source_system, spec.external_id)


Moments = dict[str, list[datetime]]
"""Per organisation, the moments a write touches: what the period lock is asked of."""


def moments_of(specs: Iterable[ActivitySpec], existing: Iterable[Activity]) -> Moments:
    """Where the rows fall, and where the stored activities they correct fell (a correction also
    changes where it was): built once for a set of rows and passed on, from its check to its
    write (it was built by the check, again by the write, and once more by a single write)."""
    moments: Moments = {}
    for spec in specs:
        moments.setdefault(spec.organization_id, []).append(spec.occurred_at)
    for activity in existing:
        moments.setdefault(activity.organization_id, []).append(activity.occurred_at)
    return moments


def earliest_of(specs: Iterable[ActivitySpec]) -> dict[str, datetime]:
    """Per organisation, the earliest moment written: its snapshots change from then on."""
    earliest: dict[str, datetime] = {}
    for spec in specs:
        earliest[spec.organization_id] = min(spec.occurred_at, earliest.get(spec.organization_id, spec.occurred_at))
    return earliest


STORED_BY_KEY = (
    "SELECT a.id FROM unnest($1::text[], $2::text[], $3::text[]) AS k(o, s, e) CROSS JOIN LATERAL "
    "(SELECT id FROM activity WHERE organization_id = k.o AND source_system = k.s AND external_id = k.e LIMIT 1) AS a"
)
"""PostgreSQL: the stored ids of the key triples, probing the unique index once per key. Three IN
lists make it try every combination on the index, or scan; a plain join of the triples is
planned, for 20,000 keys against 1,000,000 activities, as a hash of the whole table (0.43 s,
bench S8). The LIMIT (the key is unique) keeps each probe a probe: 0.08 s."""


KEYS_PER_LOOKUP = 10_000
"""Keys looked up by one statement: a statement takes at most 32,767 parameters (PostgreSQL's
protocol, SQLite's default), and the stored rows are read by their ids."""


async def existing_by_key(specs: list[ActivitySpec]) -> dict[Key, Activity]:
    """The stored activities the specs' (organisation, source system, external id) name, a
    statement or two per ``KEYS_PER_LOOKUP`` keys (what the three IN lists over-select is
    dropped here)."""
    ordered = sorted({key for spec in specs if (key := key_of(spec)) is not None})
    found: dict[Key, Activity] = {}
    for start in range(0, len(ordered), KEYS_PER_LOOKUP):
        found |= await _stored(ordered[start : start + KEYS_PER_LOOKUP])
    return found


async def _stored(keys: list[Key]) -> dict[Key, Activity]:
    connection = get_connection("default")
    if connection.capabilities.dialect == "postgres":
        _, found = await connection.execute_query(
            STORED_BY_KEY, [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]]
        )
        rows = await Activity.filter(id__in=[row["id"] for row in found]) if found else []
    else:
        rows = await Activity.filter(
            organization_id__in=sorted({k[0] for k in keys}),
            source_system__in=sorted({k[1] for k in keys}),
            external_id__in=sorted({k[2] for k in keys}),
        )
    wanted = set(keys)
    return {key: a for a in rows if (key := (a.organization_id, a.source_system, a.external_id or "")) in wanted}


@dataclass(slots=True)
class Merged:
    """A batch of specs applied in order to what is stored, before anything is written."""

    final: dict[Key, tuple[dict[str, Any], list[str]]] = field(default_factory=dict)
    """Per key: the values and participants it ends with."""
    unkeyed: list[dict[str, Any]] = field(default_factory=list)
    """Values of each spec without an external id: always a new row."""
    entries: list[tuple[Key | int, str, dict[str, Any] | None, dict[str, Any]]] = field(default_factory=list)
    """One audit entry per spec: target (key, or index into ``unkeyed``), action, before, after."""
    outcome: list[tuple[Key | int, bool]] = field(default_factory=list)
    """Per spec, in order: its target and whether it made a new activity."""


def merge(specs: list[ActivitySpec], stored: dict[Key, dict[str, Any]], now: datetime) -> Merged:
    """Pure: a key named twice is recorded by the first spec and corrected by the second, as if
    written one by one; a stored key is corrected, with what was stored as its audit ``before``."""
    merged = Merged()
    for spec in specs:
        values = {name: getattr(spec, name) for name in COLUMNS} | {"recorded_at": spec.recorded_at or now}
        after = {**values, "participant_refs": len(spec.participant_refs)}
        key = key_of(spec)
        if key is None:
            merged.unkeyed.append(values)
            index = len(merged.unkeyed) - 1
            merged.entries.append((index, "activity.recorded", None, after))
            merged.outcome.append((index, True))
            continue
        before = merged.final[key][0] if key in merged.final else stored.get(key)
        merged.final[key] = (values, list(spec.participant_refs))
        merged.entries.append((key, "activity.recorded" if before is None else "activity.corrected", before, after))
        merged.outcome.append((key, before is None))
    return merged


async def write_all(ctx: Context, specs: list[ActivitySpec], existing: dict[Key, Activity]) -> list[tuple[Activity, bool]]:
    """Write the specs set-wise, whatever their number, in a handful of statements: find the
    stored ones, insert the new ones, update the corrected ones, replace their participants and
    write one audit entry per spec (``merge`` decides which is which). ``existing`` is what
    ``existing_by_key`` found for these specs: the caller has read it already for the lock check."""
    now = datetime.now(UTC)
    merged = merge(specs, {key: audit.fields_of(row, COLUMNS) for key, row in existing.items()}, now)
    final, entries, outcome = merged.final, merged.entries, merged.outcome
    unkeyed = [
        Activity(organization_id=spec.organization_id, **values)
        for spec, values in zip([s for s in specs if key_of(s) is None], merged.unkeyed, strict=True)
    ]

    new_keys = [key for key in final if key not in existing]
    await Activity.bulk_create(
        [Activity(organization_id=key[0], **final[key][0], created_at=now, updated_at=now) for key in new_keys]
    )
    corrected = []
    for key, activity in existing.items():
        if key in final:
            activity.update_from_dict({**final[key][0], "deleted_at": None, "updated_at": now})
            corrected.append(activity)
    if corrected:
        await update_stored(corrected)
        await ActivityParticipant.filter(activity_id__in=[a.id for a in corrected]).delete()
    for activity in unkeyed:
        await activity.save()
    fresh = set(new_keys)
    written = existing | (await existing_by_key([s for s in specs if key_of(s) in fresh]))
    unkeyed_refs = [spec.participant_refs for spec in specs if spec.external_id is None]
    participants = [
        ActivityParticipant(activity_id=written[key].id, participant_ref=ref) for key, (_, refs) in final.items() for ref in refs
    ] + [
        ActivityParticipant(activity_id=activity.id, participant_ref=ref)
        for activity, refs in zip(unkeyed, unkeyed_refs, strict=True)
        for ref in refs
    ]
    await ActivityParticipant.bulk_create(participants)

    def activity_of(target: Key | int) -> Activity:
        return unkeyed[target] if isinstance(target, int) else written[target]

    await audit.record_many(
        ctx,
        [
            audit.entry(
                ctx,
                action=action,
                entity_type="activity",
                entity_id=ids.activity_public_id(ctx.settings, activity_of(target).id),
                organization_id=activity_of(target).organization_id,
                before=before,
                after=after,
            )
            for target, action, before, after in entries
        ],
    )
    return [(activity_of(target), created) for target, created in outcome]


UPDATED = (*COLUMNS, "deleted_at", "updated_at")
STAGING = (
    f"CREATE TEMP TABLE IF NOT EXISTS activity_staging ON COMMIT DROP AS SELECT id, {', '.join(UPDATED)} "
    "FROM activity WITH NO DATA"
)
UPDATE_FROM_STAGING = (
    f"UPDATE activity a SET {', '.join(f'{name} = s.{name}' for name in UPDATED)} FROM activity_staging s WHERE a.id = s.id"
)


STAGED_FROM = 200
"""Corrections from this many on go through the staging table; fewer (an activity corrected
from a form) take one UPDATE, without creating a table in the catalog for every transaction."""


async def update_stored(activities: list[Activity]) -> None:
    """Store the ``UPDATED`` columns of these activities, inside the caller's transaction. On
    PostgreSQL, for ``STAGED_FROM`` or more: a COPY into a staging table dropped at commit, then
    one UPDATE joined to it. Tortoise's bulk update writes a CASE per column with a branch per
    row, which PostgreSQL walks for every row: 69 s to correct the 20,000 rows of a file
    imported again."""
    client = get_connection("default")
    if client.capabilities.dialect != "postgres" or len(activities) < STAGED_FROM:
        # three parameters per column and row (the id in the CASE, the value, the id again in a
        # WHERE repeated per column): batches that stay under 32,766 (SQLite) or 32,767 (asyncpg)
        await Activity.bulk_update(activities, fields=list(UPDATED), batch_size=30_000 // (3 * len(UPDATED)))
        return
    async with client.acquire_connection() as connection:
        for statement in (STAGING, "TRUNCATE activity_staging"):
            client.log.debug("%s", statement)
            await connection.execute(statement)
        client.log.debug("COPY activity_staging FROM STDIN: %s activities", len(activities))
        await connection.copy_records_to_table(
            "activity_staging",
            records=[(a.id, *(getattr(a, name) for name in UPDATED)) for a in activities],
            columns=("id", *UPDATED),
        )
        client.log.debug("%s", UPDATE_FROM_STAGING)
        await connection.execute(UPDATE_FROM_STAGING)
