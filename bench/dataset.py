"""The benchmark's deterministic data, loaded with PostgreSQL COPY.

* organisations ``org-b0001`` ... (every other one a child welfare service, the rest volunteer
  organisations), the demo report structure (8 sections, 57 fields), and 12 quarters
  ``rp-2023-q2`` ... ``rp-2026-q1``;
* activities from the demo generator (seeded; 2023-01-01 .. 2026-03-31, weighted to child welfare
  services, with participant references drawn from a pool per organisation);
* for every organisation and quarter a current snapshot with all 57 field values, each with its
  prior quarter's value, and metrics: what the read scenarios (S1, S3, S6, S7) serve. These are
  written directly (made by the engine they would take minutes to build); S4 and S5 run the
  real engine over the activities.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import islice

import asyncpg

from bufdir_reporting.demo import activities as generator
from bufdir_reporting.demo import load_structure
from bufdir_reporting.demo.reference import _quarter
from bufdir_reporting.models import (
    FieldDefinition,
    Organization,
    OrganizationKind,
    Period,
)
from bufdir_reporting.resolvers.periods import period_bounds
from bufdir_reporting.resolvers.snapshots.scopes import scope_key

QUARTERS = [(2023, 2), (2023, 3), (2023, 4), *[(y, q) for y in (2024, 2025) for q in (1, 2, 3, 4)], (2026, 1)]
SEED = 20261122
COPY_BATCH = 50_000

ACTIVITY_COLUMNS = (
    "id",
    "organization_id",
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
    "created_at",
    "updated_at",
)


@dataclass(frozen=True)
class Dataset:
    organizations: int
    activities: int
    periods: int = len(QUARTERS)

    @property
    def organization_ids(self) -> list[str]:
        return [f"org-b{n:04d}" for n in range(1, self.organizations + 1)]

    @property
    def period_ids(self) -> list[str]:
        return [f"rp-{year}-q{quarter}" for year, quarter in QUARTERS]

    def describe(self) -> dict[str, int]:
        return asdict(self) | {"snapshots": self.organizations * self.periods}


def organizations(dataset: Dataset) -> list[dict]:
    kinds = (OrganizationKind.CHILD_WELFARE_SERVICE, OrganizationKind.VOLUNTEER_ORGANIZATION)
    return [
        {"id": org_id, "name": f"Benchmark-organisasjon {n}", "kind": kinds[n % 2]}
        for n, org_id in enumerate(dataset.organization_ids, start=1)
    ]


def activity_records(
    dataset: Dataset, count: int | None = None, *, first_id: int | None = None, seed: int = SEED
) -> Iterator[tuple[tuple, list[tuple[int, str]]]]:
    """(activity record in ACTIVITY_COLUMNS order, its participant records), deterministic."""
    now = datetime(2026, 4, 1, tzinfo=UTC)
    offset = 0 if first_id is None else first_id - generator.FIRST_ACTIVITY_ID
    for item in generator.generate(organizations(dataset), count or dataset.activities, seed=seed):
        activity_id = item.id + offset
        yield (
            (
                activity_id,
                item.organization_id,
                item.source_system,
                f"ext-{activity_id}",
                item.activity_type,
                item.category,
                item.status,
                item.location,
                item.occurred_at,
                item.ended_at,
                item.recorded_at,
                item.participant_count,
                item.hours,
                now,
                now,
            ),
            [(activity_id, ref) for ref in item.participant_refs],
        )


async def copy_activities(
    connection: asyncpg.Connection, records: Iterator[tuple[tuple, list]], progress: Callable[[str], None] | None = None
) -> int:
    done = 0
    while batch := list(islice(records, COPY_BATCH)):
        await connection.copy_records_to_table("activity", records=[a for a, _ in batch], columns=ACTIVITY_COLUMNS)
        await connection.copy_records_to_table(
            "activity_participant", records=[p for _, ps in batch for p in ps], columns=("activity_id", "participant_ref")
        )
        done += len(batch)
        if progress is not None:
            progress(f"activities: {done:,}")
    return done


def _snapshot_rows(dataset: Dataset, definitions: list[FieldDefinition], periods: list[Period]) -> tuple[list, list]:
    rng = random.Random(SEED)
    snapshots, values = [], []
    created = datetime(2026, 4, 2, tzinfo=UTC)
    for org_id in dataset.organization_ids:
        prior_id, prior_values = None, {}
        for period in periods:
            snapshot_id = f"snap-bench-{org_id}-{period.id}"
            bounds = period_bounds(period)
            created += timedelta(seconds=1)
            categories = {
                name: {
                    "activities": rng.randint(10, 400),
                    "participants": rng.randint(10, 900),
                    "hours": f"{rng.randint(10, 2000)}.50",
                }
                for name in generator.CATEGORIES
            }
            snapshots.append(
                (
                    snapshot_id,
                    org_id,
                    period.id,
                    bounds.start,
                    bounds.end,
                    "current",
                    scope_key(org_id, period.id),
                    prior_id,
                    True,
                    sum(c["activities"] for c in categories.values()),
                    sum(c["participants"] for c in categories.values()),
                    rng.randint(50, 400),
                    Decimal(sum(Decimal(c["hours"]) for c in categories.values())),
                    json.dumps(categories),
                    len(definitions),
                    len(definitions),
                    "[]",
                    "bench",
                    created,
                    created,
                    created,
                )
            )
            current = {}
            for definition in definitions:
                if definition.data_type == "text":
                    number, text = None, f"Kommentar {rng.randint(1, 99)}"
                else:
                    number, text = Decimal(rng.randint(0, 100)), None
                current[definition.key] = (number, text)
                prior_number, prior_text = prior_values.get(definition.key, (None, None))
                values.append(
                    (
                        snapshot_id,
                        definition.id,
                        definition.key,
                        definition.section_id,
                        number,
                        text,
                        prior_number,
                        prior_text,
                        "manual" if definition.aggregation_rule is None else "fagsystem-cis",
                    )
                )
            prior_id, prior_values = snapshot_id, current
    return snapshots, values


async def load(connection: asyncpg.Connection, dataset: Dataset, progress: Callable[[str], None]) -> float:
    """Load everything into an empty, migrated database (Tortoise initialised); returns seconds."""
    started = time.perf_counter()
    await Organization.bulk_create([Organization(**org) for org in organizations(dataset)])
    await Period.bulk_create([Period(**_quarter(year, quarter)) for year, quarter in QUARTERS])
    await load_structure()
    progress(f"{dataset.organizations} organisations, {dataset.periods} quarters, report structure")
    await copy_activities(connection, activity_records(dataset), progress)
    definitions = await FieldDefinition.all().order_by("section_id", "position")
    periods = await Period.filter(id__in=dataset.period_ids).order_by("start")
    snapshots, values = _snapshot_rows(dataset, definitions, periods)
    await connection.copy_records_to_table(
        "snapshot",
        records=snapshots,
        columns=(
            "id",
            "organization_id",
            "period_id",
            "range_start",
            "range_end",
            "status",
            "current_slot",
            "prior_snapshot_id",
            "cache_valid",
            "activity_count",
            "participant_count",
            "unique_participants",
            "hours_delivered",
            "category_breakdown",
            "field_count",
            "populated_field_count",
            "missing_required_fields",
            "created_by",
            "aggregated_at",
            "created_at",
            "updated_at",
        ),
    )
    await connection.copy_records_to_table(
        "field_value",
        records=values,
        columns=(
            "snapshot_id",
            "field_definition_id",
            "field_key",
            "section_key",
            "value",
            "text_value",
            "prior_value",
            "prior_text_value",
            "data_source",
        ),
    )
    progress(f"{len(snapshots):,} snapshots with {len(values):,} field values")
    for table in ("activity", "activity_participant", "field_value"):
        await connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )
    await connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - started
