"""Activities: recorded events from the case-management systems.

Every write marks the snapshots it can change as no longer valid: an activity counts in the
flow of the ranges containing it and in the stock of every range ending after it began, so
every snapshot of the organisation whose range ends at or after the activity's start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from ...errors import Conflict, InvalidInput, NotFound
from ...models import Activity, ActivityParticipant, Snapshot, SnapshotStatus, Submission
from .. import periods
from ..base import access, audit, ids, notify
from ..base.context import Context
from ..base.pagination import Page, Window, paginate
from ..structure.inputs import field_path
from .inputs import ActivitySpec

ACTIVITIES_RECORDED = "activities recorded"
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


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class IngestResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def parse_rows(rows: Iterable[dict[str, Any]], *, first_row: int = 1) -> tuple[list[tuple[int, ActivitySpec]], list[RowError]]:
    specs, errors = [], []
    for number, row in enumerate(rows, start=first_row):
        try:
            specs.append((number, ActivitySpec.model_validate(row)))
        except ValidationError as exc:
            errors += [RowError(number, field_path(e["loc"]), e["msg"]) for e in exc.errors()]
    return specs, errors


async def invalidate_snapshots(organization_id: str, since: datetime, reason: str) -> list[Snapshot]:
    return await invalidate_many({organization_id: since}, reason)


async def invalidate_many(since: dict[str, datetime], reason: str) -> list[Snapshot]:
    """Mark what the writes can change (per organisation, from its earliest written moment on),
    in two statements whatever the number of organisations; the caller publishes once its
    transaction commits. A submitted snapshot stays as it was sent (its period's lock refuses
    writes inside it)."""
    if not since:
        return []
    organization_ids = sorted(since)
    submitted = Submission.filter(organization_id__in=organization_ids, lock_slot__isnull=False).values_list(
        "snapshot_id", flat=True
    )
    candidates = (
        await Snapshot.filter(
            organization_id__in=organization_ids,
            status__in=[SnapshotStatus.CURRENT, SnapshotStatus.PROCESSING],
            cache_valid=True,
            range_end__gte=min(since.values()),
        )
        .exclude(id__in=await submitted)
        .select_for_update()
    )
    affected = [s for s in candidates if s.range_end >= since[s.organization_id]]
    if affected:
        await Snapshot.filter(id__in=[s.id for s in affected]).update(
            cache_valid=False, invalidation_reason=reason, invalidated_at=datetime.now(UTC)
        )
    return affected


Key = tuple[str, str, str]


def _key(spec: ActivitySpec) -> Key | None:
    return None if spec.external_id is None else (spec.organization_id, spec.source_system, spec.external_id)


async def _existing(specs: list[ActivitySpec]) -> dict[Key, Activity]:
    """The stored activities the specs' (organisation, source system, external id) name, in
    one statement (what the three IN lists over-select is dropped here)."""
    keys = {key for spec in specs if (key := _key(spec)) is not None}
    if not keys:
        return {}
    connection = get_connection("default")
    if connection.capabilities.dialect == "postgres":
        # Three IN lists over a large table make PostgreSQL try every combination on the unique
        # index, or scan; joining the key triples probes the index once per key (bench S8).
        ordered = sorted(keys)
        _, found = await connection.execute_query(
            "SELECT a.id FROM activity a JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(o, s, e) "
            "ON a.organization_id = k.o AND a.source_system = k.s AND a.external_id = k.e",
            [[k[0] for k in ordered], [k[1] for k in ordered], [k[2] for k in ordered]],
        )
        rows = await Activity.filter(id__in=[row["id"] for row in found]) if found else []
    else:
        rows = await Activity.filter(
            organization_id__in=sorted({k[0] for k in keys}),
            source_system__in=sorted({k[1] for k in keys}),
            external_id__in=sorted({k[2] for k in keys}),
        )
    return {key: a for a in rows if (key := (a.organization_id, a.source_system, a.external_id or "")) in keys}


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
        key = _key(spec)
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


async def _write_all(ctx: Context, specs: list[ActivitySpec]) -> list[tuple[Activity, bool]]:
    """Write the specs set-wise, whatever their number, in a handful of statements: find the
    stored ones, insert the new ones, update the corrected ones, replace their participants and
    write one audit entry per spec (``merge`` decides which is which)."""
    now = datetime.now(UTC)
    existing = await _existing(specs)
    merged = merge(specs, {key: audit.fields_of(row, COLUMNS) for key, row in existing.items()}, now)
    final, entries, outcome = merged.final, merged.entries, merged.outcome
    unkeyed = [
        Activity(organization_id=spec.organization_id, **values)
        for spec, values in zip([s for s in specs if _key(s) is None], merged.unkeyed, strict=True)
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
        await Activity.bulk_update(corrected, fields=[*COLUMNS, "deleted_at", "updated_at"])
        await ActivityParticipant.filter(activity_id__in=[a.id for a in corrected]).delete()
    for activity in unkeyed:
        await activity.save()
    fresh = set(new_keys)
    written = existing | (await _existing([s for s in specs if _key(s) in fresh]))
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
                entity_id=public_id(ctx, activity_of(target)),
                organization_id=activity_of(target).organization_id,
                before=before,
                after=after,
            )
            for target, action, before, after in entries
        ],
    )
    return [(activity_of(target), created) for target, created in outcome]


async def record(ctx: Context, *, spec: ActivitySpec) -> Activity:
    """Record an activity; the same (organisation, source system, external id) corrects it."""
    ((activity, _),) = await write(ctx, [spec])
    return activity


async def write(ctx: Context, specs: list[ActivitySpec]) -> list[tuple[Activity, bool]]:
    """Write validated specs in one transaction; ``True`` beside each one that is new. The
    checks and writes take a fixed number of statements however many organisations and rows."""
    organization_ids = sorted({s.organization_id for s in specs})
    for organization_id in organization_ids:
        access.require_write(ctx, organization_id)
    for organization_id, found in zip(
        organization_ids, await ctx.loaders.organization_by_id.load_many(organization_ids), strict=True
    ):
        if found is None:
            raise NotFound("organization", organization_id)
    moments: dict[str, list[datetime]] = {o: [] for o in organization_ids}
    for spec in specs:
        moments[spec.organization_id].append(spec.occurred_at)
    for activity in (await _existing(specs)).values():  # a correction also changes where it was
        moments[activity.organization_id].append(activity.occurred_at)
    await periods.refuse_if_any_locked(moments)
    try:
        async with in_transaction():
            written = await _write_all(ctx, specs)
            earliest: dict[str, datetime] = {}
            for spec in specs:
                earliest[spec.organization_id] = min(spec.occurred_at, earliest.get(spec.organization_id, spec.occurred_at))
            invalidated = await invalidate_many(earliest, ACTIVITIES_RECORDED)
    except IntegrityError:
        raise Conflict("a concurrent write recorded the same activity; retry") from None
    await notify.cache_invalidated(ctx, invalidated, ACTIVITIES_RECORDED)
    return written


async def ingest(ctx: Context, *, rows: list[dict[str, Any]], dry_run: bool = False) -> IngestResult:
    """Bulk ingest: every row valid, or nothing written and every row's errors reported."""
    specs, errors = parse_rows(rows)
    if errors:
        return IngestResult(errors=errors)
    result = IngestResult()
    if dry_run:
        return result
    for _, created in await write(ctx, [spec for _, spec in specs]):
        result.created += created
        result.updated += not created
    return result


def _owner(activity: Activity) -> str:
    return activity.organization_id


def public_id(ctx: Context, activity: Activity) -> str:
    """The id clients see (``act-`` and 26 letters): the row id enciphered, see ``base.ids``."""
    return ids.activity_public_id(ctx.settings, activity.id)


async def _by_public_id(ctx: Context, activity_id: str) -> Activity | None:
    if not ids.looks_like_activity_id(activity_id):
        raise InvalidInput("an activity id looks like act- and 26 letters and digits, as the API returns it", field="id")
    row_id = ids.activity_row_id(ctx.settings, activity_id)
    return None if row_id is None else await Activity.get_or_none(id=row_id)


async def get_or_raise(ctx: Context, *, activity_id: str) -> Activity:
    activity = await _by_public_id(ctx, activity_id)
    return access.readable(ctx, activity, kind="activity", key=activity_id, owner=_owner)


async def get_for_write(ctx: Context, *, activity_id: str) -> Activity:
    activity = await _by_public_id(ctx, activity_id)
    return access.writable(ctx, activity, kind="activity", key=activity_id, owner=_owner)


async def correct(ctx: Context, *, activity_id: str, changes: dict[str, Any]) -> Activity:
    activity = await get_for_write(ctx, activity_id=activity_id)
    current = {name: getattr(activity, name) for name in COLUMNS}
    refs = await ActivityParticipant.filter(activity_id=activity.id).values_list("participant_ref", flat=True)
    merged = {**current, "participant_refs": list(refs), **changes, "organization_id": activity.organization_id}
    try:
        spec = ActivitySpec.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(first["msg"], field=field_path(first["loc"])) from None
    await periods.refuse_if_locked(activity.organization_id, [current["occurred_at"], spec.occurred_at])
    async with in_transaction():
        activity.update_from_dict({name: getattr(spec, name) for name in COLUMNS})
        await activity.save()
        await audit.record(
            ctx,
            action="activity.corrected",
            entity_type="activity",
            entity_id=public_id(ctx, activity),
            organization_id=activity.organization_id,
            before=current,
            after=audit.fields_of(activity, COLUMNS),
        )
        await ActivityParticipant.filter(activity_id=activity.id).delete()
        await ActivityParticipant.bulk_create(
            [ActivityParticipant(activity_id=activity.id, participant_ref=ref) for ref in spec.participant_refs]
        )
        since = min(current["occurred_at"], spec.occurred_at)
        invalidated = await invalidate_snapshots(activity.organization_id, since, "activity corrected")
    await notify.cache_invalidated(ctx, invalidated, "activity corrected")
    return activity


async def delete(ctx: Context, *, activity_id: str) -> Activity:
    """Soft delete: the row stays with deleted_at, and stops counting."""
    activity = await get_for_write(ctx, activity_id=activity_id)
    if activity.deleted_at is None:
        await periods.refuse_if_locked(activity.organization_id, [activity.occurred_at])
        async with in_transaction():
            activity.deleted_at = datetime.now(UTC)
            await activity.save(update_fields=["deleted_at", "updated_at"])
            await audit.record(
                ctx,
                action="activity.deleted",
                entity_type="activity",
                entity_id=public_id(ctx, activity),
                organization_id=activity.organization_id,
                before=audit.fields_of(activity, COLUMNS),
                after={"deleted_at": activity.deleted_at},
            )
            invalidated = await invalidate_snapshots(activity.organization_id, activity.occurred_at, "activity deleted")
        await notify.cache_invalidated(ctx, invalidated, "activity deleted")
    return activity


async def list_in_range(
    ctx: Context,
    *,
    organization_id: str,
    start: datetime,
    end: datetime,
    window: Window,
    activity_type: str | None = None,
    status: str | None = None,
) -> Page[Activity]:
    """getActivitiesInRange: live activities that occurred within [start, end], oldest first."""
    access.require_read(ctx, organization_id)
    bounds = periods.checked_range(ctx, start, end, bounded=False)
    query = Activity.filter(
        organization_id=organization_id,
        deleted_at__isnull=True,
        occurred_at__gte=bounds.start,
        occurred_at__lte=bounds.end,
    ).order_by("occurred_at", "id")
    if activity_type is not None:
        query = query.filter(activity_type=activity_type)
    if status is not None:
        query = query.filter(status=status)
    return await paginate(query, window)
