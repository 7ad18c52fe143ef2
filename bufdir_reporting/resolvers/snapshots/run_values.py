"""What an aggregation run writes: one value per field (computed, or the manual value carried
over, with the prior period's beside it), the run's metrics, and the category breakdown as
readers see it. Split from ``runs`` (which claims, runs and finishes the job): pure functions
of the engine's figures, tested alone (test_run_values)."""

from __future__ import annotations

from typing import Any

from ...models import FieldDefinition, FieldValue
from ..aggregation.results import Aggregate
from ..base.rows import AnySnapshot
from ..structure.rules import BUFDIR_CATEGORIES, CATEGORY_ORDER

MANUAL = "manual"


def new_values(
    snapshot_id: str,
    definitions: list[FieldDefinition],
    result: Aggregate,
    *,
    prior: dict[str, FieldValue],
    carried: dict[str, FieldValue],
) -> list[FieldValue]:
    """One value per field: computed where the field has a rule, else the manual value carried
    over from the snapshot being replaced; the prior period's value beside it."""
    rows = []
    for definition in definitions:
        computed = result.values.get(definition.key)
        manual = carried.get(definition.key)
        before = prior.get(definition.key)
        rows.append(
            FieldValue(
                snapshot_id=snapshot_id,
                field_definition_id=definition.id,
                field_key=definition.key,
                section_key=definition.section_id,
                value=computed.value if computed else (manual.value if manual else None),
                text_value=None if computed or manual is None else manual.text_value,
                prior_value=before.value if before else None,
                prior_text_value=before.text_value if before else None,
                data_source=computed.data_source if computed else (MANUAL if manual else None),
                set_by=manual.set_by if manual and not computed else None,
                set_at=manual.set_at if manual and not computed else None,
            )
        )
    return rows


def metrics_of(result: Aggregate) -> dict[str, Any]:
    return {
        "activity_count": result.activity_count,
        "participant_count": result.participant_count,
        "unique_participants": result.unique_participants,
        "hours_delivered": result.hours,
        "category_breakdown": {
            name: {"activities": c.activities, "participants": c.participants, "hours": str(c.hours)}
            for name, c in result.categories.items()
        },
    }


def category_breakdown(snapshot: AnySnapshot) -> dict[str, dict[str, Any]]:
    """Every Bufdir category in the report's order, zero where the snapshot counted none: a
    reader (the legacy contract prints all four of its categories) never meets a missing key."""
    stored = snapshot.category_breakdown or {}
    empty = {"activities": 0, "participants": 0, "hours": "0"}
    return {name: stored.get(name, empty) for name in (*CATEGORY_ORDER, *sorted(set(stored) - BUFDIR_CATEGORIES))}
