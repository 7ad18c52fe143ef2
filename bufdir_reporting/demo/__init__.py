"""Deterministic demo data: organisations, periods, the report structure and activities
(``load_demo_data``), then, in this order, the snapshots and the grant submission of a service in
use (``load_history``), 2025's approved quarters (``load_published``) and the first quarter of 2026
on the case officer's worklist (``load_worklist``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from ..config import Settings
from ..models import (
    Activity,
    ActivityParticipant,
    FieldDefinition,
    Organization,
    Period,
    Section,
)
from ..resolvers.base import revision
from ..resolvers.structure.rules import AggregationRule
from . import activities, reference, structure
from .forms import load_forms
from .history import HistorySummary, load_history
from .published import load_published
from .translations import load_translations
from .validation_rules import load_validation_rules
from .worklist import load_worklist

__all__ = [
    "DemoSummary",
    "is_empty",
    "load_demo_data",
    "load_history",
    "load_in_use",
    "load_published",
    "load_structure",
    "load_worklist",
]

DEFAULT_ACTIVITY_COUNT = 50_000
STRUCTURE_VALID_FROM = date(2020, 1, 1)
BATCH = 2_000

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class InUse:
    history: HistorySummary
    approved: int
    """2025's quarterly reports submitted and approved (``load_published``)."""
    submitted: int
    """The first quarter of 2026's reports submitted for review (``load_worklist``)."""


@dataclass(frozen=True, slots=True)
class DemoSummary:
    organizations: int
    periods: int
    sections: int
    fields: int
    activities: int


async def is_empty() -> bool:
    return not await Organization.exists()


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


async def load_structure() -> tuple[int, int]:
    """The demo report structure (8 sections, 57 fields of which 34 required), valid from 2020;
    returns the counts."""
    field_rows = []
    for order, section in enumerate(structure.SECTIONS, start=1):
        await Section.create(
            id=section["id"],
            title=section["title"],
            description=section["description"],
            order=order,
            valid_from=STRUCTURE_VALID_FROM,
        )
        for position, spec in enumerate(section["fields"], start=1):
            field_rows.append(
                FieldDefinition(
                    section_id=section["id"],
                    key=spec["key"],
                    open_key=spec["key"],
                    label=spec["label"],
                    description=spec["description"],
                    data_type=spec["data_type"],
                    required=spec["required"],
                    min_value=_decimal(spec["min_value"]),
                    max_value=_decimal(spec["max_value"]),
                    unit=spec["unit"],
                    position=position,
                    aggregation_rule=AggregationRule.canonical(spec["aggregation_rule"]),
                    valid_from=STRUCTURE_VALID_FROM,
                )
            )
    await FieldDefinition.bulk_create(field_rows)
    await revision.bump()
    return len(structure.SECTIONS), len(field_rows)


async def _load_reference() -> tuple[int, int, int, int]:
    await Organization.bulk_create([Organization(**org) for org in reference.ORGANIZATIONS])
    periods = reference.periods()
    await Period.bulk_create([Period(**period) for period in periods])
    sections, fields = await load_structure()
    return len(reference.ORGANIZATIONS), len(periods), sections, fields


async def _load_activities(count: int, progress: Progress) -> None:
    generated = activities.generate(reference.ORGANIZATIONS, count)
    done = 0
    while batch := list(islice(generated, BATCH)):
        await Activity.bulk_create([item.model() for item in batch])
        await ActivityParticipant.bulk_create(
            [ActivityParticipant(activity_id=item.id, participant_ref=ref) for item in batch for ref in item.participant_refs]
        )
        done += len(batch)
        if done % 10_000 == 0 or done == count:
            progress(f"activities: {done:,}/{count:,}")


async def _advance_sequences() -> None:
    """Demo rows carry explicit ids; PostgreSQL's sequences must continue after them."""
    connection = get_connection("default")
    if connection.capabilities.dialect != "postgres":
        return
    for table in ("activity", "activity_participant"):
        await connection.execute_script(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


async def load_demo_data(*, activity_count: int = DEFAULT_ACTIVITY_COUNT, progress: Progress = lambda _: None) -> DemoSummary:
    """Load everything in one transaction: a failure leaves the database as it was."""
    async with in_transaction():
        progress("organisations, periods and the report structure")
        organizations, periods, sections, fields = await _load_reference()
        await load_forms()
        await load_translations()
        await load_validation_rules()
        await _load_activities(activity_count, progress)
        await _advance_sequences()
    return DemoSummary(organizations, periods, sections, fields, activity_count)


async def load_in_use(settings: Settings, *, progress: Progress = lambda _: None) -> InUse:
    """After ``load_demo_data``: the service as it has been used. 2025's quarters are approved
    before the first quarter of 2026 is submitted, as they would have been: a submitted report
    keeps the prior values it was sent with, so org-3310's quarter, submitted first, showed no
    prior figure for what its last quarter had entered by hand (outsider, polish4)."""
    history = await load_history(settings, progress=progress)
    approved = await load_published(settings, progress=progress)
    submitted = await load_worklist(settings, progress=progress)
    return InUse(history, approved, submitted)
